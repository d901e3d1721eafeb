/*
 * The runtime's wiring, frame to document: codec-built frames go through
 * peek_frame (decode, direction from the local set, filters, tracker,
 * per-filter stats, table line) and come out in the GET/REFRESH answers.
 * Fake time: the timestamps handed with the frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "common/parse.h"
#include "peek/peek.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define T0 (UINT64_C(1704067200) * 1000000)
#define SRV IP(10, 0, 0, 10)

static const uint8_t MAC_C[6] = { 2, 0, 0, 0, 0, 0x0c };
static const uint8_t MAC_S[6] = { 2, 0, 0, 0, 0, 0x05 };

struct fx {
	struct filt_set *fs;
	struct local_set ls;
	struct peek p;
	char *tbuf;
	size_t tlen;
	FILE *table;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	char err[256];

	if (!x)
		return -1;
	setenv("TZ", "UTC", 1);
	x->fs = filt_new();
	if (!x->fs || filt_add(x->fs, "web:RX@%:80", err, sizeof(err)) != 0 ||
	    filt_add(x->fs, "out:TX@%:%", err, sizeof(err)) != 0 ||
	    filt_add(x->fs, ":RX@192.0.2.99:%", err, sizeof(err)) != 0)
		return -1;
	local_init(&x->ls);
	x->table = open_memstream(&x->tbuf, &x->tlen);
	*state = x;
	return x->table ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	peek_fini(&x->p);
	filt_free(x->fs);
	fclose(x->table);
	free(x->tbuf);
	free(x);
	return 0;
}

static void start_mode(struct fx *x, const char *local_cidr, uint64_t timeout_s, int live)
{
	struct prefix n;
	struct peek_config pc = {
		.filters = x->fs, .local = &x->ls, .csum = PKT_CSUM_IP_TCP,
		.timeout_us = timeout_s * 1000000, .max_sessions = 64, .icmp = 1,
		.table = x->table, .live = live,
	};
	char err[PEEK_ERRLEN];

	if (local_cidr) {
		assert_int_equal(parse_prefix(local_cidr, strlen(local_cidr), PARSE_ANY, &n, NULL), 0);
		assert_int_equal(local_add(&x->ls, &n), 0);
	}
	assert_int_equal(peek_init(&x->p, &pc, err, sizeof(err)), 0);
	peek_set_link(&x->p, PKT_LINK_EN10MB);
}

static void start(struct fx *x, const char *local_cidr, uint64_t timeout_s)
{
	start_mode(x, local_cidr, timeout_s, 0);
}

static void tcp(struct fx *x, uint64_t t, uint32_t from, uint16_t fport, uint32_t to,
                uint16_t tport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t buf[256];
	struct pkt_tcp_spec s = {
		.smac = MAC_C, .dmac = MAC_S, .src = addr_ip4(from), .dst = addr_ip4(to),
		.sport = fport, .dport = tport, .seq = seq, .ack = ack,
		.flags = flags, .win = 1000,
	};
	size_t n = pkt_build_tcp(buf, sizeof(buf), &s);

	assert_true(n > 0);
	peek_frame(&x->p, buf, n, t);
}

/* A full handshake from cli:cport to srv:sport starting at t. */
static void handshake(struct fx *x, uint64_t t, uint32_t cli, uint16_t cport,
                      uint32_t srv, uint16_t sport)
{
	tcp(x, t, cli, cport, srv, sport, 1000, 0, PKT_TH_SYN);
	tcp(x, t + 300, srv, sport, cli, cport, 5000, 1001, PKT_TH_SYN | PKT_TH_ACK);
	tcp(x, t + 500, cli, cport, srv, sport, 1001, 5001, PKT_TH_ACK);
}

static json_object *get(struct fx *x, enum ctl_method m)
{
	char *text = peek_answer(&x->p, m);
	json_object *o;

	assert_non_null(text);
	o = json_tokener_parse(text);
	free(text);
	assert_non_null(o);
	return o;
}

/* Value at filter index i, then keys. */
static uint64_t val(json_object *doc, int i, const char *k1, const char *k2)
{
	json_object *el = json_object_array_get_idx(doc, (size_t)i), *v = NULL;

	assert_non_null(el);
	json_object_object_foreach(el, key, inner) {
		(void)key;
		v = inner;
	}
	assert_true(json_object_object_get_ex(v, k1, &v));
	if (k2)
		assert_true(json_object_object_get_ex(v, k2, &v));
	return json_object_get_uint64(v);
}

