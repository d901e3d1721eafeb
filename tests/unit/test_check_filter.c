/* The check's kernel filters (compiled by libpcap from their expression),
 * run through libpcap's classic-BPF interpreter (same instruction set and
 * layout as the kernel's sock_filter) against frames built with the codec
 * or written out byte by byte; and the deferred release of the socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/parse.h"
#include "net/pkt.h"
#include "sys/pktsock.h"

static const uint8_t A[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t B[6] = { 0x02, 0, 0, 0, 0, 0x42 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define OUR 0x0a000001u
#define VIP 0x0a000064u
#define PORT 80
#define SPORT 40000

static struct pktsock_filter flt;
static uint8_t buf[256];

static int run(size_t n)
{
	assert_true(n > 0);
	return bpf_filter((const struct bpf_insn *)flt.prog, buf, (u_int)n, (u_int)n) != 0;
}

static size_t tcp(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
	struct pkt_tcp_spec s = {
		.smac = B, .dmac = A, .src = addr_ip4(src), .dst = addr_ip4(dst), .sport = sp, .dport = dp,
		.seq = 1, .ack = 2, .flags = PKT_TH_SYN | PKT_TH_ACK, .win = 1000,
	};

	return pkt_build_tcp(buf, sizeof(buf), &s);
}

static int setup(void **state)
{
	struct addr our = addr_ip4(OUR), vip = addr_ip4(VIP);

	(void)state;
	return pktsock_check_filter(&flt, &our, &vip, PORT, SPORT);
}

static int teardown(void **state)
{
	(void)state;
	pktsock_filter_free(&flt);
	return 0;
}

static void test_accepts_ours(void **state)
{
	size_t n;

	(void)state;
	assert_true(run(tcp(VIP, OUR, PORT, SPORT)));
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00002a), A, A, addr_ip4(OUR));
	assert_true(run(n));
	n = pkt_build_icmp4(buf, sizeof(buf), B, A, addr_ip4(0x0a00002a), addr_ip4(OUR), 3, 3, buf, 0);
	assert_true(run(n));
	/* an ARP reply broadcast (some stacks do) reaches the check, which
	 * judges it by the addresses inside */
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00002a), BCAST, BCAST, addr_ip4(OUR));
	assert_true(run(n));
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00002a), BCAST, A, addr_ip4(OUR));
	assert_true(run(n));
}

static void test_rejects_others(void **state)
{
	size_t n;

	(void)state;
	assert_false(run(tcp(VIP, OUR, PORT + 1, SPORT)));
	assert_false(run(tcp(VIP, OUR, PORT, SPORT + 1)));
	assert_false(run(tcp(VIP + 1, OUR, PORT, SPORT)));
	assert_false(run(tcp(VIP, OUR + 1, PORT, SPORT)));
	/* swapped ports: our own SYN seen coming back */
	assert_false(run(tcp(OUR, VIP, SPORT, PORT)));
	/* a non-first fragment carries no ports */
	n = tcp(VIP, OUR, PORT, SPORT);
	buf[14 + 6] = 0x00;
	buf[14 + 7] = 0x10;
	assert_false(run(n));
	/* UDP to us */
	n = tcp(VIP, OUR, PORT, SPORT);
	buf[14 + 9] = 17;
	assert_false(run(n));
	/* ICMP to someone else */
	n = pkt_build_icmp4(buf, sizeof(buf), B, A, addr_ip4(0x0a00002a), addr_ip4(OUR + 1), 3, 3, buf, 0);
	assert_false(run(n));
	/* ARP: a request (broadcast, even one asking for us), a reply to
	 * another address */
	n = pkt_build_arp(buf, sizeof(buf), 1, B, addr_ip4(0x0a00002a), A, A, addr_ip4(OUR));
	assert_false(run(n));
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00002a), A, A, addr_ip4(OUR + 1));
	assert_false(run(n));
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00002a), BCAST, BCAST, addr_ip4(OUR + 1));
	assert_false(run(n));
	/* IPv6 ethertype */
	n = tcp(VIP, OUR, PORT, SPORT);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	assert_false(run(n));
}

/* IP options move the TCP header: the filter must follow the IHL. */
static void test_ip_options(void **state)
{
	uint8_t opt[256];
	size_t n = tcp(VIP, OUR, PORT, SPORT);

	(void)state;
	memcpy(opt, buf, 34);
	memset(opt + 34, 1, 4);          /* 4 bytes of NOP options */
	memcpy(opt + 38, buf + 34, n - 34);
	opt[14] = 0x46;                  /* IHL 6 */
	memcpy(buf, opt, n + 4);
	assert_true(run(n + 4));
	buf[14] = 0x45;                  /* lie: IHL 5 puts options where ports were */
	assert_false(run(n + 4));
}

/* ---- IPv6 ---------------------------------------------------------------- */

