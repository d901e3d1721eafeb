/*
 * Handshake tracker: every classification rule of track.h driven with
 * frames built by the codec, decoded again, and fed with fake timestamps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/pkt.h"
#include "peek/track.h"

#define CLI 0x0a000001u      /* 10.0.0.1 */
#define SRV 0x0a000064u      /* 10.0.0.100 */
#define RTR 0x0a0000feu      /* 10.0.0.254, sends ICMP errors */
#define CP 40000
#define SP 80
#define ISN_C 1000u
#define ISN_S 5000u
#define SEC 1000000ull
#define TMO (60 * SEC)

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

#define MAXEV 64

struct rec {
	struct trk_event ev[MAXEV];
	int n;
	int classify_calls;
	uint64_t classify_ret;
	int untracked_calls;
	uint64_t untracked_filters;
	int open_seen;
	uint64_t open_filters;
};

static uint64_t cb_classify(void *arg, const struct addr *ca, uint16_t cp, const struct addr *sa,
                            uint16_t sp)
{
	struct rec *r = arg;
	(void)ca, (void)cp, (void)sa, (void)sp;
	r->classify_calls++;
	return r->classify_ret;
}

static void cb_done(void *arg, const struct trk_event *ev)
{
	struct rec *r = arg;
	if (r->n < MAXEV)
		r->ev[r->n] = *ev;
	r->n++;
}

static void cb_untracked(void *arg, uint64_t filters)
{
	struct rec *r = arg;
	r->untracked_calls++;
	r->untracked_filters |= filters;
}

static void cb_open(void *arg, uint64_t filters)
{
	struct rec *r = arg;
	r->open_seen++;
	r->open_filters |= filters;
}

static const struct trk_ops OPS = { cb_classify, cb_done, cb_untracked };

struct fx {
	struct rec r;
	struct trk *t;
};

static struct fx *fx_new(uint32_t max, int icmp)
{
	static struct fx f;
	struct trk_config cfg = { .timeout_us = TMO, .max_sessions = max, .icmp = icmp };

	memset(&f, 0, sizeof(f));
	f.r.classify_ret = 0x5;
	f.t = trk_new(&cfg, &OPS, &f.r);
	assert_non_null(f.t);
	return &f;
}

static void fx_free(struct fx *f)
{
	trk_free(f->t);
	f->t = NULL;
}

/* Build the frame, decode it again, feed it. */
static void tcp_at(struct fx *f, uint64_t ts, uint32_t sa, uint16_t sp, uint32_t da,
                   uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags, size_t paylen)
{
	static const uint8_t payload[64] = "GET / HTTP/1.0\r\n\r\n";
	uint8_t buf[256];
	struct pkt_frame fr;
	struct pkt_tcp_spec s = {
		.smac = MAC_A, .dmac = MAC_B, .src = addr_ip4(sa), .dst = addr_ip4(da),
		.sport = sp, .dport = dp, .seq = seq, .ack = ack, .flags = flags,
		.win = 65535, .mss = (flags & PKT_TH_SYN) ? 1460 : 0,
		.payload = paylen ? payload : NULL, .paylen = paylen,
	};
	size_t n = pkt_build_tcp(buf, sizeof(buf), &s);

	assert_true(n > 0);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP_TCP, &fr), PKT_OK);
	assert_true(fr.has_tcp);
	trk_packet(f->t, &fr, ts);
}

/* Client-to-server and server-to-client shorthands. */
static void c2s(struct fx *f, uint64_t ts, uint32_t seq, uint32_t ack, uint8_t flags)
{
	tcp_at(f, ts, CLI, CP, SRV, SP, seq, ack, flags, 0);
}

static void s2c(struct fx *f, uint64_t ts, uint32_t seq, uint32_t ack, uint8_t flags)
{
	tcp_at(f, ts, SRV, SP, CLI, CP, seq, ack, flags, 0);
}

/* An ICMP error from the router quoting a SYN with the given seq. */
static void icmp_at(struct fx *f, uint64_t ts, uint8_t type, uint8_t code, uint32_t qseq)
{
	uint8_t syn[128], buf[256];
	struct pkt_frame fr;
	struct pkt_tcp_spec s = {
		.smac = NULL, .dmac = NULL, .src = addr_ip4(CLI), .dst = addr_ip4(SRV),
		.sport = CP, .dport = SP, .seq = qseq, .flags = PKT_TH_SYN, .win = 65535,
	};
	size_t qn = pkt_build_tcp(syn, sizeof(syn), &s);
	size_t n;

	assert_true(qn >= 28);
	n = pkt_build_icmp4(buf, sizeof(buf), MAC_B, MAC_A, addr_ip4(RTR), addr_ip4(CLI), type, code, syn, 28);
	assert_true(n > 0);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_IP, &fr), PKT_OK);
	assert_true(fr.has_icmp && fr.icmp.has_quote);
	trk_packet(f->t, &fr, ts);
}

static uint64_t open_now(const struct fx *f)
{
	struct trk_stats st;
	trk_get_stats(f->t, &st);
	return st.open;
}

