#ifndef ICP_CARES_SHIM_H
#define ICP_CARES_SHIM_H
#include <ares.h>
#include <netinet/in.h>
#endif
