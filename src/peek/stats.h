/*
 * Per-filter handshake statistics: counters and a handshake-time
 * histogram, kept twice: since start (GET) and since the last REFRESH.
 */
#ifndef SYNSCOPE_PEEK_STATS_H
#define SYNSCOPE_PEEK_STATS_H

#include <stdint.h>

#include "peek/conn.h"
#include "peek/track.h"

/* Log-linear histogram of handshake times in microseconds: relative error
 * of a reported percentile <= 1/HIST_SUB (about 3 %); max is exact. */
#define HIST_SUB 32
#define HIST_OCTAVES 40
struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t bucket[HIST_OCTAVES * HIST_SUB];
};

void hist_add(struct hist *h, uint64_t v);
/* The value at quantile q (0 < q <= 1): the upper bound of the bucket
 * holding it, never above max; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Fixed bucket bounds of the handshake-time histogram that clients see
 * (Prometheus' `le`), in µs: LAN (tens of µs) to WAN (hundreds of ms), and
 * 1 s apart from 2.5 s and 5 s so that a handshake that needed one, two or
 * three SYN retransmissions (Linux: after 1, 3, 7 s) lands in a bucket of
 * its own.  Exact: a time is compared with the bounds, not estimated. */
#define STAT_HS_NLE 17
extern const uint64_t stat_hs_le_us[STAT_HS_NLE];

/* Fixed bucket bounds of the connection-duration histogram, in µs: from
 * a millisecond to a day (short RPCs, pooled keepalive connections, the
 * Linux keepalive time of 2 hours). */
#define STAT_CONN_NLE 13
extern const uint64_t stat_conn_le_us[STAT_CONN_NLE];

/* How connections ended (--track-established), per filter. */
struct stat_conn {
	uint64_t fin, keepalive, half_open, idle;
	uint64_t reset[2][2];    /* [client/server][before/after data] */
	uint64_t overflow;       /* successes not followed: the table was full */
	uint64_t probes, unanswered;   /* keepalive probes seen, left unanswered */
	uint64_t count, sum_us;  /* ended connections, their durations (saturating) */
	uint64_t le[STAT_CONN_NLE];    /* durations <= stat_conn_le_us[i], > the bound before */
};

struct stat_counts {
	uint64_t success, success_dupsyn, success_dupsynack;
	uint64_t timeout, reject, unreach;
	uint64_t failure_dupsyn, failure_dupsynack;
	uint64_t abort;
	uint64_t untracked;
	struct hist hs;          /* handshake time of successes, µs */
	uint64_t hs_sum;         /* their sum, µs (saturates at 2^64-1) */
	uint64_t hs_le[STAT_HS_NLE];    /* times <= stat_hs_le_us[i] and > the bound before */
	struct stat_conn conn;
};

struct stat_filter {
	struct stat_counts total;   /* since start */
	struct stat_counts delta;   /* since the last REFRESH */
};

/* Record one finished handshake into s (both views). */
void stat_record(struct stat_filter *s, const struct trk_event *ev);
void stat_untracked(struct stat_filter *s);
/* Record one ended connection / one connection not followed. */
void stat_record_conn(struct stat_filter *s, const struct conn_event *ev);
void stat_conn_overflow(struct stat_filter *s);
/* REFRESH: zero the delta view (after it has been reported). */
void stat_reset_delta(struct stat_filter *s);

static inline uint64_t stat_failures(const struct stat_counts *c)
{
	return c->timeout + c->reject + c->unreach;
}

#endif