/* Direction from -L, filters by port, an exclusion, TX to the outside. */
static void test_directions_and_filters(void **state)
{
	struct fx *x = *state;
	json_object *doc;

	start(x, "10.0.0.0/24", 60);
	handshake(x, T0, IP(198, 51, 100, 1), 40000, SRV, 80);         /* RX web */
	handshake(x, T0 + 1000, IP(198, 51, 100, 2), 40001, SRV, 22);  /* RX */
	handshake(x, T0 + 2000, IP(192, 0, 2, 99), 40002, SRV, 80);    /* excluded */
	handshake(x, T0 + 3000, SRV, 50000, IP(203, 0, 113, 5), 443);  /* TX out */
	handshake(x, T0 + 4000, IP(1, 1, 1, 1), 1, IP(2, 2, 2, 2), 80); /* transit */
	doc = get(x, CTL_GET);
	assert_int_equal(json_object_array_length(doc), 5);    /* RX TX web out pcap */
	assert_int_equal(val(doc, 0, "success", "total"), 2);
	assert_int_equal(val(doc, 1, "success", "total"), 1);
	assert_int_equal(val(doc, 2, "success", "total"), 1);
	assert_int_equal(val(doc, 3, "success", "total"), 1);
	assert_int_equal(val(doc, 0, "handshake_us", "max"), 500);
	assert_int_equal(val(doc, 4, "tracker", "packets"), 15);
	assert_int_equal(val(doc, 4, "stats", "recv"), 15);
	assert_int_equal(val(doc, 4, "tracker", "malformed"), 0);
	json_object_put(doc);
	fflush(x->table);
	/* one table line per tracked handshake: 3 (neither the excluded
	 * nor the transit one is tracked) */
	{
		int lines = 0;

		for (const char *c = x->tbuf; c && *c; c++)
			lines += *c == '\n';
		assert_int_equal(lines, 3);
		assert_null(strstr(x->tbuf, "192.0.2.99"));
		assert_non_null(strstr(x->tbuf, "  198.51.100.1:40000       10.0.0.10:80    |      success      |"));
	}
}

/* IPv6 end to end (built frames, the decoder, the tracker, the filters,
 * the document and the table): the same classes as IPv4, side by side
 * with IPv4 handshakes, and a bracketed filter prefix. */
static void tcp6(struct fx *x, uint64_t t, const char *from, uint16_t fport, const char *to,
                 uint16_t tport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t buf[256];
	struct pkt_tcp_spec s = {
		.smac = MAC_C, .dmac = MAC_S, .sport = fport, .dport = tport, .seq = seq,
		.ack = ack, .flags = flags, .win = 1000,
	};
	size_t n;

	assert_int_equal(parse_addr(from, strlen(from), PARSE_IP6, &s.src), 0);
	assert_int_equal(parse_addr(to, strlen(to), PARSE_IP6, &s.dst), 0);
	n = pkt_build_tcp(buf, sizeof(buf), &s);
	assert_true(n > 0);
	peek_frame(&x->p, buf, n, t);
}

