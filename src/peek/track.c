/*
 * Handshake tracker (contract in track.h).
 *
 * One lookup per packet: the session table is keyed by the unordered
 * 4-tuple, and the session says which side sent the first SYN.  Decisions
 * beyond the contract:
 *
 *  - Simultaneous open (the responder sends a SYN of its own, no ACK,
 *    while the session is open): it is not a new handshake.  Its ISN is
 *    noted as the responder's; the handshake succeeds once the responder's
 *    SYN/ACK acknowledged the initiator's SYN and the initiator
 *    acknowledged the responder's ISN, in either order (in a simultaneous
 *    open the initiator's SYN/ACK may come before the responder's).
 *  - An RST from the initiator aborts only when its seq is the SYN's ISN
 *    or ISN + 1: the RST a client stack sends in answer to a SYN/ACK with
 *    a wrong ack carries that wrong ack as seq, and the client keeps
 *    retrying its SYN, so it is not an abort.
 *  - A SYN/ACK acknowledging the SYN but with another ISN than an earlier
 *    one counts as a duplicate and its ISN replaces the earlier one (the
 *    initiator answers the last one it got).
 *  - Capture timestamps that run backwards are clamped to the latest one
 *    seen, so deadlines stay ordered and durations never go negative.
 *    Time advanced without a packet (trk_advance) fires timers only: a
 *    packet stamped before it still starts, ends and measures its
 *    handshake at its own timestamp.
 *  - A SYN repeating the ISN of a handshake on the same tuple that already
 *    ended (success, reject, unreach, abort) less than timeout_us after
 *    that handshake's last SYN is a retransmission of it, not a new
 *    handshake: it is ignored.  Linux retransmits its SYN once when the
 *    ICMP error arrives while connect() still holds the socket, and some
 *    stacks retry after an RST; counting each of those as another failure
 *    would double the failures.  The memory of ended handshakes is a
 *    small direct-mapped cache (TRK_ENDED entries), so under heavy churn
 *    an entry may be overwritten and the retransmission counted anew.
 */
#include "peek/track.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "peek/sesstab.h"
#include "peek/wheel.h"

static_assert(sizeof(struct sess) <= 96, "contract: <= 96 bytes a session");

/* This tracker's bits in struct sess.state (the table never reads them). */
#define TRK_ST_SYNACK 0x01     /* the responder's SYN/ACK acknowledged the SYN */
#define TRK_ST_PEER_SYN 0x02   /* simultaneous open: the responder sent a SYN */
#define TRK_ST_CLI_ACKED 0x04  /* simultaneous open: initiator acked that SYN */

/* Recently ended handshakes, to recognise their retransmitted SYNs. */
#define TRK_ENDED 16384
struct ended {
	uint32_t cli_fold, srv_fold;   /* sess_fold() of the addresses */
	uint16_t cli_port, srv_port;
	uint32_t isn;
	uint64_t until_us;       /* last SYN + timeout; 0 = empty */
	uint8_t family;
};
/* ... and the whole addresses where they are longer than 4 bytes (cold,
 * as in the session table; allocated at the first one). */
struct ended_wide {
	uint8_t cli[ADDR_MAXLEN], srv[ADDR_MAXLEN];
};

struct trk {
	struct trk_config cfg;
	struct trk_ops ops;
	void *arg;
	struct sess_tab tab;
	struct wheel wh;
	/* Two clocks.  pnow is the time of the packet being handled (the
	 * latest capture timestamp seen: packets that run backwards are
	 * handled at it), and every start, end and duration is taken from
	 * it.  now is how far time has gone for the timers: pnow, or further
	 * when trk_advance says so (a quiet live link).  An idle tick never
	 * moves pnow, so it never shortens a handshake. */
	uint64_t pnow;
	uint64_t now;
	uint64_t peak;
	uint64_t untracked;
	struct ended_wide *ended_wide;  /* TRK_ENDED entries, or NULL */
	struct ended ended[TRK_ENDED];
};

const char *trk_result_name(enum trk_result r)
{
	switch (r) {
	case TRK_SUCCESS: return "success";
	case TRK_REJECT:  return "reject";
	case TRK_TIMEOUT: return "timeout";
	case TRK_UNREACH: return "unreach";
	case TRK_ABORT:   return "abort";
	}
	return "unknown";
}

