/* Packet decoder: one parser per layer, each reading through a cursor. */
#include "net/pkt.h"
#include "net/cursor.h"

#include <stdio.h>

const char *pkt_strerror(enum pkt_err err)
{
	switch (err) {
	case PKT_OK: return "ok";
	case PKT_TRUNC: return "truncated header";
	case PKT_BAD_HLEN: return "impossible header length";
	case PKT_BAD_LEN: return "impossible total length";
	case PKT_BAD_VERSION: return "IP version does not match link type";
	case PKT_BAD_CSUM: return "bad checksum";
	case PKT_UNSUPPORTED: return "unsupported protocol or link type";
	}
	return "unknown error";
}

/* ---- checksums ---------------------------------------------------------- */

uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	/* keep the accumulator from overflowing on long inputs */
	while (sum >> 16 && sum > 0xffff0000u)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The pseudo-header sum: both addresses, the protocol and the length
 * (RFC 793 for IPv4; RFC 8200 8.1 for IPv6, where the length is 32 bits;
 * for the lengths an IPv4 packet can carry the two sums agree). */
static uint32_t pseudo(const struct addr *src, const struct addr *dst, uint8_t proto, size_t len)
{
	size_t n = addr_bytes(src->family);
	uint32_t sum = 0;

	sum = pkt_csum_add(sum, src->u.b, n);
	sum = pkt_csum_add(sum, dst->u.b, n);
	sum += proto;
	sum += (uint32_t)(len >> 16);
	sum += (uint32_t)(len & 0xffff);
	return sum;
}

uint16_t pkt_csum_tcp(const struct addr *src, const struct addr *dst, const uint8_t *seg,
                      size_t len)
{
	return pkt_csum_fold(pkt_csum_add(pseudo(src, dst, PKT_IPPROTO_TCP, len), seg, len));
}

/* ---- decoders ----------------------------------------------------------- */

static enum pkt_err dec_eth(struct cur *c, struct pkt_eth *e)
{
	uint16_t type;

	if (!cur_bytes(c, e->dst, PKT_ETH_ALEN) || !cur_bytes(c, e->src, PKT_ETH_ALEN) ||
	    !cur_be16(c, &type))
		return PKT_TRUNC;
	e->nvlan = 0;
	while (type == PKT_ETHERTYPE_VLAN || type == PKT_ETHERTYPE_QINQ) {
		uint16_t tci;

		if (e->nvlan == PKT_MAX_VLAN)
			return PKT_UNSUPPORTED;
		if (!cur_be16(c, &tci) || !cur_be16(c, &type))
			return PKT_TRUNC;
		e->vlan[e->nvlan++] = tci & 0x0fff;
	}
	e->type = type;
	return PKT_OK;
}

/* Linux cooked capture v1: 16-byte header, protocol in the last 2 bytes. */
static enum pkt_err dec_sll(struct cur *c, struct pkt_eth *e)
{
	uint16_t pkttype, hatype, halen, type;
	uint8_t addr[8];

	if (!cur_be16(c, &pkttype) || !cur_be16(c, &hatype) || !cur_be16(c, &halen) ||
	    !cur_bytes(c, addr, sizeof(addr)) || !cur_be16(c, &type))
		return PKT_TRUNC;
	memset(e, 0, sizeof(*e));
	if (halen == PKT_ETH_ALEN)
		memcpy(e->src, addr, PKT_ETH_ALEN);
	e->type = type;
	return PKT_OK;
}

/* Linux cooked capture v2: 20-byte header, protocol first. */
static enum pkt_err dec_sll2(struct cur *c, struct pkt_eth *e)
{
	uint16_t type, resv, hatype;
	uint32_t ifindex;
	uint8_t pkttype, halen, addr[8];

	if (!cur_be16(c, &type) || !cur_be16(c, &resv) || !cur_be32(c, &ifindex) ||
	    !cur_be16(c, &hatype) || !cur_u8(c, &pkttype) || !cur_u8(c, &halen) ||
	    !cur_bytes(c, addr, sizeof(addr)))
		return PKT_TRUNC;
	memset(e, 0, sizeof(*e));
	if (halen == PKT_ETH_ALEN)
		memcpy(e->src, addr, PKT_ETH_ALEN);
	e->type = type;
	return PKT_OK;
}

