/*
 * Connection tracker (contract in conn.h).
 *
 * Connections live in a second instance of the session table, keyed like
 * the handshake tracker's (the unordered 4-tuple): the table entry holds
 * the tuple, the timer links and deadline, the establishment time and the
 * filters; what only this tracker needs sits in a parallel array (ext[],
 * same index), so the table's layout is the handshake tracker's.
 */
#include "peek/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "peek/sesstab.h"
#include "peek/twheel.h"

/* One side's view (index CONN_CLIENT or CONN_SERVER). */
struct cdir {
	uint32_t nxt;            /* snd.nxt as seen */
	uint32_t last_ack;       /* ack of its last segment with ACK */
	uint64_t bytes;
	uint32_t probes, answered, retrans;
	uint16_t unans;          /* retransmissions since the other side spoke */
	uint8_t fin;
	uint8_t probe_pending;   /* its last probe has no answer yet */
};

struct cext {
	struct cdir d[2];
	uint64_t last_us;        /* last segment that was not a probe */
	uint64_t mark_us;        /* last unanswered probe or retransmission */
	uint64_t gap_us;         /* between the last two of them, 0: one only */
};

struct conn {
	struct conn_config cfg;
	struct conn_ops ops;
	void *arg;
	struct sess_tab tab;
	struct cext *ext;
	uint64_t pnow, now;      /* packet time, timer time (as in track.c) */
	uint64_t peak, overflow;
	struct twheel tw;
};

size_t conn_size(void)
{
	/* table entry, parallel state, worst-case share of the slots */
	return sizeof(struct sess) + sizeof(struct cext) +
	       (sizeof(struct sess_slot) * 8 + 2) / 3;
}

const char *conn_end_name(enum conn_end e)
{
	switch (e) {
	case CONN_FIN:       return "fin";
	case CONN_RESET:     return "reset";
	case CONN_KEEPALIVE: return "keepalive";
	case CONN_HALF_OPEN: return "half-open";
	case CONN_IDLE:      return "idle";
	}
	return "unknown";
}

const char *conn_via_name(enum conn_via v)
{
	switch (v) {
	case CONN_VIA_FIN:     return "fin";
	case CONN_VIA_RST:     return "rst";
	case CONN_VIA_SILENCE: return "silence";
	case CONN_VIA_IDLE:    return "idle";
	case CONN_VIA_NEW_SYN: return "new_syn";
	}
	return "unknown";
}

const char *conn_side_name(enum conn_side s)
{
	switch (s) {
	case CONN_CLIENT: return "client";
	case CONN_SERVER: return "server";
	case CONN_NOSIDE: break;
	}
	return NULL;
}

struct conn *conn_new(const struct conn_config *cfg, const struct conn_ops *ops, void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));
	uint32_t cap;

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->cfg = *cfg;
	if (ops)
		c->ops = *ops;
	c->arg = arg;
	if (c->cfg.idle_us == 0)
		c->cfg.idle_us = 1;
	cap = cfg->max_conns ? cfg->max_conns : 1;
	if (cap > SESS_MAX_CAP || sess_init(&c->tab, cap, 0) < 0) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	/* calloc of a large array is mmap'ed: pages cost only once used */
	c->ext = calloc(cap, sizeof(*c->ext));
	if (!c->ext) {
		sess_fini(&c->tab);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	tw_init(&c->tw, c->tab.pool, 0);
	return c;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	sess_fini(&c->tab);
	free(c->ext);
	free(c);
}

static inline int32_t sdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* End connection idx and report. */
static void finish(struct conn *c, uint32_t idx, enum conn_end end, enum conn_via via,
                   enum conn_side by, uint64_t end_us)
{
	const struct sess *s = sess_at(&c->tab, idx);
	const struct cext *x = &c->ext[idx];
	struct conn_event ev = {
		.end = end, .via = via, .by = by,
		.after_data = x->d[0].bytes + x->d[1].bytes > 0,
		.cli_port = s->cli_port, .srv_port = s->srv_port,
		.start_us = s->start_us,
		.end_us = end_us < s->start_us ? s->start_us : end_us,
		.filters = s->filters,
	};

	sess_addrs(&c->tab, idx, &ev.cli_addr, &ev.srv_addr);
	for (int i = 0; i < 2; i++) {
		ev.bytes[i] = x->d[i].bytes;
		ev.probes[i] = x->d[i].probes;
		ev.answered[i] = x->d[i].answered;
		ev.retrans[i] = x->d[i].retrans;
	}
	tw_disarm(&c->tw, idx);
	sess_remove(&c->tab, idx);
	if (c->ops.done)
		c->ops.done(c->arg, &ev);
}

/* Nothing more came (idle timeout, silence window, or a new handshake on
 * the tuple): keepalive, half-open or idle. */
