/*
 * The IPv6 half of the codec on byte fixtures: known-answer frames (TCP,
 * Neighbor Solicitation and Advertisement, ICMPv6 unreachable) whose
 * checksums tcpdump -vv called correct on a pcap of these very bytes, the
 * extension-header chain, ND messages well and badly formed, IPv6 on every
 * link type, and every builder's output decoded back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/parse.h"
#include "net/hdr.h"
#include "net/pkt.h"

static const uint8_t MAC1[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC2[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t MAC3[6] = { 0x02, 0, 0, 0, 0, 0x03 };

/* 2001:db8::1.1234 > 2001:db8::2.80 SYN seq 0x01020304 win 65535 mss
 * 1440, hop limit 64: "cksum 0x339e (correct)" */
static const char KA_TCP6[] =
	"02000000000202000000000186dd"
	"600000000018064020010db800000000000000000000000120010db8000000000000000000000002"
	"04d2005001020304000000006002ffff339e0000020405a0";
/* NS from 2001:db8::1 (02:..:01) for 2001:db8::2: "[icmp6 sum ok]" */
static const char KA_NS[] =
	"3333ff00000202000000000186dd"
	"6000000000203aff20010db8000000000000000000000001ff0200000000000000000001ff000002"
	"87001c270000000020010db80000000000000000000000020101020000000001";
/* NA from 2001:db8::2 (02:..:02) to 2001:db8::1, solicited + override */
static const char KA_NA[] =
	"02000000000102000000000286dd"
	"6000000000203aff20010db800000000000000000000000220010db8000000000000000000000001"
	"88008a716000000020010db80000000000000000000000020201020000000002";
/* 2001:db8::3 > 2001:db8::1 port unreachable quoting KA_TCP6's packet */
static const char KA_UNREACH6[] =
	"02000000000102000000000386dd"
	"6000000000483a4020010db800000000000000000000000320010db8000000000000000000000001"
	"01043cc900000000"
	"600000000018064020010db800000000000000000000000120010db8000000000000000000000002"
	"04d2005001020304000000006002ffff339e0000020405a0";

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		char two[3] = { hex[0], hex[1], 0 };

		assert_true(n < cap);
		assert_int_equal(sscanf(two, "%02x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static struct addr A(const char *s)
{
	struct addr a;

	assert_int_equal(parse_addr(s, strlen(s), PARSE_ANY, &a), 0);
	return a;
}

static void assert_addr(const struct addr *a, const char *s)
{
	struct addr b = A(s);

	assert_true(addr_eq(a, &b));
}

static enum pkt_err dec(const uint8_t *b, size_t n, struct pkt_frame *f)
{
	struct pkt_frame g;
	enum pkt_err e = pkt_decode(PKT_LINK_EN10MB, b, n, PKT_CSUM_NONE, f);

	/* the fast path hands IPv6 to pkt_decode: same answer */
	assert_int_equal(pkt_decode_fast(PKT_LINK_EN10MB, b, n, PKT_CSUM_NONE, &g), e);
	return e;
}

/* Recompute the ICMPv6 checksum of an Ethernet/IPv6 (no extension
 * headers) frame after a test changed it; plen from the header. */
static void fix_icmp6(uint8_t *b)
{
	uint8_t *ip = b + HDR_ETH_LEN, *ic = ip + HDR_IP6_LEN;
	size_t len = (size_t)(ip[HDR_IP6_PLEN] << 8 | ip[HDR_IP6_PLEN + 1]);
	uint8_t ph[8] = { 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, PKT_IPPROTO_ICMPV6 };
	uint32_t sum;

	ic[HDR_ICMP_CSUM] = ic[HDR_ICMP_CSUM + 1] = 0;
	sum = pkt_csum_add(0, ip + HDR_IP6_SRC, 32);
	sum = pkt_csum_add(sum, ph, sizeof(ph));
	sum = pkt_csum_add(sum, ic, len);
	uint16_t c = pkt_csum_fold(sum);
	ic[HDR_ICMP_CSUM] = (uint8_t)(c >> 8);
	ic[HDR_ICMP_CSUM + 1] = (uint8_t)c;
}

static void set_plen(uint8_t *b, size_t l3, size_t plen)
{
	b[l3 + HDR_IP6_PLEN] = (uint8_t)(plen >> 8);
	b[l3 + HDR_IP6_PLEN + 1] = (uint8_t)plen;
}

static struct pkt_tcp_spec syn6(void)
{
	struct pkt_tcp_spec s = {
		.smac = MAC1, .dmac = MAC2, .src = A("2001:db8::1"), .dst = A("2001:db8::2"),
		.sport = 1234, .dport = 80, .seq = 0x01020304, .flags = PKT_TH_SYN,
		.win = 0xffff, .mss = 1440,
	};
	return s;
}

static void test_known_answer_tcp6(void **state)
{
	uint8_t ka[128], buf[128];
	struct pkt_tcp_spec s = syn6();
	struct pkt_frame f;
	size_t n, kn = unhex(ka, sizeof(ka), KA_TCP6);
	(void)state;

	n = pkt_build_tcp(buf, sizeof(buf), &s);
	assert_int_equal(n, kn);
	assert_memory_equal(buf, ka, kn);
	assert_int_equal(dec(ka, kn, &f), PKT_OK);
	assert_true(f.has_eth && f.has_ip && f.has_tcp);
	assert_false(f.has_icmp || f.has_nbr);
	assert_int_equal(f.eth.type, PKT_ETHERTYPE_IPV6);
	assert_int_equal(f.l3_off, 14);
	assert_int_equal(f.ip.hlen, 40);
	assert_int_equal(f.ip.tot_len, 24);
	assert_int_equal(f.ip.length, 64);
	assert_int_equal(f.ip.ttl, 64);
	assert_int_equal(f.ip.proto, PKT_IPPROTO_TCP);
	assert_int_equal(f.ip.later_frag, 0);
	assert_addr(&f.ip.src, "2001:db8::1");
	assert_addr(&f.ip.dst, "2001:db8::2");
	assert_int_equal(f.tcp.sport, 1234);
	assert_int_equal(f.tcp.dport, 80);
	assert_int_equal(f.tcp.seq, 0x01020304);
	assert_int_equal(f.tcp.flags, PKT_TH_SYN);
	assert_int_equal(f.tcp.hlen, 24);
	assert_int_equal(f.tcp.mss, 1440);
	assert_int_equal(f.tcp.payload_len, 0);
	/* the checksum the pseudo-header helper gives over the segment */
	assert_int_equal(pkt_csum_tcp(&f.ip.src, &f.ip.dst, ka + 54, 24), 0);
	for (int m = PKT_CSUM_NONE; m <= PKT_CSUM_IP_TCP; m++)
		assert_int_equal(pkt_decode(PKT_LINK_EN10MB, ka, kn, (enum pkt_csum_mode)m, &f),
		                 PKT_OK);
	/* a flipped bit: only the TCP check sees it (IPv6 has no header sum) */
	ka[kn - 1] ^= 1;
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, ka, kn, PKT_CSUM_IP, &f), PKT_OK);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, ka, kn, PKT_CSUM_IP_TCP, &f), PKT_BAD_CSUM);
	assert_true(f.has_ip);
	/* an address bit is under the pseudo-header */
	ka[kn - 1] ^= 1;
	ka[14 + HDR_IP6_SRC + 15] ^= 2;
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, ka, kn, PKT_CSUM_IP_TCP, &f), PKT_BAD_CSUM);
}