/* BSD loopback (NULL, LOOP): a 4-byte address family.  LOOP writes it in
 * network order; NULL in the byte order of the host that wrote the
 * capture, so, as tcpdump does, a value with high bits set is swapped. */
static enum pkt_err dec_null(struct cur *c, struct pkt_eth *e, int network_order)
{
	uint8_t b[4];
	uint32_t af;

	if (!cur_bytes(c, b, sizeof(b)))
		return PKT_TRUNC;
	memset(e, 0, sizeof(*e));
	if (network_order) {
		af = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	} else {
		af = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
		if (af & 0xffff0000u)
			af = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	}
	e->type = af == PKT_NULL_AF_INET ? PKT_ETHERTYPE_IPV4 :
	          PKT_NULL_IS_INET6(af) ? PKT_ETHERTYPE_IPV6 : 0;
	return PKT_OK;
}

static enum pkt_err dec_arp(struct cur *c, struct pkt_nbr *a)
{
	uint16_t htype, ptype;
	uint8_t hlen, plen, spa[4], tpa[4];

	if (!cur_be16(c, &htype) || !cur_be16(c, &ptype) || !cur_u8(c, &hlen) ||
	    !cur_u8(c, &plen) || !cur_be16(c, &a->op))
		return PKT_TRUNC;
	if (htype != 1 || ptype != PKT_ETHERTYPE_IPV4 || hlen != PKT_ETH_ALEN || plen != 4)
		return PKT_UNSUPPORTED;
	if (!cur_bytes(c, a->sha, PKT_ETH_ALEN) || !cur_bytes(c, spa, 4) ||
	    !cur_bytes(c, a->tha, PKT_ETH_ALEN) || !cur_bytes(c, tpa, 4))
		return PKT_TRUNC;
	a->spa = addr_from_bytes(AF_INET, spa);
	a->tpa = addr_from_bytes(AF_INET, tpa);
	a->has_sha = 1;
	a->hlim = 0;
	a->nd_flags = 0;
	return PKT_OK;
}

/*
 * IPv4 header.  On success *body is a cursor over the payload clamped to
 * the declared total length (and to what was captured).
 */
static enum pkt_err dec_ip4(struct cur *c, struct pkt_ip *ip, struct cur *body,
                            enum pkt_csum_mode csum)
{
	const uint8_t *start = cur_ptr(c);
	size_t avail = cur_left(c);
	uint8_t vihl, src[4], dst[4];
	uint16_t sum;

	if (!cur_u8(c, &vihl))
		return PKT_TRUNC;
	if (vihl >> 4 != 4)
		return PKT_BAD_VERSION;
	ip->hlen = (uint16_t)((vihl & 0x0f) * 4);
	if (ip->hlen < 20)
		return PKT_BAD_HLEN;
	if (!cur_u8(c, &ip->tos) || !cur_be16(c, &ip->tot_len) || !cur_be16(c, &ip->id) ||
	    !cur_be16(c, &ip->frag) || !cur_u8(c, &ip->ttl) || !cur_u8(c, &ip->proto) ||
	    !cur_be16(c, &sum) || !cur_bytes(c, src, 4) || !cur_bytes(c, dst, 4))
		return PKT_TRUNC;
	ip->src = addr_from_bytes(AF_INET, src);
	ip->dst = addr_from_bytes(AF_INET, dst);
	ip->later_frag = (ip->frag & 0x1fff) != 0;
	/* Total length 0: a TSO or BIG TCP super-packet as the sending host
	 * captures it (the NIC fills the length in per segment); its length
	 * is what the capture holds. */
	ip->length = ip->tot_len ? ip->tot_len : (uint32_t)(avail > UINT32_MAX ? UINT32_MAX : avail);
	if (ip->length < ip->hlen)
		return PKT_BAD_LEN;
	if (avail < ip->hlen)
		return PKT_TRUNC;
	if (csum >= PKT_CSUM_IP && pkt_csum_fold(pkt_csum_add(0, start, ip->hlen)) != 0)
		return PKT_BAD_CSUM;
	cur_skip(c, (size_t)ip->hlen - 20);          /* options: length checked above */
	*body = cur_sub(c, (size_t)ip->length - ip->hlen);
	return PKT_OK;
}

