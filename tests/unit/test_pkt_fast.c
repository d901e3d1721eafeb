/*
 * pkt_decode_fast against pkt_decode: for every input the same return
 * value and the same fields written.  Frames of the shape the fast path
 * takes (Ethernet/IPv4 without options/TCP) are built with every option
 * layout that matters, then mutated field by field and byte by byte and
 * cut to every length; both decoders write into frames pre-filled with the
 * same pattern, so a field one writes and the other leaves alone differs.
 * IPv6 frames (TCP, extension headers, ICMPv6, ND) go the same way: the
 * fast path must hand them all to pkt_decode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/hdr.h"
#include "net/pkt.h"

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

#define FILL 0xa5

/* The whole address, family and all 16 bytes. */
static void assert_same_addr(const struct addr *a, const struct addr *b)
{
	assert_int_equal(a->family, b->family);
	assert_memory_equal(a->u.b, b->u.b, sizeof(a->u.b));
}

/* Every member, one by one (no padding compared). */
static void assert_same_frame(const struct pkt_frame *a, const struct pkt_frame *b)
{
	assert_memory_equal(a->eth.dst, b->eth.dst, sizeof(a->eth.dst));
	assert_memory_equal(a->eth.src, b->eth.src, sizeof(a->eth.src));
	assert_int_equal(a->eth.type, b->eth.type);
	assert_int_equal(a->eth.nvlan, b->eth.nvlan);
	assert_memory_equal(a->eth.vlan, b->eth.vlan, sizeof(a->eth.vlan));
	assert_int_equal(a->has_eth, b->has_eth);
	assert_int_equal(a->has_nbr, b->has_nbr);
	assert_int_equal(a->has_ip, b->has_ip);
	assert_int_equal(a->has_tcp, b->has_tcp);
	assert_int_equal(a->has_icmp, b->has_icmp);
	assert_int_equal(a->nbr.op, b->nbr.op);
	assert_memory_equal(a->nbr.sha, b->nbr.sha, sizeof(a->nbr.sha));
	assert_same_addr(&a->nbr.spa, &b->nbr.spa);
	assert_memory_equal(a->nbr.tha, b->nbr.tha, sizeof(a->nbr.tha));
	assert_same_addr(&a->nbr.tpa, &b->nbr.tpa);
	assert_int_equal(a->nbr.has_sha, b->nbr.has_sha);
	assert_int_equal(a->nbr.hlim, b->nbr.hlim);
	assert_int_equal(a->nbr.nd_flags, b->nbr.nd_flags);
	assert_int_equal(a->ip.later_frag, b->ip.later_frag);
	assert_int_equal(a->ip.hlen, b->ip.hlen);
	assert_int_equal(a->ip.tos, b->ip.tos);
	assert_int_equal(a->ip.tot_len, b->ip.tot_len);
	assert_int_equal(a->ip.length, b->ip.length);
	assert_int_equal(a->ip.id, b->ip.id);
	assert_int_equal(a->ip.frag, b->ip.frag);
	assert_int_equal(a->ip.ttl, b->ip.ttl);
	assert_int_equal(a->ip.proto, b->ip.proto);
	assert_same_addr(&a->ip.src, &b->ip.src);
	assert_same_addr(&a->ip.dst, &b->ip.dst);
	assert_int_equal(a->tcp.sport, b->tcp.sport);
	assert_int_equal(a->tcp.dport, b->tcp.dport);
	assert_int_equal(a->tcp.seq, b->tcp.seq);
	assert_int_equal(a->tcp.ack, b->tcp.ack);
	assert_int_equal(a->tcp.hlen, b->tcp.hlen);
	assert_int_equal(a->tcp.flags, b->tcp.flags);
	assert_int_equal(a->tcp.win, b->tcp.win);
	assert_int_equal(a->tcp.mss, b->tcp.mss);
	assert_int_equal(a->tcp.payload_len, b->tcp.payload_len);
	assert_int_equal(a->icmp.type, b->icmp.type);
	assert_int_equal(a->icmp.code, b->icmp.code);
	assert_int_equal(a->icmp.has_quote, b->icmp.has_quote);
	assert_int_equal(a->icmp.unreach, b->icmp.unreach);
	assert_int_equal(a->icmp.q_ip.hlen, b->icmp.q_ip.hlen);
	assert_int_equal(a->icmp.q_ip.proto, b->icmp.q_ip.proto);
	assert_int_equal(a->icmp.q_ip.later_frag, b->icmp.q_ip.later_frag);
	assert_same_addr(&a->icmp.q_ip.src, &b->icmp.q_ip.src);
	assert_same_addr(&a->icmp.q_ip.dst, &b->icmp.q_ip.dst);
	assert_int_equal(a->icmp.q_sport, b->icmp.q_sport);
	assert_int_equal(a->icmp.q_dport, b->icmp.q_dport);
	assert_int_equal(a->icmp.q_seq, b->icmp.q_seq);
	assert_int_equal(a->l3_off, b->l3_off);
}