static void test_ipv6_pipeline(void **state)
{
	struct fx *x = *state;
	char err[256];
	json_object *doc;

	assert_int_equal(filt_add(x->fs, "v6:RX@[2001:db8:c::/48]:80", err, sizeof(err)), 0);
	start(x, "2001:db8:5::/64", 2);
	/* success, retransmitted SYN */
	tcp6(x, T0, "2001:db8:c::1", 40000, "2001:db8:5::a", 80, 1000, 0, PKT_TH_SYN);
	tcp6(x, T0 + 100, "2001:db8:c::1", 40000, "2001:db8:5::a", 80, 1000, 0, PKT_TH_SYN);
	tcp6(x, T0 + 300, "2001:db8:5::a", 80, "2001:db8:c::1", 40000, 5000, 1001,
	     PKT_TH_SYN | PKT_TH_ACK);
	tcp6(x, T0 + 500, "2001:db8:c::1", 40000, "2001:db8:5::a", 80, 1001, 5001, PKT_TH_ACK);
	/* reject */
	tcp6(x, T0 + 1000, "2001:db8:d::1", 40001, "2001:db8:5::a", 81, 7000, 0, PKT_TH_SYN);
	tcp6(x, T0 + 1200, "2001:db8:5::a", 81, "2001:db8:d::1", 40001, 0, 7001,
	     PKT_TH_RST | PKT_TH_ACK);
	/* a forged RST with a wrong ack changes nothing; then a timeout */
	tcp6(x, T0 + 2000, "2001:db8:c::2", 40002, "2001:db8:5::a", 80, 9000, 0, PKT_TH_SYN);
	tcp6(x, T0 + 2100, "2001:db8:5::a", 80, "2001:db8:c::2", 40002, 0, 1234,
	     PKT_TH_RST | PKT_TH_ACK);
	/* abort by the client */
	tcp6(x, T0 + 3000, "2001:db8:e::1", 40003, "2001:db8:5::a", 80, 3000, 0, PKT_TH_SYN);
	tcp6(x, T0 + 3100, "2001:db8:e::1", 40003, "2001:db8:5::a", 80, 3001, 0, PKT_TH_RST);
	/* an IPv4 handshake beside them: not local (-L is IPv6 only), not RX */
	handshake(x, T0 + 4000, IP(198, 51, 100, 1), 40000, SRV, 80);
	/* time passes (in steps shorter than the timeout, or the frame would
	 * be held as a jump): the unanswered one times out */
	tcp6(x, T0 + 1500000, "2001:db8:f::1", 1, "2001:db8:f::2", 2, 1, 0, PKT_TH_ACK);
	tcp6(x, T0 + 3000000, "2001:db8:f::1", 1, "2001:db8:f::2", 2, 1, 0, PKT_TH_ACK);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "success", "total"), 1);
	assert_int_equal(val(doc, 0, "success", "dupsyn"), 1);
	assert_int_equal(val(doc, 0, "failure", "reject"), 1);
	assert_int_equal(val(doc, 0, "failure", "timeout"), 1);
	assert_int_equal(val(doc, 0, "other", "abort"), 1);
	assert_int_equal(val(doc, 1, "success", "total"), 0);
	assert_int_equal(val(doc, 2, "success", "total"), 1);     /* web: port 80 */
	assert_int_equal(val(doc, 2, "failure", "reject"), 0);
	assert_int_equal(val(doc, 2, "other", "abort"), 1);
	assert_int_equal(val(doc, 4, "success", "total"), 1);     /* v6: 2001:db8:c::/48 */
	assert_int_equal(val(doc, 4, "failure", "timeout"), 1);
	assert_int_equal(val(doc, 4, "other", "abort"), 0);
	assert_int_equal(val(doc, 5, "tracker", "malformed"), 0);
	assert_int_equal(val(doc, 5, "tracker", "packets"), 15);
	json_object_put(doc);
	fflush(x->table);
	assert_non_null(strstr(x->tbuf, "[2001:db8:c::1]:40000 "));
	assert_non_null(strstr(x->tbuf, "[2001:db8:5::a]:80    |      success      |       1        0"));
	assert_null(strstr(x->tbuf, "198.51.100.1"));
}

/* Without -L every responder is local: all RX, TX stays 0. */
static void test_no_local_all_rx(void **state)
{
	struct fx *x = *state;
	json_object *doc;

	start(x, NULL, 60);
	handshake(x, T0, SRV, 50000, IP(203, 0, 113, 5), 443);
	handshake(x, T0 + 1000, IP(1, 1, 1, 1), 1, IP(2, 2, 2, 2), 80);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "success", "total"), 2);
	assert_int_equal(val(doc, 1, "success", "total"), 0);
	assert_int_equal(val(doc, 2, "success", "total"), 1);    /* web: port 80 */
	json_object_put(doc);
}

/* Malformed frames are counted, never tracked; other protocols are
 * packets, not malformed; any frame moves time so a timeout fires; an
 * open handshake is open, not a failure; REFRESH resets deltas. */
