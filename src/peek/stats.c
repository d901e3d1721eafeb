/*
 * Per-filter statistics (contract in stats.h).
 *
 * Histogram layout: bucket index = octave * HIST_SUB + sub.  Octave 0
 * holds 0..HIST_SUB-1 exactly; octave k >= 1 holds [SUB << (k-1),
 * SUB << k) cut into SUB equal buckets of width 2^(k-1), so a bucket is
 * never wider than 1/SUB of the values it holds.  Values past the last
 * octave (2^44 µs, about 200 days) land in the last bucket; max stays exact.
 */
#include "peek/stats.h"

#include <string.h>

#define HIST_SUB_BITS 5
_Static_assert((1 << HIST_SUB_BITS) == HIST_SUB, "HIST_SUB must be 2^HIST_SUB_BITS");

#define HIST_BUCKETS (HIST_OCTAVES * HIST_SUB)

static unsigned hist_index(uint64_t v)
{
	unsigned msb, oct, sub;

	if (v < HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	oct = msb - HIST_SUB_BITS + 1;
	if (oct >= HIST_OCTAVES)
		return HIST_BUCKETS - 1;
	sub = (unsigned)(v >> (msb - HIST_SUB_BITS)) & (HIST_SUB - 1);
	return oct * HIST_SUB + sub;
}

/* Largest value that falls into bucket i. */
static uint64_t hist_upper(unsigned i)
{
	unsigned oct = i / HIST_SUB, sub = i % HIST_SUB;
	unsigned shift;

	if (oct == 0)
		return sub;
	if (i == HIST_BUCKETS - 1)
		return UINT64_MAX;
	shift = oct - 1;
	return (((uint64_t)(HIST_SUB + sub) << shift) + ((uint64_t)1 << shift)) - 1;
}

static inline void hist_add_at(struct hist *h, unsigned i, uint64_t v)
{
	h->bucket[i]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

void hist_add(struct hist *h, uint64_t v)
{
	hist_add_at(h, hist_index(v), v);
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	/* rank = ceil(q * count), in 1..count; NaN and q <= 0 give the minimum. */
	if (!(q > 0))
		rank = 1;
	else if (q >= 1)
		rank = h->count;
	else {
		double r = q * (double)h->count;

		rank = (uint64_t)r;
		if ((double)rank < r)
			rank++;
		if (rank < 1)
			rank = 1;
		if (rank > h->count)
			rank = h->count;
	}
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t up = hist_upper(i);

			return up < h->max ? up : h->max;
		}
	}
	return h->max;
}

const uint64_t stat_hs_le_us[STAT_HS_NLE] = {
	50, 100, 250, 500,                      /* same host, LAN */
	1000, 2500, 5000, 10000, 25000,         /* data centre, metro */
	50000, 100000, 250000, 500000,          /* WAN, intercontinental */
	1000000, 2500000, 5000000, 10000000,    /* SYN retransmitted 1, 2, 3 times */
};

/* The first bound >= us; STAT_HS_NLE when above them all (+Inf only). */
static unsigned le_index(uint64_t us)
{
	unsigned i = 0;

	while (i < STAT_HS_NLE && us > stat_hs_le_us[i])
		i++;
	return i;
}

static inline void le_add(struct stat_counts *c, uint64_t hs_us, unsigned le)
{
	if (le < STAT_HS_NLE)
		c->hs_le[le]++;
	c->hs_sum = hs_us > UINT64_MAX - c->hs_sum ? UINT64_MAX : c->hs_sum + hs_us;
}

/* hs_us, bucket and le: the handshake time of a success, its bucket in
 * hs and its bucket in hs_le, worked out once for both views. */
static inline void count_event(struct stat_counts *c, const struct trk_event *ev,
                               uint64_t hs_us, unsigned bucket, unsigned le)
{
	switch (ev->result) {
	case TRK_SUCCESS:
		c->success++;
		if (ev->dupsyn)
			c->success_dupsyn++;
		if (ev->dupsynack)
			c->success_dupsynack++;
		hist_add_at(&c->hs, bucket, hs_us);
		le_add(c, hs_us, le);
		return;
	case TRK_TIMEOUT:
		c->timeout++;
		break;
	case TRK_REJECT:
		c->reject++;
		break;
	case TRK_UNREACH:
		c->unreach++;
		break;
	case TRK_ABORT:
		/* The initiator gave up: neither a success nor a server failure. */
		c->abort++;
		return;
	default:
		return;
	}
	if (ev->dupsyn)
		c->failure_dupsyn++;
	if (ev->dupsynack)
		c->failure_dupsynack++;
}

void stat_record(struct stat_filter *s, const struct trk_event *ev)
{
	uint64_t hs_us = 0;
	unsigned bucket = 0, le = 0;

	if (ev->result == TRK_SUCCESS) {
		hs_us = ev->end_us > ev->start_us ? ev->end_us - ev->start_us : 0;
		bucket = hist_index(hs_us);
		le = le_index(hs_us);
	}
	count_event(&s->total, ev, hs_us, bucket, le);
	count_event(&s->delta, ev, hs_us, bucket, le);
}

void stat_untracked(struct stat_filter *s)
{
	s->total.untracked++;
	s->delta.untracked++;
}

void stat_reset_delta(struct stat_filter *s)
{
	memset(&s->delta, 0, sizeof(s->delta));
}

const uint64_t stat_conn_le_us[STAT_CONN_NLE] = {
	1000, 10000, 100000,                    /* RPCs */
	1000000, 10000000, 60000000,            /* a second to a minute */
	300000000, 600000000, 1800000000,       /* minutes */
	3600000000, 7200000000, 14400000000,    /* hours: keepalive time */
	86400000000,                            /* a day */
};

static void conn_add(struct stat_conn *c, const struct conn_event *ev, uint64_t dur, unsigned le)
{
	switch (ev->end) {
	case CONN_FIN:
		c->fin++;
		break;
	case CONN_RESET:
		c->reset[ev->by == CONN_SERVER][ev->after_data != 0]++;
		break;
	case CONN_KEEPALIVE:
		c->keepalive++;
		break;
	case CONN_HALF_OPEN:
		c->half_open++;
		break;
	case CONN_IDLE:
		c->idle++;
		break;
	}
	for (int i = 0; i < 2; i++) {
		c->probes += ev->probes[i];
		c->unanswered += ev->probes[i] - (ev->answered[i] < ev->probes[i] ?
		                                  ev->answered[i] : ev->probes[i]);
	}
	c->count++;
	c->sum_us = dur > UINT64_MAX - c->sum_us ? UINT64_MAX : c->sum_us + dur;
	if (le < STAT_CONN_NLE)
		c->le[le]++;
}

void stat_record_conn(struct stat_filter *s, const struct conn_event *ev)
{
	uint64_t dur = ev->end_us > ev->start_us ? ev->end_us - ev->start_us : 0;
	unsigned le = 0;

	while (le < STAT_CONN_NLE && dur > stat_conn_le_us[le])
		le++;
	conn_add(&s->total.conn, ev, dur, le);
	conn_add(&s->delta.conn, ev, dur, le);
}

void stat_conn_overflow(struct stat_filter *s)
{
	s->total.conn.overflow++;
	s->delta.conn.overflow++;
}