static void test_known_answer_nd(void **state)
{
	uint8_t ka[128], buf[128];
	struct pkt_frame f;
	size_t n, kn;
	(void)state;

	kn = unhex(ka, sizeof(ka), KA_NS);
	n = pkt_build_nbr_request(buf, sizeof(buf), MAC1, A("2001:db8::1"), A("2001:db8::2"));
	assert_int_equal(n, kn);
	assert_int_equal(n, PKT_NBR_FRAME_MAX);
	assert_memory_equal(buf, ka, kn);
	assert_int_equal(dec(ka, kn, &f), PKT_OK);
	assert_true(f.has_nbr && f.has_ip);
	assert_false(f.has_icmp || f.has_tcp);
	assert_int_equal(f.nbr.op, PKT_NBR_REQUEST);
	assert_addr(&f.nbr.spa, "2001:db8::1");
	assert_addr(&f.nbr.tpa, "2001:db8::2");
	assert_true(f.nbr.has_sha);
	assert_memory_equal(f.nbr.sha, MAC1, 6);
	assert_int_equal(f.nbr.hlim, 255);
	assert_int_equal(f.nbr.nd_flags, 0);
	assert_addr(&f.ip.dst, "ff02::1:ff00:2");

	kn = unhex(ka, sizeof(ka), KA_NA);
	n = pkt_build_nbr_reply(buf, sizeof(buf), MAC2, MAC1, A("2001:db8::2"), A("2001:db8::1"),
	                        PKT_ND_SOLICITED | PKT_ND_OVERRIDE);
	assert_int_equal(n, kn);
	assert_memory_equal(buf, ka, kn);
	assert_int_equal(dec(ka, kn, &f), PKT_OK);
	assert_true(f.has_nbr && f.has_ip);
	assert_false(f.has_icmp);
	assert_int_equal(f.nbr.op, PKT_NBR_REPLY);
	assert_addr(&f.nbr.spa, "2001:db8::2");
	assert_addr(&f.nbr.tpa, "2001:db8::1");
	assert_true(f.nbr.has_sha);
	assert_memory_equal(f.nbr.sha, MAC2, 6);
	assert_int_equal(f.nbr.hlim, 255);
	assert_int_equal(f.nbr.nd_flags, PKT_ND_SOLICITED | PKT_ND_OVERRIDE);
}

