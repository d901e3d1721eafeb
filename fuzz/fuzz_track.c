/*
 * libFuzzer harness: the handshake tracker fed a sequence of packets with
 * fuzz-chosen timestamps, then the statistics, the table lines and the
 * stats document built from what it reported.
 *
 * Random bytes rarely form two TCP segments of one 4-tuple with matching
 * sequence numbers, so most records are built from small pools (4 client
 * and 2 server endpoints, a few ISNs and offsets): the fuzzer reaches
 * every transition of the state machine instead of mostly missing it.
 * Other records carry raw frame bytes through pkt_decode, so anything the
 * decoder accepts also reaches the tracker.
 *
 * Checks beyond the sanitizers:
 *  - trk_packet and trk_packet_batch (random batch sizes) report the same
 *    events in the same order (the contract in track.h);
 *  - an event never ends before it starts, and never before time began;
 *  - open sessions never exceed the cap, and once time has run past
 *    every deadline none is left open;
 *  - the stats document tcpeek would serve parses with tcpeekstat's
 *    parser, and the table and summary format without fault.
 *
 * Input: 3 header bytes: cap (1 + low 4 bits; 0 = 1), timeout, flags (bit 0
 * ICMP, bits 1-6 batch size - 1; bit 7 with bits 4-6 of the cap byte: build
 * the documents), then records:
 *   0x00-0x7f  TCP   tuple, flags, seq pick, ack pick, dt(2)
 *   0x80-0x9f  ICMP  unreachable quoting a tuple: tuple, code, seq pick, dt(2)
 * (on TCP and ICMP records, bit 3 of the type makes the tuple IPv6, with
 * two client addresses whose 4-byte folds are equal, and ICMPv6)
 *   0xa0-0xbf  advance the clock without a packet: dt(2)
 *   0xc0-0xff  raw frame: link pick in the low bits, dt(2), len(2), bytes
 * dt is a time step; bit 15 selects a coarse unit, and the record type's
 * low bit on TCP records steps time backwards instead (the tracker must
 * clamp it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "net/pkt.h"
#include "peek/doc.h"
#include "peek/output.h"
#include "peek/stats.h"
#include "peek/track.h"
#include "stat/tstat_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 512
#define NFILT 4

struct rec {
	struct pkt_frame f;
	uint64_t ts;
};

struct evlog {
	struct trk_event *ev;
	size_t n, cap;
	size_t untracked;
	struct stat_filter *stats;   /* NULL: do not record statistics */
};

static FILE *devnull;

static uint64_t classify(void *arg, const struct addr *ca, uint16_t cp, const struct addr *sa,
                         uint16_t sp)
{
	(void)arg, (void)sa;
	if (sp == 7)
		return 0;               /* as if excluded by a filter */
	return 1u | (ca->u.b[15] & 1 ? 2u : 0u) | (cp & 1 ? 4u : 0u) | (sp == 443 ? 8u : 0u);
}

static void done(void *arg, const struct trk_event *ev)
{
	struct evlog *l = arg;
	int i;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->ev = realloc(l->ev, l->cap * sizeof(*l->ev));
		if (l->ev == NULL)
			abort();
	}
	l->ev[l->n++] = *ev;
	if (ev->end_us < ev->start_us)
		abort();                /* a handshake ended before it began */
	if (l->stats == NULL)
		return;
	for (i = 0; i < NFILT; i++)
		if (ev->filters & (1u << i))
			stat_record(&l->stats[i], ev);
	out_table_line(devnull, ev);
}

static void untracked(void *arg, uint64_t filters)
{
	struct evlog *l = arg;
	int i;

	l->untracked++;
	if (l->stats == NULL)
		return;
	for (i = 0; i < NFILT; i++)
		if (filters & (1u << i))
			stat_untracked(&l->stats[i]);
}

static void count_open(void *arg, uint64_t filters)
{
	uint64_t *open = arg;
	int i;

	for (i = 0; i < NFILT; i++)
		if (filters & (1u << i))
			open[i]++;
}