/* TCP options: only MSS is of interest; a malformed list simply ends. */
static uint16_t tcp_mss(struct cur opts)
{
	uint8_t kind, len;
	uint16_t mss;

	while (cur_u8(&opts, &kind)) {
		if (kind == 0)
			break;
		if (kind == 1)
			continue;
		if (!cur_u8(&opts, &len) || len < 2)
			break;
		if (kind == 2 && len == 4) {
			if (!cur_be16(&opts, &mss))
				break;
			return mss;
		}
		if (!cur_skip(&opts, (size_t)len - 2))
			break;
	}
	return 0;
}

static enum pkt_err dec_tcp(struct cur *c, const struct pkt_ip *ip, struct pkt_tcp *t,
                            enum pkt_csum_mode csum)
{
	const uint8_t *start = cur_ptr(c);
	size_t seglen = (size_t)ip->length - ip->hlen;
	uint8_t off, flags;

	if (!cur_be16(c, &t->sport) || !cur_be16(c, &t->dport) || !cur_be32(c, &t->seq) ||
	    !cur_be32(c, &t->ack) || !cur_u8(c, &off) || !cur_u8(c, &flags) ||
	    !cur_be16(c, &t->win) || !cur_skip(c, 4))
		return PKT_TRUNC;
	t->hlen = (uint8_t)((off >> 4) * 4);
	t->flags = flags;
	if (t->hlen < 20 || t->hlen > seglen)
		return PKT_BAD_HLEN;
	/* options may be cut by the snaplen: read what is there */
	t->mss = tcp_mss(cur_sub(c, (size_t)t->hlen - 20));
	t->payload_len = (uint32_t)(seglen - t->hlen);
	if (csum >= PKT_CSUM_IP_TCP && c->len >= seglen &&
	    pkt_csum_tcp(&ip->src, &ip->dst, start, seglen) != 0)
		return PKT_BAD_CSUM;
	return PKT_OK;
}

static enum pkt_err dec_icmp(struct cur *c, struct pkt_icmp *ic)
{
	uint8_t vihl;

	if (!cur_u8(c, &ic->type) || !cur_u8(c, &ic->code) || !cur_skip(c, 6))
		return PKT_TRUNC;
	ic->has_quote = 0;
	ic->unreach = ic->type == PKT_ICMP_UNREACH;
	if (ic->type != PKT_ICMP_UNREACH && ic->type != 11 /* time exceeded */ &&
	    ic->type != 12 /* parameter problem */ && ic->type != 4 /* source quench */)
		return PKT_OK;
	/* the quote is itself untrusted: decode it as a (short) IPv4 packet */
	struct cur q = *c;
	struct cur qbody;
	if (!cur_has(&q, 1))
		return PKT_OK;
	vihl = *cur_ptr(&q);
	if (vihl >> 4 != 4)
		return PKT_OK;
	if (dec_ip4(&q, &ic->q_ip, &qbody, PKT_CSUM_NONE) != PKT_OK)
		return PKT_OK;
	if (ic->q_ip.proto != PKT_IPPROTO_TCP || ic->q_ip.later_frag)
		return PKT_OK;
	if (!cur_be16(&qbody, &ic->q_sport) || !cur_be16(&qbody, &ic->q_dport) ||
	    !cur_be32(&qbody, &ic->q_seq))
		return PKT_OK;
	ic->has_quote = 1;
	return PKT_OK;
}

enum pkt_err pkt_decode(enum pkt_link link, const uint8_t *buf, size_t caplen,
                        enum pkt_csum_mode csum, struct pkt_frame *out)
{
	struct cur c, body;
	enum pkt_err err;

