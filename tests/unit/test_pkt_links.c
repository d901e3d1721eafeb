/*
 * The codec on byte fixtures written out by hand: the BSD loopback link
 * types (NULL with its family in either byte order, LOOP in network
 * order) and IPv4 total length 0 (a TSO/BIG TCP super-packet as captured
 * on the sending host), each through both decoders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/pkt.h"

/* IPv4 + TCP, 10.0.0.1:1234 -> 10.0.0.2:80, SYN|ACK, seq 0x01020304,
 * ack 0x0a0b0c0d, total length 40 (bytes 2-3). */
static const uint8_t IP_TCP[40] = {
	0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x04, 0xd2, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d,
	0x50, 0x12, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t ETH_HDR[14] = {
	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
};

/* Both decoders, same verdict and fields that matter here. */
static enum pkt_err dec2(enum pkt_link link, const uint8_t *b, size_t n, struct pkt_frame *f)
{
	struct pkt_frame g;
	enum pkt_err e = pkt_decode(link, b, n, PKT_CSUM_NONE, f);

	assert_int_equal(pkt_decode_fast(link, b, n, PKT_CSUM_NONE, &g), e);
	assert_int_equal(g.has_tcp, f->has_tcp);
	if (f->has_ip) {
		assert_int_equal(g.ip.length, f->ip.length);
		assert_int_equal(g.ip.tot_len, f->ip.tot_len);
	}
	if (f->has_tcp)
		assert_int_equal(g.tcp.payload_len, f->tcp.payload_len);
	return e;
}

static size_t with_family(uint8_t *buf, const uint8_t fam[4], const uint8_t *l3, size_t n)
{
	memcpy(buf, fam, 4);
	memcpy(buf + 4, l3, n);
	return 4 + n;
}

static void test_null_and_loop(void **state)
{
	static const uint8_t le2[4] = { 2, 0, 0, 0 }, be2[4] = { 0, 0, 0, 2 };
	static const uint8_t le24[4] = { 24, 0, 0, 0 }, be30[4] = { 0, 0, 0, 30 };
	static const uint8_t le28[4] = { 28, 0, 0, 0 }, le10[4] = { 10, 0, 0, 0 };
	static const uint8_t le7[4] = { 7, 0, 0, 0 };
	uint8_t buf[64];
	struct pkt_frame f;
	size_t n;
	(void)state;

	/* NULL, little-endian writer (x86) and big-endian writer: both IPv4 */
	n = with_family(buf, le2, IP_TCP, sizeof(IP_TCP));
	assert_int_equal(dec2(PKT_LINK_NULL, buf, n, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.l3_off, 4);
	assert_int_equal(addr_get_ip4(&f.ip.src), 0x0a000001);
	assert_int_equal(f.tcp.sport, 1234);
	assert_int_equal(f.tcp.flags, PKT_TH_SYN | PKT_TH_ACK);
	assert_int_equal(f.tcp.ack, 0x0a0b0c0d);
	n = with_family(buf, be2, IP_TCP, sizeof(IP_TCP));
	assert_int_equal(dec2(PKT_LINK_NULL, buf, n, &f), PKT_OK);
	assert_true(f.has_tcp);
	/* LOOP is network order only: 2 in little-endian is not AF_INET */
	assert_int_equal(dec2(PKT_LINK_LOOP, buf, n, &f), PKT_OK);
	assert_true(f.has_tcp);
	n = with_family(buf, le2, IP_TCP, sizeof(IP_TCP));
	assert_int_equal(dec2(PKT_LINK_LOOP, buf, n, &f), PKT_UNSUPPORTED);
	assert_false(f.has_ip);
	/* IPv6 (every BSD's value, and Linux's): an IPv4 packet behind it
	 * is a version mismatch */
	n = with_family(buf, le24, IP_TCP, sizeof(IP_TCP));
	assert_int_equal(dec2(PKT_LINK_NULL, buf, n, &f), PKT_BAD_VERSION);
	assert_int_equal(f.eth.type, PKT_ETHERTYPE_IPV6);
	n = with_family(buf, le28, IP_TCP, sizeof(IP_TCP));
	assert_int_equal(dec2(PKT_LINK_NULL, buf, n, &f), PKT_BAD_VERSION);
	n = with_family(buf, le10, IP_TCP, sizeof(IP_TCP));
	assert_int_equal(dec2(PKT_LINK_NULL, buf, n, &f), PKT_BAD_VERSION);
	n = with_family(buf, be30, IP_TCP, sizeof(IP_TCP));
	assert_int_equal(dec2(PKT_LINK_LOOP, buf, n, &f), PKT_BAD_VERSION);
	assert_int_equal(f.eth.type, PKT_ETHERTYPE_IPV6);
	/* others: not ours */
	n = with_family(buf, le7, IP_TCP, sizeof(IP_TCP));
	assert_int_equal(dec2(PKT_LINK_NULL, buf, n, &f), PKT_UNSUPPORTED);
	/* a header cut short */
	for (size_t cut = 0; cut < 4; cut++) {
		assert_int_equal(dec2(PKT_LINK_NULL, buf, cut, &f), PKT_TRUNC);
		assert_int_equal(dec2(PKT_LINK_LOOP, buf, cut, &f), PKT_TRUNC);
	}
}

/* Total length 0: the length is what was captured (tcpdump's reading);
 * any other total length below the header stays impossible. */
static void test_total_length_zero(void **state)
{
	static uint8_t buf[14 + 40 + 3000];
	struct pkt_frame f;
	size_t n = sizeof(buf);
	(void)state;

	memcpy(buf, ETH_HDR, 14);
	memcpy(buf + 14, IP_TCP, 40);
	memset(buf + 54, 'x', 3000);
	buf[14 + 2] = 0;
	buf[14 + 3] = 0;
	assert_int_equal(dec2(PKT_LINK_EN10MB, buf, n, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.ip.tot_len, 0);
	assert_int_equal(f.ip.length, 3040);
	assert_int_equal(f.tcp.payload_len, 3000);
	assert_int_equal(f.tcp.ack, 0x0a0b0c0d);
	/* cut by the snaplen: the length is what the capture holds */
	assert_int_equal(dec2(PKT_LINK_EN10MB, buf, 14 + 40 + 10, &f), PKT_OK);
	assert_int_equal(f.ip.length, 50);
	assert_int_equal(f.tcp.payload_len, 10);
	/* only the headers captured: a segment of no payload */
	assert_int_equal(dec2(PKT_LINK_EN10MB, buf, 54, &f), PKT_OK);
	assert_true(f.has_tcp);
	assert_int_equal(f.tcp.payload_len, 0);
	/* the TCP header cut: its data offset reaches past the packet */
	assert_int_equal(dec2(PKT_LINK_EN10MB, buf, 14 + 30, &f), PKT_TRUNC);
	/* the IP header cut */
	assert_int_equal(dec2(PKT_LINK_EN10MB, buf, 14 + 19, &f), PKT_TRUNC);
	/* raw IP and NULL read it alike */
	assert_int_equal(dec2(PKT_LINK_RAW, buf + 14, n - 14, &f), PKT_OK);
	assert_int_equal(f.tcp.payload_len, 3000);
	/* 1..19 remain impossible */
	buf[14 + 3] = 19;
	assert_int_equal(dec2(PKT_LINK_EN10MB, buf, n, &f), PKT_BAD_LEN);
	buf[14 + 3] = 1;
	assert_int_equal(dec2(PKT_LINK_EN10MB, buf, n, &f), PKT_BAD_LEN);
	/* a declared length is kept as declared */
	buf[14 + 3] = 40;
	assert_int_equal(dec2(PKT_LINK_EN10MB, buf, n, &f), PKT_OK);
	assert_int_equal(f.ip.length, 40);
	assert_int_equal(f.tcp.payload_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_loop),
		cmocka_unit_test(test_total_length_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