struct tally {
	unsigned cases;
	unsigned fast;           /* decoded TCP of the shape the fast path takes */
};

/* Both decoders on one input; returns what they returned. */
static enum pkt_err same(enum pkt_link link, const uint8_t *buf, size_t caplen,
                         enum pkt_csum_mode csum, struct tally *t)
{
	struct pkt_frame a, b;
	enum pkt_err ea, eb;

	memset(&a, FILL, sizeof(a));
	memset(&b, FILL, sizeof(b));
	ea = pkt_decode(link, buf, caplen, csum, &a);
	eb = pkt_decode_fast(link, buf, caplen, csum, &b);
	assert_int_equal(ea, eb);
	assert_same_frame(&a, &b);
	t->cases++;
	if (ea == PKT_OK && a.has_tcp && link == PKT_LINK_EN10MB && csum == PKT_CSUM_NONE &&
	    a.eth.nvlan == 0 && a.ip.hlen == 20)
		t->fast++;
	return ea;
}

/* Ethernet/IPv4/TCP with the given raw option bytes (olen a multiple of 4
 * or not: the data offset is rounded up and the rest padded with EOL) and
 * payload length. */
static size_t build(uint8_t *buf, size_t cap, const uint8_t *opt, size_t olen, size_t paylen)
{
	struct pkt_tcp_spec s = {
		.smac = MAC_A, .dmac = MAC_B,
		.src = addr_ip4(next_rand()), .dst = addr_ip4(next_rand()),
		.sport = (uint16_t)next_rand(), .dport = (uint16_t)next_rand(),
		.seq = next_rand(), .ack = next_rand(),
		.flags = (uint8_t)next_rand(), .win = (uint16_t)next_rand(),
		.ip_id = (uint16_t)next_rand(), .ttl = (uint8_t)(next_rand() | 1),
		.paylen = paylen,
	};
	static const uint8_t payload[64];
	size_t n, oround = (olen + 3) & ~(size_t)3;
	uint8_t *th;

	s.payload = payload;
	n = pkt_build_tcp(buf, cap, &s);
	assert_true(n >= 54);
	assert_true(n + oround <= cap);
	/* splice the options in after the fixed TCP header */
	th = buf + 34;
	memmove(th + 20 + oround, th + 20, n - 54);
	memset(th + 20, 0, oround);
	memcpy(th + 20, opt, olen);
	th[12] = (uint8_t)(((20 + oround) / 4) << 4 | (th[12] & 0x0f));
	n += oround;
	buf[16] = (uint8_t)((n - 14) >> 8);
	buf[17] = (uint8_t)(n - 14);
	return n;
}

/* Option layouts: none, MSS, MSS after NOPs, a truncated MSS, MSS with a
 * wrong length, EOL first, a zero or one length, an unknown option that
 * runs past the header, window scale + SACK-permitted + timestamps. */
static const struct {
	uint8_t b[40];
	size_t n;
} OPTS[] = {
	{ { 0 }, 0 },
	{ { 2, 4, 0x05, 0xb4 }, 4 },
	{ { 1, 1, 1, 2, 4, 0x23, 0x28 }, 7 },
	{ { 2, 4, 0x05 }, 3 },
	{ { 2, 3, 0x05, 0xb4 }, 4 },
	{ { 2, 5, 0x05, 0xb4, 0 }, 5 },
	{ { 0, 2, 4, 0x05, 0xb4 }, 5 },
	{ { 3, 0, 2, 4, 0x05, 0xb4 }, 6 },
	{ { 3, 1, 2, 4, 0x05, 0xb4 }, 6 },
	{ { 9, 40, 2, 4, 0x05, 0xb4 }, 6 },
	{ { 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 2, 4, 0x05, 0x78 }, 19 },
	{ { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 0x01, 0x00 }, 40 },
	{ { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 0x01 }, 40 },
};

/* Unmodified frames of every option layout, every payload size, cut at
 * every length, and with every checksum mode and link type. */
