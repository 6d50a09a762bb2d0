/* The baseline for the benchmark: the least work any pcap reader must do — libpcap reads every
 * record and we touch its length. mqscope's ratio to this loop is its overhead over raw I/O.
 *
 *     pcap_loop FILE            pcap_open_offline, as a plain program would (the baseline)
 *     pcap_loop --tuned FILE    the file opened the way mqscope opens it: a 256 KiB stdio buffer
 *                               with stdio locking off, handed to pcap_fopen_offline */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char err[PCAP_ERRBUF_SIZE];
    int tuned = argc == 3 && strcmp(argv[1], "--tuned") == 0;
    if (argc != 2 && !tuned) { fprintf(stderr, "usage: pcap_loop [--tuned] FILE\n"); return 2; }
    const char *path = argv[argc - 1];
    pcap_t *p;
    if (tuned) {
        FILE *f = fopen(path, "rb");
        if (!f) { perror(path); return 2; }
        size_t size = 256 << 10;
        setvbuf(f, malloc(size), _IOFBF, size);
        __fsetlocking(f, FSETLOCKING_BYCALLER);
        p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
    } else {
        p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    }
    if (!p) { fprintf(stderr, "%s\n", err); return 2; }
    struct pcap_pkthdr *h; const u_char *d;
    unsigned long long frames = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) { frames++; bytes += h->caplen; if (h->caplen) sum += d[h->caplen - 1]; }
    printf("%llu frames %llu bytes (checksum %llu)\n", frames, bytes, sum);
    pcap_close(p);
    return rc == -2 ? 0 : 1;
}