size_t trk_session_size(void)
{
	/* The pool entry plus the worst-case share of the slot array: up to
	 * 8/3 slots a session when the power-of-two rounding is unlucky. */
	return sizeof(struct sess) + (sizeof(struct sess_slot) * 8 + 2) / 3;
}

static uint64_t classify_all(void *arg, const struct addr *ca, uint16_t cp,
                             const struct addr *sa, uint16_t sp)
{
	(void)arg, (void)ca, (void)cp, (void)sa, (void)sp;
	return 1;
}

struct trk *trk_new(const struct trk_config *cfg, const struct trk_ops *ops, void *arg)
{
	struct trk *t = calloc(1, sizeof(*t));
	uint32_t cap;

	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->cfg = *cfg;
	if (ops)
		t->ops = *ops;
	if (!t->ops.classify)
		t->ops.classify = classify_all;
	t->arg = arg;
	/* A cap of 0 still gets a (tiny) table: every SYN is then untracked,
	 * which keeps the accounting honest instead of failing. */
	cap = cfg->max_sessions ? cfg->max_sessions : 1;
	if (cap > SESS_MAX_CAP || sess_init(&t->tab, cap, 0) < 0) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	wheel_init(&t->wh, t->tab.pool);
	return t;
}

void trk_free(struct trk *t)
{
	if (!t)
		return;
	sess_fini(&t->tab);
	free(t->ended_wide);
	free(t);
}

/* Where an ended handshake is remembered.  Unkeyed on purpose: which
 * entries overwrite each other must not depend on the table's random key,
 * or two runs over the same capture could count differently.  A chosen
 * collision only makes a retransmission count as a new handshake. */
static inline uint32_t ended_slot(uint32_t ca, uint16_t cp, uint32_t sa, uint16_t sp)
{
	uint64_t x = ((uint64_t)ca << 32 | sa) ^ ((uint64_t)cp << 16 | sp) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(x >> 40) & (TRK_ENDED - 1);
}

static inline uint32_t ended_slot_of(const struct addr *ca, uint16_t cp, const struct addr *sa,
                                     uint16_t sp)
{
	return ended_slot(sess_fold(ca), cp, sess_fold(sa), sp);
}

/* Note that the handshake of s (addresses in ev) ended. */
static void remember_ended(struct trk *t, const struct sess *s, const struct trk_event *ev)
{
	uint32_t i = ended_slot(s->cli_fold, s->cli_port, s->srv_fold, s->srv_port);
	struct ended *e = &t->ended[i];

	if (sess_is_long(s->family)) {
		if (!t->ended_wide && !(t->ended_wide = calloc(TRK_ENDED, sizeof(*t->ended_wide))))
			return;         /* not remembered: a retransmission counts anew */
		memcpy(t->ended_wide[i].cli, ev->cli_addr.u.b, ADDR_MAXLEN);
		memcpy(t->ended_wide[i].srv, ev->srv_addr.u.b, ADDR_MAXLEN);
	}
	e->cli_fold = s->cli_fold;
	e->srv_fold = s->srv_fold;
	e->cli_port = s->cli_port;
	e->srv_port = s->srv_port;
	e->family = s->family;
	e->isn = s->cli_isn;
	e->until_us = s->deadline_us;
}

/* End session idx, whose tuple hashes to h: take it out of the queue and
 * the table, then report. */
static void finish(struct trk *t, uint32_t idx, uint64_t h, enum trk_result res,
                   uint64_t end_us, uint8_t icmp_type, uint8_t icmp_code)
{
	const struct sess *s = sess_at(&t->tab, idx);
	struct trk_event ev = {
		.result = res,
		.cli_port = s->cli_port, .srv_port = s->srv_port,
		.start_us = s->start_us,
		.end_us = end_us < s->start_us ? s->start_us : end_us,
		.dupsyn = s->dupsyn, .dupsynack = s->dupsynack,
		.filters = s->filters,
		.icmp_type = icmp_type, .icmp_code = icmp_code,
		.cli_isn = s->cli_isn, .srv_isn = s->srv_isn,
	};

	sess_addrs(&t->tab, idx, &ev.cli_addr, &ev.srv_addr);
	if (res != TRK_TIMEOUT)
		remember_ended(t, s, &ev);
	wheel_unlink(&t->wh, idx);
	sess_remove_hashed(&t->tab, idx, h);
	if (t->ops.done)
		t->ops.done(t->arg, &ev);
}

