/* The check's kernel filter, run through libpcap's classic-BPF interpreter
 * (same instruction set and layout as the kernel's sock_filter) against
 * frames built with the codec; and the deferred release of the socket. */
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

#include "net/pkt.h"
#include "sys/pktsock.h"

static const uint8_t A[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t B[6] = { 0x02, 0, 0, 0, 0, 0x42 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define OUR 0x0a000001u
#define VIP 0x0a000064u
#define PORT 80
#define SPORT 40000

static struct sock_filter prog[PKTSOCK_CHECK_LEN];
static unsigned short plen;
static uint8_t buf[256];

static int run(size_t n)
{
	assert_true(n > 0);
	return bpf_filter((const struct bpf_insn *)prog, buf, (u_int)n, (u_int)n) != 0;
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
	(void)state;
	plen = pktsock_check_filter(prog, OUR, VIP, PORT, SPORT);
	return plen == PKTSOCK_CHECK_LEN ? 0 : -1;
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
		cmocka_unit_test_setup(test_accepts_ours, setup),
		cmocka_unit_test_setup(test_rejects_others, setup),
		cmocka_unit_test_setup(test_ip_options, setup),
		cmocka_unit_test(test_close_deferred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
