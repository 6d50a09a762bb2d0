#ifndef MQSCOPE_CLIBPCAP_SHIM_H
#define MQSCOPE_CLIBPCAP_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1  /* fopencookie */
#endif
#include <pcap/pcap.h>
#include <stdio.h>
#include <errno.h>
#include <zlib.h>
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
/* A gzip-compressed capture (.pcap.gz, .pcapng.gz) as a FILE* that yields the decompressed bytes,
   for pcap_fopen_offline: zlib's gzread behind a stdio cookie (glibc fopencookie), so nothing is
   written to disk and memory stays one zlib window. NULL (errno set) where stdio has no cookies. */
#if defined(__GLIBC__)
static ssize_t mqscope_gz_read(void *cookie, char *buf, size_t size) {
    unsigned chunk = size > 0x40000000u ? 0x40000000u : (unsigned)size;
    int n = gzread((gzFile)cookie, buf, chunk);
    return n < 0 ? -1 : n;
}
static int mqscope_gz_close(void *cookie) { return gzclose((gzFile)cookie) == Z_OK ? 0 : -1; }
#endif
static inline FILE *mqscope_gzip_fopen(const char *path) {
#if defined(__GLIBC__)
    gzFile gz = gzopen(path, "rb");
    if (gz == NULL) return NULL;
    gzbuffer(gz, 256 * 1024);
    cookie_io_functions_t io = { mqscope_gz_read, NULL, NULL, mqscope_gz_close };
    FILE *f = fopencookie(gz, "rb", io);
    if (f == NULL) gzclose(gz);
    return f;
#else
    (void)path;
    errno = ENOSYS;
    return NULL;
#endif
}
#endif