static void test_malformed_time_open_refresh(void **state)
{
	struct fx *x = *state;
	uint8_t buf[256];
	struct pkt_tcp_spec s = {
		.smac = MAC_C, .dmac = MAC_S, .src = addr_ip4(IP(198, 51, 100, 7)), .dst = addr_ip4(SRV),
		.sport = 1234, .dport = 80, .seq = 1, .flags = PKT_TH_SYN, .win = 1,
	};
	/* IPv6 with no next header (59): a packet, nothing to track */
	uint8_t ip6[60] = { 2, 0, 0, 0, 0, 5, 2, 0, 0, 0, 0, 0x0c, 0x86, 0xdd, 0x60,
	                    0, 0, 0, 0, 0, 59 };
	size_t n;
	json_object *doc;

	start(x, NULL, 5);
	n = pkt_build_tcp(buf, sizeof(buf), &s);
	peek_frame(&x->p, buf, 20, T0);                   /* cut in the IP header */
	buf[14] = 0x44;                                   /* IHL 4 */
	peek_frame(&x->p, buf, n, T0 + 1);
	buf[14] = 0x45;
	buf[n - 1] ^= 0xff;                               /* bad TCP checksum (-c 2) */
	peek_frame(&x->p, buf, n, T0 + 2);
	peek_frame(&x->p, ip6, sizeof(ip6), T0 + 3);      /* IPv6, not TCP */
	tcp(x, T0 + 10, IP(198, 51, 100, 8), 2000, SRV, 80, 77, 0, PKT_TH_SYN);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 4, "tracker", "packets"), 5);
	assert_int_equal(val(doc, 4, "tracker", "malformed"), 3);
	assert_int_equal(val(doc, 0, "other", "open"), 1);
	assert_int_equal(val(doc, 2, "other", "open"), 1);
	assert_int_equal(val(doc, 1, "other", "open"), 0);
	assert_int_equal(val(doc, 0, "failure", "timeout"), 0);
	json_object_put(doc);
	/* 4 s later: still open; 6 s later, any frame (here IPv6) fires it */
	peek_frame(&x->p, ip6, sizeof(ip6), T0 + 4000000);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "other", "open"), 1);
	json_object_put(doc);
	peek_frame(&x->p, ip6, sizeof(ip6), T0 + 6000000);
	doc = get(x, CTL_REFRESH);
	assert_int_equal(json_object_array_length(doc), 4);     /* no pcap */
	assert_int_equal(val(doc, 0, "other", "open"), 0);
	assert_int_equal(val(doc, 0, "failure", "timeout"), 1);
	assert_int_equal(val(doc, 2, "failure", "timeout"), 1);
	json_object_put(doc);
	doc = get(x, CTL_REFRESH);
	assert_int_equal(val(doc, 0, "failure", "timeout"), 0);
	json_object_put(doc);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "failure", "timeout"), 1);
	assert_int_equal(val(doc, 0, "failure", "total"), 1);
	json_object_put(doc);
}

/* The cap: SYNs beyond max_sessions are untracked, per filter. */
static void test_untracked(void **state)
{
	struct fx *x = *state;
	json_object *doc;

	start(x, NULL, 60);
	for (uint16_t i = 0; i < 70; i++)
		tcp(x, T0 + i, IP(198, 51, 100, 9), (uint16_t)(3000 + i), SRV, 80, 9, 0, PKT_TH_SYN);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 4, "tracker", "untracked"), 6);
	assert_int_equal(val(doc, 4, "tracker", "open"), 64);
	assert_int_equal(val(doc, 0, "other", "untracked"), 6);
	assert_int_equal(val(doc, 2, "other", "untracked"), 6);
	assert_int_equal(val(doc, 0, "other", "open"), 64);
	json_object_put(doc);
}

/* Live mode on a quiet link: the timers' time follows the monotonic clock
 * from the anchor (the latest packet time when the last dispatch ended),
 * so a timeout fires with no packet at all; idle ticks never move time
 * back, and a tick within 100 ms of the anchor does nothing. */
static void test_live_idle_ticks(void **state)
{
	struct fx *x = *state;
	json_object *doc;
	uint64_t m = UINT64_C(5000000000);

	start_mode(x, NULL, 2, 1);
	tcp(x, T0, IP(198, 51, 100, 8), 2000, SRV, 80, 77, 0, PKT_TH_SYN);
	peek_anchor(&x->p, m);
	assert_int_equal(x->p.anchor_ts, T0);
	peek_idle(&x->p, m + 50000);                  /* too soon: no tick */
	assert_int_equal(x->p.now_us, T0);
	peek_idle(&x->p, m + 1900000);                /* 1.9 s: still open */
	assert_int_equal(x->p.now_us, T0 + 1900000);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "failure", "timeout"), 0);
	json_object_put(doc);
	peek_idle(&x->p, m + 1000000);                /* never backwards */
	assert_int_equal(x->p.now_us, T0 + 1900000);
	peek_idle(&x->p, m + 2000001);                /* past -t 2: fires */
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "failure", "timeout"), 1);
	json_object_put(doc);
	assert_int_equal(x->p.now_us, T0 + 2000001);
}

