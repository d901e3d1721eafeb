/* Packet decoder: one parser per layer, each reading through a cursor. */
#include "net/pkt.h"
#include "net/cursor.h"
#include "net/hdr.h"

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

	if (!cur_has(c, HDR_ETH_LEN))
		return PKT_TRUNC;
	cur_at_bytes(c, HDR_ETH_DST, e->dst, PKT_ETH_ALEN);
	cur_at_bytes(c, HDR_ETH_SRC, e->src, PKT_ETH_ALEN);
	type = cur_at_be16(c, HDR_ETH_TYPE);
	cur_skip(c, HDR_ETH_LEN);
	e->nvlan = 0;
	while (type == PKT_ETHERTYPE_VLAN || type == PKT_ETHERTYPE_QINQ) {
		if (e->nvlan == PKT_MAX_VLAN)
			return PKT_UNSUPPORTED;
		if (!cur_has(c, HDR_VLAN_LEN))
			return PKT_TRUNC;
		e->vlan[e->nvlan++] = cur_at_be16(c, HDR_VLAN_TCI) & HDR_VLAN_VID_MASK;
		type = cur_at_be16(c, HDR_VLAN_TYPE);
		cur_skip(c, HDR_VLAN_LEN);
	}
	e->type = type;
	return PKT_OK;
}

/* Linux cooked capture v1: protocol in the last 2 bytes. */
static enum pkt_err dec_sll(struct cur *c, struct pkt_eth *e)
{
	if (!cur_has(c, HDR_SLL_LEN))
		return PKT_TRUNC;
	memset(e, 0, sizeof(*e));
	if (cur_at_be16(c, HDR_SLL_HALEN) == PKT_ETH_ALEN)
		cur_at_bytes(c, HDR_SLL_ADDR, e->src, PKT_ETH_ALEN);
	e->type = cur_at_be16(c, HDR_SLL_TYPE);
	cur_skip(c, HDR_SLL_LEN);
	return PKT_OK;
}

/* Linux cooked capture v2: protocol first. */
static enum pkt_err dec_sll2(struct cur *c, struct pkt_eth *e)
{
	if (!cur_has(c, HDR_SLL2_LEN))
		return PKT_TRUNC;
	memset(e, 0, sizeof(*e));
	if (cur_at_u8(c, HDR_SLL2_HALEN) == PKT_ETH_ALEN)
		cur_at_bytes(c, HDR_SLL2_ADDR, e->src, PKT_ETH_ALEN);
	e->type = cur_at_be16(c, HDR_SLL2_TYPE);
	cur_skip(c, HDR_SLL2_LEN);
	return PKT_OK;
}

/* BSD loopback (NULL, LOOP): a 4-byte address family.  LOOP writes it in
 * network order; NULL in the byte order of the host that wrote the
 * capture, so, as tcpdump does, a value with high bits set is swapped. */
static enum pkt_err dec_null(struct cur *c, struct pkt_eth *e, int network_order)
{
	uint8_t b[HDR_NULL_LEN];
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
	uint8_t spa[HDR_IP4_ALEN], tpa[HDR_IP4_ALEN];

	if (!cur_has(c, HDR_ARP_FIXED))
		return PKT_TRUNC;
	a->op = cur_at_be16(c, HDR_ARP_OP);
	if (cur_at_be16(c, HDR_ARP_HTYPE) != HDR_ARP_HTYPE_ETHER ||
	    cur_at_be16(c, HDR_ARP_PTYPE) != PKT_ETHERTYPE_IPV4 ||
	    cur_at_u8(c, HDR_ARP_HLEN) != PKT_ETH_ALEN || cur_at_u8(c, HDR_ARP_PLEN) != HDR_ARP_PLEN_IP4)
		return PKT_UNSUPPORTED;
	if (!cur_has(c, HDR_ARP_LEN))
		return PKT_TRUNC;
	cur_at_bytes(c, HDR_ARP_SHA, a->sha, PKT_ETH_ALEN);
	cur_at_bytes(c, HDR_ARP_SPA, spa, sizeof(spa));
	cur_at_bytes(c, HDR_ARP_THA, a->tha, PKT_ETH_ALEN);
	cur_at_bytes(c, HDR_ARP_TPA, tpa, sizeof(tpa));
	cur_skip(c, HDR_ARP_LEN);
	addr_set(&a->spa, AF_INET, spa);
	addr_set(&a->tpa, AF_INET, tpa);
	a->has_sha = 1;
	a->hlim = 0;
	a->nd_flags = 0;
	return PKT_OK;
}