static void test_known_answer_unreach6(void **state)
{
	uint8_t ka[256], buf[256], syn[128];
	struct pkt_tcp_spec s = syn6();
	struct pkt_frame f;
	size_t n, kn = unhex(ka, sizeof(ka), KA_UNREACH6), qn;
	(void)state;

	s.smac = NULL;
	qn = pkt_build_tcp(syn, sizeof(syn), &s);
	assert_int_equal(qn, 64);
	n = pkt_build_unreach(buf, sizeof(buf), MAC3, MAC1, A("2001:db8::3"), A("2001:db8::1"), 4,
	                      syn, qn);
	assert_int_equal(n, kn);
	assert_memory_equal(buf, ka, kn);
	assert_int_equal(dec(ka, kn, &f), PKT_OK);
	assert_true(f.has_icmp && f.has_ip);
	assert_false(f.has_tcp || f.has_nbr);
	assert_int_equal(f.icmp.type, PKT_ICMP6_UNREACH);
	assert_int_equal(f.icmp.code, 4);
	assert_true(f.icmp.unreach);
	assert_true(f.icmp.has_quote);
	assert_addr(&f.icmp.q_ip.src, "2001:db8::1");
	assert_addr(&f.icmp.q_ip.dst, "2001:db8::2");
	assert_int_equal(f.icmp.q_ip.proto, PKT_IPPROTO_TCP);
	assert_int_equal(f.icmp.q_ip.hlen, 40);
	assert_int_equal(f.icmp.q_sport, 1234);
	assert_int_equal(f.icmp.q_dport, 80);
	assert_int_equal(f.icmp.q_seq, 0x01020304);
	/* every code is an unreachable, and keeps its quote */
	for (unsigned code = 0; code < 256; code++) {
		n = pkt_build_unreach(buf, sizeof(buf), MAC3, MAC1, A("2001:db8::3"),
		                      A("2001:db8::1"), (uint8_t)code, syn, qn);
		assert_int_equal(dec(buf, n, &f), PKT_OK);
		assert_true(f.icmp.unreach && f.icmp.has_quote);
		assert_int_equal(f.icmp.code, code);
	}
	/* the quote cut before the ports and sequence: no quote */
	for (size_t q = 0; q < 48; q++) {
		n = pkt_build_unreach(buf, sizeof(buf), MAC3, MAC1, A("2001:db8::3"),
		                      A("2001:db8::1"), 1, syn, q);
		assert_int_equal(dec(buf, n, &f), PKT_OK);
		assert_true(f.has_icmp && f.icmp.unreach);
		assert_false(f.icmp.has_quote);
	}
	n = pkt_build_unreach(buf, sizeof(buf), MAC3, MAC1, A("2001:db8::3"), A("2001:db8::1"), 1,
	                      syn, 48);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_true(f.icmp.has_quote);
	/* the ICMPv6 header itself cut */
	assert_int_equal(dec(buf, 14 + 40 + 7, &f), PKT_TRUNC);
	assert_true(f.has_ip);
	assert_false(f.has_icmp);
}

/* Errors other than unreachable keep their quote; informational messages
 * have none; an NS/NA of another code is a plain ICMPv6 message. */
static void test_other_icmp6(void **state)
{
	uint8_t buf[256], syn[128];
	struct pkt_tcp_spec s = syn6();
	struct pkt_frame f;
	size_t n, qn;
	(void)state;

	s.smac = NULL;
	qn = pkt_build_tcp(syn, sizeof(syn), &s);
	n = pkt_build_unreach(buf, sizeof(buf), MAC3, MAC1, A("2001:db8::3"), A("2001:db8::1"), 0,
	                      syn, qn);
	for (unsigned type = 0; type < 256; type++) {
		if (type == PKT_ICMP6_NS || type == PKT_ICMP6_NA)
			continue;
		buf[14 + 40 + HDR_ICMP_TYPE] = (uint8_t)type;
		assert_int_equal(dec(buf, n, &f), PKT_OK);
		assert_true(f.has_icmp);
		assert_int_equal(f.icmp.type, type);
		assert_int_equal(f.icmp.unreach, type == 1);
		assert_int_equal(f.icmp.has_quote, type >= 1 && type <= 4);
	}
	/* the unreachable of IPv4 (type 3) over IPv6 means time exceeded */
	buf[14 + 40 + HDR_ICMP_TYPE] = PKT_ICMP_UNREACH;
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_false(f.icmp.unreach);
	/* ICMP (protocol 1) inside IPv6, ICMPv6 inside IPv4: not decoded */
	buf[14 + HDR_IP6_NXT] = PKT_IPPROTO_ICMP;
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_true(f.has_ip);
	assert_false(f.has_icmp);
	/* NS / NA with a code other than 0 */
	n = pkt_build_nbr_request(buf, sizeof(buf), MAC1, A("2001:db8::1"), A("2001:db8::2"));
	buf[14 + 40 + HDR_ICMP_CODE] = 1;
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_false(f.has_nbr);
	assert_true(f.has_icmp);
	assert_int_equal(f.icmp.type, PKT_ICMP6_NS);
	assert_false(f.icmp.has_quote || f.icmp.unreach);
}

/* A TCP SYN behind the given extension bytes (first header type first). */
static size_t syn_ext(uint8_t *buf, size_t cap, const uint8_t *ext, size_t extlen,
                      uint8_t first)
{
	struct pkt_tcp_spec s = syn6();
	static const uint8_t pay[5] = "hello";

	s.ext = ext;
	s.extlen = extlen;
	s.ext_first = first;
	s.payload = pay;
	s.paylen = sizeof(pay);
	return pkt_build_tcp(buf, cap, &s);
}