	out->has_eth = out->has_nbr = out->has_ip = out->has_tcp = out->has_icmp = 0;
	cur_init(&c, buf, caplen);
	switch (link) {
	case PKT_LINK_EN10MB:
		err = dec_eth(&c, &out->eth);
		break;
	case PKT_LINK_SLL:
		err = dec_sll(&c, &out->eth);
		break;
	case PKT_LINK_SLL2:
		err = dec_sll2(&c, &out->eth);
		break;
	case PKT_LINK_NULL:
	case PKT_LINK_LOOP:
		err = dec_null(&c, &out->eth, link == PKT_LINK_LOOP);
		break;
	case PKT_LINK_RAW: {
		memset(&out->eth, 0, sizeof(out->eth));
		if (!cur_has(&c, 1))
			return PKT_TRUNC;
		uint8_t v = *cur_ptr(&c) >> 4;
		out->eth.type = v == 4 ? PKT_ETHERTYPE_IPV4 : v == 6 ? PKT_ETHERTYPE_IPV6 : 0;
		err = PKT_OK;
		break;
	}
	default:
		return PKT_UNSUPPORTED;
	}
	if (err != PKT_OK)
		return err;
	out->has_eth = 1;
	out->l3_off = c.off;

	if (out->eth.type == PKT_ETHERTYPE_ARP) {
		err = dec_arp(&c, &out->nbr);
		if (err == PKT_OK)
			out->has_nbr = 1;
		return err;
	}
	if (out->eth.type != PKT_ETHERTYPE_IPV4)
		return PKT_UNSUPPORTED;
	err = dec_ip4(&c, &out->ip, &body, csum);
	if (err != PKT_OK)
		return err;
	out->has_ip = 1;
	if (out->ip.later_frag)   /* a non-first fragment has no L4 header */
		return PKT_OK;
	if (out->ip.proto == PKT_IPPROTO_TCP) {
		err = dec_tcp(&body, &out->ip, &out->tcp, csum);
		if (err == PKT_OK)
			out->has_tcp = 1;
		return err;
	}
	if (out->ip.proto == PKT_IPPROTO_ICMP) {
		err = dec_icmp(&body, &out->icmp);
		if (err == PKT_OK)
			out->has_icmp = 1;
		return err;
	}
	return PKT_OK;
}

/*
 * The common frame of a capture (Ethernet without VLAN tag, IPv4 without
 * options, first fragment, TCP with its 20 fixed bytes captured, no
 * checksum to verify) decoded after one length check instead of one per
 * field; every other frame, and any frame this path would have to reject,
 * goes through pkt_decode, so the results are those of pkt_decode for all
 * inputs (tests/unit/test_pkt_fast.c compares the two).
 */
static inline uint16_t fast_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t fast_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* tcp_mss over n bytes at p, read by index: the same walk, without the
 * cursor passed by value (its copy stalled on store forwarding). */
static uint16_t fast_mss(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t kind = p[i++], len;

		if (kind == 0)
			break;
		if (kind == 1)
			continue;
		if (i >= n)
			break;
		len = p[i++];
		if (len < 2)
			break;
		if (kind == 2 && len == 4)
			return n - i >= 2 ? fast_be16(p + i) : 0;
		if (n - i < (size_t)len - 2)
			break;
		i += (size_t)len - 2;
	}
	return 0;
}

enum pkt_err pkt_decode_fast(enum pkt_link link, const uint8_t *buf, size_t caplen,
                             enum pkt_csum_mode csum, struct pkt_frame *out)
{
	const size_t eth_len = 14, ip_len = 20, tcp_len = 20;
	const uint8_t *ip = buf + eth_len, *th = ip + ip_len;
	uint16_t tot, frag;
	size_t seglen, bodylen;
	uint8_t thl;

	if (link != PKT_LINK_EN10MB || csum != PKT_CSUM_NONE ||
	    caplen < eth_len + ip_len + tcp_len ||
	    fast_be16(buf + 12) != PKT_ETHERTYPE_IPV4 || ip[0] != 0x45 ||
	    ip[9] != PKT_IPPROTO_TCP)
		return pkt_decode(link, buf, caplen, csum, out);
	tot = fast_be16(ip + 2);
	frag = fast_be16(ip + 6);
	thl = (uint8_t)((th[12] >> 4) * 4);
	if ((frag & 0x1fff) != 0 || tot < ip_len + tcp_len || thl < tcp_len ||
	    thl > (size_t)tot - ip_len)
		return pkt_decode(link, buf, caplen, csum, out);
	/* as pkt_decode: the segment is what the IP total length declares,
	 * its options what of it was captured */
	seglen = (size_t)tot - ip_len;
	bodylen = caplen - eth_len - ip_len;
	if (bodylen > seglen)
		bodylen = seglen;

