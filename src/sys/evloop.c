#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "sys/clock.h"
#include "sys/evloop.h"

#define EVL_EVENTS 64
/* Timers fired per evl_run_once, so descriptors are not starved when a
 * great many deadlines fall due together; the rest run next time. */
#define EVL_FIRE_MAX 4096

struct evl {
	int epfd;
	struct evl_timer **heap;  /* heap[1..n] */
	uint32_t n, cap;
	void (*flush)(void *);
	void *flush_arg;
};

void evl_set_flush(struct evl *l, void (*fn)(void *arg), void *arg)
{
	l->flush = fn;
	l->flush_arg = arg;
}

struct evl *evl_new(void)
{
	struct evl *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void evl_free(struct evl *l)
{
	if (l == NULL)
		return;
	for (uint32_t i = 1; i <= l->n; i++)
		l->heap[i]->pos = 0;
	close(l->epfd);
	free(l->heap);
	free(l);
}

int evl_io_add(struct evl *l, struct evl_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev);
}

int evl_io_mod(struct evl *l, struct evl_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

void evl_io_del(struct evl *l, struct evl_io *io)
{
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

static void place(struct evl *l, uint32_t i, struct evl_timer *t)
{
	l->heap[i] = t;
	t->pos = i;
}

static void sift_up(struct evl *l, uint32_t i)
{
	struct evl_timer *t = l->heap[i];

	while (i > 1 && l->heap[i / 2]->at > t->at) {
		place(l, i, l->heap[i / 2]);
		i /= 2;
	}
	place(l, i, t);
}

static void sift_down(struct evl *l, uint32_t i)
{
	struct evl_timer *t = l->heap[i];

	for (;;) {
		uint32_t c = 2 * i;

		if (c > l->n)
			break;
		if (c + 1 <= l->n && l->heap[c + 1]->at < l->heap[c]->at)
			c++;
		if (l->heap[c]->at >= t->at)
			break;
		place(l, i, l->heap[c]);
		i = c;
	}
	place(l, i, t);
}

void evl_timer_cancel(struct evl *l, struct evl_timer *t)
{
	uint32_t i = t->pos;
	struct evl_timer *last;

	if (i == 0)
		return;
	t->pos = 0;
	last = l->heap[l->n--];
	if (last == t)
		return;
	place(l, i, last);
	if (i > 1 && l->heap[i / 2]->at > last->at)
		sift_up(l, i);
	else
		sift_down(l, i);
}

int evl_timer_set(struct evl *l, struct evl_timer *t, uint64_t at)
{
	if (t->pos != 0) {
		uint64_t old = t->at;

		t->at = at;
		if (at < old)
			sift_up(l, t->pos);
		else
			sift_down(l, t->pos);
		return 0;
	}
	if (l->n + 1 >= l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 64;
		struct evl_timer **h = realloc(l->heap, (size_t)cap * sizeof(*h));

		if (h == NULL) {
			errno = ENOMEM;
			return -1;
		}
		l->heap = h;
		l->cap = cap;
	}
	t->at = at;
	l->n++;
	place(l, l->n, t);
	sift_up(l, l->n);
	return 0;
}

uint32_t evl_timer_count(const struct evl *l)
{
	return l->n;
}

uint64_t evl_next_at(const struct evl *l)
{
	return l->n ? l->heap[1]->at : UINT64_MAX;
}

int evl_run_once(struct evl *l, uint64_t max_wait_us)
{
	struct epoll_event evs[EVL_EVENTS];
	struct timespec ts;
	uint64_t now = clock_mono_us(), next = evl_next_at(l), wait = max_wait_us;
	int n, fired = 0;

	/* what was queued outside the loop (checks started by the caller)
	 * goes out before we wait */
	if (l->flush != NULL)
		l->flush(l->flush_arg);
	if (next <= now)
		wait = 0;
	else if (next - now < wait)
		wait = next - now;
	ts.tv_sec = (time_t)(wait / 1000000u);
	ts.tv_nsec = (long)(wait % 1000000u) * 1000;
	n = epoll_pwait2(l->epfd, evs, EVL_EVENTS, &ts, NULL);
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	now = clock_mono_us();
	for (int i = 0; i < n; i++) {
		struct evl_io *io = evs[i].data.ptr;

		io->fn(io, evs[i].events, now);
	}
	while (l->n > 0 && fired < EVL_FIRE_MAX) {
		struct evl_timer *t = l->heap[1];

		now = clock_mono_us();
		if (t->at > now)
			break;
		evl_timer_cancel(l, t);
		t->fn(t, now);
		fired++;
	}
	if (l->flush != NULL)
		l->flush(l->flush_arg);
	return 0;
}