static bool same_event(const struct trk_event *a, const struct trk_event *b)
{
	return a->result == b->result && addr_eq(&a->cli_addr, &b->cli_addr) &&
	       addr_eq(&a->srv_addr, &b->srv_addr) && a->cli_port == b->cli_port &&
	       a->srv_port == b->srv_port && a->start_us == b->start_us &&
	       a->end_us == b->end_us && a->dupsyn == b->dupsyn &&
	       a->dupsynack == b->dupsynack && a->filters == b->filters &&
	       a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code;
}

/* ---- building records from the pools ------------------------------ */

static const uint32_t cli_addrs[4] = { 0x0a000001, 0x0a000002, 0xc0a80105, 0x0a000001 };
static const uint16_t cli_ports[4] = { 40000, 40001, 1024, 65535 };
static const uint32_t srv_addrs[2] = { 0x0a0000fe, 0xc0a80101 };
static const uint16_t srv_ports[2] = { 443, 7 };
static const uint32_t isns[4] = { 1000, 0x7fffffff, 0xffffffff, 0 };

static uint32_t pick_seq(uint8_t b)
{
	static const int32_t off[4] = { 0, 1, 2, -1 };
	return isns[b & 3] + (uint32_t)off[(b >> 2) & 3] + (uint32_t)(b >> 4) * 0x10000u * (b >> 7);
}

/* A pool address in either family.  IPv6: 2001:db8::/96 with the IPv4
 * pool's 4 bytes at the end, except the 4th client (the 1st again in
 * IPv4), which gets another address whose 4-byte fold (sess_fold) is the
 * 1st one's: the table must tell them apart by their whole bytes. */
static struct addr pool_addr(uint32_t v4, bool v6, bool twin)
{
	struct addr a = addr_ip4(v4);

	if (!v6)
		return a;
	a.family = AF_INET6;
	memset(a.u.b, 0, sizeof(a.u.b));
	if (twin) {
		a.u.b[4] = 0x20, a.u.b[5] = 0x01, a.u.b[6] = 0x0d, a.u.b[7] = 0xb8;
		a.u.w[2] = addr_ip4(v4).u.w[0];
	} else {
		a.u.b[0] = 0x20, a.u.b[1] = 0x01, a.u.b[2] = 0x0d, a.u.b[3] = 0xb8;
		a.u.w[3] = addr_ip4(v4).u.w[0];
	}
	return a;
}

static void tuple(uint8_t b, bool v6, struct addr *ca, uint16_t *cp, struct addr *sa,
                  uint16_t *sp)
{
	*ca = pool_addr(cli_addrs[b & 3], v6, (b & 3) == 3);
	*cp = cli_ports[(b >> 2) & 3];
	*sa = pool_addr(srv_addrs[(b >> 4) & 1], v6, false);
	*sp = srv_ports[(b >> 5) & 1];
}

static uint64_t step(uint16_t dt)
{
	/* fine steps (µs) for ordering, coarse ones (0.1 s) for timeouts */
	return dt & 0x8000 ? (uint64_t)(dt & 0x7fff) * 100000u : dt;
}

static void ip_hdr(struct pkt_frame *f, struct addr src, struct addr dst, uint8_t proto)
{
	bool v6 = src.family == AF_INET6;

	f->has_ip = 1;
	f->ip.hlen = v6 ? 40 : 20;
	f->ip.tot_len = 40;
	f->ip.ttl = 64;
	f->ip.proto = proto;
	f->ip.src = src;
	f->ip.dst = dst;
	f->l3_off = 14;
	f->has_eth = 1;
	f->eth.type = v6 ? PKT_ETHERTYPE_IPV6 : PKT_ETHERTYPE_IPV4;
}

