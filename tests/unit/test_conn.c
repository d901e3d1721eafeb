/* Connection tracker, its timer wheel and the --events builders, driven
 * by decoded frames and fake time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "peek/conn.h"
#include "peek/events.h"
#include "peek/twheel.h"

/* ---- timer wheel -------------------------------------------------------- */

#define N 64
static struct sess pool[N];
static uint32_t fired[N];
static uint64_t fired_at[N];
static int nfired;
static struct twheel tw;

static void on_fire(void *arg, uint32_t idx)
{
	uint64_t now = *(uint64_t *)arg;

	fired[nfired] = idx;
	fired_at[nfired++] = now;
	tw_disarm(&tw, idx);
}

static void expire(uint64_t now)
{
	tw_expire(&tw, now, on_fire, &now);
}

static void test_wheel_lengths(void **state)
{
	(void)state;
	nfired = 0;
	tw_init(&tw, pool, 0);
	/* deadlines of very different lengths, armed out of order */
	tw_arm(&tw, 0, 7800000000ull);          /* idle: 2 h 10 min */
	tw_arm(&tw, 1, 3000000);                /* a silence window */
	tw_arm(&tw, 2, 1000000);
	tw_arm(&tw, 3, 300000000);              /* beyond one turn of the wheel */
	expire(999999);
	assert_int_equal(nfired, 0);
	expire(1000000 + (1u << TW_SHIFT));     /* the tick of 1 s has ended */
	assert_int_equal(nfired, 1);
	assert_int_equal(fired[0], 2);
	expire(3100000);
	assert_int_equal(nfired, 2);
	assert_int_equal(fired[1], 1);
	/* a jump past several turns: the 300 s one fires, the 2 h one stays */
	expire(3600000000ull);
	assert_int_equal(nfired, 3);
	assert_int_equal(fired[2], 3);
	assert_int_equal(tw.count, 1);
	tw_rearm(&tw, 0, 3700000000ull);
	expire(3700000000ull + (1u << TW_SHIFT));
	assert_int_equal(nfired, 4);
	assert_int_equal(fired[3], 0);
	assert_int_equal(tw.count, 0);
	/* a deadline already swept is raised into the current tick */
	tw_arm(&tw, 5, 10);
	assert_true(pool[5].deadline_us >= (3700000000ull >> TW_SHIFT) << TW_SHIFT);
	expire(3800000000ull);
	assert_int_equal(nfired, 5);
}

static void test_wheel_random(void **state)
{
	uint64_t dl[N] = { 0 }, now = 0;
	int armed[N] = { 0 };

	(void)state;
	srand(7);
	tw_init(&tw, pool, 0);
	for (int step = 0; step < 20000; step++) {
		uint32_t i = (uint32_t)rand() % N;

		if (!armed[i]) {
			dl[i] = now + 1 + (uint64_t)rand() % 600000000ull;
			tw_arm(&tw, i, dl[i]);
			armed[i] = 1;
		} else if (rand() % 3 == 0) {
			tw_disarm(&tw, i);
			armed[i] = 0;
		}
		now += (uint64_t)rand() % 2000000;
		nfired = 0;
		expire(now);
		for (int k = 0; k < nfired; k++) {
			assert_true(armed[fired[k]]);
			assert_true(dl[fired[k]] <= now);
			armed[fired[k]] = 0;
		}
		/* nothing due more than a tick ago is left */
		for (uint32_t j = 0; j < N; j++)
			if (armed[j])
				assert_true(dl[j] + (2u << TW_SHIFT) > now);
	}
}

/* ---- connection tracker ------------------------------------------------ */

#define CLI 0xc0a80201u
#define SRV 0x0a00000au
static struct conn_event last;
static int nev;

static void done(void *arg, const struct conn_event *ev)
{
	(void)arg;
	last = *ev;
	nev++;
}

static struct conn *new_conn(uint64_t idle_s)
{
	static const struct conn_ops ops = { .done = done };
	struct conn_config cc = { .idle_us = idle_s * 1000000u, .max_conns = 16 };

	nev = 0;
	memset(&last, 0, sizeof(last));
	return conn_new(&cc, &ops, NULL);
}

static void seg(struct conn *c, uint64_t t, int from_cli, uint32_t seq, uint32_t ack,
                uint8_t flags, uint32_t len)
{
	struct pkt_frame f;

	memset(&f, 0, sizeof(f));
	f.has_ip = f.has_tcp = 1;
	f.ip.src = addr_ip4(from_cli ? CLI : SRV);
	f.ip.dst = addr_ip4(from_cli ? SRV : CLI);
	f.tcp.sport = from_cli ? 40000 : 80;
	f.tcp.dport = from_cli ? 80 : 40000;
	f.tcp.seq = seq;
	f.tcp.ack = ack;
	f.tcp.flags = flags;
	f.tcp.payload_len = len;
	conn_packet(c, &f, t);
}

