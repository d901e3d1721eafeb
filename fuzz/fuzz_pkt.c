/* libFuzzer harness: the frame decoder on every link type tcpeek accepts
 * (Ethernet with up to two VLAN tags, Linux cooked v1 and v2, raw IP, BSD
 * loopback NULL and LOOP) and every checksum mode.  The first byte picks
 * the link type (low 3 bits)
 * and the checksum mode; the rest is the captured frame (libFuzzer's
 * buffer has exactly its size, so ASan catches any read past it).
 * Beyond the sanitizers, what decoded is checked for consistency: the
 * layers found are in order, lengths agree with each other and with the
 * capture in either IP family (IPv6: 40 bytes and whole extension
 * headers), neighbour discovery comes only with a verified checksum, and
 * the formatting helpers accept every decoded value.
 * tcpeek decodes with pkt_decode_fast, which promises the same result as
 * pkt_decode for every input: both run on each input, into frames filled
 * with the same pattern, and must return and write the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "net/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An address of the family the link announced, formatted. */
static void check_addr(const struct addr *a, int family)
{
	char s[ADDR_PORT_STRLEN];

	if (a->family != family)
		abort();
	addr_fmt(s, a);
	addr_fmt_port(s, a, 65535);
}

/* The quoted packet of an ICMP error, IPv4 or IPv6. */
static void check_quote(const struct pkt_icmp *ic, int family)
{
	if (!ic->has_quote)
		return;
	if (ic->q_ip.proto != PKT_IPPROTO_TCP || ic->q_ip.later_frag)
		abort();
	if (family == AF_INET && ic->q_ip.hlen < 20)
		abort();
	if (family == AF_INET6 && (ic->q_ip.hlen < 40 || (ic->q_ip.hlen - 40) % 8 != 0))
		abort();
	check_addr(&ic->q_ip.src, family);
	check_addr(&ic->q_ip.dst, family);
}

/* What the sum of an ND message checks, recomputed here apart from the
 * codec: its whole message under the IPv6 pseudo-header sums to zero. */
static void check_nd_csum(const struct pkt_frame *f, const uint8_t *buf)
{
	const uint8_t *m = buf + f->l3_off + f->ip.hlen;
	size_t len = (size_t)f->ip.length - f->ip.hlen;
	uint8_t ph[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                  (uint8_t)len, 0, 0, 0, PKT_IPPROTO_ICMPV6 };
	uint32_t sum = pkt_csum_add(0, f->ip.src.u.b, 16);

	sum = pkt_csum_add(sum, f->ip.dst.u.b, 16);
	sum = pkt_csum_add(sum, ph, sizeof(ph));
	if (pkt_csum_fold(pkt_csum_add(sum, m, len)) != 0)
		abort();
}

static void check(const struct pkt_frame *f, const uint8_t *buf, size_t caplen,
                  enum pkt_err err)
{
	char mac[PKT_MAC_STRLEN], fl[PKT_FLAGS_STRLEN];
	int family = 0;

