/* Known-answer tests of the packet codec: checksums, decode, builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/pkt.h"

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* RFC 1071 example: words 0001 f203 f4f5 f6f7 sum to 0xddf2 (~ = 0x220d) */
static void test_csum_rfc1071(void **state)
{
	static const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	(void)state;
	assert_int_equal(pkt_csum_fold(pkt_csum_add(0, d, sizeof(d))), 0x220d);
}

/* A real IPv4 header (from a capture) whose checksum is 0xb861. */
static void test_csum_ip_header(void **state)
{
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	                  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	(void)state;
	assert_int_equal(pkt_csum_fold(pkt_csum_add(0, h, 20)), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	assert_int_equal(pkt_csum_fold(pkt_csum_add(0, h, 20)), 0);
}

static size_t build_syn(uint8_t *buf, size_t cap, uint16_t vlan)
{
	struct pkt_tcp_spec s = {
		.smac = MAC_A, .dmac = MAC_B, .vlan = vlan,
		.src = addr_ip4(0x0a000001), .dst = addr_ip4(0x0a000064),
		.sport = 40000, .dport = 80, .seq = 123456789, .ack = 0,
		.flags = PKT_TH_SYN, .win = 64240, .mss = 1460, .ip_id = 7,
	};
	return pkt_build_tcp(buf, cap, &s);
}

static void test_build_decode_syn(void **state)
{
	uint8_t buf[128];
	struct pkt_frame f;
	size_t n = build_syn(buf, sizeof(buf), 0);
	(void)state;
	assert_int_equal(n, 14 + 20 + 24);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
	assert_true(f.has_ip && f.has_tcp);
	assert_memory_equal(f.eth.src, MAC_A, 6);
	assert_int_equal(addr_get_ip4(&f.ip.src), 0x0a000001);
	assert_int_equal(addr_get_ip4(&f.ip.dst), 0x0a000064);
	assert_int_equal(f.tcp.sport, 40000);
	assert_int_equal(f.tcp.dport, 80);
	assert_int_equal(f.tcp.seq, 123456789);
	assert_int_equal(f.tcp.flags, PKT_TH_SYN);
	assert_int_equal(f.tcp.mss, 1460);
	assert_int_equal(f.tcp.payload_len, 0);
}

static void test_vlan(void **state)
{
	uint8_t buf[128];
	struct pkt_frame f;
	size_t n = build_syn(buf, sizeof(buf), 42);
	(void)state;
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &f), PKT_OK);
	assert_int_equal(f.eth.nvlan, 1);
	assert_int_equal(f.eth.vlan[0], 42);
	assert_true(f.has_tcp);
}

/* Every truncation of a valid frame fails cleanly, never reads past. */
static void test_truncations(void **state)
{
	uint8_t buf[128];
	struct pkt_frame f;
	size_t n = build_syn(buf, sizeof(buf), 0);
	(void)state;
	for (size_t len = 0; len < 14 + 20 + 20; len++) {
		enum pkt_err e = pkt_decode(PKT_LINK_EN10MB, buf, len, PKT_CSUM_NONE, &f);
		assert_int_equal(e, PKT_TRUNC);
		assert_false(f.has_tcp);
	}
	/* header complete, options cut by the snaplen: still decodes */
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n - 2, PKT_CSUM_NONE, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.tcp.mss, 0);
}

static void test_bad_lengths(void **state)
{
	uint8_t buf[128];
	struct pkt_frame f;
	size_t n = build_syn(buf, sizeof(buf), 0);
	(void)state;
	buf[14] = 0x44;  /* IHL 4 */
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &f), PKT_BAD_HLEN);
	buf[14] = 0x45;
	buf[14 + 20 + 12] = 0x40;  /* data offset 4 */
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &f), PKT_BAD_HLEN);
	buf[14 + 20 + 12] = 0xf0;  /* data offset 60 > segment */
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &f), PKT_BAD_HLEN);
	buf[14 + 20 + 12] = 0x60;
	buf[16] = 0;
	buf[17] = 10;  /* total length 10 < IHL */
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &f), PKT_BAD_LEN);
}