static uint64_t deadline_after(const struct trk *t, uint64_t now)
{
	uint64_t d = now + t->cfg.timeout_us;

	return d < now ? UINT64_MAX : d;
}

void trk_advance(struct trk *t, uint64_t now_us)
{
	uint32_t idx;

	if (now_us < t->now)
		now_us = t->now;
	t->now = now_us;
	while ((idx = wheel_first(&t->wh)) != SESS_NONE) {
		const struct sess *s = sess_at(&t->tab, idx);
		uint64_t due = s->deadline_us;
		struct addr c, v;

		if (due > now_us)
			break;
		sess_addrs(&t->tab, idx, &c, &v);
		finish(t, idx, sess_hash(&t->tab, &c, s->cli_port, &v, s->srv_port),
		       TRK_TIMEOUT, due, 0, 0);
	}
}

/* Is this SYN a retransmission of a handshake that already ended? */
static int ended_before(const struct trk *t, const struct pkt_frame *f)
{
	uint32_t cf = sess_fold(&f->ip.src), sf = sess_fold(&f->ip.dst);
	uint32_t i = ended_slot(cf, f->tcp.sport, sf, f->tcp.dport);
	const struct ended *e = &t->ended[i];

	if (!(e->until_us > t->pnow && e->isn == f->tcp.seq && e->family == f->ip.src.family &&
	      e->cli_fold == cf && e->cli_port == f->tcp.sport &&
	      e->srv_fold == sf && e->srv_port == f->tcp.dport))
		return 0;
	return !sess_is_long(e->family) ||
	       (t->ended_wide && memcmp(t->ended_wide[i].cli, f->ip.src.u.b, ADDR_MAXLEN) == 0 &&
	        memcmp(t->ended_wide[i].srv, f->ip.dst.u.b, ADDR_MAXLEN) == 0);
}

static void open_session(struct trk *t, uint64_t h, const struct pkt_frame *f)
{
	const struct addr *ca = &f->ip.src, *sa = &f->ip.dst;
	uint16_t cp = f->tcp.sport, sp = f->tcp.dport;
	uint64_t filters;
	struct sess *s;
	uint32_t idx;

	if (ended_before(t, f))
		return;
	filters = t->ops.classify(t->arg, ca, cp, sa, sp);
	if (!filters)
		return;
	if (t->tab.count >= t->cfg.max_sessions ||
	    (idx = sess_insert(&t->tab, h, ca, cp, sa, sp)) == SESS_NONE) {
		t->untracked++;
		if (t->ops.untracked)
			t->ops.untracked(t->arg, filters);
		return;
	}
	s = sess_at(&t->tab, idx);
	s->cli_isn = f->tcp.seq;
	s->start_us = t->pnow;
	s->deadline_us = deadline_after(t, t->pnow);
	s->filters = filters;
	wheel_push(&t->wh, idx);
	if (t->tab.count > t->peak)
		t->peak = t->tab.count;
}

/* A SYN without ACK. */
static void on_syn(struct trk *t, uint64_t h, uint32_t idx, const struct pkt_frame *f)
{
	if (idx != SESS_NONE) {
		struct sess *s = sess_at(&t->tab, idx);

		if (!sess_is_cli(&t->tab, idx, &f->ip.src, f->tcp.sport)) {
			/* Simultaneous open: the responder's own SYN. */
			if (!(s->state & TRK_ST_SYNACK)) {
				s->srv_isn = f->tcp.seq;
				s->state |= TRK_ST_PEER_SYN;
			}
			return;
		}
		if (f->tcp.seq == s->cli_isn) {
			s->dupsyn++;
			wheel_unlink(&t->wh, idx);
			s->deadline_us = deadline_after(t, t->pnow);
			wheel_push(&t->wh, idx);
			return;
		}
		/* The initiator gave up on the old handshake and starts over. */
		finish(t, idx, h, TRK_TIMEOUT, t->pnow, 0, 0);
	}
	open_session(t, h, f);
}

static void on_rst(struct trk *t, uint64_t h, uint32_t idx, const struct pkt_frame *f)
{
	struct sess *s = sess_at(&t->tab, idx);

	if (sess_is_cli(&t->tab, idx, &f->ip.src, f->tcp.sport)) {
		if (f->tcp.seq == s->cli_isn + 1 || f->tcp.seq == s->cli_isn)
			finish(t, idx, h, TRK_ABORT, t->pnow, 0, 0);
		return;
	}
	/* RFC 793: in SYN-SENT only an RST acknowledging the SYN is
	 * acceptable; anything else could be forged or stale. */
	if ((f->tcp.flags & PKT_TH_ACK) && f->tcp.ack == s->cli_isn + 1)
		finish(t, idx, h, TRK_REJECT, t->pnow, 0, 0);
}