static uint32_t cap32(size_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/*
 * IPv4 header.  On success *body is a cursor over the payload clamped to
 * the declared total length (and to what was captured).
 */
static enum pkt_err dec_ip4(struct cur *c, struct pkt_ip *ip, struct cur *body,
                            enum pkt_csum_mode csum)
{
	uint8_t vihl, a[HDR_IP4_ALEN];
	size_t avail = cur_left(c);

	if (!cur_has(c, 1))
		return PKT_TRUNC;
	vihl = cur_at_u8(c, HDR_IP4_VIHL);
	if (vihl >> 4 != HDR_IP4_VERSION)
		return PKT_BAD_VERSION;
	ip->hlen = (uint16_t)((vihl & 0x0f) * 4);
	if (ip->hlen < HDR_IP4_LEN)
		return PKT_BAD_HLEN;
	if (!cur_has(c, HDR_IP4_LEN))
		return PKT_TRUNC;
	ip->tos = cur_at_u8(c, HDR_IP4_TOS);
	ip->tot_len = cur_at_be16(c, HDR_IP4_TOTLEN);
	ip->id = cur_at_be16(c, HDR_IP4_ID);
	ip->frag = cur_at_be16(c, HDR_IP4_FRAG);
	ip->ttl = cur_at_u8(c, HDR_IP4_TTL);
	ip->proto = cur_at_u8(c, HDR_IP4_PROTO);
	cur_at_bytes(c, HDR_IP4_SRC, a, sizeof(a));
	addr_set(&ip->src, AF_INET, a);
	cur_at_bytes(c, HDR_IP4_DST, a, sizeof(a));
	addr_set(&ip->dst, AF_INET, a);
	ip->later_frag = (ip->frag & HDR_IP4_OFFMASK) != 0;
	/* Total length 0: a TSO or BIG TCP super-packet as the sending host
	 * captures it (the NIC fills the length in per segment); its length
	 * is what the capture holds. */
	ip->length = ip->tot_len ? ip->tot_len : cap32(avail);
	if (ip->length < ip->hlen)
		return PKT_BAD_LEN;
	if (avail < ip->hlen)
		return PKT_TRUNC;
	if (csum >= PKT_CSUM_IP && pkt_csum_fold(pkt_csum_add(0, cur_ptr(c), ip->hlen)) != 0)
		return PKT_BAD_CSUM;
	cur_skip(c, ip->hlen);                      /* length checked above */
	*body = cur_sub(c, (size_t)ip->length - ip->hlen);
	return PKT_OK;
}

/* IPv6 fixed header; the extension headers are ip6_ext's. */
static enum pkt_err dec_ip6(struct cur *c, struct pkt_ip *ip)
{
	uint8_t a[HDR_IP6_ALEN];
	size_t avail = cur_left(c);

	if (!cur_has(c, 1))
		return PKT_TRUNC;
	if (cur_at_u8(c, HDR_IP6_VTCFL) >> 4 != HDR_IP6_VERSION)
		return PKT_BAD_VERSION;
	if (!cur_has(c, HDR_IP6_LEN))
		return PKT_TRUNC;
	ip->tos = (uint8_t)(cur_at_be16(c, HDR_IP6_VTCFL) >> 4);
	ip->tot_len = cur_at_be16(c, HDR_IP6_PLEN);
	ip->proto = cur_at_u8(c, HDR_IP6_NXT);
	ip->ttl = cur_at_u8(c, HDR_IP6_HLIM);
	cur_at_bytes(c, HDR_IP6_SRC, a, sizeof(a));
	addr_set(&ip->src, AF_INET6, a);
	cur_at_bytes(c, HDR_IP6_DST, a, sizeof(a));
	addr_set(&ip->dst, AF_INET6, a);
	ip->hlen = HDR_IP6_LEN;
	ip->id = 0;
	ip->frag = 0;
	ip->later_frag = 0;
	/* payload length 0 (a jumbogram, or a BIG TCP packet captured on the
	 * sender): the capture tells, as for IPv4's total length 0 */
	ip->length = ip->tot_len ? (uint32_t)HDR_IP6_LEN + ip->tot_len : cap32(avail);
	cur_skip(c, HDR_IP6_LEN);
	return PKT_OK;
}

static int ip6_is_ext(uint8_t nxt)
{
	return nxt == PKT_IPPROTO_HOPOPTS || nxt == PKT_IPPROTO_ROUTING ||
	       nxt == PKT_IPPROTO_DSTOPTS || nxt == PKT_IPPROTO_FRAGMENT;
}

/*
 * The extension-header chain after the fixed header, at most
 * PKT_IP6_MAX_EXT headers.  Each must lie inside the declared length
 * (PKT_BAD_HLEN) and be captured (PKT_TRUNC).  ip->hlen grows by each
 * header walked, ip->proto is the next one; a later fragment ends the
 * walk (what follows it is not a header).  *routed tells of a routing
 * header with addresses left to visit: the upper layer's checksum is then
 * over a final destination that is not ip->dst, so it is not verified.
 */
static enum pkt_err ip6_ext(struct cur *c, struct pkt_ip *ip, int *routed)
{
	for (unsigned n = 0; ip6_is_ext(ip->proto); n++) {
		size_t declared = (size_t)ip->length - ip->hlen, len;
		int frag = ip->proto == PKT_IPPROTO_FRAGMENT;

		if (n == PKT_IP6_MAX_EXT)
			return PKT_UNSUPPORTED;
		len = frag ? HDR_IP6FRAG_LEN : HDR_IP6EXT_MIN;
		if (declared < len)
			return PKT_BAD_HLEN;
		if (!cur_has(c, len))
			return PKT_TRUNC;
		if (!frag)
			len = ((size_t)cur_at_u8(c, HDR_IP6EXT_LEN) + 1) * HDR_IP6EXT_UNIT;
		if (declared < len)
			return PKT_BAD_HLEN;
		if (!cur_has(c, len))
			return PKT_TRUNC;
		if (ip->proto == PKT_IPPROTO_ROUTING && cur_at_u8(c, HDR_IP6RT_SEGLEFT) != 0)
			*routed = 1;
		if (frag) {
			ip->frag = cur_at_be16(c, HDR_IP6FRAG_OFFLG);
			ip->later_frag = (ip->frag & HDR_IP6FRAG_OFFMASK) != 0;
		}
		ip->proto = cur_at_u8(c, HDR_IP6EXT_NXT);   /* HDR_IP6FRAG_NXT too */
		ip->hlen = (uint16_t)(ip->hlen + len);
		cur_skip(c, len);
		if (ip->later_frag)
			break;
	}
	return PKT_OK;
}

/* An IPv6 packet with its extension headers, for the ICMPv6 quote. */
static enum pkt_err dec_ip6_all(struct cur *c, struct pkt_ip *ip, struct cur *body)
{
	enum pkt_err err = dec_ip6(c, ip);
	int routed = 0;

	if (err == PKT_OK)
		err = ip6_ext(c, ip, &routed);
	if (err == PKT_OK)
		*body = cur_sub(c, (size_t)ip->length - ip->hlen);
	return err;
}

/* TCP options: only MSS is of interest; a malformed list simply ends. */
static uint16_t tcp_mss(struct cur opts)
{
	uint8_t kind, len;
	uint16_t mss;

	while (cur_u8(&opts, &kind)) {
		if (kind == HDR_TCPOPT_EOL)
			break;
		if (kind == HDR_TCPOPT_NOP)
			continue;
		if (!cur_u8(&opts, &len) || len < HDR_TCPOPT_VAL)
			break;
		if (kind == HDR_TCPOPT_MSS && len == HDR_TCPOPT_MSS_LEN) {
			if (!cur_be16(&opts, &mss))
				break;
			return mss;
		}
		if (!cur_skip(&opts, (size_t)len - HDR_TCPOPT_VAL))
			break;
	}
	return 0;
}

static enum pkt_err dec_tcp(struct cur *c, const struct pkt_ip *ip, struct pkt_tcp *t,
                            enum pkt_csum_mode csum)
{
	const uint8_t *start = cur_ptr(c);
	size_t seglen = (size_t)ip->length - ip->hlen;

	if (!cur_has(c, HDR_TCP_LEN))
		return PKT_TRUNC;
	t->sport = cur_at_be16(c, HDR_TCP_SPORT);
	t->dport = cur_at_be16(c, HDR_TCP_DPORT);
	t->seq = cur_at_be32(c, HDR_TCP_SEQ);
	t->ack = cur_at_be32(c, HDR_TCP_ACK);
	t->hlen = (uint8_t)((cur_at_u8(c, HDR_TCP_OFF) >> 4) * 4);
	t->flags = cur_at_u8(c, HDR_TCP_FLAGS);
	t->win = cur_at_be16(c, HDR_TCP_WIN);
	cur_skip(c, HDR_TCP_LEN);
	if (t->hlen < HDR_TCP_LEN || t->hlen > seglen)
		return PKT_BAD_HLEN;
	/* options may be cut by the snaplen: read what is there */
	t->mss = tcp_mss(cur_sub(c, (size_t)t->hlen - HDR_TCP_LEN));
	t->payload_len = (uint32_t)(seglen - t->hlen);
	if (csum >= PKT_CSUM_IP_TCP && c->len >= seglen &&
	    pkt_csum_tcp(&ip->src, &ip->dst, start, seglen) != 0)
		return PKT_BAD_CSUM;
	return PKT_OK;
}

/* The ports and sequence number a quoted TCP header starts with. */
static void quote_tcp(struct cur *q, const struct pkt_ip *qip, struct pkt_icmp *ic)
{
	if (qip->proto != PKT_IPPROTO_TCP || qip->later_frag || !cur_has(q, HDR_TCP_QUOTE))
		return;
	ic->q_sport = cur_at_be16(q, HDR_TCP_SPORT);
	ic->q_dport = cur_at_be16(q, HDR_TCP_DPORT);
	ic->q_seq = cur_at_be32(q, HDR_TCP_SEQ);
	ic->has_quote = 1;
}

static enum pkt_err dec_icmp(struct cur *c, struct pkt_icmp *ic)
{
	if (!cur_has(c, HDR_ICMP_LEN))
		return PKT_TRUNC;
	ic->type = cur_at_u8(c, HDR_ICMP_TYPE);
	ic->code = cur_at_u8(c, HDR_ICMP_CODE);
	cur_skip(c, HDR_ICMP_LEN);
	ic->has_quote = 0;
	ic->unreach = ic->type == PKT_ICMP_UNREACH;
	if (ic->type != PKT_ICMP_UNREACH && ic->type != PKT_ICMP_TIMXCEED &&
	    ic->type != PKT_ICMP_PARAMPROB && ic->type != PKT_ICMP_SOURCEQUENCH)
		return PKT_OK;
	/* the quote is itself untrusted: decode it as a (short) IPv4 packet */
	struct cur q = *c;
	struct cur qbody;
	if (!cur_has(&q, 1) || cur_at_u8(&q, HDR_IP4_VIHL) >> 4 != HDR_IP4_VERSION)
		return PKT_OK;
	if (dec_ip4(&q, &ic->q_ip, &qbody, PKT_CSUM_NONE) != PKT_OK)
		return PKT_OK;
	quote_tcp(&qbody, &ic->q_ip, ic);
	return PKT_OK;
}

/*
 * Neighbor Solicitation / Advertisement, c at the ICMPv6 header and
 * msglen the message's declared length (RFC 4861 7.1.1 and 7.1.2: the
 * checksum, at least 24 bytes, no zero-length option; hop limit and
 * addresses are the consumer's to judge).  The option walk takes at least
 * 8 bytes a step, so it ends within msglen / 8 steps.
 */
static enum pkt_err dec_nd(struct cur *c, const struct pkt_ip *ip, size_t msglen,
                           uint8_t type, struct pkt_nbr *nb)
{
	uint8_t target[HDR_IP6_ALEN], want;
	struct cur o;

	if (msglen < HDR_ND_LEN)
		return PKT_BAD_LEN;
	if (!cur_has(c, msglen))
		return PKT_TRUNC;
	if (pkt_csum_fold(pkt_csum_add(pseudo(&ip->src, &ip->dst, PKT_IPPROTO_ICMPV6, msglen),
	                               cur_ptr(c), msglen)) != 0)
		return PKT_BAD_CSUM;
	want = type == PKT_ICMP6_NS ? HDR_NDOPT_SLLA : HDR_NDOPT_TLLA;
	nb->has_sha = 0;
	memset(nb->sha, 0, sizeof(nb->sha));
	o = cur_sub(c, msglen);
	cur_skip(&o, HDR_ND_LEN);
	while (cur_left(&o) > 0) {
		size_t olen;

		if (!cur_has(&o, HDR_NDOPT_VAL))
			return PKT_BAD_HLEN;
		olen = (size_t)cur_at_u8(&o, HDR_NDOPT_OLEN) * HDR_NDOPT_UNIT;
		if (olen == 0 || !cur_has(&o, olen))
			return PKT_BAD_HLEN;
		if (!nb->has_sha && cur_at_u8(&o, HDR_NDOPT_TYPE) == want &&
		    olen >= HDR_NDOPT_VAL + PKT_ETH_ALEN) {
			cur_at_bytes(&o, HDR_NDOPT_VAL, nb->sha, PKT_ETH_ALEN);
			nb->has_sha = 1;
		}
		cur_skip(&o, olen);
	}
	cur_at_bytes(c, HDR_ND_TARGET, target, sizeof(target));
	memset(nb->tha, 0, sizeof(nb->tha));
	nb->hlim = ip->ttl;
	if (type == PKT_ICMP6_NS) {
		nb->op = PKT_NBR_REQUEST;
		nb->spa = ip->src;
		addr_set(&nb->tpa, AF_INET6, target);
		nb->nd_flags = 0;
	} else {
		nb->op = PKT_NBR_REPLY;
		addr_set(&nb->spa, AF_INET6, target);
		nb->tpa = ip->dst;
		nb->nd_flags = cur_at_u8(c, HDR_ND_FLAGS) &
		               (PKT_ND_ROUTER | PKT_ND_SOLICITED | PKT_ND_OVERRIDE);
	}
	return PKT_OK;
}

/* ICMPv6: ND into f->nbr, anything else into f->icmp (errors with their
 * quote).  Sets the has_ flag of what it decoded. */
static enum pkt_err dec_icmp6(struct cur *c, struct pkt_frame *f)
{
	struct pkt_icmp *ic = &f->icmp;
	uint8_t type, code;
	enum pkt_err err;

	if (!cur_has(c, HDR_ICMP_LEN))
		return PKT_TRUNC;
	type = cur_at_u8(c, HDR_ICMP_TYPE);
	code = cur_at_u8(c, HDR_ICMP_CODE);
	if ((type == PKT_ICMP6_NS || type == PKT_ICMP6_NA) && code == 0) {
		err = dec_nd(c, &f->ip, (size_t)f->ip.length - f->ip.hlen, type, &f->nbr);
		if (err == PKT_OK)
			f->has_nbr = 1;
		return err;
	}
	ic->type = type;
	ic->code = code;
	ic->unreach = type == PKT_ICMP6_UNREACH;
	ic->has_quote = 0;
	f->has_icmp = 1;
	if (type < PKT_ICMP6_UNREACH || type > PKT_ICMP6_PARAMPROB)
		return PKT_OK;
	struct cur q = *c, qbody;
	cur_skip(&q, HDR_ICMP_LEN);
	if (dec_ip6_all(&q, &ic->q_ip, &qbody) != PKT_OK)
		return PKT_OK;
	quote_tcp(&qbody, &ic->q_ip, ic);
	return PKT_OK;
}

enum pkt_err pkt_decode(enum pkt_link link, const uint8_t *buf, size_t caplen,
                        enum pkt_csum_mode csum, struct pkt_frame *out)
{
	struct cur c, body;
	enum pkt_err err;
	int v6, routed = 0;

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
		uint8_t v = cur_at_u8(&c, 0) >> 4;
		out->eth.type = v == HDR_IP4_VERSION ? PKT_ETHERTYPE_IPV4 :
		                v == HDR_IP6_VERSION ? PKT_ETHERTYPE_IPV6 : 0;
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
	if (out->eth.type == PKT_ETHERTYPE_IPV4) {
		v6 = 0;
		err = dec_ip4(&c, &out->ip, &body, csum);
		if (err != PKT_OK)
			return err;
		out->has_ip = 1;
	} else if (out->eth.type == PKT_ETHERTYPE_IPV6) {
		v6 = 1;
		err = dec_ip6(&c, &out->ip);
		if (err != PKT_OK)
			return err;
		out->has_ip = 1;
		err = ip6_ext(&c, &out->ip, &routed);
		if (err != PKT_OK)
			return err;
		body = cur_sub(&c, (size_t)out->ip.length - out->ip.hlen);
	} else {
		return PKT_UNSUPPORTED;
	}
	if (out->ip.later_frag)   /* a non-first fragment has no L4 header */
		return PKT_OK;
	if (out->ip.proto == PKT_IPPROTO_TCP) {
		err = dec_tcp(&body, &out->ip, &out->tcp, routed ? PKT_CSUM_NONE : csum);
		if (err == PKT_OK)
			out->has_tcp = 1;
		return err;
	}
	if (!v6 && out->ip.proto == PKT_IPPROTO_ICMP) {
		err = dec_icmp(&body, &out->icmp);
		if (err == PKT_OK)
			out->has_icmp = 1;
		return err;
	}
	if (v6 && out->ip.proto == PKT_IPPROTO_ICMPV6)
		return dec_icmp6(&body, out);
	return PKT_OK;
}

/*
 * The common frame of a capture (Ethernet without VLAN tag, IPv4 without
 * options, first fragment, TCP with its 20 fixed bytes captured, no
 * checksum to verify) decoded after one length check instead of one per
 * field; every other frame (IPv6 included), and any frame this path would
 * have to reject, goes through pkt_decode, so the results are those of
 * pkt_decode for all inputs (tests/unit/test_pkt_fast.c compares the two).
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

		if (kind == HDR_TCPOPT_EOL)
			break;
		if (kind == HDR_TCPOPT_NOP)
			continue;
		if (i >= n)
			break;
		len = p[i++];
		if (len < HDR_TCPOPT_VAL)
			break;
		if (kind == HDR_TCPOPT_MSS && len == HDR_TCPOPT_MSS_LEN)
			return n - i >= 2 ? fast_be16(p + i) : 0;
		if (n - i < (size_t)len - HDR_TCPOPT_VAL)
			break;
		i += (size_t)len - HDR_TCPOPT_VAL;
	}
	return 0;
}

enum pkt_err pkt_decode_fast(enum pkt_link link, const uint8_t *buf, size_t caplen,
                             enum pkt_csum_mode csum, struct pkt_frame *out)
{
	const size_t eth_len = HDR_ETH_LEN, ip_len = HDR_IP4_LEN, tcp_len = HDR_TCP_LEN;
	const uint8_t *ip = buf + eth_len, *th = ip + ip_len;
	uint16_t tot, frag;
	size_t seglen, bodylen;
	uint8_t thl;

	if (link != PKT_LINK_EN10MB || csum != PKT_CSUM_NONE ||
	    caplen < eth_len + ip_len + tcp_len ||
	    fast_be16(buf + HDR_ETH_TYPE) != PKT_ETHERTYPE_IPV4 ||
	    ip[HDR_IP4_VIHL] != HDR_IP4_VIHL_PLAIN || ip[HDR_IP4_PROTO] != PKT_IPPROTO_TCP)
		return pkt_decode(link, buf, caplen, csum, out);
	tot = fast_be16(ip + HDR_IP4_TOTLEN);
	frag = fast_be16(ip + HDR_IP4_FRAG);
	thl = (uint8_t)((th[HDR_TCP_OFF] >> 4) * 4);
	if ((frag & HDR_IP4_OFFMASK) != 0 || tot < ip_len + tcp_len || thl < tcp_len ||
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
	memcpy(out->eth.dst, buf + HDR_ETH_DST, PKT_ETH_ALEN);
	memcpy(out->eth.src, buf + HDR_ETH_SRC, PKT_ETH_ALEN);
	out->eth.type = PKT_ETHERTYPE_IPV4;
	out->eth.nvlan = 0;
	out->l3_off = eth_len;

	out->ip.hlen = (uint16_t)ip_len;
	out->ip.tos = ip[HDR_IP4_TOS];
	out->ip.tot_len = tot;
	out->ip.length = tot;
	out->ip.id = fast_be16(ip + HDR_IP4_ID);
	out->ip.frag = frag;
	out->ip.later_frag = 0;
	out->ip.ttl = ip[HDR_IP4_TTL];
	out->ip.proto = PKT_IPPROTO_TCP;
	addr_set(&out->ip.src, AF_INET, ip + HDR_IP4_SRC);
	addr_set(&out->ip.dst, AF_INET, ip + HDR_IP4_DST);

	out->tcp.sport = fast_be16(th + HDR_TCP_SPORT);
	out->tcp.dport = fast_be16(th + HDR_TCP_DPORT);
	out->tcp.seq = fast_be32(th + HDR_TCP_SEQ);
	out->tcp.ack = fast_be32(th + HDR_TCP_ACK);
	out->tcp.hlen = thl;
	out->tcp.flags = th[HDR_TCP_FLAGS];
	out->tcp.win = fast_be16(th + HDR_TCP_WIN);
	out->tcp.mss = thl == tcp_len ? 0 :
	               fast_mss(th + tcp_len, (size_t)thl - tcp_len < bodylen - tcp_len ?
	                                      (size_t)thl - tcp_len : bodylen - tcp_len);
	out->tcp.payload_len = (uint32_t)(seglen - thl);
	return PKT_OK;
}

uint16_t pkt_mss_for_mtu(int mtu, int family)
{
	int hdrs = (family == AF_INET6 ? HDR_IP6_LEN : HDR_IP4_LEN) + HDR_TCP_LEN;

	if (mtu <= hdrs + 536)
		return 536;
	return (uint16_t)(mtu - hdrs > 65495 ? 65495 : mtu - hdrs);
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

static size_t eth_len(const uint8_t *smac, uint16_t vlan)
{
	return smac ? HDR_ETH_LEN + (vlan ? HDR_VLAN_LEN : 0) : 0;
}

static size_t put_eth(uint8_t *b, const uint8_t *smac, const uint8_t *dmac,
                      uint16_t vlan, uint16_t type)
{
	uint8_t *tag = b + HDR_ETH_LEN;

	memcpy(b + HDR_ETH_DST, dmac, PKT_ETH_ALEN);
	memcpy(b + HDR_ETH_SRC, smac, PKT_ETH_ALEN);
	if (!vlan) {
		put16(b + HDR_ETH_TYPE, type);
		return HDR_ETH_LEN;
	}
	/* the TPID takes the ethertype's place; the tag follows it */
	put16(b + HDR_ETH_TYPE, PKT_ETHERTYPE_VLAN);
	put16(tag + HDR_VLAN_TCI, vlan & HDR_VLAN_VID_MASK);
	put16(tag + HDR_VLAN_TYPE, type);
	return HDR_ETH_LEN + HDR_VLAN_LEN;
}