static void test_bad_checksum(void **state)
{
	uint8_t buf[128];
	struct pkt_frame f;
	size_t n = build_syn(buf, sizeof(buf), 0);
	(void)state;
	buf[n - 1] ^= 1;  /* corrupt the MSS option: TCP checksum breaks */
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP, &f), PKT_OK);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &f), PKT_BAD_CSUM);
	buf[14 + 8] ^= 1;  /* TTL: IP header checksum breaks */
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP, &f), PKT_BAD_CSUM);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &f), PKT_OK);
}

static void test_arp(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6] = { 0 };
	uint8_t buf[64];
	struct pkt_frame f;
	size_t n = pkt_build_arp(buf, sizeof(buf), 1, MAC_A, addr_ip4(0x0a000001), bcast, zero, addr_ip4(0x0a00002a));
	(void)state;
	assert_int_equal(n, 42);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &f), PKT_OK);
	assert_true(f.has_nbr);
	assert_int_equal(f.nbr.op, 1);
	assert_int_equal(addr_get_ip4(&f.nbr.spa), 0x0a000001);
	assert_int_equal(addr_get_ip4(&f.nbr.tpa), 0x0a00002a);
	assert_memory_equal(f.nbr.sha, MAC_A, 6);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, 41, PKT_CSUM_NONE, &f), PKT_TRUNC);
}

static void test_icmp_quote(void **state)
{
	uint8_t syn[128], buf[256];
	struct pkt_frame f;
	size_t n = build_syn(syn, sizeof(syn), 0);
	(void)state;
	/* quote the IP header + 8 bytes of TCP, as routers do */
	size_t m = pkt_build_icmp4(buf, sizeof(buf), MAC_B, MAC_A, addr_ip4(0x0a0000fe), addr_ip4(0x0a000001),
	                           3, 3, syn + 14, 28);
	assert_true(n > 0 && m > 0);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, m, PKT_CSUM_IP, &f), PKT_OK);
	assert_true(f.has_icmp);
	assert_int_equal(f.icmp.type, 3);
	assert_int_equal(f.icmp.code, 3);
	assert_true(f.icmp.has_quote);
	assert_int_equal(addr_get_ip4(&f.icmp.q_ip.dst), 0x0a000064);
	assert_int_equal(f.icmp.q_sport, 40000);
	assert_int_equal(f.icmp.q_dport, 80);
	assert_int_equal(f.icmp.q_seq, 123456789);
	/* a quote cut before the ports is decoded without a quote */
	m = pkt_build_icmp4(buf, sizeof(buf), MAC_B, MAC_A, addr_ip4(0x0a0000fe), addr_ip4(0x0a000001), 3, 3,
	                    syn + 14, 22);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, m, PKT_CSUM_IP, &f), PKT_OK);
	assert_false(f.icmp.has_quote);
}

static void test_fmt(void **state)
{
	char s[PKT_FLAGS_STRLEN], m[PKT_MAC_STRLEN];
	(void)state;
	assert_string_equal(pkt_fmt_tcpflags(s, PKT_TH_SYN), "S");
	assert_string_equal(pkt_fmt_tcpflags(s, PKT_TH_SYN | PKT_TH_ACK), "S.");
	assert_string_equal(pkt_fmt_tcpflags(s, PKT_TH_RST | PKT_TH_ACK), "R.");
	assert_string_equal(pkt_fmt_tcpflags(s, PKT_TH_ACK), ".");
	assert_string_equal(pkt_fmt_mac(m, MAC_A), "02:00:00:00:00:0a");
}

/* One rule for both families and both checkers: MTU less the headers. */
static void test_mss(void **state)
{
	(void)state;
	assert_int_equal(pkt_mss_for_mtu(1500, AF_INET), 1460);
	assert_int_equal(pkt_mss_for_mtu(1500, AF_INET6), 1440);
	assert_int_equal(pkt_mss_for_mtu(9000, AF_INET6), 8940);
	assert_int_equal(pkt_mss_for_mtu(576, AF_INET), 536);     /* the floor */
	assert_int_equal(pkt_mss_for_mtu(0, AF_INET6), 536);
	assert_int_equal(pkt_mss_for_mtu(65575, AF_INET), 65495); /* the ceiling */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_csum_ip_header),
		cmocka_unit_test(test_build_decode_syn),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_icmp_quote),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_mss),
	};
	return cmocka_run_group_tests_name("pkt", tests, NULL, NULL);
}
