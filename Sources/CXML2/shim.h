#ifndef ICP_CXML2_SHIM_H
#define ICP_CXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU; its headers would pull in ICU's, which clash with the
   ICU module Foundation ships. The scanner never uses the ICU parts of the API. */
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <libxml/encoding.h>
#endif