static void assert_event(const struct trk_event *ev, enum trk_result res, uint64_t start,
                         uint64_t end, uint32_t dupsyn, uint32_t dupsynack)
{
	assert_int_equal(ev->result, res);
	assert_int_equal(addr_get_ip4(&ev->cli_addr), CLI);
	assert_int_equal(addr_get_ip4(&ev->srv_addr), SRV);
	assert_int_equal(ev->cli_port, CP);
	assert_int_equal(ev->srv_port, SP);
	assert_int_equal(ev->start_us, start);
	assert_int_equal(ev->end_us, end);
	assert_int_equal(ev->dupsyn, dupsyn);
	assert_int_equal(ev->dupsynack, dupsynack);
	assert_int_equal(ev->filters, 0x5);
}

static void test_success(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 1000, ISN_C, 0, PKT_TH_SYN);
	assert_int_equal(open_now(f), 1);
	s2c(f, 1100, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	assert_int_equal(f->r.n, 0);
	c2s(f, 1250, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_SUCCESS, 1000, 1250, 0, 0);
	assert_int_equal(open_now(f), 0);
	assert_int_equal(f->r.classify_calls, 1);
	/* Later segments of the connection are not handshakes. */
	c2s(f, 1300, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	trk_advance(f->t, 1000 + 2 * TMO);
	assert_int_equal(f->r.n, 1);
	fx_free(f);
}

static void test_success_by_data(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 10, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	tcp_at(f, 20, CLI, CP, SRV, SP, ISN_C + 1, ISN_S + 1, PKT_TH_ACK | PKT_TH_PUSH, 18);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_SUCCESS, 0, 20, 0, 0);
	fx_free(f);
}

static void test_ecn_syn(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN | PKT_TH_ECE | PKT_TH_CWR);
	assert_int_equal(open_now(f), 1);
	s2c(f, 5, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK | PKT_TH_ECE);
	c2s(f, 9, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_SUCCESS, 0, 9, 0, 0);
	fx_free(f);
}

/* The original's bug: any client ACK completed the handshake. */
static void test_synack_wrong_ack(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 10, ISN_S, ISN_C + 2, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 20, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	/* The client's RST for the bogus SYN/ACK carries its ack as seq. */
	c2s(f, 21, ISN_C + 2, 0, PKT_TH_RST);
	assert_int_equal(f->r.n, 0);
	assert_int_equal(open_now(f), 1);
	trk_advance(f->t, TMO);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_TIMEOUT, 0, TMO, 0, 0);
	fx_free(f);
}

static void test_ack_wrong_ack(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 10, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 20, ISN_C + 1, ISN_S + 2, PKT_TH_ACK);
	c2s(f, 21, ISN_C + 1, ISN_S, PKT_TH_ACK);
	assert_int_equal(f->r.n, 0);
	c2s(f, 30, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_SUCCESS, 0, 30, 0, 0);
	fx_free(f);
}

/* A SYN/ACK from the client side never counts as the responder's. */
static void test_synack_from_initiator_ignored(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	c2s(f, 5, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 6, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 0);
	fx_free(f);
}

static void test_reject(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 100, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 150, 0, ISN_C + 1, PKT_TH_RST | PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_REJECT, 100, 150, 0, 0);
	assert_int_equal(open_now(f), 0);
	fx_free(f);
}

static void test_rst_not_acceptable(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 10, 0, ISN_C + 5, PKT_TH_RST | PKT_TH_ACK);   /* wrong ack */
	s2c(f, 11, ISN_C + 1, 0, PKT_TH_RST);                /* no ACK */
	s2c(f, 12, 0, ISN_C, PKT_TH_RST | PKT_TH_ACK);       /* acks nothing */
	assert_int_equal(f->r.n, 0);
	assert_int_equal(open_now(f), 1);
	trk_advance(f->t, TMO - 1);
	assert_int_equal(f->r.n, 0);
	trk_advance(f->t, TMO);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_TIMEOUT, 0, TMO, 0, 0);
	fx_free(f);
}

static void test_abort(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	/* A half-open scan: SYN, SYN/ACK, RST from the initiator. */
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 10, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 20, ISN_C + 1, 0, PKT_TH_RST);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_ABORT, 0, 20, 0, 0);
	/* Before any SYN/ACK, with RST|ACK, also an abort. */
	c2s(f, 100, ISN_C + 77, 0, PKT_TH_SYN);
	c2s(f, 130, ISN_C + 78, 0, PKT_TH_RST | PKT_TH_ACK);
	assert_int_equal(f->r.n, 2);
	assert_int_equal(f->r.ev[1].result, TRK_ABORT);
	assert_int_equal(f->r.ev[1].start_us, 100);
	assert_int_equal(f->r.ev[1].end_us, 130);
	assert_int_equal(open_now(f), 0);
	fx_free(f);
}

static void test_unreach(void **state)
{
	struct fx *f = fx_new(16, 1);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	icmp_at(f, 40, PKT_ICMP_UNREACH, 1, ISN_C);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_UNREACH, 0, 40, 0, 0);
	assert_int_equal(f->r.ev[0].icmp_type, 3);
	assert_int_equal(f->r.ev[0].icmp_code, 1);
	assert_int_equal(open_now(f), 0);
	fx_free(f);
}

static void test_unreach_disabled(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	icmp_at(f, 40, PKT_ICMP_UNREACH, 1, ISN_C);
	assert_int_equal(f->r.n, 0);
	assert_int_equal(open_now(f), 1);
	fx_free(f);
}

