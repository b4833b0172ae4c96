#ifndef BARE_SAX_H
#define BARE_SAX_H
#include <stddef.h>

/* The scanner's limit: libxml2's HTML push parser over the same bytes, with the same options,
   encoding and chunking, and SAX callbacks that do nothing. Returns the elements seen. */
long bare_sax_parse(const unsigned char *bytes, size_t length, size_t chunk, const char *encoding);

#endif
