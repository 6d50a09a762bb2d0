/* The benchmark's limit for decoding commands: libpcap reads every record, the Ethernet/IPv4/IPv6
 * and TCP headers are parsed, each connection direction is found in a hash table, and its in-order
 * payload is framed into MQTT packets (fixed header, Remaining Length, body skipped) and counted by
 * type. Nothing is printed per packet and out-of-order segments are simply skipped, so this is
 * less work than any real analyzer must do: a lower bound, not a competitor.
 *
 *     mqtt_frame_loop FILE          prints "N frames, M MQTT packets" and the count per type
 */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t key[37];   /* addresses (v4 or v6), ports; zero-padded */
    uint8_t used;
    uint32_t next_seq; /* next expected sequence number */
    uint8_t synced;    /* next_seq valid */
    uint8_t stage;     /* 0: fixed header byte, 1: Remaining Length bytes, 2: body */
    uint8_t vbi_bytes;
    uint32_t remaining, multiplier;
} Flow;

#define TABLE (1u << 20)
static Flow *flows;
static unsigned long long by_type[16], packets;

static uint64_t hash(const uint8_t *k, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= k[i]; h *= 1099511628211ull; }
    return h;
}

static Flow *find(const uint8_t *key) {
    uint64_t h = hash(key, sizeof flows[0].key);
    for (uint32_t i = (uint32_t)h & (TABLE - 1);; i = (i + 1) & (TABLE - 1)) {
        Flow *f = &flows[i];
        if (!f->used) { memcpy(f->key, key, sizeof f->key); f->used = 1; return f; }
        if (memcmp(f->key, key, sizeof f->key) == 0) return f;
    }
}

static void frame(Flow *f, const uint8_t *p, uint32_t n) {
    uint32_t i = 0;
    while (i < n) {
        switch (f->stage) {
        case 0:
            by_type[p[i] >> 4]++; packets++;
            f->stage = 1; f->remaining = 0; f->multiplier = 1; f->vbi_bytes = 0; i++;
            break;
        case 1: {
            uint8_t b = p[i++];
            f->remaining += (uint32_t)(b & 0x7f) * f->multiplier;
            f->multiplier *= 128;
            if (!(b & 0x80) || ++f->vbi_bytes == 4) f->stage = f->remaining ? 2 : 0;
            break;
        }
        default: {
            uint32_t take = n - i < f->remaining ? n - i : f->remaining;
            i += take; f->remaining -= take;
            if (!f->remaining) f->stage = 0;
        }
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: mqtt_frame_loop FILE\n"); return 2; }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) { fprintf(stderr, "%s\n", err); return 2; }
    int link = pcap_datalink(p);
    flows = calloc(TABLE, sizeof *flows);
    struct pcap_pkthdr *h; const u_char *d;
    unsigned long long frames = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        frames++;
        const uint8_t *q = d; uint32_t n = h->caplen;
        if (link == DLT_EN10MB) {
            if (n < 14) continue;
            uint16_t et = (uint16_t)(q[12] << 8 | q[13]); q += 14; n -= 14;
            while (et == 0x8100 && n >= 4) { et = (uint16_t)(q[2] << 8 | q[3]); q += 4; n -= 4; }
            if (et != 0x0800 && et != 0x86dd) continue;
        } else if (link != DLT_RAW) continue;
        uint8_t key[37] = {0};
        const uint8_t *tcp; uint32_t left;
        if (n >= 20 && q[0] >> 4 == 4) {
            uint32_t ihl = (q[0] & 15u) * 4, total = (uint32_t)(q[2] << 8 | q[3]);
            if (q[9] != 6 || ihl < 20 || total > n || total < ihl) continue;
            memcpy(key, q + 12, 8); tcp = q + ihl; left = total - ihl;
        } else if (n >= 40 && q[0] >> 4 == 6) {
            uint32_t plen = (uint32_t)(q[4] << 8 | q[5]);
            if (q[6] != 6 || 40 + plen > n) continue;
            memcpy(key, q + 8, 32); tcp = q + 40; left = plen;
        } else continue;
        if (left < 20) continue;
        uint32_t off = (tcp[12] >> 4) * 4u;
        if (off < 20 || off > left) continue;
        memcpy(key + 32, tcp, 4);
        Flow *f = find(key);
        uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
        uint8_t flags = tcp[13];
        uint32_t len = left - off;
        if (flags & 0x02) { f->next_seq = seq + 1; f->synced = 1; f->stage = 0; continue; }
        if (!len) continue;
        if (!f->synced) { f->next_seq = seq; f->synced = 1; }
        if (seq != f->next_seq) continue; /* retransmission or out of order: skipped */
        frame(f, tcp + off, len);
        f->next_seq = seq + len;
    }
    static const char *names[16] = {"reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
        "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
    printf("%llu frames, %llu MQTT packets\n", frames, packets);
    for (int t = 0; t < 16; t++) if (by_type[t]) printf("  %s %llu\n", names[t], by_type[t]);
    pcap_close(p);
    return rc == -2 ? 0 : 1;
}