static int one_family(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && addr_bytes(a->family) != 0;
}

static size_t ip_hdr_len(const struct addr *a)
{
	return a->family == AF_INET6 ? HDR_IP6_LEN : HDR_IP4_LEN;
}

static void put_ip4(uint8_t *b, uint16_t tot_len, uint16_t id, uint8_t ttl, uint8_t proto,
                    const struct addr *src, const struct addr *dst)
{
	b[HDR_IP4_VIHL] = HDR_IP4_VIHL_PLAIN;
	b[HDR_IP4_TOS] = 0;
	put16(b + HDR_IP4_TOTLEN, tot_len);
	put16(b + HDR_IP4_ID, id);
	put16(b + HDR_IP4_FRAG, HDR_IP4_DF);
	b[HDR_IP4_TTL] = ttl;
	b[HDR_IP4_PROTO] = proto;
	put16(b + HDR_IP4_CSUM, 0);
	memcpy(b + HDR_IP4_SRC, src->u.b, HDR_IP4_ALEN);
	memcpy(b + HDR_IP4_DST, dst->u.b, HDR_IP4_ALEN);
	put16(b + HDR_IP4_CSUM, pkt_csum_fold(pkt_csum_add(0, b, HDR_IP4_LEN)));
}

/* Version 6, traffic class and flow label 0. */
static void put_ip6(uint8_t *b, uint16_t plen, uint8_t nxt, uint8_t hlim,
                    const struct addr *src, const struct addr *dst)
{
	put32(b + HDR_IP6_VTCFL, (uint32_t)HDR_IP6_VERSION << 28);
	put16(b + HDR_IP6_PLEN, plen);
	b[HDR_IP6_NXT] = nxt;
	b[HDR_IP6_HLIM] = hlim;
	memcpy(b + HDR_IP6_SRC, src->u.b, HDR_IP6_ALEN);
	memcpy(b + HDR_IP6_DST, dst->u.b, HDR_IP6_ALEN);
}