static void test_unreach_other_seq_or_type(void **state)
{
	struct fx *f = fx_new(16, 1);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	icmp_at(f, 40, PKT_ICMP_UNREACH, 3, ISN_C + 1);
	icmp_at(f, 41, PKT_ICMP_UNREACH, 3, ISN_C - 1);
	icmp_at(f, 42, 11, 0, ISN_C);              /* time exceeded */
	assert_int_equal(f->r.n, 0);
	assert_int_equal(open_now(f), 1);
	/* A quote of the right seq still works afterwards. */
	icmp_at(f, 50, PKT_ICMP_UNREACH, 3, ISN_C);
	assert_int_equal(f->r.n, 1);
	assert_int_equal(f->r.ev[0].result, TRK_UNREACH);
	assert_int_equal(f->r.ev[0].icmp_code, 3);
	fx_free(f);
}

static void test_timeout_by_packet_time(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 1000, ISN_C, 0, PKT_TH_SYN);
	/* An unrelated packet long after: the timer fires with its own due
	 * time, not the packet's, and before the packet is handled. */
	tcp_at(f, 1000 + 3 * TMO, 0x0a000002, 1234, SRV, 22, 1, 0, PKT_TH_SYN, 0);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_TIMEOUT, 1000, 1000 + TMO, 0, 0);
	assert_int_equal(open_now(f), 1);
	fx_free(f);
}

/* "Timers due at or before ts fire first": a SYN/ACK exactly at the
 * deadline is too late. */
static void test_timeout_at_deadline_fires_first(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, TMO, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, TMO + 1, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_TIMEOUT, 0, TMO, 0, 0);
	fx_free(f);
}

static void test_dupsyn_extends_timer(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	c2s(f, 1 * SEC, ISN_C, 0, PKT_TH_SYN);
	c2s(f, 3 * SEC, ISN_C, 0, PKT_TH_SYN);
	assert_int_equal(f->r.classify_calls, 1);
	assert_int_equal(open_now(f), 1);
	trk_advance(f->t, TMO);
	trk_advance(f->t, 3 * SEC + TMO - 1);
	assert_int_equal(f->r.n, 0);
	trk_advance(f->t, 3 * SEC + TMO);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_TIMEOUT, 0, 3 * SEC + TMO, 2, 0);
	fx_free(f);
}

static void test_dupsyn_then_success(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	c2s(f, 1 * SEC, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 1 * SEC + 10, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	s2c(f, 2 * SEC, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	s2c(f, 3 * SEC, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 3 * SEC + 10, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_SUCCESS, 0, 3 * SEC + 10, 1, 2);
	fx_free(f);
}

/* The SYN/ACK timer is the SYN's: SYN/ACK retransmissions do not re-arm. */
static void test_dupsynack_timeout(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 10, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	s2c(f, 30 * SEC, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	trk_advance(f->t, TMO);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_TIMEOUT, 0, TMO, 0, 1);
	fx_free(f);
}

static void test_simultaneous_open(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	/* RFC 793 figure: both SYNs cross, then both SYN/ACKs. */
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 5, ISN_S, 0, PKT_TH_SYN);
	assert_int_equal(f->r.classify_calls, 1);
	assert_int_equal(open_now(f), 1);
	c2s(f, 10, ISN_C, ISN_S + 1, PKT_TH_SYN | PKT_TH_ACK);
	assert_int_equal(f->r.n, 0);
	s2c(f, 12, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_SUCCESS, 0, 12, 0, 0);
	assert_int_equal(open_now(f), 0);

	/* Other order: the responder's SYN/ACK first, then the initiator's. */
	c2s(f, 100, ISN_C + 9, 0, PKT_TH_SYN);
	s2c(f, 105, ISN_S + 9, 0, PKT_TH_SYN);
	s2c(f, 110, ISN_S + 9, ISN_C + 10, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 112, ISN_C + 9, ISN_S + 10, PKT_TH_SYN | PKT_TH_ACK);
	assert_int_equal(f->r.n, 2);
	assert_int_equal(f->r.ev[1].result, TRK_SUCCESS);
	assert_int_equal(addr_get_ip4(&f->r.ev[1].cli_addr), CLI);
	assert_int_equal(f->r.ev[1].end_us, 112);
	assert_int_equal(f->r.classify_calls, 2);
	fx_free(f);
}

static void test_new_isn_restarts(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 3, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 5 * SEC, ISN_C + 123456, 0, PKT_TH_SYN);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_TIMEOUT, 0, 5 * SEC, 0, 0);
	assert_int_equal(open_now(f), 1);
	/* The old server ISN does not carry over to the new session. */
	c2s(f, 5 * SEC + 1, ISN_C + 123457, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	s2c(f, 5 * SEC + 10, ISN_S + 7, ISN_C + 123457, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 5 * SEC + 20, ISN_C + 123457, ISN_S + 8, PKT_TH_ACK);
	assert_int_equal(f->r.n, 2);
	assert_event(&f->r.ev[1], TRK_SUCCESS, 5 * SEC, 5 * SEC + 20, 0, 0);
	fx_free(f);
}