static void test_layouts_and_cuts(void **state)
{
	static const enum pkt_link links[] = { PKT_LINK_EN10MB, PKT_LINK_RAW,
	                                       PKT_LINK_SLL, PKT_LINK_SLL2, PKT_LINK_NULL,
	                                       PKT_LINK_LOOP, 0 };
	struct tally t = { 0, 0 };
	uint8_t buf[256];
	(void)state;
	for (size_t o = 0; o < sizeof(OPTS) / sizeof(OPTS[0]); o++)
		for (size_t pay = 0; pay <= 20; pay += 5) {
			size_t n = build(buf, sizeof(buf), OPTS[o].b, OPTS[o].n, pay);

			assert_int_equal(same(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &t), PKT_OK);
			for (size_t cut = 0; cut < n; cut++)
				same(PKT_LINK_EN10MB, buf, cut, PKT_CSUM_NONE, &t);
			for (int m = PKT_CSUM_NONE; m <= PKT_CSUM_IP_TCP; m++)
				for (size_t l = 0; l < sizeof(links) / sizeof(links[0]); l++)
					same(links[l], buf, n, (enum pkt_csum_mode)m, &t);
		}
	/* the fast path's frames were there, and decoded */
	assert_true(t.fast >= 500);
	/* a plain SYN's MSS read the fast way is the one written */
	{
		struct pkt_frame f;
		size_t n = build(buf, sizeof(buf), OPTS[2].b, OPTS[2].n, 0);

		assert_int_equal(pkt_decode_fast(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &f), PKT_OK);
		assert_int_equal(f.tcp.mss, 9000);
		assert_int_equal(f.tcp.hlen, 28);
		assert_int_equal(f.tcp.payload_len, 0);
		assert_int_equal(f.ip.tot_len, n - 14);
	}
}

/* The header fields the fast path tests (ethertype, version/IHL, protocol,
 * total length, fragment bits, data offset) set to values around each of
 * its limits, alone and together, and random bytes flipped. */
static void test_mutations(void **state)
{
	static const uint16_t etypes[] = { 0x0800, 0x8100, 0x88a8, 0x0806, 0x86dd, 0x0801 };
	static const uint8_t vihl[] = { 0x45, 0x44, 0x46, 0x4f, 0x40, 0x55, 0x65, 0x35 };
	static const uint8_t protos[] = { 6, 1, 17, 0 };
	static const uint16_t fragw[] = { 0x0000, 0x4000, 0x2000, 0x0001, 0x1fff, 0x6000 };
	struct tally t = { 0, 0 };
	uint8_t base[256], buf[256];
	(void)state;
	for (int round = 0; round < 4000; round++) {
		size_t o = next_rand() % (sizeof(OPTS) / sizeof(OPTS[0]));
		size_t n = build(base, sizeof(base), OPTS[o].b, OPTS[o].n, next_rand() % 24);
		size_t caplen = n;
		uint16_t tot = (uint16_t)(n - 14);

		memcpy(buf, base, n);
		switch (next_rand() % 8) {
		case 0: {
			uint16_t e = etypes[next_rand() % 6];

			buf[12] = (uint8_t)(e >> 8);
			buf[13] = (uint8_t)e;
			break;
		}
		case 1:
			buf[14] = vihl[next_rand() % 8];
			break;
		case 2:
			buf[23] = protos[next_rand() % 4];
			break;
		case 3: {
			/* total length around 40, around the header, past the frame */
			static const int d[] = { -30, -21, -20, -19, -1, 0, 1, 20, 200 };
			int v = (int)tot + d[next_rand() % 9];

			if (next_rand() & 1)
				v = 36 + (int)(next_rand() % 12);
			tot = (uint16_t)(v < 0 ? 0 : v);
			buf[16] = (uint8_t)(tot >> 8);
			buf[17] = (uint8_t)tot;
			break;
		}
		case 4: {
			uint16_t fw = fragw[next_rand() % 6];

			buf[20] = (uint8_t)(fw >> 8);
			buf[21] = (uint8_t)fw;
			break;
		}
		case 5:
			buf[46] = (uint8_t)((next_rand() % 16) << 4 | (buf[46] & 0x0f));
			break;
		case 6:
			for (int k = 0; k < 3; k++)
				buf[next_rand() % n] ^= (uint8_t)(1u << (next_rand() % 8));
			break;
		default:
			/* two of the above at once */
			buf[46] = (uint8_t)((next_rand() % 16) << 4);
			tot = (uint16_t)(20 + next_rand() % 80);
			buf[16] = (uint8_t)(tot >> 8);
			buf[17] = (uint8_t)tot;
			break;
		}
		if (next_rand() % 4 == 0)
			caplen = next_rand() % (n + 1);
		same(PKT_LINK_EN10MB, buf, caplen, PKT_CSUM_NONE, &t);
		same(PKT_LINK_EN10MB, buf, caplen, PKT_CSUM_IP_TCP, &t);
	}
	assert_true(t.fast >= 1000);
}

/* IPv6 frames of every kind: TCP with and without extension headers and
 * options, an ICMPv6 unreachable, NS and NA; each cut at every length,
 * on every link and checksum mode, then mutated byte by byte. */