/* A segment with ACK set (a SYN/ACK, an ACK, a data segment). */
static void on_ack(struct trk *t, uint64_t h, uint32_t idx, const struct pkt_frame *f)
{
	struct sess *s = sess_at(&t->tab, idx);

	if (sess_is_cli(&t->tab, idx, &f->ip.src, f->tcp.sport)) {
		if (f->tcp.ack != s->srv_isn + 1)
			return;
		if (s->state & TRK_ST_SYNACK)
			finish(t, idx, h, TRK_SUCCESS, t->pnow, 0, 0);
		else if (s->state & TRK_ST_PEER_SYN)
			s->state |= TRK_ST_CLI_ACKED;
		return;
	}
	/* From the responder: only a SYN/ACK acknowledging the SYN counts. */
	if (!(f->tcp.flags & PKT_TH_SYN) || f->tcp.ack != s->cli_isn + 1)
		return;
	if (s->state & TRK_ST_SYNACK) {
		s->dupsynack++;
		s->srv_isn = f->tcp.seq;
		return;
	}
	if ((s->state & TRK_ST_CLI_ACKED) && f->tcp.seq == s->srv_isn) {
		finish(t, idx, h, TRK_SUCCESS, t->pnow, 0, 0);
		return;
	}
	s->srv_isn = f->tcp.seq;
	s->state = (uint8_t)((s->state | TRK_ST_SYNACK) & ~TRK_ST_CLI_ACKED);
}

/* A TCP segment with SYN, RST or ACK set; h is sess_hash of its tuple. */
static void on_tcp(struct trk *t, uint64_t h, const struct pkt_frame *f)
{
	uint8_t fl = f->tcp.flags;
	uint32_t idx;

	idx = sess_find(&t->tab, h, &f->ip.src, f->tcp.sport, &f->ip.dst, f->tcp.dport);
	if (fl & PKT_TH_RST) {
		if (idx != SESS_NONE)
			on_rst(t, h, idx, f);
	} else if ((fl & (PKT_TH_SYN | PKT_TH_ACK)) == PKT_TH_SYN) {
		on_syn(t, h, idx, f);
	} else if (idx != SESS_NONE) {
		on_ack(t, h, idx, f);
	}
}

/* An ICMP error with a quote (cfg.icmp set); h is sess_hash of the quoted
 * tuple. */
static void on_icmp(struct trk *t, uint64_t h, const struct pkt_frame *f)
{
	const struct pkt_icmp *ic = &f->icmp;
	uint32_t idx;
	struct sess *s;

	if (!ic->unreach || ic->q_ip.proto != PKT_IPPROTO_TCP)
		return;
	idx = sess_find(&t->tab, h, &ic->q_ip.src, ic->q_sport, &ic->q_ip.dst, ic->q_dport);
	if (idx == SESS_NONE)
		return;
	s = sess_at(&t->tab, idx);
	/* Only a quote of the initiator's SYN ends the handshake. */
	if (!sess_is_cli(&t->tab, idx, &ic->q_ip.src, ic->q_sport) || ic->q_seq != s->cli_isn)
		return;
	finish(t, idx, h, TRK_UNREACH, t->pnow, ic->type, ic->code);
}

/* The endpoints a frame is looked up by, hashed into *h: 1 for a TCP
 * segment with SYN, RST or ACK, 2 for an ICMP error quoting a TCP header
 * (when ICMP is interpreted), 0 for a frame that needs no lookup. */
static inline int frame_key(const struct trk *t, const struct pkt_frame *f, uint64_t *h)
{
	if (!f->has_ip)
		return 0;
	if (f->has_tcp) {
		if (!(f->tcp.flags & (PKT_TH_SYN | PKT_TH_RST | PKT_TH_ACK)))
			return 0;
		*h = sess_hash(&t->tab, &f->ip.src, f->tcp.sport, &f->ip.dst, f->tcp.dport);
		return 1;
	}
	if (f->has_icmp && t->cfg.icmp && f->icmp.has_quote) {
		*h = sess_hash(&t->tab, &f->icmp.q_ip.src, f->icmp.q_sport,
		               &f->icmp.q_ip.dst, f->icmp.q_dport);
		return 2;
	}
	return 0;
}

