#include "bare_sax.h"
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <string.h>

static void on_start(void *ctx, const xmlChar *name, const xmlChar **attrs) { (void)name; (void)attrs; ++*(long *)ctx; }
static void on_end(void *ctx, const xmlChar *name) { (void)ctx; (void)name; }
static void on_text(void *ctx, const xmlChar *ch, int len) { (void)ctx; (void)ch; (void)len; }

long bare_sax_parse(const unsigned char *bytes, size_t length, size_t chunk, const char *encoding) {
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = on_start;
    sax.endElement = on_end;
    sax.characters = on_text;
    sax.cdataBlock = on_text;
    long elements = 0;
    int utf8 = strcmp(encoding, "UTF-8") == 0;
    htmlParserCtxtPtr ctxt = htmlCreatePushParserCtxt(&sax, &elements, NULL, 0, NULL,
                                                      utf8 ? XML_CHAR_ENCODING_UTF8 : XML_CHAR_ENCODING_NONE);
    htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                 HTML_PARSE_IGNORE_ENC);
    if (!utf8) xmlSwitchToEncoding(ctxt, xmlFindCharEncodingHandler(encoding));
    for (size_t i = 0; i < length; i += chunk) {
        size_t n = length - i < chunk ? length - i : chunk;
        htmlParseChunk(ctxt, (const char *)bytes + i, (int)n, 0);
    }
    htmlParseChunk(ctxt, NULL, 0, 1);
    htmlFreeParserCtxt(ctxt);
    return elements;
}
