#ifndef ICP_UTF8_H
#define ICP_UTF8_H
#include <stddef.h>
#include <stdint.h>

/* Length of the longest prefix of `p` that is well-formed UTF-8 with no NUL byte. A sequence
   cut by the end of the buffer ends the prefix too; `*incomplete` says whether that is why.
   When an ill-formed sequence ends it, `*invalid` is that sequence's length as the WHATWG
   decoder counts it (a lead byte and the continuation bytes it allows, before the first it
   does not): what a browser shows as one U+FFFD. Otherwise `*invalid` is 0. */
size_t icp_utf8_valid_prefix(const uint8_t *p, size_t n, int *incomplete, size_t *invalid);

/* Length of the run of NUL bytes at the start of `p`. */
size_t icp_nul_run(const uint8_t *p, size_t n);

#endif
