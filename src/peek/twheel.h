/*
 * Timer wheel for deadlines of different lengths (the connection
 * tracker's idle timeouts and silence windows; the handshake tracker's
 * single timeout keeps its FIFO, wheel.h).
 *
 * A hashed wheel of TW_SLOTS slots of 2^TW_SHIFT µs each: a deadline d
 * goes into slot (d >> TW_SHIFT) % TW_SLOTS, a doubly-linked list through
 * the sessions' own next/prev links (32-bit indexes into the session
 * pool, as in wheel.h; the deadline is the session's deadline_us).  Arming
 * and disarming are O(1).  Time advancing past a tick sweeps that tick's
 * slot once and fires the entries due; an entry due in a later turn of
 * the wheel stays (visited once a turn: one turn is TW_SLOTS << TW_SHIFT
 * µs, about 4.5 minutes).  A jump of more than a turn sweeps each slot
 * once.  So a timer fires when time has passed the end of its tick (at
 * most 2^TW_SHIFT µs late), and the deadline itself, not the firing
 * time, is what the caller reports.  Within one tick, entries fire in no
 * particular (but a deterministic) order.
 */
#ifndef SYNSCOPE_PEEK_TWHEEL_H
#define SYNSCOPE_PEEK_TWHEEL_H

#include <stdint.h>

#include "peek/sesstab.h"

#define TW_SHIFT 16              /* 65.536 ms a tick */
#define TW_SLOTS 4096u

struct twheel {
	struct sess *pool;
	uint64_t tick;               /* ticks before this one are swept */
	uint32_t count;
	uint32_t head[TW_SLOTS];
};

void tw_init(struct twheel *w, struct sess *pool, uint64_t now_us);

/* Queue session idx (not queued) with deadline d; a deadline in a tick
 * already swept is raised to the start of the current tick. */
void tw_arm(struct twheel *w, uint32_t idx, uint64_t d);

/* Take session idx (queued) out. */
void tw_disarm(struct twheel *w, uint32_t idx);

/* Move session idx (queued) to deadline d. */
static inline void tw_rearm(struct twheel *w, uint32_t idx, uint64_t d)
{
	tw_disarm(w, idx);
	tw_arm(w, idx, d);
}

/* Sweep the ticks that ended by now_us: fn(arg, idx) for every entry due
 * (deadline <= now_us); fn must disarm it or re-arm it later than now_us,
 * and must not touch other entries. */
void tw_expire(struct twheel *w, uint64_t now_us, void (*fn)(void *arg, uint32_t idx), void *arg);

/* Is a sweep due at now_us (cheap test for the per-packet path)? */
static inline int tw_due(const struct twheel *w, uint64_t now_us)
{
	return (now_us >> TW_SHIFT) > w->tick;
}

#endif
