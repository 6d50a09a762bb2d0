#ifndef MQSCOPE_CLIBPCAP_SHIM_H
#define MQSCOPE_CLIBPCAP_SHIM_H
#include <pcap/pcap.h>
#include <stdio.h>
#if defined(__GLIBC__)
#include <stdio_ext.h>
#endif

/* Capture files are read by one thread only: stdio's per-call locking is pure overhead there
   (two fread calls per record). */
static inline void mqscope_unlocked_stdio(FILE *file) {
#if defined(__GLIBC__)
    __fsetlocking(file, FSETLOCKING_BYCALLER);
#else
    (void)file;
#endif
}
#endif