	out->has_eth = 1;
	out->has_nbr = 0;
	out->has_ip = 1;
	out->has_tcp = 1;
	out->has_icmp = 0;
	memcpy(out->eth.dst, buf, PKT_ETH_ALEN);
	memcpy(out->eth.src, buf + PKT_ETH_ALEN, PKT_ETH_ALEN);
	out->eth.type = PKT_ETHERTYPE_IPV4;
	out->eth.nvlan = 0;
	out->l3_off = eth_len;

	out->ip.hlen = (uint16_t)ip_len;
	out->ip.tos = ip[1];
	out->ip.tot_len = tot;
	out->ip.length = tot;
	out->ip.id = fast_be16(ip + 4);
	out->ip.frag = frag;
	out->ip.later_frag = 0;
	out->ip.ttl = ip[8];
	out->ip.proto = PKT_IPPROTO_TCP;
	out->ip.src = addr_from_bytes(AF_INET, ip + 12);
	out->ip.dst = addr_from_bytes(AF_INET, ip + 16);

	out->tcp.sport = fast_be16(th);
	out->tcp.dport = fast_be16(th + 2);
	out->tcp.seq = fast_be32(th + 4);
	out->tcp.ack = fast_be32(th + 8);
	out->tcp.hlen = thl;
	out->tcp.flags = th[13];
	out->tcp.win = fast_be16(th + 14);
	out->tcp.mss = thl == tcp_len ? 0 :
	               fast_mss(th + tcp_len, (size_t)thl - tcp_len < bodylen - tcp_len ?
	                                      (size_t)thl - tcp_len : bodylen - tcp_len);
	out->tcp.payload_len = (uint32_t)(seglen - thl);
	return PKT_OK;
}

/* ---- builders ----------------------------------------------------------- */

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static size_t put_eth(uint8_t *b, const uint8_t *smac, const uint8_t *dmac,
                      uint16_t vlan, uint16_t type)
{
	size_t n = 0;

	memcpy(b, dmac, PKT_ETH_ALEN);
	memcpy(b + 6, smac, PKT_ETH_ALEN);
	n = 12;
	if (vlan) {
		put16(b + n, PKT_ETHERTYPE_VLAN);
		put16(b + n + 2, vlan & 0x0fff);
		n += 4;
	}
	put16(b + n, type);
	return n + 2;
}

static void put_ip4(uint8_t *b, uint16_t tot_len, uint16_t id, uint8_t ttl, uint8_t proto,
                    const struct addr *src, const struct addr *dst)
{
	b[0] = 0x45;
	b[1] = 0;
	put16(b + 2, tot_len);
	put16(b + 4, id);
	put16(b + 6, 0x4000);             /* DF */
	b[8] = ttl;
	b[9] = proto;
	put16(b + 10, 0);
	memcpy(b + 12, src->u.b, 4);
	memcpy(b + 16, dst->u.b, 4);
	put16(b + 10, pkt_csum_fold(pkt_csum_add(0, b, 20)));
}