size_t pkt_build_tcp(uint8_t *buf, size_t cap, const struct pkt_tcp_spec *s)
{
	size_t l2 = eth_len(s->smac, s->vlan);
	size_t thl = s->mss ? HDR_TCP_LEN + HDR_TCPOPT_MSS_LEN : HDR_TCP_LEN;
	int v6 = s->src.family == AF_INET6;
	size_t iphl, total, after;
	uint8_t ttl = s->ttl ? s->ttl : 64;
	uint8_t *ip, *th;

	if (!one_family(&s->src, &s->dst) || (!v6 && s->extlen))
		return 0;
	iphl = ip_hdr_len(&s->src) + s->extlen;
	after = v6 ? s->extlen + thl + s->paylen : iphl + thl + s->paylen;  /* length field */
	total = l2 + iphl + thl + s->paylen;
	if (s->extlen > 0xffff || s->paylen > 0xffff || after > 0xffff || total > cap)
		return 0;
	if (s->smac)
		put_eth(buf, s->smac, s->dmac, s->vlan, v6 ? PKT_ETHERTYPE_IPV6 : PKT_ETHERTYPE_IPV4);
	ip = buf + l2;
	th = ip + iphl;
	put16(th + HDR_TCP_SPORT, s->sport);
	put16(th + HDR_TCP_DPORT, s->dport);
	put32(th + HDR_TCP_SEQ, s->seq);
	put32(th + HDR_TCP_ACK, s->ack);
	th[HDR_TCP_OFF] = (uint8_t)((thl / 4) << 4);
	th[HDR_TCP_FLAGS] = s->flags;
	put16(th + HDR_TCP_WIN, s->win);
	put16(th + HDR_TCP_CSUM, 0);
	put16(th + HDR_TCP_URP, 0);
	if (s->mss) {
		uint8_t *o = th + HDR_TCP_LEN;

		o[HDR_TCPOPT_KIND] = HDR_TCPOPT_MSS;
		o[HDR_TCPOPT_OLEN] = HDR_TCPOPT_MSS_LEN;
		put16(o + HDR_TCPOPT_VAL, s->mss);
	}
	if (s->paylen)
		memcpy(th + thl, s->payload, s->paylen);
	put16(th + HDR_TCP_CSUM, pkt_csum_tcp(&s->src, &s->dst, th, thl + s->paylen));
	if (v6) {
		put_ip6(ip, (uint16_t)after, s->extlen ? s->ext_first : PKT_IPPROTO_TCP, ttl,
		        &s->src, &s->dst);
		if (s->extlen)
			memcpy(ip + HDR_IP6_LEN, s->ext, s->extlen);
	} else {
		put_ip4(ip, (uint16_t)after, s->ip_id, ttl, PKT_IPPROTO_TCP, &s->src, &s->dst);
	}
	return total;
}