static void test_ext_each(void **state)
{
	/* hop-by-hop with a PadN (8), routing type 2 with no segment left
	 * (24), destination options (16), a first fragment (8) */
	static const struct { uint8_t type; uint8_t b[24]; size_t n; } one[] = {
		{ PKT_IPPROTO_HOPOPTS, { 6, 0, 1, 4, 0, 0, 0, 0 }, 8 },
		{ PKT_IPPROTO_ROUTING, { 6, 2, 2, 0 }, 24 },
		{ PKT_IPPROTO_DSTOPTS, { 6, 1, 1, 12 }, 16 },
		{ PKT_IPPROTO_FRAGMENT, { 6, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef }, 8 },
	};
	uint8_t buf[256];
	struct pkt_frame f;
	(void)state;

	for (size_t i = 0; i < 4; i++) {
		size_t n = syn_ext(buf, sizeof(buf), one[i].b, one[i].n, one[i].type);

		assert_int_equal(n, 14 + 40 + one[i].n + 24 + 5);
		for (int m = PKT_CSUM_NONE; m <= PKT_CSUM_IP_TCP; m++)
			assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, (enum pkt_csum_mode)m, &f),
			                 PKT_OK);
		assert_int_equal(dec(buf, n, &f), PKT_OK);
		assert_true(f.has_tcp);
		assert_int_equal(f.ip.hlen, 40 + one[i].n);
		assert_int_equal(f.ip.proto, PKT_IPPROTO_TCP);
		assert_int_equal(f.ip.later_frag, 0);
		assert_int_equal(f.ip.frag, i == 3 ? 0x0001 : 0);
		assert_int_equal(f.tcp.payload_len, 5);
		assert_int_equal(f.tcp.mss, 1440);
		assert_int_equal(f.tcp.dport, 80);
		/* cut anywhere inside the chain: truncated, IP kept */
		for (size_t cut = 54; cut < 54 + one[i].n; cut++) {
			assert_int_equal(dec(buf, cut, &f), PKT_TRUNC);
			assert_true(f.has_ip);
			assert_false(f.has_tcp);
		}
		/* the payload length ends inside the chain: impossible */
		for (size_t plen = 0 + 1; plen < one[i].n; plen++) {
			set_plen(buf, 14, plen);
			assert_int_equal(dec(buf, n, &f), PKT_BAD_HLEN);
			assert_true(f.has_ip);
		}
		/* ... right after it: no room for TCP, truncated as in IPv4 */
		set_plen(buf, 14, one[i].n);
		assert_int_equal(dec(buf, n, &f), PKT_TRUNC);
		assert_false(f.has_tcp);
		/* payload length 0: the capture tells */
		set_plen(buf, 14, 0);
		assert_int_equal(dec(buf, n, &f), PKT_OK);
		assert_int_equal(f.ip.length, n - 14);
		assert_int_equal(f.tcp.payload_len, 5);
	}
}

static void test_ext_chain(void **state)
{
	uint8_t ext[16 * 8], buf[512];
	struct pkt_frame f;
	size_t n;
	(void)state;

	/* hop-by-hop (16) > destination options (8) > routing (24) > fragment
	 * (8) > destination options (8) > TCP */
	memset(ext, 0, sizeof(ext));
	ext[0] = PKT_IPPROTO_DSTOPTS; ext[1] = 1;
	ext[16] = PKT_IPPROTO_ROUTING;
	ext[24] = PKT_IPPROTO_FRAGMENT; ext[25] = 2; ext[26] = 4;
	ext[48] = PKT_IPPROTO_DSTOPTS;
	ext[56] = PKT_IPPROTO_TCP;
	n = syn_ext(buf, sizeof(buf), ext, 64, PKT_IPPROTO_HOPOPTS);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.ip.hlen, 104);
	assert_int_equal(f.tcp.payload_len, 5);

	/* a routing header with a segment left: the TCP checksum is over
	 * another destination, not verified */
	ext[27] = 1;
	n = syn_ext(buf, sizeof(buf), ext, 64, PKT_IPPROTO_HOPOPTS);
	buf[n - 1] ^= 0x40;
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
	assert_true(f.has_tcp);
	ext[27] = 0;
	n = syn_ext(buf, sizeof(buf), ext, 64, PKT_IPPROTO_HOPOPTS);
	buf[n - 1] ^= 0x40;
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &f), PKT_BAD_CSUM);

	/* a later fragment: no TCP, whatever follows */
	ext[48 + 2] = 0x00;
	ext[48 + 3] = 0x08;                 /* offset 1 (8 bytes), no more */
	n = syn_ext(buf, sizeof(buf), ext, 64, PKT_IPPROTO_HOPOPTS);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_true(f.has_ip);
	assert_false(f.has_tcp || f.has_icmp);
	assert_int_equal(f.ip.later_frag, 1);
	assert_int_equal(f.ip.frag, 0x0008);
	assert_int_equal(f.ip.proto, PKT_IPPROTO_DSTOPTS);
	assert_int_equal(f.ip.hlen, 40 + 56);

	/* exactly PKT_IP6_MAX_EXT headers walk; one more does not */
	memset(ext, 0, sizeof(ext));
	for (size_t k = 0; k < PKT_IP6_MAX_EXT; k++)
		ext[k * 8] = k + 1 < PKT_IP6_MAX_EXT ? PKT_IPPROTO_DSTOPTS : PKT_IPPROTO_TCP;
	n = syn_ext(buf, sizeof(buf), ext, PKT_IP6_MAX_EXT * 8, PKT_IPPROTO_DSTOPTS);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.ip.hlen, 40 + PKT_IP6_MAX_EXT * 8);
	for (size_t k = 0; k <= PKT_IP6_MAX_EXT; k++)
		ext[k * 8] = k < PKT_IP6_MAX_EXT ? PKT_IPPROTO_DSTOPTS : PKT_IPPROTO_TCP;
	n = syn_ext(buf, sizeof(buf), ext, (PKT_IP6_MAX_EXT + 1) * 8, PKT_IPPROTO_DSTOPTS);
	assert_int_equal(dec(buf, n, &f), PKT_UNSUPPORTED);
	assert_true(f.has_ip);
	assert_false(f.has_tcp);
	assert_int_equal(f.ip.proto, PKT_IPPROTO_DSTOPTS);
	assert_int_equal(f.ip.hlen, 40 + PKT_IP6_MAX_EXT * 8);

	/* no next header (59) and an unknown one end the chain: not TCP */
	ext[0] = PKT_IPPROTO_NONE;
	n = syn_ext(buf, sizeof(buf), ext, 8, PKT_IPPROTO_HOPOPTS);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_int_equal(f.ip.proto, PKT_IPPROTO_NONE);
	assert_int_equal(f.ip.hlen, 48);
	assert_false(f.has_tcp);
}