static void finish_silent(struct conn *c, uint32_t idx, enum conn_via via, uint64_t end_us)
{
	const struct cext *x = &c->ext[idx];

	for (int i = 0; i < 2; i++)
		if (x->d[i].probe_pending) {
			finish(c, idx, CONN_KEEPALIVE, via, (enum conn_side)i, end_us);
			return;
		}
	for (int i = 0; i < 2; i++)
		if (x->d[i].unans >= CONN_HALF_OPEN_RETRANS) {
			finish(c, idx, CONN_HALF_OPEN, via, (enum conn_side)!i, end_us);
			return;
		}
	finish(c, idx, CONN_IDLE, via == CONN_VIA_SILENCE ? CONN_VIA_IDLE : via, CONN_NOSIDE, end_us);
}

static void on_deadline(void *arg, uint32_t idx)
{
	struct conn *c = arg;
	const struct sess *s = sess_at(&c->tab, idx);

	finish_silent(c, idx, CONN_VIA_SILENCE, s->deadline_us);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* The deadline after the latest segment: idle, or the silence window. */
static uint64_t deadline_of(const struct conn *c, const struct cext *x)
{
	uint64_t d = add_sat(x->last_us, c->cfg.idle_us);
	int waiting = x->d[0].probe_pending || x->d[1].probe_pending ||
	              x->d[0].unans >= CONN_HALF_OPEN_RETRANS ||
	              x->d[1].unans >= CONN_HALF_OPEN_RETRANS;

	if (waiting && x->gap_us) {
		uint64_t w = x->gap_us * CONN_SILENCE_GAPS;

		if (w < CONN_SILENCE_MIN_US)
			w = CONN_SILENCE_MIN_US;
		w = add_sat(x->mark_us, w);
		if (w < d)
			d = w;
	}
	return d;
}

void conn_advance(struct conn *c, uint64_t now_us)
{
	if (now_us < c->now)
		now_us = c->now;
	c->now = now_us;
	if (tw_due(&c->tw, now_us))
		tw_expire(&c->tw, now_us, on_deadline, c);
}

static void set_time(struct conn *c, uint64_t ts_us)
{
	if (ts_us > c->pnow)
		c->pnow = ts_us;
	if (c->pnow > c->now)
		c->now = c->pnow;
	if (tw_due(&c->tw, c->now))
		tw_expire(&c->tw, c->now, on_deadline, c);
}

void conn_handshake(struct conn *c, const struct trk_event *ev)
{
	uint64_t h;
	uint32_t idx;
	struct sess *s;
	struct cext *x;

	if (ev->result != TRK_SUCCESS)
		return;
	set_time(c, ev->end_us);
	h = sess_hash(&c->tab, &ev->cli_addr, ev->cli_port, &ev->srv_addr, ev->srv_port);
	idx = sess_find(&c->tab, h, &ev->cli_addr, ev->cli_port, &ev->srv_addr, ev->srv_port);
	if (idx != SESS_NONE)
		finish_silent(c, idx, CONN_VIA_NEW_SYN, c->pnow);
	if (c->tab.count >= c->cfg.max_conns ||
	    (idx = sess_insert(&c->tab, h, &ev->cli_addr, ev->cli_port,
	                       &ev->srv_addr, ev->srv_port)) == SESS_NONE) {
		c->overflow++;
		if (c->ops.overflow)
			c->ops.overflow(c->arg, ev->filters);
		return;
	}
	s = sess_at(&c->tab, idx);
	s->start_us = c->pnow;
	s->filters = ev->filters;
	s->cli_isn = ev->cli_isn;
	s->srv_isn = ev->srv_isn;
	x = &c->ext[idx];
	memset(x, 0, sizeof(*x));
	x->d[CONN_CLIENT].nxt = ev->cli_isn + 1;
	x->d[CONN_SERVER].nxt = ev->srv_isn + 1;
	x->d[CONN_CLIENT].last_ack = ev->srv_isn + 1;
	x->d[CONN_SERVER].last_ack = ev->cli_isn + 1;
	x->last_us = c->pnow;
	tw_arm(&c->tw, idx, deadline_of(c, x));
	if (c->tab.count > c->peak)
		c->peak = c->tab.count;
}

/* An unanswered probe or retransmission from a side, now. */
static void mark(struct cext *x, uint64_t now)
{
	x->gap_us = x->mark_us ? now - x->mark_us : 0;
	x->mark_us = now;
}

static int rst_acceptable(const struct cdir *d, const struct cdir *o, uint32_t seq)
{
	int32_t off = sdiff(seq, d->nxt);

	return seq == o->last_ack ||
	       (off >= -(int32_t)CONN_RST_BEFORE && off <= (int32_t)CONN_RST_AFTER);
}

static void on_rst(struct conn *c, uint32_t idx, int side, const struct pkt_frame *f)
{
	struct cext *x = &c->ext[idx];
	const struct cdir *d = &x->d[side], *o = &x->d[!side];

	if (!rst_acceptable(d, o, f->tcp.seq))
		return;
	if (d->probe_pending)
		finish(c, idx, CONN_KEEPALIVE, CONN_VIA_RST, (enum conn_side)side, c->pnow);
	else if (!(f->tcp.flags & PKT_TH_ACK) && !d->fin && f->tcp.seq == o->last_ack)
		finish(c, idx, CONN_HALF_OPEN, CONN_VIA_RST, (enum conn_side)side, c->pnow);
	else
		finish(c, idx, CONN_RESET, CONN_VIA_RST, (enum conn_side)side, c->pnow);
}

/* A segment from side (0 client, 1 server) of connection idx. */
static void on_segment(struct conn *c, uint32_t idx, int side, const struct pkt_frame *f)
{
	struct cext *x = &c->ext[idx];
	struct cdir *d = &x->d[side], *o = &x->d[!side];
	uint8_t fl = f->tcp.flags;
	uint32_t seq = f->tcp.seq, len = f->tcp.payload_len;

	if (fl & PKT_TH_SYN) {
		/* the client starting over: a new handshake on this tuple */
		if (!(fl & PKT_TH_ACK) && side == CONN_CLIENT && seq != sess_at(&c->tab, idx)->cli_isn)
			finish_silent(c, idx, CONN_VIA_NEW_SYN, c->pnow);
		return;         /* else a late copy of the handshake */
	}
	/* the other side hears from this one: its probe is answered, its
	 * retransmissions are no longer a monologue */
	if (o->probe_pending) {
		o->probe_pending = 0;
		o->answered++;
	}
	o->unans = 0;
	if (fl & PKT_TH_RST) {
		on_rst(c, idx, side, f);
		return;
	}
	if (len <= 1 && !(fl & PKT_TH_FIN) && seq == d->nxt - 1) {
		/* a keepalive probe: not activity, the idle clock runs on */
		d->probes++;
		d->probe_pending = 1;
		mark(x, c->pnow);
		tw_rearm(&c->tw, idx, deadline_of(c, x));
		return;
	}
	d->probe_pending = 0;
	if (len > 0) {
		uint32_t end = seq + len;

		if (sdiff(end, d->nxt) > 0) {
			d->bytes += sdiff(seq, d->nxt) >= 0 ? len : (uint32_t)(end - d->nxt);
			d->nxt = end;
		} else {
			d->retrans++;
			d->unans++;
			mark(x, c->pnow);
		}
	}
	if (fl & PKT_TH_ACK)
		d->last_ack = f->tcp.ack;
	if (fl & PKT_TH_FIN) {
		uint32_t end = seq + len + 1;

		if (sdiff(end, d->nxt) > 0)
			d->nxt = end;
		d->fin = 1;
		if (o->fin) {
			finish(c, idx, CONN_FIN, CONN_VIA_FIN, CONN_NOSIDE, c->pnow);
			return;
		}
	}
	if (d->unans == 0)
		x->last_us = c->pnow;
	tw_rearm(&c->tw, idx, deadline_of(c, x));
}

void conn_packet(struct conn *c, const struct pkt_frame *f, uint64_t ts_us)
{
	uint64_t h;
	uint32_t idx;

	set_time(c, ts_us);
	if (c->tab.count == 0 || !f->has_ip || !f->has_tcp)
		return;
	h = sess_hash(&c->tab, &f->ip.src, f->tcp.sport, &f->ip.dst, f->tcp.dport);
	idx = sess_find(&c->tab, h, &f->ip.src, f->tcp.sport, &f->ip.dst, f->tcp.dport);
	if (idx == SESS_NONE)
		return;
	on_segment(c, idx, sess_is_cli(&c->tab, idx, &f->ip.src, f->tcp.sport) ?
	           CONN_CLIENT : CONN_SERVER, f);
}

void conn_foreach_open(const struct conn *c, void (*fn)(void *arg, uint64_t filters), void *arg)
{
	for (uint32_t i = 0; i < TW_SLOTS; i++)
		for (uint32_t j = c->tw.head[i]; j != SESS_NONE; j = c->tab.pool[j].next)
			fn(arg, c->tab.pool[j].filters);
}

void conn_get_stats(const struct conn *c, struct conn_stats *out)
{
	out->open = c->tab.count;
	out->peak = c->peak;
	out->overflow = c->overflow;
	out->max_conns = c->cfg.max_conns;
	out->memory_bytes = sizeof(*c) + sess_memory(&c->tab) +
	                    (size_t)c->tab.max * sizeof(*c->ext);
}
