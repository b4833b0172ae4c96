#ifndef ICP_CXLSXWRITER_SHIM_H
#define ICP_CXLSXWRITER_SHIM_H
/* libxlsxwriter (Debian's libxlsxwriter-dev): findings.xlsx, written in constant-memory mode. */
#include <xlsxwriter.h>
#endif