static size_t build6(uint8_t *buf, size_t cap, unsigned kind)
{
	static const uint8_t ext[] = {
		PKT_IPPROTO_FRAGMENT, 0, 1, 4, 0, 0, 0, 0,
		PKT_IPPROTO_TCP, 0, 0, 0, 1, 2, 3, 4,
	};
	static const uint8_t payload[32];
	struct addr a = { .family = AF_INET6 }, b = { .family = AF_INET6 };
	struct pkt_tcp_spec s = {
		.smac = MAC_A, .dmac = MAC_B,
		.sport = (uint16_t)next_rand(), .dport = (uint16_t)next_rand(),
		.seq = next_rand(), .ack = next_rand(),
		.flags = (uint8_t)next_rand(), .win = (uint16_t)next_rand(),
		.ttl = (uint8_t)next_rand(), .payload = payload, .paylen = next_rand() % 32,
	};
	uint8_t syn[128];
	size_t qn;

	for (size_t i = 0; i < 4; i++) {
		a.u.w[i] = next_rand();
		b.u.w[i] = next_rand();
	}
	s.src = a;
	s.dst = b;
	switch (kind % 5) {
	case 0:
		s.mss = (uint16_t)next_rand();
		return pkt_build_tcp(buf, cap, &s);
	case 1:
		s.ext = ext;
		s.extlen = sizeof(ext);
		s.ext_first = PKT_IPPROTO_HOPOPTS;
		return pkt_build_tcp(buf, cap, &s);
	case 2:
		s.smac = NULL;
		qn = pkt_build_tcp(syn, sizeof(syn), &s);
		return pkt_build_unreach(buf, cap, MAC_B, MAC_A, b, a, (uint8_t)next_rand(), syn,
		                         next_rand() % (qn + 1));
	case 3:
		return pkt_build_nbr_request(buf, cap, MAC_A, a, b);
	default:
		return pkt_build_nbr_reply(buf, cap, MAC_A, MAC_B, a, b, (uint8_t)next_rand());
	}
}

static void test_ipv6(void **state)
{
	static const enum pkt_link links[] = { PKT_LINK_EN10MB, PKT_LINK_RAW,
	                                       PKT_LINK_SLL, PKT_LINK_SLL2, PKT_LINK_NULL,
	                                       PKT_LINK_LOOP };
	struct tally t = { 0, 0 };
	unsigned ok[5] = { 0 };
	uint8_t buf[256], raw[256];
	(void)state;

	for (unsigned kind = 0; kind < 5 * 20; kind++) {
		size_t n = build6(buf, sizeof(buf), kind);

		assert_true(n > HDR_ETH_LEN + HDR_IP6_LEN);
		if (same(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &t) == PKT_OK)
			ok[kind % 5]++;
		for (size_t cut = 0; cut < n; cut++)
			same(PKT_LINK_EN10MB, buf, cut, PKT_CSUM_NONE, &t);
		for (int m = PKT_CSUM_NONE; m <= PKT_CSUM_IP_TCP; m++)
			for (size_t l = 0; l < sizeof(links) / sizeof(links[0]); l++)
				same(links[l], buf, n, (enum pkt_csum_mode)m, &t);
		/* behind a link header of each kind: the IPv6 packet at offset
		 * 0 (raw), or a BSD family 24 / 30 in front of it */
		memcpy(raw + 4, buf + HDR_ETH_LEN, n - HDR_ETH_LEN);
		memcpy(raw, (const uint8_t[4]){ 24, 0, 0, 0 }, 4);
		same(PKT_LINK_NULL, raw, n - HDR_ETH_LEN + 4, PKT_CSUM_IP_TCP, &t);
		memcpy(raw, (const uint8_t[4]){ 0, 0, 0, 30 }, 4);
		same(PKT_LINK_LOOP, raw, n - HDR_ETH_LEN + 4, PKT_CSUM_IP_TCP, &t);
		same(PKT_LINK_RAW, raw + 4, n - HDR_ETH_LEN, PKT_CSUM_IP_TCP, &t);
		/* every byte of the IPv6 part set to values near the limits */
		for (size_t i = HDR_ETH_LEN; i < n; i++) {
			static const uint8_t v[] = { 0, 1, 6, 8, 44, 58, 60, 0x45, 0x60, 0xff };
			uint8_t keep = buf[i];

			for (size_t k = 0; k < sizeof(v); k++) {
				buf[i] = v[k];
				same(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &t);
			}
			buf[i] = keep;
		}
	}
	/* each kind decoded whole at least once */
	for (size_t k = 0; k < 5; k++)
		assert_true(ok[k] > 0);
	assert_int_equal(t.fast, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts_and_cuts),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
