#ifndef ICP_CSYSEVENT_SHIM_H
#define ICP_CSYSEVENT_SHIM_H
/* Glibc's Swift module leaves out epoll and eventfd. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