/* The fixed header alone: version, lengths, traffic class, cuts. */
static void test_ip6_header(void **state)
{
	uint8_t buf[256];
	struct pkt_tcp_spec s = syn6();
	struct pkt_frame f;
	size_t n;
	(void)state;

	n = pkt_build_tcp(buf, sizeof(buf), &s);
	for (size_t cut = 14; cut < 54; cut++) {
		assert_int_equal(dec(buf, cut, &f), PKT_TRUNC);
		assert_false(f.has_ip);
	}
	for (size_t cut = 54; cut < 74; cut++) {
		assert_int_equal(dec(buf, cut, &f), PKT_TRUNC);
		assert_true(f.has_ip);
	}
	/* TCP options cut by the capture: still TCP, MSS unread */
	assert_int_equal(dec(buf, 75, &f), PKT_OK);
	assert_int_equal(f.tcp.mss, 0);
	/* traffic class spans two bytes */
	buf[14] = 0x6a;
	buf[15] = 0xb0;
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_int_equal(f.ip.tos, 0xab);
	/* version 4 where the link says IPv6, version 6 where it says IPv4 */
	buf[14] = 0x45;
	assert_int_equal(dec(buf, n, &f), PKT_BAD_VERSION);
	assert_false(f.has_ip);
	buf[14] = 0x60;
	buf[12] = 0x08;
	buf[13] = 0x00;
	assert_int_equal(dec(buf, n, &f), PKT_BAD_VERSION);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	/* payload length past the capture: the declared length counts */
	set_plen(buf, 14, 24 + 1000);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_int_equal(f.ip.length, 40 + 1024);
	assert_int_equal(f.tcp.payload_len, 1000);
	/* shorter than the TCP header: truncated, as in IPv4; shorter than
	 * its data offset: impossible */
	set_plen(buf, 14, 19);
	assert_int_equal(dec(buf, n, &f), PKT_TRUNC);
	set_plen(buf, 14, 23);
	assert_int_equal(dec(buf, n, &f), PKT_BAD_HLEN);
	/* Ethernet padding past the payload length is not payload */
	set_plen(buf, 14, 24);
	memset(buf + n, 0, 10);
	assert_int_equal(dec(buf, n + 10, &f), PKT_OK);
	assert_int_equal(f.tcp.payload_len, 0);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n + 10, PKT_CSUM_IP_TCP, &f), PKT_OK);
	/* payload length 0: what the capture holds */
	set_plen(buf, 14, 0);
	assert_int_equal(dec(buf, n + 10, &f), PKT_OK);
	assert_int_equal(f.ip.tot_len, 0);
	assert_int_equal(f.ip.length, 40 + 24 + 10);
	assert_int_equal(f.tcp.payload_len, 10);
}