static void test_open_at_end(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	tcp_at(f, 1, 0x0a000002, 1111, SRV, SP, 7, 0, PKT_TH_SYN, 0);
	tcp_at(f, 2, 0x0a000003, 2222, SRV, 443, 8, 0, PKT_TH_SYN, 0);
	s2c(f, 3, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	trk_advance(f->t, 10 * SEC);
	trk_foreach_open(f->t, cb_open, &f->r);
	assert_int_equal(f->r.open_seen, 3);
	assert_int_equal(f->r.open_filters, 0x5);
	assert_int_equal(f->r.n, 0);
	fx_free(f);
	/* Freeing reports nothing: open sessions are never successes. */
	assert_int_equal(f->r.n, 0);
}

static void test_unknown_tuples_ignored(void **state)
{
	struct fx *f = fx_new(16, 1);
	(void)state;
	s2c(f, 0, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 1, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	s2c(f, 2, 0, ISN_C + 1, PKT_TH_RST | PKT_TH_ACK);
	c2s(f, 3, ISN_C + 1, 0, PKT_TH_RST);
	c2s(f, 4, ISN_C + 1, ISN_S + 1, PKT_TH_FIN | PKT_TH_ACK);
	icmp_at(f, 5, PKT_ICMP_UNREACH, 3, ISN_C);
	assert_int_equal(f->r.n, 0);
	assert_int_equal(f->r.classify_calls, 0);
	assert_int_equal(open_now(f), 0);
	/* Same ports, another address: not the session. */
	c2s(f, 10, ISN_C, 0, PKT_TH_SYN);
	tcp_at(f, 11, SRV, SP, 0x0a000002, CP, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK, 0);
	tcp_at(f, 12, 0x0a000002, CP, SRV, SP, ISN_C + 1, 0, PKT_TH_RST, 0);
	assert_int_equal(f->r.n, 0);
	assert_int_equal(open_now(f), 1);
	fx_free(f);
}

static void test_port_reuse(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = (uint64_t)i * SEC;
		uint32_t ic = ISN_C + (uint32_t)i * 100000, is = ISN_S + (uint32_t)i * 7;

		c2s(f, t0, ic, 0, PKT_TH_SYN);
		s2c(f, t0 + 10, is, ic + 1, PKT_TH_SYN | PKT_TH_ACK);
		c2s(f, t0 + 20, ic + 1, is + 1, PKT_TH_ACK);
		assert_int_equal(f->r.n, i + 1);
		assert_event(&f->r.ev[i], TRK_SUCCESS, t0, t0 + 20, 0, 0);
	}
	/* Past the first handshake's timeout even its ISN starts anew. */
	c2s(f, TMO + 10 * SEC, ISN_C, 0, PKT_TH_SYN);
	s2c(f, TMO + 10 * SEC + 1, 0, ISN_C + 1, PKT_TH_RST | PKT_TH_ACK);
	assert_int_equal(f->r.n, 4);
	assert_event(&f->r.ev[3], TRK_REJECT, TMO + 10 * SEC, TMO + 10 * SEC + 1, 0, 0);
	assert_int_equal(f->r.classify_calls, 4);
	fx_free(f);
}

/* Linux retransmits its SYN once when the ICMP error comes back while
 * connect() holds the socket: that is the same handshake, already
 * reported, not a second unreachable. */
static void test_retransmission_after_end(void **state)
{
	struct fx *f = fx_new(16, 1);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	icmp_at(f, 10, PKT_ICMP_UNREACH, 3, ISN_C);
	c2s(f, 1 * SEC, ISN_C, 0, PKT_TH_SYN);
	icmp_at(f, 1 * SEC + 10, PKT_ICMP_UNREACH, 3, ISN_C);
	assert_int_equal(f->r.n, 1);
	assert_int_equal(open_now(f), 0);
	assert_int_equal(f->r.classify_calls, 1);
	/* After a reject (stacks that retry after an RST) and a success. */
	c2s(f, 2 * SEC, ISN_C + 50, 0, PKT_TH_SYN);
	s2c(f, 2 * SEC + 1, 0, ISN_C + 51, PKT_TH_RST | PKT_TH_ACK);
	c2s(f, 2 * SEC + 500000, ISN_C + 50, 0, PKT_TH_SYN);
	s2c(f, 2 * SEC + 500001, 0, ISN_C + 51, PKT_TH_RST | PKT_TH_ACK);
	assert_int_equal(f->r.n, 2);
	assert_int_equal(f->r.ev[1].result, TRK_REJECT);
	c2s(f, 3 * SEC, ISN_C + 90, 0, PKT_TH_SYN);
	s2c(f, 3 * SEC + 1, ISN_S, ISN_C + 91, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 3 * SEC + 2, ISN_C + 91, ISN_S + 1, PKT_TH_ACK);
	c2s(f, 3 * SEC + 3, ISN_C + 90, 0, PKT_TH_SYN);   /* late duplicate */
	assert_int_equal(f->r.n, 3);
	assert_int_equal(open_now(f), 0);
	/* A new ISN on the same tuple is a new handshake at once. */
	c2s(f, 4 * SEC, ISN_C + 7777, 0, PKT_TH_SYN);
	assert_int_equal(open_now(f), 1);
	assert_int_equal(f->r.classify_calls, 4);
	/* A timed-out handshake leaves nothing behind: its deadline passed. */
	trk_advance(f->t, 4 * SEC + TMO);
	assert_int_equal(f->r.n, 4);
	assert_int_equal(f->r.ev[3].result, TRK_TIMEOUT);
	c2s(f, 4 * SEC + TMO + 1, ISN_C + 7777, 0, PKT_TH_SYN);
	assert_int_equal(open_now(f), 1);
	fx_free(f);
}

static void test_isn_wraps(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 0, 0xffffffffu, 0, PKT_TH_SYN);
	s2c(f, 1, 0xffffffffu, 0, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 2, 0, 0, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_int_equal(f->r.ev[0].result, TRK_SUCCESS);
	fx_free(f);
}

static void test_classify_zero_not_tracked(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	f->r.classify_ret = 0;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 1, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 2, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	trk_advance(f->t, 2 * TMO);
	assert_int_equal(f->r.n, 0);
	assert_int_equal(f->r.untracked_calls, 0);
	assert_int_equal(open_now(f), 0);
	fx_free(f);
}

static void test_cap_untracked(void **state)
{
	struct fx *f = fx_new(2, 0);
	struct trk_stats st;
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	tcp_at(f, 1, 0x0a000002, 1111, SRV, SP, 7, 0, PKT_TH_SYN, 0);
	tcp_at(f, 2, 0x0a000003, 2222, SRV, SP, 8, 0, PKT_TH_SYN, 0);
	tcp_at(f, 3, 0x0a000003, 2222, SRV, SP, 8, 0, PKT_TH_SYN, 0);
	assert_int_equal(f->r.untracked_calls, 2);
	assert_int_equal(f->r.untracked_filters, 0x5);
	/* Tracked sessions still work at the cap. */
	c2s(f, 4, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 5, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 6, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_SUCCESS, 0, 6, 1, 0);
	/* A slot freed is a slot usable. */
	tcp_at(f, 7, 0x0a000003, 2222, SRV, SP, 8, 0, PKT_TH_SYN, 0);
	assert_int_equal(f->r.untracked_calls, 2);
	trk_get_stats(f->t, &st);
	assert_int_equal(st.open, 2);
	assert_int_equal(st.peak, 2);
	assert_int_equal(st.untracked, 2);
	assert_int_equal(st.max_sessions, 2);
	fx_free(f);
}

static void test_zero_cap(void **state)
{
	struct fx *f = fx_new(0, 0);
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	assert_int_equal(f->r.untracked_calls, 1);
	assert_int_equal(open_now(f), 0);
	fx_free(f);
}

static void test_time_backwards(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	c2s(f, 5000, ISN_C, 0, PKT_TH_SYN);
	s2c(f, 4000, ISN_S, ISN_C + 1, PKT_TH_SYN | PKT_TH_ACK);
	c2s(f, 10, ISN_C + 1, ISN_S + 1, PKT_TH_ACK);
	assert_int_equal(f->r.n, 1);
	assert_event(&f->r.ev[0], TRK_SUCCESS, 5000, 5000, 0, 0);
	/* A timer armed on a clamped clock still fires in order. */
	tcp_at(f, 9 * SEC, 0x0a000002, 1, SRV, SP, 1, 0, PKT_TH_SYN, 0);
	tcp_at(f, 2 * SEC, 0x0a000003, 2, SRV, SP, 1, 0, PKT_TH_SYN, 0);
	trk_advance(f->t, 0);
	assert_int_equal(f->r.n, 1);
	trk_advance(f->t, 9 * SEC + TMO);
	assert_int_equal(f->r.n, 3);
	assert_int_equal(addr_get_ip4(&f->r.ev[1].cli_addr), 0x0a000002);
	assert_int_equal(addr_get_ip4(&f->r.ev[2].cli_addr), 0x0a000003);
	assert_int_equal(f->r.ev[2].start_us, 9 * SEC);
	assert_int_equal(f->r.ev[2].end_us, 9 * SEC + TMO);
	fx_free(f);
}

static void test_timeouts_in_time_order(void **state)
{
	struct fx *f = fx_new(16, 0);
	(void)state;
	tcp_at(f, 0, 0x0a000002, 1, SRV, SP, 1, 0, PKT_TH_SYN, 0);
	tcp_at(f, 10, 0x0a000003, 1, SRV, SP, 1, 0, PKT_TH_SYN, 0);
	tcp_at(f, 20, 0x0a000004, 1, SRV, SP, 1, 0, PKT_TH_SYN, 0);
	tcp_at(f, 30, 0x0a000002, 1, SRV, SP, 1, 0, PKT_TH_SYN, 0);   /* re-arm */
	trk_advance(f->t, 10 * TMO);
	assert_int_equal(f->r.n, 3);
	assert_int_equal(addr_get_ip4(&f->r.ev[0].cli_addr), 0x0a000003);
	assert_int_equal(f->r.ev[0].end_us, 10 + TMO);
	assert_int_equal(addr_get_ip4(&f->r.ev[1].cli_addr), 0x0a000004);
	assert_int_equal(f->r.ev[1].end_us, 20 + TMO);
	assert_int_equal(addr_get_ip4(&f->r.ev[2].cli_addr), 0x0a000002);
	assert_int_equal(f->r.ev[2].end_us, 30 + TMO);
	assert_int_equal(f->r.ev[2].dupsyn, 1);
	fx_free(f);
}

/* Non-TCP, non-IPv4 and ARP frames are simply passed over. */
static void test_other_frames(void **state)
{
	struct fx *f = fx_new(16, 1);
	uint8_t buf[128];
	struct pkt_frame fr;
	size_t n;
	(void)state;
	c2s(f, 0, ISN_C, 0, PKT_TH_SYN);
	n = pkt_build_arp(buf, sizeof(buf), 1, MAC_A, addr_ip4(CLI), MAC_B, MAC_B, addr_ip4(SRV));
	assert_true(n > 0);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, &fr), PKT_OK);
	trk_packet(f->t, &fr, 10);
	memset(&fr, 0, sizeof(fr));
	trk_packet(f->t, &fr, 11);
	assert_int_equal(f->r.n, 0);
	assert_int_equal(open_now(f), 1);
	fx_free(f);
}