size_t pkt_build_tcp(uint8_t *buf, size_t cap, const struct pkt_tcp_spec *s)
{
	size_t l2 = s->smac ? (s->vlan ? 18 : 14) : 0;
	size_t thl = s->mss ? 24 : 20;
	size_t total = l2 + 20 + thl + s->paylen;
	uint8_t *ip, *th;

	if (total > cap || 20 + thl + s->paylen > 0xffff || s->src.family != AF_INET ||
	    s->dst.family != AF_INET)
		return 0;
	if (s->smac)
		put_eth(buf, s->smac, s->dmac, s->vlan, PKT_ETHERTYPE_IPV4);
	ip = buf + l2;
	th = ip + 20;
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put32(th + 4, s->seq);
	put32(th + 8, s->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = s->flags;
	put16(th + 14, s->win);
	put16(th + 16, 0);
	put16(th + 18, 0);
	if (s->mss) {
		th[20] = 2;
		th[21] = 4;
		put16(th + 22, s->mss);
	}
	if (s->paylen)
		memcpy(th + thl, s->payload, s->paylen);
	put16(th + 16, pkt_csum_tcp(&s->src, &s->dst, th, thl + s->paylen));
	put_ip4(ip, (uint16_t)(20 + thl + s->paylen), s->ip_id, s->ttl ? s->ttl : 64,
	        PKT_IPPROTO_TCP, &s->src, &s->dst);
	return total;
}

size_t pkt_build_arp(uint8_t *buf, size_t cap, uint16_t op,
                     const uint8_t *smac, struct addr spa,
                     const uint8_t *eth_dst, const uint8_t *tha, struct addr tpa)
{
	size_t n;

	if (cap < 42 || spa.family != AF_INET || tpa.family != AF_INET)
		return 0;
	n = put_eth(buf, smac, eth_dst, 0, PKT_ETHERTYPE_ARP);
	put16(buf + n, 1);
	put16(buf + n + 2, PKT_ETHERTYPE_IPV4);
	buf[n + 4] = PKT_ETH_ALEN;
	buf[n + 5] = 4;
	put16(buf + n + 6, op);
	memcpy(buf + n + 8, smac, PKT_ETH_ALEN);
	memcpy(buf + n + 14, spa.u.b, 4);
	memcpy(buf + n + 18, tha, PKT_ETH_ALEN);
	memcpy(buf + n + 24, tpa.u.b, 4);
	return n + 28;
}

size_t pkt_build_icmp4(uint8_t *buf, size_t cap, const uint8_t *smac,
                       const uint8_t *dmac, struct addr src, struct addr dst,
                       uint8_t type, uint8_t code, const uint8_t *quote,
                       size_t qlen)
{
	size_t l2 = smac ? 14 : 0;
	size_t total = l2 + 20 + 8 + qlen;
	uint8_t *ip, *ic;

	if (total > cap || 28 + qlen > 0xffff || src.family != AF_INET || dst.family != AF_INET)
		return 0;
	if (smac)
		put_eth(buf, smac, dmac, 0, PKT_ETHERTYPE_IPV4);
	ip = buf + l2;
	ic = ip + 20;
	ic[0] = type;
	ic[1] = code;
	memset(ic + 2, 0, 6);
	if (qlen)
		memcpy(ic + 8, quote, qlen);
	put16(ic + 2, pkt_csum_fold(pkt_csum_add(0, ic, 8 + qlen)));
	put_ip4(ip, (uint16_t)(28 + qlen), 0, 64, PKT_IPPROTO_ICMP, &src, &dst);
	return total;
}

/* ---- formatting ---------------------------------------------------------- */

char *pkt_fmt_mac(char out[PKT_MAC_STRLEN], const uint8_t *m)
{
	snprintf(out, PKT_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
	         m[0], m[1], m[2], m[3], m[4], m[5]);
	return out;
}

char *pkt_fmt_ip4(char out[PKT_IP4_STRLEN], uint32_t a)
{
	struct addr x = addr_ip4(a);
	char buf[ADDR_STRLEN];

	snprintf(out, PKT_IP4_STRLEN, "%s", addr_fmt(buf, &x));
	return out;
}

char *pkt_fmt_tcpflags(char out[PKT_FLAGS_STRLEN], uint8_t f)
{
	/* tcpdump's order and letters; '.' stands for ACK */
	static const struct { uint8_t bit; char ch; } map[] = {
		{ PKT_TH_FIN, 'F' }, { PKT_TH_SYN, 'S' }, { PKT_TH_RST, 'R' },
		{ PKT_TH_PUSH, 'P' }, { PKT_TH_URG, 'U' }, { PKT_TH_ECE, 'E' },
		{ PKT_TH_CWR, 'W' }, { PKT_TH_ACK, '.' },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (f & map[i].bit)
			out[n++] = map[i].ch;
	if (n == 0)
		out[n++] = 'n', out[n++] = 'o', out[n++] = 'n', out[n++] = 'e';
	out[n] = '\0';
	return out;
}