/* IPv6 behind every link type: VLAN, QinQ, cooked v1/v2, raw, BSD. */
static void test_links6(void **state)
{
	static const uint8_t fam[][4] = {
		{ 10, 0, 0, 0 }, { 24, 0, 0, 0 }, { 28, 0, 0, 0 }, { 30, 0, 0, 0 }, { 0, 0, 0, 24 },
	};
	uint8_t ip[128], buf[256];
	struct pkt_tcp_spec s = syn6();
	struct pkt_frame f;
	size_t n, iplen;
	(void)state;

	s.smac = NULL;
	iplen = pkt_build_tcp(ip, sizeof(ip), &s);
	/* one VLAN tag, from the builder */
	s = syn6();
	s.vlan = 42;
	n = pkt_build_tcp(buf, sizeof(buf), &s);
	assert_int_equal(n, 18 + iplen);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.eth.nvlan, 1);
	assert_int_equal(f.eth.vlan[0], 42);
	assert_int_equal(f.l3_off, 18);
	/* QinQ */
	memcpy(buf, MAC2, 6);
	memcpy(buf + 6, MAC1, 6);
	memcpy(buf + 12, "\x88\xa8\x00\x07\x81\x00\x00\x2a\x86\xdd", 10);
	memcpy(buf + 22, ip, iplen);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, 22 + iplen, PKT_CSUM_IP_TCP, &f),
	                 PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.eth.nvlan, 2);
	assert_int_equal(f.l3_off, 22);
	/* cooked v1 */
	memset(buf, 0, 16);
	buf[5] = 6;
	memcpy(buf + 6, MAC1, 6);
	buf[14] = 0x86;
	buf[15] = 0xdd;
	memcpy(buf + 16, ip, iplen);
	assert_int_equal(pkt_decode(PKT_LINK_SLL, buf, 16 + iplen, PKT_CSUM_IP_TCP, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_memory_equal(f.eth.src, MAC1, 6);
	/* cooked v2 */
	memset(buf, 0, 20);
	buf[0] = 0x86;
	buf[1] = 0xdd;
	buf[11] = 6;
	memcpy(buf + 12, MAC1, 6);
	memcpy(buf + 20, ip, iplen);
	assert_int_equal(pkt_decode(PKT_LINK_SLL2, buf, 20 + iplen, PKT_CSUM_IP_TCP, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.l3_off, 20);
	/* raw */
	assert_int_equal(pkt_decode(PKT_LINK_RAW, ip, iplen, PKT_CSUM_IP_TCP, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.eth.type, PKT_ETHERTYPE_IPV6);
	/* BSD loopback, every IPv6 family value */
	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		memcpy(buf, fam[i], 4);
		memcpy(buf + 4, ip, iplen);
		assert_int_equal(pkt_decode(i == 4 ? PKT_LINK_LOOP : PKT_LINK_NULL, buf, 4 + iplen,
		                            PKT_CSUM_IP_TCP, &f), PKT_OK);
		assert_true(f.has_tcp);
		assert_addr(&f.ip.dst, "2001:db8::2");
	}
}

/* ND messages badly formed: each reason its own answer. */
static void test_nd_malformed(void **state)
{
	uint8_t good[128], buf[160];
	struct pkt_frame f;
	uint8_t *ic = buf + 14 + 40, *opt = ic + HDR_ND_LEN;
	size_t n;
	(void)state;

	n = pkt_build_nbr_reply(good, sizeof(good), MAC2, MAC1, A("2001:db8::2"),
	                        A("2001:db8::1"), PKT_ND_SOLICITED);
	memcpy(buf, good, n);
	/* the checksum is verified whatever the mode */
	ic[HDR_ND_TARGET + 15] ^= 1;
	for (int m = PKT_CSUM_NONE; m <= PKT_CSUM_IP_TCP; m++) {
		assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, (enum pkt_csum_mode)m, &f),
		                 PKT_BAD_CSUM);
		assert_false(f.has_nbr);
	}
	/* an option of length 0 (RFC 4861 7.1.2) */
	memcpy(buf, good, n);
	opt[HDR_NDOPT_OLEN] = 0;
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n, &f), PKT_BAD_HLEN);
	assert_false(f.has_nbr);
	/* an option running past the message */
	opt[HDR_NDOPT_OLEN] = 2;
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n, &f), PKT_BAD_HLEN);
	/* a stray byte after the last option */
	memcpy(buf, good, n);
	buf[n] = 0;
	set_plen(buf, 14, 33);
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n + 1, &f), PKT_BAD_HLEN);
	/* a zero-length option after a good one */
	memcpy(buf, good, n);
	memset(buf + n, 0, 8);
	buf[n] = 14;
	set_plen(buf, 14, 40);
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n + 8, &f), PKT_BAD_HLEN);
	/* ... of length 1: fine, and the address option still found */
	buf[n + 1] = 1;
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n + 8, &f), PKT_OK);
	assert_true(f.has_nbr && f.nbr.has_sha);
	assert_memory_equal(f.nbr.sha, MAC2, 6);
	/* shorter than NS/NA's 24 bytes */
	memcpy(buf, good, n);
	set_plen(buf, 14, 20);
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n, &f), PKT_BAD_LEN);
	/* not captured whole */
	memcpy(buf, good, n);
	for (size_t cut = 14 + 40 + 8; cut < n; cut++)
		assert_int_equal(dec(buf, cut, &f), PKT_TRUNC);
	/* no option: decoded, no hardware address */
	set_plen(buf, 14, 24);
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n - 8, &f), PKT_OK);
	assert_true(f.has_nbr);
	assert_false(f.nbr.has_sha);
	/* a source address option in an NA is not the target's */
	memcpy(buf, good, n);
	opt[HDR_NDOPT_TYPE] = HDR_NDOPT_SLLA;
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_false(f.nbr.has_sha);
	/* the hop limit is not under the checksum: forged, it decodes, and
	 * the consumer sees it */
	memcpy(buf, good, n);
	buf[14 + HDR_IP6_HLIM] = 254;
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_true(f.has_nbr);
	assert_int_equal(f.nbr.hlim, 254);
	/* router flag and reserved bits: only R, S, O are kept */
	memcpy(buf, good, n);
	ic[HDR_ND_FLAGS] = 0xff;
	ic[HDR_ND_FLAGS + 1] = 0xff;
	fix_icmp6(buf);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_int_equal(f.nbr.nd_flags, PKT_ND_ROUTER | PKT_ND_SOLICITED | PKT_ND_OVERRIDE);
	/* ND behind an extension header: still ND */
	{
		static const uint8_t hbh[8] = { PKT_IPPROTO_ICMPV6, 0, 1, 4, 0, 0, 0, 0 };
		uint8_t *ip = buf + 14;

		memcpy(buf, good, 54);
		memcpy(buf + 54, hbh, 8);
		memcpy(buf + 62, good + 54, 32);
		ip[HDR_IP6_NXT] = PKT_IPPROTO_HOPOPTS;
		set_plen(buf, 14, 40);
		assert_int_equal(dec(buf, 94, &f), PKT_OK);      /* same checksum */
		assert_true(f.has_nbr);
		assert_int_equal(f.ip.hlen, 48);
	}
}