#define OUR6 "2001:db8::1"
#define VIP6 "2001:db8::64"
#define OTHER6 "2001:db8::99"

static struct addr a6(const char *s)
{
	struct addr a;

	assert_int_equal(parse_addr(s, strlen(s), PARSE_IP6, &a), 0);
	return a;
}

/*
 * An Ethernet/IPv6 frame from SRC to DST whose fixed header names NH,
 * followed by L4 (LEN bytes) as is: the fixtures spell out the transport
 * and extension headers byte by byte (checksums do not matter to a
 * filter).  Returns the frame's length.
 */
static size_t ip6(const char *src, const char *dst, uint8_t nh, const uint8_t *l4, size_t len)
{
	struct addr s = a6(src), d = a6(dst);
	uint8_t *p = buf;

	memcpy(p, A, 6);
	memcpy(p + 6, B, 6);
	p[12] = 0x86;
	p[13] = 0xdd;
	p += 14;
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(len >> 8);
	p[5] = (uint8_t)len;
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, s.u.b, 16);
	memcpy(p + 24, d.u.b, 16);
	memcpy(p + 40, l4, len);
	return 14 + 40 + len;
}

/* A 20-byte SYN/ACK header from SP to DP. */
static const uint8_t *tcphdr(uint16_t sp, uint16_t dp)
{
	static uint8_t t[20];

	memset(t, 0, sizeof(t));
	t[0] = (uint8_t)(sp >> 8);
	t[1] = (uint8_t)sp;
	t[2] = (uint8_t)(dp >> 8);
	t[3] = (uint8_t)dp;
	t[12] = 5 << 4;
	t[13] = PKT_TH_SYN | PKT_TH_ACK;
	return t;
}

static const uint8_t icmp6_unreach[8 + 48] = { 1, 4 };    /* port unreachable */
static const uint8_t icmp6_echo[8] = { 128, 0 };
/* A Neighbor Advertisement (solicited, override) with a target
 * link-layer address option; a Neighbor Solicitation. */
static const uint8_t icmp6_na[32] = { 136, 0, 0, 0, 0x60 };
static const uint8_t icmp6_ns[32] = { 135, 0 };

static int setup6(void **state)
{
	struct addr our = a6(OUR6), vip = a6(VIP6);

	(void)state;
	return pktsock_check_filter(&flt, &our, &vip, PORT, SPORT);
}

static void test_ip6_accepts_ours(void **state)
{
	uint8_t ext[8 + 20];

	(void)state;
	assert_non_null(strstr(flt.expr, "tcp src port 80"));
	assert_true(run(ip6(VIP6, OUR6, 6, tcphdr(PORT, SPORT), 20)));
	assert_true(run(ip6(OTHER6, OUR6, 58, icmp6_unreach, sizeof(icmp6_unreach))));
	assert_true(run(ip6(OTHER6, OUR6, 58, icmp6_na, sizeof(icmp6_na))));
	/* A hop-by-hop options header (8 bytes: next header TCP, PadN)
	 * before the TCP header: classic BPF cannot walk the chain, so the
	 * filter lets it through for the codec to judge. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 6;
	ext[2] = 1;
	ext[3] = 4;
	memcpy(ext + 8, tcphdr(PORT, SPORT), 20);
	assert_true(run(ip6(VIP6, OUR6, 0, ext, sizeof(ext))));
	ext[0] = 6;
	assert_true(run(ip6(VIP6, OUR6, 60, ext, sizeof(ext))));   /* destination options */
	assert_true(run(ip6(VIP6, OUR6, 44, ext, sizeof(ext))));   /* fragment */
	assert_true(run(ip6(VIP6, OUR6, 43, ext, sizeof(ext))));   /* routing */
}

static void test_ip6_rejects_others(void **state)
{
	uint8_t ext[8 + 20];
	size_t n;

	(void)state;
	assert_false(run(ip6(VIP6, OUR6, 6, tcphdr(PORT + 1, SPORT), 20)));
	assert_false(run(ip6(VIP6, OUR6, 6, tcphdr(PORT, SPORT + 1), 20)));
	assert_false(run(ip6(OTHER6, OUR6, 6, tcphdr(PORT, SPORT), 20)));
	assert_false(run(ip6(VIP6, OTHER6, 6, tcphdr(PORT, SPORT), 20)));
	assert_false(run(ip6(OUR6, VIP6, 6, tcphdr(SPORT, PORT), 20)));   /* our own SYN */
	assert_false(run(ip6(VIP6, OUR6, 17, tcphdr(PORT, SPORT), 20)));  /* UDP */
	/* ICMPv6 that the check has no use for, or not to us */
	assert_false(run(ip6(OTHER6, OUR6, 58, icmp6_echo, sizeof(icmp6_echo))));
	assert_false(run(ip6(OTHER6, OUR6, 58, icmp6_ns, sizeof(icmp6_ns))));
	assert_false(run(ip6(OTHER6, OTHER6, 58, icmp6_na, sizeof(icmp6_na))));
	assert_false(run(ip6(OTHER6, OTHER6, 58, icmp6_unreach, sizeof(icmp6_unreach))));
	/* extension headers to someone else */
	memset(ext, 0, sizeof(ext));
	ext[0] = 6;
	memcpy(ext + 8, tcphdr(PORT, SPORT), 20);
	assert_false(run(ip6(VIP6, OTHER6, 0, ext, sizeof(ext))));
	/* the IPv4 and ARP forms of our own traffic */
	assert_false(run(tcp(VIP, OUR, PORT, SPORT)));
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00002a), A, A, addr_ip4(OUR));
	assert_false(run(n));
	/* an IPv4 ethertype in front of the IPv6 fixture */
	n = ip6(VIP6, OUR6, 6, tcphdr(PORT, SPORT), 20);
	buf[12] = 0x08;
	buf[13] = 0x00;
	assert_false(run(n));
}