size_t pkt_build_arp(uint8_t *buf, size_t cap, uint16_t op,
                     const uint8_t *smac, struct addr spa,
                     const uint8_t *eth_dst, const uint8_t *tha, struct addr tpa)
{
	uint8_t *a;

	if (cap < HDR_ETH_LEN + HDR_ARP_LEN || spa.family != AF_INET || tpa.family != AF_INET)
		return 0;
	a = buf + put_eth(buf, smac, eth_dst, 0, PKT_ETHERTYPE_ARP);
	put16(a + HDR_ARP_HTYPE, HDR_ARP_HTYPE_ETHER);
	put16(a + HDR_ARP_PTYPE, PKT_ETHERTYPE_IPV4);
	a[HDR_ARP_HLEN] = PKT_ETH_ALEN;
	a[HDR_ARP_PLEN] = HDR_ARP_PLEN_IP4;
	put16(a + HDR_ARP_OP, op);
	memcpy(a + HDR_ARP_SHA, smac, PKT_ETH_ALEN);
	memcpy(a + HDR_ARP_SPA, spa.u.b, HDR_IP4_ALEN);
	memcpy(a + HDR_ARP_THA, tha, PKT_ETH_ALEN);
	memcpy(a + HDR_ARP_TPA, tpa.u.b, HDR_IP4_ALEN);
	return (size_t)(a - buf) + HDR_ARP_LEN;
}

