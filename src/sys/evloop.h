/*
 * The event loop of the many-target checker: epoll for descriptors and a
 * binary min-heap of timers.
 *
 * Why a heap and not a timing wheel or libevent: deadlines here are
 * arbitrary (per-target intervals with jitter, per-check timeouts, ARP
 * backoff) and must be exact to the microsecond, since late check starts
 * are measured and reported.  A heap gives exact order with O(log n)
 * insert/cancel and O(1) "what is next" - 14 levels at 10,000 timers -
 * in 16 bytes per timer plus one pointer in the heap array.  A wheel
 * would round deadlines to its tick; libevent would add a dependency for
 * the same heap.  epoll_pwait2 takes a nanosecond timeout, so no timerfd
 * is needed.  No static state: everything lives in struct evl.
 */
#ifndef SYNSCOPE_SYS_EVLOOP_H
#define SYNSCOPE_SYS_EVLOOP_H

#include <stdint.h>

struct evl;
struct evl_timer;
struct evl_io;

typedef void (*evl_timer_fn)(struct evl_timer *t, uint64_t now);
typedef void (*evl_io_fn)(struct evl_io *io, uint32_t events, uint64_t now);

struct evl_timer {
	uint64_t at;              /* monotonic microseconds */
	uint32_t pos;             /* 1-based place in the heap, 0 = not queued */
	evl_timer_fn fn;
};

struct evl_io {
	int fd;
	evl_io_fn fn;
};

struct evl *evl_new(void);
void evl_free(struct evl *l);

/* Watch IO->fd for EVENTS (EPOLLIN...); 0 or -1 (errno). */
int evl_io_add(struct evl *l, struct evl_io *io, uint32_t events);
int evl_io_mod(struct evl *l, struct evl_io *io, uint32_t events);
void evl_io_del(struct evl *l, struct evl_io *io);

/* (Re)arm T to fire at AT; cancel it.  Both fine on a timer in either
 * state.  Returns -1 (ENOMEM) only when the heap could not grow. */
int evl_timer_set(struct evl *l, struct evl_timer *t, uint64_t at);
void evl_timer_cancel(struct evl *l, struct evl_timer *t);
static inline int evl_timer_armed(const struct evl_timer *t)
{
	return t->pos != 0;
}
/* Timers queued, and the earliest deadline (UINT64_MAX when none). */
uint32_t evl_timer_count(const struct evl *l);
uint64_t evl_next_at(const struct evl *l);

/* FN(ARG) runs before evl_run_once waits and at its end, after the
 * timers: the place to send what was queued, in one batch. */
void evl_set_flush(struct evl *l, void (*fn)(void *arg), void *arg);

/* Wait for descriptors until the next timer (at most MAX_WAIT_US, which
 * may be 0 for a poll), dispatch what is ready, then every timer due.
 * Returns 0, or -1 when epoll failed (errno; EINTR is not a failure). */
int evl_run_once(struct evl *l, uint64_t max_wait_us);

#endif