/* Every builder, both families, decoded back; what they refuse. */
static void test_builders_roundtrip(void **state)
{
	static const uint8_t pay[100] = { 1, 2, 3 };
	static uint8_t big[2000];
	uint8_t buf[2048];
	struct pkt_frame f;
	size_t n;
	(void)state;

	/* TCP both families, with and without Ethernet */
	{
		struct pkt_tcp_spec s = syn6();

		s.payload = pay;
		s.paylen = sizeof(pay);
		s.ttl = 7;
		s.flags = PKT_TH_ACK | PKT_TH_PUSH;
		s.ack = 99;
		n = pkt_build_tcp(buf, sizeof(buf), &s);
		assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
		assert_int_equal(f.ip.ttl, 7);
		assert_int_equal(f.tcp.payload_len, 100);
		assert_int_equal(f.tcp.ack, 99);
		assert_int_equal(f.tcp.flags, PKT_TH_ACK | PKT_TH_PUSH);
		s.smac = NULL;
		n = pkt_build_tcp(buf, sizeof(buf), &s);
		assert_int_equal(n, 40 + 24 + 100);
		assert_int_equal(pkt_decode(PKT_LINK_RAW, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
		assert_int_equal(pkt_build_tcp(buf, n - 1, &s), 0);
		s.dst = A("192.0.2.1");
		assert_int_equal(pkt_build_tcp(buf, sizeof(buf), &s), 0);
		s.src = A("192.0.2.2");
		s.ext = pay;
		s.extlen = 8;
		assert_int_equal(pkt_build_tcp(buf, sizeof(buf), &s), 0);   /* IPv6 only */
		s.extlen = 0;
		n = pkt_build_tcp(buf, sizeof(buf), &s);
		assert_int_equal(pkt_decode(PKT_LINK_RAW, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
		assert_addr(&f.ip.src, "192.0.2.2");
		s.ttl = 0;
		s.src = A("2001:db8::1");
		s.dst = A("2001:db8::2");
		n = pkt_build_tcp(buf, sizeof(buf), &s);
		assert_int_equal(pkt_decode(PKT_LINK_RAW, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
		assert_int_equal(f.ip.ttl, 64);
	}
	/* neighbour request, IPv4: the ARP request the check always sent */
	n = pkt_build_nbr_request(buf, sizeof(buf), MAC1, A("10.0.0.1"), A("10.0.0.2"));
	assert_int_equal(n, 42);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_true(f.has_nbr);
	assert_false(f.has_ip);
	assert_int_equal(f.nbr.op, PKT_NBR_REQUEST);
	assert_memory_equal(f.eth.dst, "\xff\xff\xff\xff\xff\xff", 6);
	assert_memory_equal(f.nbr.tha, "\0\0\0\0\0\0", 6);
	assert_memory_equal(f.nbr.sha, MAC1, 6);
	assert_addr(&f.nbr.spa, "10.0.0.1");
	assert_addr(&f.nbr.tpa, "10.0.0.2");
	{
		uint8_t old[64];
		static const uint8_t zero[6], bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		assert_int_equal(pkt_build_arp(old, sizeof(old), 1, MAC1, A("10.0.0.1"), bc, zero,
		                               A("10.0.0.2")), 42);
		assert_memory_equal(old, buf, 42);
	}
	/* IPv6: solicited-node group from the target's low 24 bits */
	n = pkt_build_nbr_request(buf, sizeof(buf), MAC1, A("fe80::1"), A("2001:db8::abcd:ef12"));
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_true(f.has_nbr);
	assert_memory_equal(f.eth.dst, "\x33\x33\xff\xcd\xef\x12", 6);
	assert_addr(&f.ip.dst, "ff02::1:ffcd:ef12");
	assert_addr(&f.nbr.tpa, "2001:db8::abcd:ef12");
	assert_addr(&f.nbr.spa, "fe80::1");
	assert_int_equal(pkt_build_nbr_request(buf, 85, MAC1, A("fe80::1"), A("2001:db8::2")), 0);
	assert_int_equal(pkt_build_nbr_request(buf, 41, MAC1, A("10.0.0.1"), A("10.0.0.2")), 0);
	assert_int_equal(pkt_build_nbr_request(buf, sizeof(buf), MAC1, A("10.0.0.1"),
	                                       A("2001:db8::2")), 0);
	/* reply, IPv4: "10.0.0.2 is at MAC2" to 10.0.0.1 at MAC1 */
	n = pkt_build_nbr_reply(buf, sizeof(buf), MAC2, MAC1, A("10.0.0.2"), A("10.0.0.1"),
	                        PKT_ND_SOLICITED);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_int_equal(f.nbr.op, PKT_NBR_REPLY);
	assert_memory_equal(f.nbr.sha, MAC2, 6);
	assert_memory_equal(f.nbr.tha, MAC1, 6);
	assert_memory_equal(f.eth.dst, MAC1, 6);
	assert_addr(&f.nbr.spa, "10.0.0.2");
	assert_addr(&f.nbr.tpa, "10.0.0.1");
	assert_int_equal(f.nbr.nd_flags, 0);
	/* IPv6, router flag */
	n = pkt_build_nbr_reply(buf, sizeof(buf), MAC2, MAC1, A("fe80::2"), A("fe80::1"),
	                        PKT_ND_ROUTER);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_int_equal(f.nbr.nd_flags, PKT_ND_ROUTER);
	assert_addr(&f.ip.src, "fe80::2");
	assert_int_equal(pkt_build_nbr_reply(buf, sizeof(buf), MAC2, MAC1, A("fe80::2"),
	                                     A("10.0.0.1"), 0), 0);
	/* unreachable, IPv4: ICMP type 3 as pkt_build_icmp4 writes it */
	{
		struct pkt_tcp_spec s = syn6();
		uint8_t q[64], old[128];
		size_t qn;

		s.smac = NULL;
		s.src = A("10.0.0.1");
		s.dst = A("10.0.0.9");
		qn = pkt_build_tcp(q, sizeof(q), &s);
		n = pkt_build_unreach(buf, sizeof(buf), MAC3, MAC1, A("10.0.0.3"), A("10.0.0.1"), 3,
		                      q, qn);
		assert_int_equal(pkt_build_icmp4(old, sizeof(old), MAC3, MAC1, A("10.0.0.3"),
		                                 A("10.0.0.1"), PKT_ICMP_UNREACH, 3, q, qn), n);
		assert_memory_equal(old, buf, n);
		assert_int_equal(dec(buf, n, &f), PKT_OK);
		assert_true(f.icmp.unreach && f.icmp.has_quote);
		assert_int_equal(f.icmp.type, PKT_ICMP_UNREACH);
		assert_addr(&f.icmp.q_ip.dst, "10.0.0.9");
		assert_int_equal(f.icmp.q_dport, 80);
		/* without Ethernet */
		n = pkt_build_unreach(buf, sizeof(buf), NULL, NULL, A("2001:db8::3"),
		                      A("2001:db8::1"), 0, q, qn);
		assert_int_equal(n, 40 + 8 + qn);
		assert_int_equal(pkt_decode(PKT_LINK_RAW, buf, n, PKT_CSUM_NONE, &f), PKT_OK);
		assert_true(f.icmp.unreach);
		assert_false(f.icmp.has_quote);        /* an IPv4 quote in ICMPv6 */
	}
	/* IPv6: the quote cut to the minimum MTU */
	n = pkt_build_unreach(buf, sizeof(buf), MAC3, MAC1, A("2001:db8::3"), A("2001:db8::1"), 1,
	                      big, sizeof(big));
	assert_int_equal(n, 14 + 1280);
	assert_int_equal(dec(buf, n, &f), PKT_OK);
	assert_int_equal(f.ip.tot_len, 1240);
	assert_int_equal(pkt_build_unreach(buf, 14 + 1279, MAC3, MAC1, A("2001:db8::3"),
	                                   A("2001:db8::1"), 1, big, sizeof(big)), 0);
	assert_int_equal(pkt_build_unreach(buf, sizeof(buf), MAC3, MAC1, A("10.0.0.3"),
	                                   A("2001:db8::1"), 1, big, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer_tcp6),
		cmocka_unit_test(test_known_answer_nd),
		cmocka_unit_test(test_known_answer_unreach6),
		cmocka_unit_test(test_other_icmp6),
		cmocka_unit_test(test_ext_each),
		cmocka_unit_test(test_ext_chain),
		cmocka_unit_test(test_ip6_header),
		cmocka_unit_test(test_links6),
		cmocka_unit_test(test_nd_malformed),
		cmocka_unit_test(test_builders_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