	if (pkt_strerror(err) == NULL)
		abort();
	if ((f->has_nbr || f->has_ip) && (!f->has_eth || f->l3_off > caplen))
		abort();
	/* ND is an IPv6 packet; ARP is not */
	if (f->has_nbr && f->has_ip &&
	    (f->eth.type != PKT_ETHERTYPE_IPV6 || f->ip.proto != PKT_IPPROTO_ICMPV6))
		abort();
	if ((f->has_tcp || f->has_icmp) && !f->has_ip)
		abort();
	if (f->has_tcp + f->has_icmp + (f->has_nbr && f->has_ip) > 1)
		abort();
	if (f->has_ip && f->ip.later_frag && (f->has_tcp || f->has_icmp || f->has_nbr))
		abort();
	if (f->has_eth) {
		pkt_fmt_mac(mac, f->eth.src);
		pkt_fmt_mac(mac, f->eth.dst);
		if (f->eth.nvlan > PKT_MAX_VLAN)
			abort();
	}
	if (f->has_ip) {
		/* the header was captured whole and fits its total length */
		if (f->eth.type == PKT_ETHERTYPE_IPV4) {
			family = AF_INET;
			if (f->ip.hlen < 20 || f->ip.hlen > 60 ||
			    (f->ip.tot_len != 0 && f->ip.length != f->ip.tot_len))
				abort();
		} else if (f->eth.type == PKT_ETHERTYPE_IPV6) {
			family = AF_INET6;
			if (f->ip.hlen < 40 || (f->ip.hlen - 40) % 8 != 0 ||
			    f->ip.hlen > 40 + PKT_IP6_MAX_EXT * 2048 || f->ip.id != 0 ||
			    (f->ip.tot_len != 0 && f->ip.length != 40u + f->ip.tot_len))
				abort();
		} else {
			abort();
		}
		if (f->ip.length < f->ip.hlen || f->l3_off + f->ip.hlen > caplen)
			abort();
		check_addr(&f->ip.src, family);
		check_addr(&f->ip.dst, family);
	}
	if (f->has_nbr) {
		pkt_fmt_mac(mac, f->nbr.sha);
		pkt_fmt_mac(mac, f->nbr.tha);
		if (f->nbr.op != PKT_NBR_REQUEST && f->nbr.op != PKT_NBR_REPLY && f->has_ip)
			abort();
		check_addr(&f->nbr.spa, f->has_ip ? AF_INET6 : AF_INET);
		check_addr(&f->nbr.tpa, f->has_ip ? AF_INET6 : AF_INET);
		if (f->has_ip) {
			/* neighbour discovery: whole, summed right, hop limit as
			 * received, flags only R/S/O */
			if (err != PKT_OK || f->nbr.hlim != f->ip.ttl ||
			    (f->nbr.nd_flags & ~(PKT_ND_ROUTER | PKT_ND_SOLICITED | PKT_ND_OVERRIDE)) ||
			    f->l3_off + f->ip.length > caplen || f->ip.length - f->ip.hlen < 24)
				abort();
			check_nd_csum(f, buf);
		}
	}
	if (f->has_tcp) {
		if (f->tcp.hlen < 20 ||
		    (size_t)f->ip.hlen + f->tcp.hlen + f->tcp.payload_len != f->ip.length)
			abort();
		pkt_fmt_tcpflags(fl, f->tcp.flags);
	}
	if (f->has_icmp) {
		if (f->icmp.unreach != (family == AF_INET ? f->icmp.type == PKT_ICMP_UNREACH :
		                                            f->icmp.type == PKT_ICMP6_UNREACH))
			abort();
		check_quote(&f->icmp, family);
	}
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
	       EQADDR(nbr.tpa) && EQ(nbr.has_sha) && EQ(nbr.hlim) && EQ(nbr.nd_flags) &&
	       EQ(ip.hlen) && EQ(ip.tos) && EQ(ip.tot_len) && EQ(ip.length) && EQ(ip.id) &&
	       EQ(ip.frag) && EQ(ip.later_frag) && EQ(ip.ttl) && EQ(ip.proto) && EQADDR(ip.src) &&
	       EQADDR(ip.dst) &&
	       EQ(tcp.sport) && EQ(tcp.dport) && EQ(tcp.seq) && EQ(tcp.ack) &&
	       EQ(tcp.hlen) && EQ(tcp.flags) && EQ(tcp.win) && EQ(tcp.mss) &&
	       EQ(tcp.payload_len) &&
	       EQ(icmp.type) && EQ(icmp.code) && EQ(icmp.unreach) && EQ(icmp.has_quote) &&
	       EQADDR(icmp.q_ip.src) && EQADDR(icmp.q_ip.dst) && EQ(icmp.q_ip.hlen) &&
	       EQ(icmp.q_ip.proto) && EQ(icmp.q_ip.later_frag) && EQ(icmp.q_ip.length) &&
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
	check(&f, data + 1, size - 1, err);
	if (pkt_decode_fast(link, data + 1, size - 1, cs, &g) != err || !same_frame(&f, &g))
		abort();
	return 0;
}
