/* Timer wheel for deadlines of different lengths: see twheel.h. */
#include "peek/twheel.h"

#include <string.h>

static inline uint32_t slot_of(uint64_t d)
{
	return (uint32_t)(d >> TW_SHIFT) & (TW_SLOTS - 1);
}

void tw_init(struct twheel *w, struct sess *pool, uint64_t now_us)
{
	w->pool = pool;
	w->tick = now_us >> TW_SHIFT;
	w->count = 0;
	for (uint32_t i = 0; i < TW_SLOTS; i++)
		w->head[i] = SESS_NONE;
}

void tw_arm(struct twheel *w, uint32_t idx, uint64_t d)
{
	struct sess *s = &w->pool[idx];
	uint32_t sl;

	if ((d >> TW_SHIFT) < w->tick)
		d = w->tick << TW_SHIFT;
	s->deadline_us = d;
	sl = slot_of(d);
	s->prev = SESS_NONE;
	s->next = w->head[sl];
	if (s->next != SESS_NONE)
		w->pool[s->next].prev = idx;
	w->head[sl] = idx;
	w->count++;
}

void tw_disarm(struct twheel *w, uint32_t idx)
{
	struct sess *s = &w->pool[idx];

	if (s->prev == SESS_NONE)
		w->head[slot_of(s->deadline_us)] = s->next;
	else
		w->pool[s->prev].next = s->next;
	if (s->next != SESS_NONE)
		w->pool[s->next].prev = s->prev;
	s->next = s->prev = SESS_NONE;
	w->count--;
}

void tw_expire(struct twheel *w, uint64_t now_us, void (*fn)(void *arg, uint32_t idx), void *arg)
{
	uint64_t end = now_us >> TW_SHIFT;     /* ticks before this one have ended */
	uint64_t n;

	if (end <= w->tick)
		return;
	n = end - w->tick;
	if (n > TW_SLOTS)
		n = TW_SLOTS;                   /* a turn sees every slot */
	for (uint64_t t = end - n; t < end && w->count; t++) {
		uint32_t i = w->head[(uint32_t)t & (TW_SLOTS - 1)];

		while (i != SESS_NONE) {
			uint32_t nx = w->pool[i].next;

			if (w->pool[i].deadline_us <= now_us)
				fn(arg, i);
			i = nx;
		}
	}
	w->tick = end;
}