size_t pkt_build_icmp4(uint8_t *buf, size_t cap, const uint8_t *smac,
                       const uint8_t *dmac, struct addr src, struct addr dst,
                       uint8_t type, uint8_t code, const uint8_t *quote,
                       size_t qlen)
{
	size_t l2 = eth_len(smac, 0);
	size_t total = l2 + HDR_IP4_LEN + HDR_ICMP_LEN + qlen;
	uint8_t *ip, *ic;

	if (total > cap || HDR_IP4_LEN + HDR_ICMP_LEN + qlen > 0xffff || src.family != AF_INET ||
	    dst.family != AF_INET)
		return 0;
	if (smac)
		put_eth(buf, smac, dmac, 0, PKT_ETHERTYPE_IPV4);
	ip = buf + l2;
	ic = ip + HDR_IP4_LEN;
	ic[HDR_ICMP_TYPE] = type;
	ic[HDR_ICMP_CODE] = code;
	memset(ic + HDR_ICMP_CSUM, 0, HDR_ICMP_LEN - HDR_ICMP_CSUM);
	if (qlen)
		memcpy(ic + HDR_ICMP_LEN, quote, qlen);
	put16(ic + HDR_ICMP_CSUM, pkt_csum_fold(pkt_csum_add(0, ic, HDR_ICMP_LEN + qlen)));
	put_ip4(ip, (uint16_t)(HDR_IP4_LEN + HDR_ICMP_LEN + qlen), 0, 64, PKT_IPPROTO_ICMP,
	        &src, &dst);
	return total;
}

