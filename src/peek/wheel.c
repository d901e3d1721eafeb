/* Timeout queue: a deadline-ordered FIFO (see wheel.h). */
#include "peek/wheel.h"

void wheel_init(struct wheel *w, struct sess *pool)
{
	w->pool = pool;
	w->head = w->tail = SESS_NONE;
}

void wheel_push(struct wheel *w, uint32_t idx)
{
	struct sess *s = &w->pool[idx];

	s->next = SESS_NONE;
	s->prev = w->tail;
	if (w->tail == SESS_NONE) {
		w->head = idx;
	} else {
		struct sess *t = &w->pool[w->tail];

		if (s->deadline_us < t->deadline_us)
			s->deadline_us = t->deadline_us;
		t->next = idx;
	}
	w->tail = idx;
}

void wheel_unlink(struct wheel *w, uint32_t idx)
{
	struct sess *s = &w->pool[idx];

	if (s->prev == SESS_NONE)
		w->head = s->next;
	else
		w->pool[s->prev].next = s->next;
	if (s->next == SESS_NONE)
		w->tail = s->prev;
	else
		w->pool[s->next].prev = s->prev;
	s->next = s->prev = SESS_NONE;
}
