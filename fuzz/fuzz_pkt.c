/* libFuzzer harness: the frame decoder on every link type tcpeek accepts
 * (Ethernet with up to two VLAN tags, Linux cooked v1 and v2, raw IP, BSD
 * loopback NULL and LOOP) and every checksum mode.  The first byte picks
 * the link type (low 3 bits)
 * and the checksum mode; the rest is the captured frame (libFuzzer's
 * buffer has exactly its size, so ASan catches any read past it).
 * Beyond the sanitizers, what decoded is checked for consistency: the
 * layers found are in order, lengths agree with each other and with the
 * capture, and the formatting helpers accept every decoded value.
 * tcpeek decodes with pkt_decode_fast, which promises the same result as
 * pkt_decode for every input: both run on each input, into frames filled
 * with the same pattern, and must return and write the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct pkt_frame *f, size_t caplen, enum pkt_err err)
{
	char mac[PKT_MAC_STRLEN], ip[PKT_IP4_STRLEN], fl[PKT_FLAGS_STRLEN];

	if (pkt_strerror(err) == NULL)
		abort();
	if ((f->has_nbr || f->has_ip) && (!f->has_eth || f->l3_off > caplen))
		abort();
	if (f->has_nbr && f->has_ip)
		abort();
	if ((f->has_tcp || f->has_icmp) && !f->has_ip)
		abort();
	if (f->has_tcp && f->has_icmp)
		abort();
	if (f->has_eth) {
		pkt_fmt_mac(mac, f->eth.src);
		pkt_fmt_mac(mac, f->eth.dst);
		if (f->eth.nvlan > PKT_MAX_VLAN)
			abort();
	}
	if (f->has_nbr) {
		pkt_fmt_mac(mac, f->nbr.sha);
		pkt_fmt_ip4(ip, addr_get_ip4(&f->nbr.spa));
	}
	if (f->has_ip) {
		/* the header was captured whole and fits its total length */
		if (f->ip.hlen < 20 || f->ip.length < f->ip.hlen ||
		    (f->ip.tot_len != 0 && f->ip.length != f->ip.tot_len) ||
		    f->l3_off + f->ip.hlen > caplen)
			abort();
		pkt_fmt_ip4(ip, addr_get_ip4(&f->ip.src));
		pkt_fmt_ip4(ip, addr_get_ip4(&f->ip.dst));
	}
	if (f->has_tcp) {
		if (f->tcp.hlen < 20 ||
		    (size_t)f->ip.hlen + f->tcp.hlen + f->tcp.payload_len != f->ip.length)
			abort();
		pkt_fmt_tcpflags(fl, f->tcp.flags);
	}
	if (f->has_icmp && f->icmp.has_quote && f->icmp.q_ip.hlen < 20)
		abort();
}

#define EQ(m) (a->m == b->m)
#define EQMEM(m) (memcmp(a->m, b->m, sizeof(a->m)) == 0)
#define EQADDR(m) addr_eq(&a->m, &b->m)

/* Every member the decoders write (padding not compared). */
static int same_frame(const struct pkt_frame *a, const struct pkt_frame *b)
{
	return EQMEM(eth.dst) && EQMEM(eth.src) && EQ(eth.type) && EQ(eth.nvlan) &&
	       EQMEM(eth.vlan) && EQ(has_eth) && EQ(has_nbr) && EQ(has_ip) &&
	       EQ(has_tcp) && EQ(has_icmp) && EQ(l3_off) &&
	       EQ(nbr.op) && EQMEM(nbr.sha) && EQADDR(nbr.spa) && EQMEM(nbr.tha) &&
	       EQADDR(nbr.tpa) &&
	       EQ(ip.hlen) && EQ(ip.tos) && EQ(ip.tot_len) && EQ(ip.length) && EQ(ip.id) &&
	       EQ(ip.frag) && EQ(ip.later_frag) && EQ(ip.ttl) && EQ(ip.proto) && EQADDR(ip.src) &&
	       EQADDR(ip.dst) &&
	       EQ(tcp.sport) && EQ(tcp.dport) && EQ(tcp.seq) && EQ(tcp.ack) &&
	       EQ(tcp.hlen) && EQ(tcp.flags) && EQ(tcp.win) && EQ(tcp.mss) &&
	       EQ(tcp.payload_len) &&
	       EQ(icmp.type) && EQ(icmp.code) && EQ(icmp.unreach) && EQ(icmp.has_quote) &&
	       EQADDR(icmp.q_ip.src) && EQADDR(icmp.q_ip.dst) && EQ(icmp.q_ip.hlen) &&
	       EQ(icmp.q_sport) && EQ(icmp.q_dport) && EQ(icmp.q_seq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pkt_link links[] = { PKT_LINK_EN10MB, PKT_LINK_RAW, PKT_LINK_SLL,
	                                       PKT_LINK_SLL2, PKT_LINK_EN10MB, PKT_LINK_NULL,
	                                       PKT_LINK_EN10MB, PKT_LINK_LOOP };
	struct pkt_frame f, g;
	enum pkt_err err;

	if (size < 1)
		return 0;
	/* first byte picks link type and checksum mode */
	enum pkt_link link = links[data[0] & 7];
	enum pkt_csum_mode cs = (enum pkt_csum_mode)((data[0] >> 3) % 3);
	memset(&f, 0xa5, sizeof(f));
	memset(&g, 0xa5, sizeof(g));
	err = pkt_decode(link, data + 1, size - 1, cs, &f);
	check(&f, size - 1, err);
	if (pkt_decode_fast(link, data + 1, size - 1, cs, &g) != err || !same_frame(&f, &g))
		abort();
	return 0;
}
