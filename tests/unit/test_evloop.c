/* The engine's building blocks: SipHash-2-4 against the reference
 * vectors, the timer heap against a sorted reference under random
 * set/cancel/re-arm, timers firing in order through evl_run_once, and
 * the engine's kernel filter through libpcap's BPF interpreter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "net/pkt.h"
#include "sys/clock.h"
#include "sys/evloop.h"
#include "sys/pktsock.h"
#include "sys/siphash.h"

static void test_siphash_vectors(void **state)
{
	uint8_t key[16], msg[64];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* from the SipHash paper's reference implementation */
	assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(siphash24(key, msg, 1) == 0x74f839c593dc67fdull);
	assert_true(siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
	assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
	assert_true(siphash24(key, msg, 63) == 0x958a324ceb064572ull);
}

#define N 3000
static struct evl_timer tm[N];
static int fired[N], nfired;
static uint64_t last_at;

static void on_fire(struct evl_timer *t, uint64_t now)
{
	(void)now;
	assert_true(t->at >= last_at);
	last_at = t->at;
	fired[nfired++] = (int)(t - tm);
}

static void test_heap_order(void **state)
{
	struct evl *l = evl_new();
	uint64_t want[N];
	int armed[N], n = 0;

	(void)state;
	assert_non_null(l);
	srand(7);
	memset(armed, 0, sizeof(armed));
	for (int i = 0; i < N; i++) {
		tm[i].fn = on_fire;
		tm[i].pos = 0;
	}
	/* random arms, re-arms (earlier and later) and cancels */
	for (int k = 0; k < 4 * N; k++) {
		int i = rand() % N;

		if (rand() % 4 == 0) {
			evl_timer_cancel(l, &tm[i]);
			armed[i] = 0;
		} else {
			want[i] = (uint64_t)(rand() % 100000);
			assert_int_equal(evl_timer_set(l, &tm[i], want[i]), 0);
			armed[i] = 1;
		}
	}
	for (int i = 0; i < N; i++) {
		n += armed[i];
		assert_int_equal(evl_timer_armed(&tm[i]), armed[i]);
	}
	assert_int_equal(evl_timer_count(l), n);
	/* all are in the past: one run fires them all, in deadline order */
	nfired = 0;
	last_at = 0;
	assert_int_equal(evl_run_once(l, 0), 0);
	assert_int_equal(nfired, n);
	for (int i = 0; i < nfired; i++)
		assert_true(armed[fired[i]] && tm[fired[i]].at == want[fired[i]]);
	assert_int_equal(evl_timer_count(l), 0);
	assert_true(evl_next_at(l) == UINT64_MAX);
	evl_free(l);
}

static void test_wait_until_timer(void **state)
{
	struct evl *l = evl_new();
	uint64_t t0 = clock_mono_us();

	(void)state;
	tm[0].fn = on_fire;
	tm[0].pos = 0;
	nfired = 0;
	last_at = 0;
	evl_timer_set(l, &tm[0], t0 + 20000);
	while (nfired == 0)
		evl_run_once(l, 1000000);
	/* woke for it, not for the 1 s cap, and not early */
	assert_true(clock_mono_us() - t0 >= 20000);
	assert_true(clock_mono_us() - t0 < 900000);
	evl_free(l);
}

static int run_filter(const struct sock_filter *p, const uint8_t *b, size_t n)
{
	return bpf_filter((const struct bpf_insn *)p, b, (u_int)n, (u_int)n) != 0;
}

static void test_engine_filter(void **state)
{
	static const uint8_t A[6] = { 2, 0, 0, 0, 0, 1 }, B[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct pktsock_filter flt;
	const struct sock_filter *p;
	struct addr our = addr_ip4(0x0a000001);
	uint8_t buf[256];
	struct pkt_tcp_spec s = {
		.smac = B, .dmac = A, .src = addr_ip4(0x0a000064), .dst = addr_ip4(0x0a000001), .sport = 80,
		.dport = 4000, .seq = 1, .ack = 2, .flags = PKT_TH_SYN | PKT_TH_ACK, .win = 1,
	};
	size_t n;

	(void)state;
	assert_int_equal(pktsock_engine_filter(&flt, &our, 1), 0);
	p = flt.prog;
	n = pkt_build_tcp(buf, sizeof(buf), &s);
	assert_true(run_filter(p, buf, n));                 /* any VIP, any port */
	s.dst = addr_ip4(0x0a000002);
	n = pkt_build_tcp(buf, sizeof(buf), &s);
	assert_false(run_filter(p, buf, n));                /* not to us */
	s.dst = addr_ip4(0x0a000001);
	n = pkt_build_tcp(buf, sizeof(buf), &s);
	buf[14 + 6] = 0x00;
	buf[14 + 7] = 0x10;                                 /* a later fragment */
	assert_false(run_filter(p, buf, n));
	n = pkt_build_icmp4(buf, sizeof(buf), B, A, addr_ip4(0x0a000064), addr_ip4(0x0a000001), 3, 3, buf + 14, 28);
	assert_true(run_filter(p, buf, n));
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00000b), A, A, addr_ip4(0x0a000001));
	assert_true(run_filter(p, buf, n));
	n = pkt_build_arp(buf, sizeof(buf), 1, B, addr_ip4(0x0a00000b), BC, A, addr_ip4(0x0a000001));
	assert_false(run_filter(p, buf, n));                /* requests stay out */
	n = pkt_build_arp(buf, sizeof(buf), 2, B, addr_ip4(0x0a00000b), A, A, addr_ip4(0x0a000009));
	assert_false(run_filter(p, buf, n));                /* a reply to someone else */
	pktsock_filter_free(&flt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_heap_order),
		cmocka_unit_test(test_wait_until_timer),
		cmocka_unit_test(test_engine_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
