/*
 * Timeout queue of the handshake tracker.
 *
 * Every session has the same timeout and time never runs backwards here
 * (the tracker clamps capture timestamps), so a new deadline is never
 * earlier than any deadline already queued.  The timer wheel therefore
 * collapses to one spoke: a doubly-linked FIFO in deadline order.  Adding,
 * re-arming (a retransmitted SYN moves its session to the tail) and
 * removing are O(1), and the due timers are always at the head, in time
 * order, without scanning anything.
 *
 * The links are 32-bit session indexes inside struct sess (next/prev).
 */
#ifndef SYNSCOPE_PEEK_WHEEL_H
#define SYNSCOPE_PEEK_WHEEL_H

#include <stdint.h>

#include "peek/sesstab.h"

struct wheel {
	struct sess *pool;
	uint32_t head, tail;     /* SESS_NONE when empty */
};

void wheel_init(struct wheel *w, struct sess *pool);

/* Queue session idx with pool[idx].deadline_us; a deadline earlier than
 * the tail's is raised to it so the order invariant always holds. */
void wheel_push(struct wheel *w, uint32_t idx);

/* Take session idx out of the queue (it must be queued). */
void wheel_unlink(struct wheel *w, uint32_t idx);

/* The session due first, or SESS_NONE. */
static inline uint32_t wheel_first(const struct wheel *w)
{
	return w->head;
}

/* The next session in deadline order after idx, or SESS_NONE. */
static inline uint32_t wheel_next(const struct wheel *w, uint32_t idx)
{
	return w->pool[idx].next;
}

#endif