/* A SYN flood from distinct random sources against a small cap. */
static void test_flood_small_cap(void **state)
{
	const uint32_t cap = 5000, nsyn = 200000;
	struct fx *f = fx_new(cap, 0);
	struct trk_stats st;
	uint64_t x = 0x1234567887654321ull;
	(void)state;
	for (uint32_t i = 0; i < nsyn; i++) {
		/* Distinct by construction: i in the address and port bits,
		 * scrambled by a bijection. */
		uint32_t v = i * 2654435761u;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		tcp_at(f, 1000 + i, 0x0b000000u | (v >> 8), (uint16_t)(1024 + (v & 0xff)),
		       SRV, SP, (uint32_t)x, 0, PKT_TH_SYN, 0);
	}
	trk_get_stats(f->t, &st);
	assert_int_equal(st.open, cap);
	assert_int_equal(st.peak, cap);
	assert_int_equal(st.untracked, nsyn - cap);
	assert_int_equal(f->r.untracked_calls, nsyn - cap);
	/* Linear in the cap, plus a fixed part (the ended-handshake cache). */
	assert_true(st.memory_bytes >= (size_t)cap * 64);
	assert_true(st.memory_bytes <= (size_t)cap * trk_session_size() + 512 * 1024);
	assert_int_equal(f->r.n, 0);
	trk_advance(f->t, 1000 + nsyn + TMO);
	assert_int_equal(f->r.n, cap);
	trk_get_stats(f->t, &st);
	assert_int_equal(st.open, 0);
	fx_free(f);
}