#define CI 1000u
#define SI 0xfffffff0u          /* wraps: sequence arithmetic is modular */

static void opened(struct conn *c, uint64_t t)
{
	struct trk_event ev = {
		.result = TRK_SUCCESS, .cli_addr = addr_ip4(CLI), .srv_addr = addr_ip4(SRV),
		.cli_port = 40000, .srv_port = 80, .start_us = t - 300, .end_us = t,
		.filters = 1, .cli_isn = CI, .srv_isn = SI,
	};

	conn_handshake(c, &ev);
}

static void test_keepalive_seed(void **state)
{
	struct conn *c = new_conn(60);
	struct conn_stats st;

	(void)state;
	assert_non_null(c);
	opened(c, 1000000);
	conn_get_stats(c, &st);
	assert_int_equal(st.open, 1);
	seg(c, 1000000, 1, CI + 1, SI + 1, PKT_TH_ACK, 0);
	/* probes at 2 s (answered) and 4, 5 s (not), RST at 6 s: the seed */
	seg(c, 3000000, 1, CI, SI + 1, PKT_TH_ACK, 0);
	seg(c, 3000100, 0, SI + 1, CI + 1, PKT_TH_ACK, 0);
	seg(c, 5000100, 1, CI, SI + 1, PKT_TH_ACK, 0);
	seg(c, 6000100, 1, CI, SI + 1, PKT_TH_ACK, 0);
	assert_int_equal(nev, 0);
	seg(c, 7000100, 1, CI + 1, SI + 1, PKT_TH_RST | PKT_TH_ACK, 0);
	assert_int_equal(nev, 1);
	assert_int_equal(last.end, CONN_KEEPALIVE);
	assert_int_equal(last.via, CONN_VIA_RST);
	assert_int_equal(last.by, CONN_CLIENT);
	assert_int_equal(last.probes[0], 3);
	assert_int_equal(last.answered[0], 1);
	assert_int_equal(last.end_us, 7000100);
	conn_get_stats(c, &st);
	assert_int_equal(st.open, 0);
	conn_free(c);
}

static void test_keepalive_silence_window(void **state)
{
	struct conn *c = new_conn(3600);

	(void)state;
	opened(c, 1000000);
	seg(c, 2000000, 0, SI + 1, CI + 1, PKT_TH_ACK | PKT_TH_PUSH, 10);
	seg(c, 4000000, 1, CI, SI + 11, PKT_TH_ACK, 0);
	seg(c, 6000000, 1, CI, SI + 11, PKT_TH_ACK, 0);   /* 2 s apart: window 6 s */
	conn_advance(c, 11000000);
	assert_int_equal(nev, 0);
	conn_advance(c, 12000000 + (1u << TW_SHIFT));
	assert_int_equal(nev, 1);
	assert_int_equal(last.end, CONN_KEEPALIVE);
	assert_int_equal(last.via, CONN_VIA_SILENCE);
	assert_int_equal(last.end_us, 12000000);
	assert_int_equal(last.bytes[1], 10);
	conn_free(c);
}

static void test_half_open_and_resets(void **state)
{
	struct conn *c = new_conn(60);

	(void)state;
	/* RST without ACK at the client's ack, after client data: half-open */
	opened(c, 1000000);
	seg(c, 1100000, 1, CI + 1, SI + 1, PKT_TH_ACK | PKT_TH_PUSH, 100);
	seg(c, 1100100, 0, SI + 1, 0, PKT_TH_RST, 0);
	assert_int_equal(nev, 1);
	assert_int_equal(last.end, CONN_HALF_OPEN);
	assert_int_equal(last.by, CONN_SERVER);
	/* the same RST after the server's FIN is a reset after data */
	opened(c, 2000000);
	seg(c, 2100000, 0, SI + 1, CI + 1, PKT_TH_ACK | PKT_TH_FIN, 0);
	seg(c, 2200000, 1, CI + 1, SI + 2, PKT_TH_ACK | PKT_TH_PUSH, 100);
	seg(c, 2200100, 0, SI + 2, 0, PKT_TH_RST, 0);
	assert_int_equal(nev, 2);
	assert_int_equal(last.end, CONN_RESET);
	assert_int_equal(last.by, CONN_SERVER);
	assert_true(last.after_data);
	/* an RST far from the sequence is ignored; RST|ACK before data */
	opened(c, 3000000);
	seg(c, 3100000, 1, CI + 0x40000000u, SI + 1, PKT_TH_RST | PKT_TH_ACK, 0);
	assert_int_equal(nev, 2);
	seg(c, 3100000, 1, CI + 1, SI + 1, PKT_TH_RST | PKT_TH_ACK, 0);
	assert_int_equal(nev, 3);
	assert_int_equal(last.end, CONN_RESET);
	assert_int_equal(last.by, CONN_CLIENT);
	assert_false(last.after_data);
	/* both FINs */
	opened(c, 4000000);
	seg(c, 4100000, 1, CI + 1, SI + 1, PKT_TH_ACK | PKT_TH_FIN, 0);
	seg(c, 4100100, 0, SI + 1, CI + 2, PKT_TH_ACK | PKT_TH_FIN, 0);
	assert_int_equal(nev, 4);
	assert_int_equal(last.end, CONN_FIN);
	/* retransmissions into silence: half-open, the server is gone */
	opened(c, 5000000);
	seg(c, 5100000, 1, CI + 1, SI + 1, PKT_TH_ACK | PKT_TH_PUSH, 100);
	seg(c, 5300000, 1, CI + 1, SI + 1, PKT_TH_ACK | PKT_TH_PUSH, 100);
	seg(c, 5700000, 1, CI + 1, SI + 1, PKT_TH_ACK | PKT_TH_PUSH, 100);
	conn_advance(c, 20000000);
	assert_int_equal(nev, 5);
	assert_int_equal(last.end, CONN_HALF_OPEN);
	assert_int_equal(last.via, CONN_VIA_SILENCE);
	assert_int_equal(last.retrans[0], 2);
	/* 3 x the 400 ms gap after the last one */
	assert_int_equal(last.end_us, 6900000);
	/* idle, and a new handshake on a tuple still open */
	opened(c, 30000000);
	conn_advance(c, 89000000);
	assert_int_equal(nev, 5);
	conn_advance(c, 91000000);
	assert_int_equal(nev, 6);
	assert_int_equal(last.end, CONN_IDLE);
	assert_int_equal(last.end_us, 90000000);
	opened(c, 100000000);
	opened(c, 100500000);
	assert_int_equal(nev, 7);
	assert_int_equal(last.via, CONN_VIA_NEW_SYN);
	conn_free(c);
}

