/*
 * pcaprelink: rewrite an Ethernet pcap with another link layer, so tests
 * can feed tcpeek -r the same traffic as raw IP, Linux cooked v1 (what
 * `-i any` captures), Linux cooked v2, or BSD loopback: NULL (the family
 * written by a big-endian host, so readers must find its byte order) and
 * LOOP (network order).
 *
 *   pcaprelink raw|sll|sll2|null|loop IN.pcap OUT.pcap
 *
 * Each frame keeps its timestamp and its bytes after the Ethernet header
 * (and any VLAN tags); lengths shrink by the header difference.  Raw IP,
 * NULL and LOOP cannot carry non-IP frames, so those are left out there (a notice on
 * stderr counts them).
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LINKTYPE_RAW 101
#define LINKTYPE_SLL 113
#define LINKTYPE_SLL2 276
#define FRAME_MAX 262144

#define LINKTYPE_NULL 0
#define LINKTYPE_LOOP 108

enum kind { K_RAW, K_SLL, K_SLL2, K_NULL, K_LOOP };

static uint8_t out[FRAME_MAX + 32];

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

int main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	enum kind k;
	pcap_t *in, *dead;
	pcap_dumper_t *dump;
	int lt, rc;
	unsigned long skipped = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: pcaprelink raw|sll|sll2|null|loop IN.pcap OUT.pcap\n");
		return 2;
	}
	if (strcmp(argv[1], "raw") == 0) {
		k = K_RAW;
		lt = DLT_RAW;          /* libpcap writes it as LINKTYPE_RAW */
	} else if (strcmp(argv[1], "sll") == 0) {
		k = K_SLL;
		lt = LINKTYPE_SLL;
	} else if (strcmp(argv[1], "sll2") == 0) {
		k = K_SLL2;
		lt = LINKTYPE_SLL2;
	} else if (strcmp(argv[1], "null") == 0) {
		k = K_NULL;
		lt = LINKTYPE_NULL;
	} else if (strcmp(argv[1], "loop") == 0) {
		k = K_LOOP;
		lt = LINKTYPE_LOOP;
	} else {
		fprintf(stderr, "pcaprelink: unknown link '%s' (raw, sll, sll2, null or loop)\n", argv[1]);
		return 2;
	}
	in = pcap_open_offline(argv[2], ebuf);
	if (!in) {
		fprintf(stderr, "pcaprelink: %s\n", ebuf);
		return 1;
	}
	if (pcap_datalink(in) != DLT_EN10MB) {
		fprintf(stderr, "pcaprelink: %s: not an Ethernet capture\n", argv[2]);
		pcap_close(in);
		return 1;
	}
	dead = pcap_open_dead(lt, pcap_snapshot(in));
	dump = dead ? pcap_dump_open(dead, argv[3]) : NULL;
	if (!dump) {
		fprintf(stderr, "pcaprelink: %s: %s\n", argv[3], dead ? pcap_geterr(dead) : "pcap_open_dead");
		pcap_close(in);
		return 1;
	}
	while ((rc = pcap_next_ex(in, &h, &d)) == 1) {
		size_t off = 12, hl, body;
		uint16_t type;
		struct pcap_pkthdr oh = *h;

		/* ethertype after any 802.1Q / 802.1ad tags */
		if (h->caplen < 14) {
			skipped++;
			continue;
		}
		type = (uint16_t)(d[off] << 8 | d[off + 1]);
		while ((type == 0x8100 || type == 0x88a8) && off + 6 <= h->caplen) {
			off += 4;
			type = (uint16_t)(d[off] << 8 | d[off + 1]);
		}
		off += 2;
		if (off > h->caplen ||
		    ((k == K_RAW || k == K_NULL || k == K_LOOP) && type != 0x0800 && type != 0x86dd)) {
			skipped++;
			continue;
		}
		body = h->caplen - off;
		switch (k) {
		case K_RAW:
			hl = 0;
			break;
		case K_SLL:
			hl = 16;
			be16(out, 0);              /* to us */
			be16(out + 2, 1);          /* ARPHRD_ETHER */
			be16(out + 4, 6);
			memset(out + 6, 0, 8);
			memcpy(out + 6, d + 6, 6); /* the sender's MAC */
			be16(out + 14, type);
			break;
		case K_NULL:
		case K_LOOP:
			/* AF_INET 2; AF_INET6 as FreeBSD numbers it (28) */
			hl = 4;
			be32(out, type == 0x0800 ? 2 : 28);
			break;
		case K_SLL2:
		default:
			hl = 20;
			be16(out, type);
			be16(out + 2, 0);
			be32(out + 4, 2);          /* ifindex */
			be16(out + 8, 1);          /* ARPHRD_ETHER */
			out[10] = 0;               /* to us */
			out[11] = 6;
			memset(out + 12, 0, 8);
			memcpy(out + 12, d + 6, 6);
			break;
		}
		memcpy(out + hl, d + off, body);
		oh.caplen = (bpf_u_int32)(hl + body);
		oh.len = (bpf_u_int32)(h->len - off + hl);
		pcap_dump((u_char *)dump, &oh, out);
	}
	if (rc == PCAP_ERROR)
		fprintf(stderr, "pcaprelink: %s: %s\n", argv[2], pcap_geterr(in));
	if (skipped)
		fprintf(stderr, "pcaprelink: %lu frames left out\n", skipped);
	pcap_dump_close(dump);
	pcap_close(dead);
	pcap_close(in);
	return rc == PCAP_ERROR ? 1 : 0;
}