/* ---- trk_packet_batch: the same events as frame by frame ------------- */

struct evlog {
	struct trk_event *ev;
	size_t n, cap;
};

static uint64_t log_classify(void *arg, const struct addr *ca, uint16_t cp, const struct addr *sa,
                             uint16_t sp)
{
	(void)arg, (void)ca, (void)sa, (void)sp;
	return cp % 5 == 0 ? 0 : (uint64_t)1 << (cp % 7);   /* some not tracked */
}

static void log_done(void *arg, const struct trk_event *ev)
{
	struct evlog *l = arg;
	if (l->n < l->cap)
		l->ev[l->n] = *ev;
	l->n++;
}

static void log_untracked(void *arg, uint64_t filters)
{
	struct evlog *l = arg;
	struct trk_event ev = { .result = (enum trk_result)99, .filters = filters };
	log_done(l, &ev);
}

static void mk_frame(struct pkt_frame *out, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp,
                     uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t buf[128];
	struct pkt_tcp_spec s = {
		.smac = MAC_A, .dmac = MAC_B, .src = addr_ip4(sa), .dst = addr_ip4(da), .sport = sp,
		.dport = dp, .seq = seq, .ack = ack, .flags = flags, .win = 1024,
	};
	size_t n = pkt_build_tcp(buf, sizeof(buf), &s);

	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, out), PKT_OK);
}

static void mk_icmp(struct pkt_frame *out, uint32_t ca, uint16_t cp, uint32_t sa, uint16_t sp,
                    uint32_t qseq)
{
	uint8_t syn[64], buf[160];
	struct pkt_tcp_spec s = { .src = addr_ip4(ca), .dst = addr_ip4(sa), .sport = cp, .dport = sp,
	                          .seq = qseq, .flags = PKT_TH_SYN, .win = 1 };
	size_t qn = pkt_build_tcp(syn, sizeof(syn), &s);
	size_t n = pkt_build_icmp4(buf, sizeof(buf), MAC_B, MAC_A, addr_ip4(RTR), addr_ip4(ca), 3, 1, syn, qn);

	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, buf, n, PKT_CSUM_NONE, out), PKT_OK);
}