/* The ICMPv6 checksum of a message already in place at ic. */
static void put_icmp6_csum(uint8_t *ic, size_t len, const struct addr *src,
                           const struct addr *dst)
{
	put16(ic + HDR_ICMP_CSUM, 0);
	put16(ic + HDR_ICMP_CSUM,
	      pkt_csum_fold(pkt_csum_add(pseudo(src, dst, PKT_IPPROTO_ICMPV6, len), ic, len)));
}

/* Ethernet/IPv6/NS or NA with one link-layer address option (smac). */
static size_t put_nd(uint8_t *buf, size_t cap, const uint8_t *smac, const uint8_t *dmac,
                     const struct addr *src, const struct addr *dst, uint8_t type,
                     uint8_t flags, const struct addr *target, uint8_t opt)
{
	const size_t mlen = HDR_ND_LEN + HDR_NDOPT_LLA_LEN;
	size_t total = HDR_ETH_LEN + HDR_IP6_LEN + mlen;
	uint8_t *ic, *o;

	if (total > cap)
		return 0;
	put_eth(buf, smac, dmac, 0, PKT_ETHERTYPE_IPV6);
	put_ip6(buf + HDR_ETH_LEN, (uint16_t)mlen, PKT_IPPROTO_ICMPV6, HDR_ND_HLIM, src, dst);
	ic = buf + HDR_ETH_LEN + HDR_IP6_LEN;
	memset(ic, 0, mlen);
	ic[HDR_ICMP_TYPE] = type;
	ic[HDR_ND_FLAGS] = flags;
	memcpy(ic + HDR_ND_TARGET, target->u.b, HDR_IP6_ALEN);
	o = ic + HDR_ND_LEN;
	o[HDR_NDOPT_TYPE] = opt;
	o[HDR_NDOPT_OLEN] = HDR_NDOPT_LLA_LEN / HDR_NDOPT_UNIT;
	memcpy(o + HDR_NDOPT_VAL, smac, PKT_ETH_ALEN);
	put_icmp6_csum(ic, mlen, src, dst);
	return total;
}