/* One frame whose frame_key() was kind, with hash h. */
static inline void trk_packet_keyed(struct trk *t, const struct pkt_frame *f, uint64_t ts_us,
                                    int kind, uint64_t h)
{
	uint32_t first = wheel_first(&t->wh);

	/* trk_advance, with its usual outcome (nothing due) inline */
	if (ts_us > t->pnow)
		t->pnow = ts_us;
	if (t->pnow > t->now)
		t->now = t->pnow;
	if (first != SESS_NONE && sess_at(&t->tab, first)->deadline_us <= t->now)
		trk_advance(t, t->now);
	if (kind == 1)
		on_tcp(t, h, f);
	else if (kind == 2)
		on_icmp(t, h, f);
}

void trk_packet(struct trk *t, const struct pkt_frame *f, uint64_t ts_us)
{
	uint64_t h = 0;
	int kind = frame_key(t, f, &h);

	trk_packet_keyed(t, f, ts_us, kind, h);
}

/* How far ahead, in frames, the slot line of a frame (and the ended-cache
 * line of a SYN) is asked for.  (12, 16 and 24 measured alike.)
 *
 * There used to be a second stage, 8 frames ahead, prefetching the session
 * a slot near home pointed to.  GCC had dropped it: a function doing
 * nothing but prefetch was found free of side effects and its calls
 * removed (the slot prefetch helpers are always_inline since).  Put back,
 * it measured slower on both the 1 k- and the 400 k-open file, so it is
 * gone.  Prefetching the line after a home slot that ends its line
 * (sess_prefetch_slot) measured about 6 % faster with 400 k open. */
#ifndef TRK_PF_SLOT
#define TRK_PF_SLOT 16
#endif
/* Hashes of the frames between the one handled and the farthest one
 * prefetched, so each frame is hashed once (a power of two > TRK_PF_SLOT). */
#define TRK_RING 32
static_assert(TRK_RING > TRK_PF_SLOT && (TRK_RING & (TRK_RING - 1)) == 0, "ring size");

/* First look at frame f: hash it, ask for its slot line, and for a SYN
 * the line of the ended-handshake cache it may be checked against. */
static inline void batch_key(const struct trk *t, const struct pkt_frame *f,
                             uint64_t *h, uint8_t *kind)
{
	*kind = (uint8_t)frame_key(t, f, h);
	if (!*kind)
		return;
	sess_prefetch_slot(&t->tab, *h);
	if (*kind == 1 && (f->tcp.flags & (PKT_TH_SYN | PKT_TH_ACK | PKT_TH_RST)) == PKT_TH_SYN)
		__builtin_prefetch(&t->ended[ended_slot_of(&f->ip.src, f->tcp.sport,
		                                           &f->ip.dst, f->tcp.dport)]);
}

void trk_packet_batch(struct trk *t, const struct pkt_frame *f, const uint64_t *ts_us, size_t n)
{
	uint64_t hr[TRK_RING];
	uint8_t kr[TRK_RING];

	for (size_t i = 0; i < n && i < TRK_PF_SLOT; i++)
		batch_key(t, &f[i], &hr[i], &kr[i]);
	for (size_t i = 0; i < n; i++) {
		size_t a = i + TRK_PF_SLOT, r = i % TRK_RING;

		if (a < n)
			batch_key(t, &f[a], &hr[a % TRK_RING], &kr[a % TRK_RING]);
		trk_packet_keyed(t, &f[i], ts_us[i], kr[r], hr[r]);
	}
}

void trk_foreach_open(const struct trk *t, void (*fn)(void *arg, uint64_t filters), void *arg)
{
	for (uint32_t i = wheel_first(&t->wh); i != SESS_NONE; i = wheel_next(&t->wh, i))
		fn(arg, sess_at(&t->tab, i)->filters);
}

int trk_populate(struct trk *t)
{
	return sess_populate(&t->tab);
}

void trk_get_stats(const struct trk *t, struct trk_stats *out)
{
	out->open = t->tab.count;
	out->peak = t->peak;
	out->untracked = t->untracked;
	out->max_sessions = t->cfg.max_sessions;
	/* ended[] is in *t */
	out->memory_bytes = sizeof(*t) + sess_memory(&t->tab) +
	                    (t->ended_wide ? TRK_ENDED * sizeof(*t->ended_wide) : 0);
}
