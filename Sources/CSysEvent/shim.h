#ifndef ICP_CSYSEVENT_SHIM_H
#define ICP_CSYSEVENT_SHIM_H
/* Glibc's Swift module leaves out epoll, eventfd and thread names. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

/* Names the calling thread (Linux keeps 15 bytes). prctl is variadic, so Swift cannot call it. */
static inline void icp_set_thread_name(const char *name) { prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }
#endif
