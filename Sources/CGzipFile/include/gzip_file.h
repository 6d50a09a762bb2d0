#ifndef MQSCOPE_GZIP_FILE_H
#define MQSCOPE_GZIP_FILE_H
#include <stdio.h>

/* A gzip-compressed capture (.pcap.gz, .pcapng.gz) opened as a FILE* that yields the decompressed
   bytes, for pcap_fopen_offline. NULL with errno set when it cannot be opened (ENOSYS where stdio
   has no cookie streams). */
FILE *mqscope_gzip_fopen(const char *path);

#endif
