/* The baseline for the benchmark: the least work any pcap reader must do — libpcap reads every
 * record and we touch its length. mqscope's ratio to this loop is its overhead over raw I/O. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv) {
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) { fprintf(stderr, "usage: pcap_loop FILE\n"); return 2; }
    pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) { fprintf(stderr, "%s\n", err); return 2; }
    struct pcap_pkthdr *h; const u_char *d;
    unsigned long long frames = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) { frames++; bytes += h->caplen; if (h->caplen) sum += d[h->caplen - 1]; }
    printf("%llu frames %llu bytes (checksum %llu)\n", frames, bytes, sum);
    pcap_close(p);
    return rc == -2 ? 0 : 1;
}