#define SNM_LOW 3       /* target bytes in a solicited-node group */

size_t pkt_build_nbr_request(uint8_t *buf, size_t cap, const uint8_t *smac,
                             struct addr us, struct addr target)
{
	static const uint8_t bcast[PKT_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[PKT_ETH_ALEN];
	/* solicited-node multicast (RFC 4291 2.7.1): ff02::1:ff and the
	 * target's low 24 bits; on Ethernet 33:33 and the group's low 32 bits
	 * (RFC 2464 7) */
	static const uint8_t snm_prefix[HDR_IP6_ALEN - SNM_LOW] = {
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff,
	};
	static const uint8_t mmac_prefix[PKT_ETH_ALEN - SNM_LOW] = { 0x33, 0x33, 0xff };
	uint8_t dmac[PKT_ETH_ALEN];
	struct addr snm = { .family = AF_INET6 };

	if (!one_family(&us, &target))
		return 0;
	if (us.family == AF_INET)
		return pkt_build_arp(buf, cap, PKT_ARP_REQUEST, smac, us, bcast, zero, target);
	memcpy(snm.u.b, snm_prefix, sizeof(snm_prefix));
	memcpy(snm.u.b + sizeof(snm_prefix), target.u.b + HDR_IP6_ALEN - SNM_LOW, SNM_LOW);
	memcpy(dmac, mmac_prefix, sizeof(mmac_prefix));
	memcpy(dmac + sizeof(mmac_prefix), target.u.b + HDR_IP6_ALEN - SNM_LOW, SNM_LOW);
	return put_nd(buf, cap, smac, dmac, &us, &snm, PKT_ICMP6_NS, 0, &target, HDR_NDOPT_SLLA);
}

size_t pkt_build_nbr_reply(uint8_t *buf, size_t cap, const uint8_t *smac,
                           const uint8_t *dmac, struct addr who, struct addr to,
                           uint8_t flags)
{
	if (!one_family(&who, &to))
		return 0;
	if (who.family == AF_INET)
		return pkt_build_arp(buf, cap, PKT_ARP_REPLY, smac, who, dmac, dmac, to);
	return put_nd(buf, cap, smac, dmac, &who, &to, PKT_ICMP6_NA, flags, &who, HDR_NDOPT_TLLA);
}

size_t pkt_build_unreach(uint8_t *buf, size_t cap, const uint8_t *smac,
                         const uint8_t *dmac, struct addr src, struct addr dst,
                         uint8_t code, const uint8_t *quote, size_t qlen)
{
	const size_t qmax = HDR_ICMP6_MIN_MTU - HDR_IP6_LEN - HDR_ICMP_LEN;
	size_t l2 = eth_len(smac, 0), total;
	uint8_t *ic;

	if (!one_family(&src, &dst))
		return 0;
	if (src.family == AF_INET)
		return pkt_build_icmp4(buf, cap, smac, dmac, src, dst, PKT_ICMP_UNREACH, code,
		                       quote, qlen);
	if (qlen > qmax)
		qlen = qmax;
	total = l2 + HDR_IP6_LEN + HDR_ICMP_LEN + qlen;
	if (total > cap)
		return 0;
	if (smac)
		put_eth(buf, smac, dmac, 0, PKT_ETHERTYPE_IPV6);
	put_ip6(buf + l2, (uint16_t)(HDR_ICMP_LEN + qlen), PKT_IPPROTO_ICMPV6, 64, &src, &dst);
	ic = buf + l2 + HDR_IP6_LEN;
	memset(ic, 0, HDR_ICMP_LEN);
	ic[HDR_ICMP_TYPE] = PKT_ICMP6_UNREACH;
	ic[HDR_ICMP_CODE] = code;
	if (qlen)
		memcpy(ic + HDR_ICMP_LEN, quote, qlen);
	put_icmp6_csum(ic, HDR_ICMP_LEN + qlen, &src, &dst);
	return total;
}

/* ---- formatting ---------------------------------------------------------- */

char *pkt_fmt_mac(char out[PKT_MAC_STRLEN], const uint8_t *m)
{
	snprintf(out, PKT_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
	         m[0], m[1], m[2], m[3], m[4], m[5]);
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