static void test_cap(void **state)
{
	struct conn_config cc = { .idle_us = 1000000, .max_conns = 1 };
	struct conn_ops ops = { .done = done };
	struct conn *c;
	struct conn_stats st;
	struct trk_event ev = { .result = TRK_SUCCESS, .cli_addr = addr_ip4(1), .srv_addr = addr_ip4(2),
	                        .srv_port = 80, .end_us = 10, .filters = 1 };

	(void)state;
	c = conn_new(&cc, &ops, NULL);
	assert_non_null(c);
	for (uint16_t p = 1; p <= 3; p++) {
		ev.cli_port = p;
		conn_handshake(c, &ev);
	}
	ev.result = TRK_REJECT;
	ev.cli_port = 9;
	conn_handshake(c, &ev);
	conn_get_stats(c, &st);
	assert_int_equal(st.open, 1);
	assert_int_equal(st.overflow, 2);
	assert_true(st.memory_bytes >= conn_size());
	conn_free(c);
}

/* ---- event lines -------------------------------------------------------- */

static void test_event_json(void **state)
{
	static const char *const names[] = { "RX", "TX", "web" };
	struct trk_event hs = {
		.result = TRK_UNREACH, .cli_addr = addr_ip4(0xc0a80001u), .srv_addr = addr_ip4(0x0a000001u),
		.cli_port = 5, .srv_port = 80, .start_us = 100, .end_us = 350,
		.dupsyn = 2, .filters = 5, .icmp_type = 3, .icmp_code = 1,
	};
	struct conn_event ce = {
		.end = CONN_RESET, .via = CONN_VIA_RST, .by = CONN_SERVER, .after_data = 1,
		.start_us = 10, .end_us = 25, .filters = 4, .bytes = { 7, 9 },
	};
	json_object *o = evw_json_handshake(&hs, names, 3);
	const char *t;

	(void)state;
	assert_non_null(o);
	t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	assert_string_equal(t, "{\"type\":\"handshake\",\"start_us\":100,\"end_us\":350,"
	                    "\"cli_addr\":\"192.168.0.1\",\"cli_port\":5,\"srv_addr\":\"10.0.0.1\","
	                    "\"srv_port\":80,\"handshake_us\":250,\"result\":\"unreach\","
	                    "\"dupsyn\":2,\"dupsynack\":0,\"filters\":[\"RX\",\"web\"],"
	                    "\"icmp_type\":3,\"icmp_code\":1}");
	json_object_put(o);
	o = evw_json_connection(&ce, names, 2);     /* bit 2 beyond nfilt: left out */
	assert_non_null(o);
	t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	assert_non_null(strstr(t, "\"end\":\"reset\",\"via\":\"rst\",\"by\":\"server\","
	                          "\"stage\":\"after_data\",\"cli_bytes\":7,"));
	assert_non_null(strstr(t, "\"filters\":[]"));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wheel_lengths),
		cmocka_unit_test(test_wheel_random),
		cmocka_unit_test(test_keepalive_seed),
		cmocka_unit_test(test_keepalive_silence_window),
		cmocka_unit_test(test_half_open_and_resets),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_event_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