/* The engine's IPv6 filter: any VIP and port to us, the same ICMPv6. */
static void test_ip6_engine(void **state)
{
	struct addr our = a6(OUR6);

	(void)state;
	assert_int_equal(pktsock_engine_filter(&flt, &our, 1), 0);
	assert_true(run(ip6(VIP6, OUR6, 6, tcphdr(443, 1234), 20)));
	assert_true(run(ip6(OTHER6, OUR6, 58, icmp6_na, sizeof(icmp6_na))));
	assert_true(run(ip6(OTHER6, OUR6, 58, icmp6_unreach, sizeof(icmp6_unreach))));
	assert_false(run(ip6(VIP6, OTHER6, 6, tcphdr(443, 1234), 20)));
	assert_false(run(ip6(OTHER6, OUR6, 58, icmp6_echo, sizeof(icmp6_echo))));
	assert_false(run(ip6(VIP6, OUR6, 17, tcphdr(443, 1234), 20)));
	assert_false(run(tcp(VIP, OUR, PORT, SPORT)));
	pktsock_filter_free(&flt);
}

/* The engine's filter of an interface with an address of each family:
 * either family's replies to its own address, nothing else. */
static void test_both_engine(void **state)
{
	struct addr our[3] = { addr_ip4(OUR), { 0 }, a6(OUR6) };
	size_t n;

	(void)state;
	assert_int_equal(pktsock_engine_filter(&flt, our, 3), 0);
	assert_non_null(strstr(flt.expr, " or (ip6 dst host 2001:db8::1 "));
	assert_true(run(ip6(VIP6, OUR6, 6, tcphdr(443, 1234), 20)));
	assert_true(run(ip6(OTHER6, OUR6, 58, icmp6_na, sizeof(icmp6_na))));
	assert_true(run(tcp(VIP, OUR, 443, 1234)));
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00002a), A, A, addr_ip4(OUR));
	assert_true(run(n));
	assert_false(run(ip6(VIP6, OTHER6, 6, tcphdr(443, 1234), 20)));
	assert_false(run(ip6(OTHER6, OUR6, 58, icmp6_echo, sizeof(icmp6_echo))));
	assert_false(run(tcp(VIP, OUR + 1, 443, 1234)));
	pktsock_filter_free(&flt);
}

/* Arguments of two families make no filter, and say so. */
static void test_mixed_family(void **state)
{
	struct addr our = addr_ip4(OUR), vip = a6(VIP6), none = { 0 };

	(void)state;
	assert_int_equal(pktsock_check_filter(&flt, &our, &vip, PORT, SPORT), -1);
	assert_null(flt.prog);
	assert_non_null(strstr(flt.err, "family"));
	assert_non_null(strstr(flt.err, "2001:db8::64"));
	assert_int_equal(pktsock_engine_filter(&flt, &none, 1), -1);
	assert_null(flt.prog);
	pktsock_filter_free(&flt);
}

/* 1 if FD reads EOF within a second. */
static int eof_soon(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, 1000) == 1 && read(fd, &c, 1) == 0;
}

/* The descriptor is really closed in the end (by the helper child), and
 * our own copy is gone at once. */
static void test_close_deferred(void **state)
{
	int sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	pktsock_close_deferred(sp[0]);
	assert_int_equal(fcntl(sp[0], F_GETFD), -1);
	assert_true(eof_soon(sp[1]));
	close(sp[1]);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accepts_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip6_accepts_ours, setup6, teardown),
		cmocka_unit_test_setup_teardown(test_ip6_rejects_others, setup6, teardown),
		cmocka_unit_test(test_ip6_engine),
		cmocka_unit_test(test_both_engine),
		cmocka_unit_test(test_mixed_family),
		cmocka_unit_test(test_close_deferred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