/*
 * The live bug of issue 10: after a quiet period the idle ticks have run
 * the timers' time ahead of frames the capture delivers late (up to its
 * block timeout).  Those frames keep their own timestamps: the handshake
 * measures 360 us (it measured 0 when packet times were clamped to the
 * ticked time), and its table line shows when its SYN was captured.
 */
static void test_live_late_frames_keep_their_time(void **state)
{
	struct fx *x = *state;
	json_object *doc;
	uint64_t m = UINT64_C(5000000000), t = T0 + 2400000;
	uint32_t cli = IP(198, 51, 100, 7);

	start_mode(x, NULL, 60, 1);
	tcp(x, T0, IP(198, 51, 100, 8), 2000, SRV, 80, 77, 0, PKT_TH_SYN);
	peek_anchor(&x->p, m);
	peek_idle(&x->p, m + 2500000);                /* 2.5 s quiet */
	assert_int_equal(x->p.now_us, T0 + 2500000);
	tcp(x, t, cli, 4000, SRV, 80, 1000, 0, PKT_TH_SYN);
	tcp(x, t + 300, SRV, 80, cli, 4000, 5000, 1001, PKT_TH_SYN | PKT_TH_ACK);
	tcp(x, t + 360, cli, 4000, SRV, 80, 1001, 5001, PKT_TH_ACK);
	peek_anchor(&x->p, m + 2550000);
	peek_idle(&x->p, m + 2550000);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "success", "total"), 1);
	assert_int_equal(val(doc, 0, "handshake_us", "max"), 360);
	json_object_put(doc);
	fflush(x->table);
	assert_non_null(strstr(x->tbuf, "   0.000 | 24-01-01 00:00:02.400 |"));
	/* the timers' time did not go back, the packets' time is theirs */
	assert_int_equal(x->p.now_us, T0 + 2500000);
	assert_int_equal(x->p.pkt_us, t + 360);
}

/* The summary of a file: from the first packet to the latest. */
static void summary_span(struct fx *x, char *from, char *to, uint64_t *jumps)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *a, *b, *j;

	assert_non_null(f);
	peek_summary(&x->p, f);
	fclose(f);
	a = strstr(buf, "     from : ");
	b = strstr(buf, "       to : ");
	assert_non_null(a);
	assert_non_null(b);
	memcpy(from, a + 12, 19);
	from[19] = '\0';
	memcpy(to, b + 12, 19);
	to[19] = '\0';
	j = strstr(buf, "    jumps : ");
	*jumps = j ? strtoull(j + 12, NULL, 10) : 0;
	assert_non_null(strstr(buf, " pcap stats\n   recv   : "));
	free(buf);
}

/*
 * A file with one corrupt far-future timestamp (an unrelated frame stamped
 * ten years ahead) in the middle of a 1-second handshake: the frame is a
 * jump, handled at the time so far; the handshake succeeds in 1 s (it was
 * a 60 s timeout when that frame froze the clock), the next one measures
 * its own 500 us, and the summary runs forward.
 */
static void test_jump_forward_outlier(void **state)
{
	struct fx *x = *state;
	json_object *doc;
	uint32_t cli = IP(198, 51, 100, 5);
	char from[20], to[20];
	uint64_t jumps;

	start(x, NULL, 60);
	tcp(x, T0, cli, 4000, SRV, 80, 1000, 0, PKT_TH_SYN);
	tcp(x, T0 + UINT64_C(315360000000000), IP(1, 1, 1, 1), 1, IP(2, 2, 2, 2), 2, 1, 0,
	    PKT_TH_ACK);
	tcp(x, T0 + 1000000, SRV, 80, cli, 4000, 5000, 1001, PKT_TH_SYN | PKT_TH_ACK);
	tcp(x, T0 + 1000060, cli, 4000, SRV, 80, 1001, 5001, PKT_TH_ACK);
	handshake(x, T0 + 2000000, cli, 4001, SRV, 80);
	peek_end(&x->p);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "success", "total"), 2);
	assert_int_equal(val(doc, 0, "failure", "total"), 0);
	assert_int_equal(val(doc, 0, "handshake_us", "max"), 1000060);
	json_object_put(doc);
	assert_int_equal(x->p.jumps, 1);
	summary_span(x, from, to, &jumps);
	assert_string_equal(from, "2024-01-01 00:00:00");
	assert_string_equal(to, "2024-01-01 00:00:02");
	assert_int_equal(jumps, 1);
}