static void test_batch_equals_single(void **state)
{
	enum { NFR = 40000, NCLI = 60 };
	struct pkt_frame *fr = calloc(NFR, sizeof(*fr));
	uint64_t *ts = calloc(NFR, sizeof(*ts));
	struct evlog la = { calloc(NFR, sizeof(struct trk_event)), 0, NFR };
	struct evlog lb = { calloc(NFR, sizeof(struct trk_event)), 0, NFR };
	struct trk_config cfg = { .timeout_us = 5 * SEC, .max_sessions = 10, .icmp = 1 };
	const struct trk_ops ops = { log_classify, log_done, log_untracked };
	uint32_t isn_c[NCLI] = { 0 }, isn_s[NCLI] = { 0 };
	uint64_t x = 0xdeadbeefcafef00dull, now = 1000;
	struct trk *a, *b;
	struct trk_stats sa, sb;
	(void)state;
	assert_non_null(fr);
	assert_non_null(ts);
	assert_non_null(la.ev);
	assert_non_null(lb.ev);

	/* A random mix of every kind of segment on a few tuples, so that
	 * sessions collide, restart, time out and hit the cap. */
	for (int i = 0; i < NFR; i++) {
		uint32_t c, ca, r;
		uint16_t cp;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		c = (uint32_t)(x % NCLI);
		ca = 0x0a000100u + c / 3;
		cp = (uint16_t)(2000 + c);
		r = (uint32_t)(x >> 32);
		now += (x >> 20) % 40000;
		ts[i] = (x >> 50) % 16 == 0 ? now - 50000 : now;   /* a few go backwards */
		switch ((x >> 8) % 12) {
		case 0: case 1:
			if ((r & 3) == 0)
				isn_c[c] = r;
			mk_frame(&fr[i], ca, cp, SRV, SP, isn_c[c], 0, PKT_TH_SYN);
			break;
		case 2: case 3:
			if ((r & 3) == 0)
				isn_s[c] = r;
			mk_frame(&fr[i], SRV, SP, ca, cp, isn_s[c], isn_c[c] + 1 + (r % 8 == 0),
			         PKT_TH_SYN | PKT_TH_ACK);
			break;
		case 4: case 5:
			mk_frame(&fr[i], ca, cp, SRV, SP, isn_c[c] + 1, isn_s[c] + 1 + (r % 8 == 0),
			         PKT_TH_ACK);
			break;
		case 6:
			mk_frame(&fr[i], SRV, SP, ca, cp, 0, isn_c[c] + 1 + (r % 4 == 0),
			         PKT_TH_RST | PKT_TH_ACK);
			break;
		case 7:
			mk_frame(&fr[i], ca, cp, SRV, SP, isn_c[c] + (r % 3), 0, PKT_TH_RST);
			break;
		case 8:
			mk_icmp(&fr[i], ca, cp, SRV, SP, isn_c[c] + (r % 4 == 0));
			break;
		case 9:
			mk_frame(&fr[i], SRV, SP, ca, cp, isn_s[c], 0, PKT_TH_SYN);  /* crossing SYN */
			break;
		case 10:
			mk_frame(&fr[i], ca, cp, SRV, SP, isn_c[c], isn_s[c] + 1, PKT_TH_SYN | PKT_TH_ACK);
			break;
		default:
			memset(&fr[i], 0, sizeof(fr[i]));   /* a frame that only ticks */
			break;
		}
	}
	a = trk_new(&cfg, &ops, &la);
	b = trk_new(&cfg, &ops, &lb);
	assert_non_null(a);
	assert_non_null(b);
	for (int i = 0; i < NFR; i++)
		trk_packet(a, &fr[i], ts[i]);
	for (int i = 0; i < NFR;) {
		int n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = (int)(x % 300);
		if (n > NFR - i)
			n = NFR - i;
		trk_packet_batch(b, &fr[i], &ts[i], (size_t)n);
		i += n;
	}
	assert_true(la.n > 1000);
	assert_true(la.n <= la.cap);
	assert_int_equal(la.n, lb.n);
	for (size_t i = 0; i < la.n; i++) {
		const struct trk_event *p = &la.ev[i], *q = &lb.ev[i];

		assert_int_equal(p->result, q->result);
		assert_true(addr_eq(&p->cli_addr, &q->cli_addr));
		assert_true(addr_eq(&p->srv_addr, &q->srv_addr));
		assert_int_equal(p->cli_port, q->cli_port);
		assert_int_equal(p->srv_port, q->srv_port);
		assert_int_equal(p->start_us, q->start_us);
		assert_int_equal(p->end_us, q->end_us);
		assert_int_equal(p->dupsyn, q->dupsyn);
		assert_int_equal(p->dupsynack, q->dupsynack);
		assert_int_equal(p->filters, q->filters);
		assert_int_equal(p->icmp_code, q->icmp_code);
		assert_true(p->end_us >= p->start_us);
	}
	/* Every kind of ending happened, so the comparison covered them. */
	for (int r = TRK_SUCCESS; r <= TRK_ABORT; r++) {
		size_t k = 0;
		while (k < la.n && la.ev[k].result != (enum trk_result)r)
			k++;
		assert_true(k < la.n);
	}
	trk_get_stats(a, &sa);
	trk_get_stats(b, &sb);
	assert_int_equal(sa.open, sb.open);
	assert_int_equal(sa.peak, sb.peak);
	assert_int_equal(sa.untracked, sb.untracked);
	assert_true(sa.untracked > 0);
	trk_free(a);
	trk_free(b);
	free(la.ev);
	free(lb.ev);
	free(fr);
	free(ts);
}

static void test_session_size(void **state)
{
	(void)state;
	assert_true(trk_session_size() <= 96);
	assert_true(trk_session_size() >= 64);
}