/* Parse the records; returns how many frames were made. */
static size_t make_frames(const uint8_t *p, size_t n, struct rec *out)
{
	static const enum pkt_link links[4] = { PKT_LINK_EN10MB, PKT_LINK_RAW, PKT_LINK_SLL,
	                                        PKT_LINK_SLL2 };
	uint64_t now = 1700000000000000ull;  /* a plausible epoch start */
	size_t i = 0, k = 0;

	while (i < n && k < MAX_FRAMES) {
		uint8_t kind = p[i++];
		struct pkt_frame *f = &out[k].f;
		struct addr ca, sa;
		uint16_t cp, sp, dt;

		memset(f, 0, sizeof(*f));
		if (kind < 0x80) {
			if (n - i < 6)
				break;
			tuple(p[i], kind & 8, &ca, &cp, &sa, &sp);
			bool from_srv = p[i] & 0x40;
			ip_hdr(f, from_srv ? sa : ca, from_srv ? ca : sa, PKT_IPPROTO_TCP);
			f->has_tcp = 1;
			f->tcp.sport = from_srv ? sp : cp;
			f->tcp.dport = from_srv ? cp : sp;
			f->tcp.flags = p[i + 1];
			f->tcp.seq = pick_seq(p[i + 2]);
			f->tcp.ack = pick_seq(p[i + 3]);
			f->tcp.hlen = 20;
			f->tcp.win = 65535;
			f->tcp.mss = (kind & 2) ? 1460 : 0;
			f->tcp.payload_len = (kind & 4) ? 100 : 0;
			f->ip.tot_len = (uint16_t)(40 + f->tcp.payload_len);
			dt = (uint16_t)(p[i + 4] << 8 | p[i + 5]);
			i += 6;
			if (kind & 1)
				now -= step(dt) < now ? step(dt) : 0;
			else
				now += step(dt);
		} else if (kind < 0xa0) {
			if (n - i < 5)
				break;
			tuple(p[i], kind & 8, &ca, &cp, &sa, &sp);
			/* from a router (or the server) back to the client */
			ip_hdr(f, (kind & 1) ? sa : pool_addr(0x0a0000fd, kind & 8, false), ca,
			       PKT_IPPROTO_ICMP);
			f->has_icmp = 1;
			/* ICMP 3 / ICMPv6 1 is unreachable, 11 / 3 time exceeded */
			f->icmp.type = (kind & 8) ? ((kind & 2) ? 3 : 1) : ((kind & 2) ? 11 : PKT_ICMP_UNREACH);
			f->icmp.unreach = !(kind & 2);
			f->icmp.code = p[i + 1] & 15;
			f->icmp.has_quote = !(kind & 4);
			f->icmp.q_ip.hlen = (kind & 8) ? 40 : 20;
			f->icmp.q_ip.tot_len = 60;
			f->icmp.q_ip.proto = PKT_IPPROTO_TCP;
			f->icmp.q_ip.src = ca;
			f->icmp.q_ip.dst = sa;
			f->icmp.q_sport = cp;
			f->icmp.q_dport = sp;
			f->icmp.q_seq = pick_seq(p[i + 2]);
			dt = (uint16_t)(p[i + 3] << 8 | p[i + 4]);
			i += 5;
			now += step(dt);
		} else if (kind < 0xc0) {
			if (n - i < 2)
				break;
			dt = (uint16_t)(p[i] << 8 | p[i + 1]);
			i += 2;
			now += step(dt);
			/* a frame that failed to decode: it only moves the clock */
		} else {
			if (n - i < 4)
				break;
			dt = (uint16_t)(p[i] << 8 | p[i + 1]);
			size_t len = (size_t)(p[i + 2] << 8 | p[i + 3]);
			i += 4;
			if (len > n - i)
				len = n - i;
			/* an exact-size copy, so ASan sees any read past the frame */
			uint8_t *buf = malloc(len ? len : 1);
			if (buf == NULL)
				abort();
			memcpy(buf, p + i, len);
			if (pkt_decode(links[kind & 3], buf, len, (enum pkt_csum_mode)((kind >> 2) % 3),
			               f) != PKT_OK)
				f->has_tcp = f->has_icmp = 0;  /* as tcpeek hands it over */
			free(buf);
			i += len;
			now += step(dt);
		}
		out[k++].ts = now;
	}
	return k;
}

static void check_stats(const struct trk *t, uint32_t cap)
{
	struct trk_stats st;

	trk_get_stats(t, &st);
	if (st.open > cap || st.peak > cap || st.open > st.peak || st.max_sessions != cap)
		abort();
}