/* The same with a timestamp far in the past (0, the epoch): harmless too. */
static void test_jump_backward_outlier(void **state)
{
	struct fx *x = *state;
	json_object *doc;
	uint32_t cli = IP(198, 51, 100, 5);

	start(x, NULL, 60);
	tcp(x, T0, cli, 4000, SRV, 80, 1000, 0, PKT_TH_SYN);
	tcp(x, 0, IP(1, 1, 1, 1), 1, IP(2, 2, 2, 2), 2, 1, 0, PKT_TH_ACK);
	tcp(x, T0 + 1000000, SRV, 80, cli, 4000, 5000, 1001, PKT_TH_SYN | PKT_TH_ACK);
	tcp(x, T0 + 1000060, cli, 4000, SRV, 80, 1001, 5001, PKT_TH_ACK);
	peek_end(&x->p);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "success", "total"), 1);
	assert_int_equal(val(doc, 0, "handshake_us", "max"), 1000060);
	json_object_put(doc);
	assert_int_equal(x->p.jumps, 1);
	assert_int_equal(x->p.offset, 0);
}

/*
 * The clock really goes back an hour (two captures joined out of order):
 * time does not freeze at the latest timestamp; it goes on from there, so
 * the handshakes after the jump measure their own 500 us (0 when every
 * later packet was clamped to the latest time), and one spanning the jump
 * is not a 60 s timeout.
 */
static void test_jump_back_rebases(void **state)
{
	struct fx *x = *state;
	json_object *doc;
	uint32_t cli = IP(198, 51, 100, 6);
	uint64_t back = T0 - UINT64_C(3600000000);
	char from[20], to[20];
	uint64_t jumps;

	start(x, NULL, 60);
	handshake(x, T0, cli, 4000, SRV, 80);
	tcp(x, T0 + 10000, cli, 4009, SRV, 80, 1000, 0, PKT_TH_SYN);    /* open */
	for (uint16_t i = 0; i < 3; i++)
		handshake(x, back + i * UINT64_C(1000000), cli, (uint16_t)(5000 + i), SRV, 80);
	peek_end(&x->p);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "success", "total"), 4);
	assert_int_equal(val(doc, 0, "failure", "total"), 0);
	assert_int_equal(val(doc, 0, "handshake_us", "max"), 500);
	json_object_put(doc);
	assert_int_equal(x->p.jumps, 1);
	assert_int_equal(x->p.offset, (int64_t)(T0 + 10000 - back));
	summary_span(x, from, to, &jumps);
	assert_string_equal(from, "2024-01-01 00:00:00");
	assert_string_equal(to, "2024-01-01 00:00:02");
	assert_int_equal(jumps, 1);
}

/* A quiet gap longer than the timeout is not a jump: time moves on and
 * the timeout fires, whether more packets follow or the file ends. */
static void test_quiet_gap_is_not_a_jump(void **state)
{
	struct fx *x = *state;
	json_object *doc;
	uint32_t cli = IP(198, 51, 100, 4);

	start(x, NULL, 60);
	tcp(x, T0, cli, 4000, SRV, 80, 1000, 0, PKT_TH_SYN);
	tcp(x, T0 + UINT64_C(100000000), IP(1, 1, 1, 1), 1, IP(2, 2, 2, 2), 2, 1, 0, PKT_TH_ACK);
	handshake(x, T0 + UINT64_C(100500000), cli, 4001, SRV, 80);
	tcp(x, T0 + UINT64_C(101000000), cli, 4002, SRV, 80, 1000, 0, PKT_TH_SYN);
	tcp(x, T0 + UINT64_C(200000000), IP(1, 1, 1, 1), 1, IP(2, 2, 2, 2), 2, 1, 0, PKT_TH_ACK);
	peek_end(&x->p);
	doc = get(x, CTL_GET);
	assert_int_equal(val(doc, 0, "success", "total"), 1);
	assert_int_equal(val(doc, 0, "failure", "timeout"), 2);
	json_object_put(doc);
	assert_int_equal(x->p.jumps, 0);
	assert_int_equal(x->p.pkt_us, T0 + UINT64_C(200000000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_directions_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_pipeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_local_all_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_time_open_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untracked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_idle_ticks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_late_frames_keep_their_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jump_forward_outlier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jump_backward_outlier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jump_back_rebases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_gap_is_not_a_jump, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