/* The program sizes its default cap as 128 MiB / trk_session_size(): the
 * tracker must then stay within 128 MiB, whatever the power-of-two
 * rounding of the slot array does.  (Pages are only touched as used.) */
static void test_default_cap_fits(void **state)
{
	const size_t budget = (size_t)128 << 20;
	static const uint32_t caps[] = { 0, 1000, 196607, 196608, 1 << 20 };
	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		uint32_t cap = caps[i] ? caps[i] : (uint32_t)(budget / trk_session_size());
		struct trk_config cfg = { .timeout_us = TMO, .max_sessions = cap };
		struct trk_stats st;
		struct trk *t = trk_new(&cfg, NULL, NULL);

		assert_non_null(t);
		trk_get_stats(t, &st);
		assert_int_equal(st.max_sessions, cap);
		assert_true(st.memory_bytes <= (size_t)cap * trk_session_size() + 512 * 1024);
		if (!caps[i])
			assert_true(st.memory_bytes <= budget);
		trk_free(t);
	}
}

static void test_cap_too_large(void **state)
{
	struct trk_config cfg = { .timeout_us = TMO, .max_sessions = UINT32_MAX };
	(void)state;
	errno = 0;
	assert_null(trk_new(&cfg, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
}

/* Any field values at all (as a corrupt capture could give after a
 * lenient decode): no crash, and the books balance. */
static void test_random_fields(void **state)
{
	struct fx *f = fx_new(64, 1);
	uint64_t x = 0x0123456789abcdefull, ts = 0;
	struct trk_stats st;
	(void)state;
	for (int i = 0; i < 200000; i++) {
		struct pkt_frame fr;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memset(&fr, 0, sizeof(fr));
		fr.has_ip = (x & 7) != 0;
		fr.has_tcp = (x >> 3) & 1;
		fr.has_icmp = !fr.has_tcp && ((x >> 4) & 1);
		/* few addresses and ports so that tuples meet again */
		fr.ip.src = addr_ip4(0x0a000000u | ((x >> 5) & 3));
		fr.ip.dst = addr_ip4(0x0a000000u | ((x >> 7) & 3));
		fr.tcp.sport = (uint16_t)((x >> 9) & 3);
		fr.tcp.dport = (uint16_t)((x >> 11) & 3);
		fr.tcp.flags = (uint8_t)(x >> 13);
		fr.tcp.seq = (uint32_t)((x >> 21) & 7);
		fr.tcp.ack = (uint32_t)((x >> 24) & 7);
		fr.icmp.type = (x >> 27) & 1 ? PKT_ICMP_UNREACH : (uint8_t)(x >> 28);
		fr.icmp.has_quote = (x >> 36) & 1;
		fr.icmp.q_ip.proto = (x >> 37) & 1 ? PKT_IPPROTO_TCP : 17;
		fr.icmp.q_ip.src = fr.ip.dst;
		fr.icmp.q_ip.dst = fr.ip.src;
		fr.icmp.q_sport = fr.tcp.dport;
		fr.icmp.q_dport = fr.tcp.sport;
		fr.icmp.q_seq = fr.tcp.ack;
		ts += (x >> 40) % 3000000;
		trk_packet(f->t, &fr, (x >> 60) == 0 ? ts / 2 : ts);
	}
	trk_get_stats(f->t, &st);
	assert_true(st.open <= 64);
	assert_true(st.peak <= 64);
	/* every session classified was either reported, still open or
	 * refused by the cap */
	assert_int_equal((uint64_t)f->r.classify_calls,
	                 (uint64_t)f->r.n + st.open + (uint64_t)f->r.untracked_calls);
	assert_true(f->r.n > 100);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success),
		cmocka_unit_test(test_success_by_data),
		cmocka_unit_test(test_ecn_syn),
		cmocka_unit_test(test_synack_wrong_ack),
		cmocka_unit_test(test_ack_wrong_ack),
		cmocka_unit_test(test_synack_from_initiator_ignored),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_rst_not_acceptable),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_unreach),
		cmocka_unit_test(test_unreach_disabled),
		cmocka_unit_test(test_unreach_other_seq_or_type),
		cmocka_unit_test(test_timeout_by_packet_time),
		cmocka_unit_test(test_timeout_at_deadline_fires_first),
		cmocka_unit_test(test_dupsyn_extends_timer),
		cmocka_unit_test(test_dupsyn_then_success),
		cmocka_unit_test(test_dupsynack_timeout),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_new_isn_restarts),
		cmocka_unit_test(test_open_at_end),
		cmocka_unit_test(test_unknown_tuples_ignored),
		cmocka_unit_test(test_port_reuse),
		cmocka_unit_test(test_retransmission_after_end),
		cmocka_unit_test(test_isn_wraps),
		cmocka_unit_test(test_classify_zero_not_tracked),
		cmocka_unit_test(test_cap_untracked),
		cmocka_unit_test(test_zero_cap),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_timeouts_in_time_order),
		cmocka_unit_test(test_other_frames),
		cmocka_unit_test(test_flood_small_cap),
		cmocka_unit_test(test_batch_equals_single),
		cmocka_unit_test(test_session_size),
		cmocka_unit_test(test_default_cap_fits),
		cmocka_unit_test(test_cap_too_large),
		cmocka_unit_test(test_random_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