/* The document tcpeek serves must be one tcpeekstat reads. */
static void check_document(struct trk *t, struct stat_filter *stats, size_t nframes,
                           uint64_t from, uint64_t to)
{
	static const char *const names[NFILT] = { "RX", "TX", "odd\"port\\", "https" };
	uint64_t open[NFILT] = { 0 };
	struct trk_stats st;
	struct doc_src src;
	struct tstat_doc doc;
	struct out_filter of[NFILT];
	char err[256];
	int m, i;

	trk_foreach_open(t, count_open, open);
	trk_get_stats(t, &st);
	memset(&src, 0, sizeof(src));
	src.nfilt = NFILT;
	src.names = names;
	src.stats = stats;
	src.open = open;
	src.tracker.packets = nframes;
	src.tracker.untracked = st.untracked;
	src.tracker.open = st.open;
	src.tracker.peak = st.peak;
	src.tracker.max_sessions = st.max_sessions;
	for (m = CTL_GET; m <= CTL_REFRESH; m++) {
		char *text = doc_text(&src, (enum ctl_method)m);
		if (text == NULL)
			abort();
		if (tstat_parse(text, strlen(text), &doc, err, sizeof(err)) != 0) {
			fprintf(stderr, "document refused: %s\n%s\n", err, text);
			abort();
		}
		tstat_doc_free(&doc);
		free(text);
	}
	for (i = 0; i < NFILT; i++) {
		/* every member set: no connection tracking in this harness */
		of[i] = (struct out_filter){ .name = names[i], .c = &stats[i].total,
		                             .open = open[i] };
	}
	out_summary(devnull, &(struct out_time){ from, to, 0 }, of, NFILT, 0, 0, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec recs[MAX_FRAMES];
	static struct pkt_frame frames[MAX_FRAMES];
	static uint64_t ts[MAX_FRAMES];
	struct stat_filter *stats;
	struct evlog la = { 0 }, lb = { 0 };
	struct trk_config cfg;
	struct trk_ops ops = { classify, done, untracked };
	struct trk *a, *b;
	size_t n, i, j, batch;
	bool with_doc;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	if (size < 3)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_sessions = data[0] == 0 ? 0 : 1u + (data[0] & 0x0f);
	cfg.timeout_us = data[1] == 255 ? 60000000ull : (uint64_t)(data[1] + 1) * 10000u;
	cfg.icmp = data[2] & 1;
	batch = 1 + ((data[2] >> 1) & 0x3f);   /* 1..64 frames a batch */
	/* the documents cost several times the tracking under ASan (json-c
	 * allocates a lot), and fuzz_tstat covers the parser: on request */
	with_doc = (data[2] & 0x80) && (data[0] & 0x70) == 0x70;
	n = make_frames(data + 3, size - 3, recs);
	if (n == 0)
		return 0;
	if (cfg.max_sessions == 0)
		cfg.max_sessions = 1;   /* tcpeek refuses 0; the tracker rounds it up */

	stats = calloc(NFILT, sizeof(*stats));
	if (stats == NULL)
		abort();
	la.stats = stats;
	a = trk_new(&cfg, &ops, &la);
	b = trk_new(&cfg, &ops, &lb);
	if (a == NULL || b == NULL)
		abort();
	for (i = 0; i < n; i++) {
		frames[i] = recs[i].f;
		ts[i] = recs[i].ts;
		trk_packet(a, &recs[i].f, recs[i].ts);
		check_stats(a, cfg.max_sessions);
	}
	for (i = 0; i < n; i += j) {
		j = n - i < batch ? n - i : batch;
		trk_packet_batch(b, frames + i, ts + i, j);
	}
	check_stats(b, cfg.max_sessions);
	if (la.n != lb.n || la.untracked != lb.untracked)
		abort();
	for (i = 0; i < la.n; i++)
		if (!same_event(&la.ev[i], &lb.ev[i]))
			abort();

	/* the document with sessions still open, then after every deadline */
	if (with_doc)
		check_document(a, stats, n, recs[0].ts, recs[n - 1].ts);
	uint64_t last = 0;
	for (i = 0; i < n; i++)
		if (recs[i].ts > last)
			last = recs[i].ts;
	trk_advance(a, last + cfg.timeout_us + 1000000);
	struct trk_stats st;
	trk_get_stats(a, &st);
	if (st.open != 0)
		abort();                /* a session outlived its timeout */
	if (with_doc)
		check_document(a, stats, n, recs[0].ts, last);

	trk_free(a);
	trk_free(b);
	free(la.ev);
	free(lb.ev);
	free(stats);
	return 0;
}
