/* zlib's gzread behind a glibc stdio cookie (fopencookie): nothing is written to disk and memory
   stays one zlib window. Compiled on its own, with _GNU_SOURCE, so that the feature macro never
   reaches the headers Swift's Glibc module sees. */
#define _GNU_SOURCE 1
#include "gzip_file.h"
#include <errno.h>
#include <zlib.h>

#if defined(__GLIBC__)
static ssize_t gz_read(void *cookie, char *buf, size_t size) {
    unsigned chunk = size > 0x40000000u ? 0x40000000u : (unsigned)size;
    int n = gzread((gzFile)cookie, buf, chunk);
    return n < 0 ? -1 : n;
}

static int gz_close(void *cookie) { return gzclose((gzFile)cookie) == Z_OK ? 0 : -1; }
#endif

FILE *mqscope_gzip_fopen(const char *path) {
#if defined(__GLIBC__)
    gzFile gz = gzopen(path, "rb");
    if (gz == NULL) return NULL;
    gzbuffer(gz, 256 * 1024);
    cookie_io_functions_t io = { gz_read, NULL, NULL, gz_close };
    FILE *f = fopencookie(gz, "rb", io);
    if (f == NULL) gzclose(gz);
    return f;
#else
    (void)path;
    errno = ENOSYS;
    return NULL;
#endif
}
