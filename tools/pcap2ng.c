/*
 * pcap2ng: rewrite a pcap file as pcapng (one section, one interface,
 * enhanced packet blocks, microsecond timestamps), so tests can check
 * that tcpeek -r reads both formats alike.  libpcap reads pcapng but
 * cannot write it, hence this small writer.
 *
 *   pcap2ng IN.pcap OUT.pcapng
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Blocks are written in host byte order; the byte-order magic in the
 * section header tells readers which that is. */
static int put32(FILE *f, uint32_t v)
{
	return fwrite(&v, 4, 1, f) == 1 ? 0 : -1;
}

static int put16(FILE *f, uint16_t v)
{
	return fwrite(&v, 2, 1, f) == 1 ? 0 : -1;
}

static int write_shb(FILE *f)
{
	const uint32_t len = 28;
	int rc = 0;

	rc |= put32(f, 0x0A0D0D0A);            /* section header block */
	rc |= put32(f, len);
	rc |= put32(f, 0x1A2B3C4D);            /* byte-order magic */
	rc |= put16(f, 1);                     /* version 1.0 */
	rc |= put16(f, 0);
	rc |= put32(f, 0xffffffff);            /* section length unknown */
	rc |= put32(f, 0xffffffff);
	rc |= put32(f, len);
	return rc;
}

static int write_idb(FILE *f, int linktype, int snaplen)
{
	const uint32_t len = 20;
	int rc = 0;

	rc |= put32(f, 1);                     /* interface description */
	rc |= put32(f, len);
	rc |= put16(f, (uint16_t)linktype);
	rc |= put16(f, 0);
	rc |= put32(f, (uint32_t)snaplen);
	rc |= put32(f, len);                   /* no options: µs resolution */
	return rc;
}

static int write_epb(FILE *f, const struct pcap_pkthdr *h, const u_char *data)
{
	static const uint8_t pad[4];
	uint32_t padded = (h->caplen + 3u) & ~3u;
	uint32_t len = 32 + padded;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	int rc = 0;

	rc |= put32(f, 6);                     /* enhanced packet block */
	rc |= put32(f, len);
	rc |= put32(f, 0);                     /* interface 0 */
	rc |= put32(f, (uint32_t)(ts >> 32));
	rc |= put32(f, (uint32_t)ts);
	rc |= put32(f, h->caplen);
	rc |= put32(f, h->len);
	if (fwrite(data, 1, h->caplen, f) != h->caplen ||
	    fwrite(pad, 1, padded - h->caplen, f) != padded - h->caplen)
		rc = -1;
	rc |= put32(f, len);
	return rc;
}

/* The file's LINKTYPE_ value: libpcap hands out DLT_ values, equal for
 * all but raw IP (DLT_RAW is 12 on Linux, LINKTYPE_RAW 101). */
static int linktype_of(pcap_t *p)
{
	int dlt = pcap_datalink(p);

	return dlt == DLT_RAW ? 101 : dlt;
}

int main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *in;
	FILE *out;
	int rc, status = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: pcap2ng IN.pcap OUT.pcapng\n");
		return 2;
	}
	in = pcap_open_offline(argv[1], ebuf);
	if (!in) {
		fprintf(stderr, "pcap2ng: %s\n", ebuf);
		return 1;
	}
	out = fopen(argv[2], "wb");
	if (!out) {
		fprintf(stderr, "pcap2ng: %s: %s\n", argv[2], strerror(errno));
		pcap_close(in);
		return 1;
	}
	if (write_shb(out) || write_idb(out, linktype_of(in), pcap_snapshot(in)))
		status = 1;
	while (!status && (rc = pcap_next_ex(in, &h, &data)) == 1)
		if (write_epb(out, h, data))
			status = 1;
	if (!status && rc == PCAP_ERROR) {
		fprintf(stderr, "pcap2ng: %s: %s\n", argv[1], pcap_geterr(in));
		status = 1;
	}
	if (fclose(out) != 0)
		status = 1;
	if (status && errno)
		fprintf(stderr, "pcap2ng: %s: %s\n", argv[2], strerror(errno));
	pcap_close(in);
	return status;
}
