/* Timeout queue: deadline order, re-arming, unlinking anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "peek/wheel.h"

#define N 16
static struct sess pool[N];

static void arm(struct wheel *w, uint32_t idx, uint64_t deadline)
{
	pool[idx].deadline_us = deadline;
	wheel_push(w, idx);
}

/* The queue as a list of indexes, checking links both ways. */
static int order(const struct wheel *w, uint32_t *out)
{
	int n = 0;
	uint32_t prev = SESS_NONE;

	for (uint32_t i = wheel_first(w); i != SESS_NONE; i = wheel_next(w, i)) {
		assert_int_equal(pool[i].prev, prev);
		if (prev != SESS_NONE)
			assert_true(pool[prev].deadline_us <= pool[i].deadline_us);
		out[n++] = i;
		prev = i;
		assert_true(n <= N);
	}
	assert_int_equal(w->tail, prev);
	return n;
}

static void test_fifo_order(void **state)
{
	struct wheel w;
	uint32_t o[N];
	(void)state;
	memset(pool, 0, sizeof(pool));
	wheel_init(&w, pool);
	assert_int_equal(wheel_first(&w), SESS_NONE);
	arm(&w, 3, 100);
	arm(&w, 1, 200);
	arm(&w, 7, 200);
	arm(&w, 2, 350);
	assert_int_equal(order(&w, o), 4);
	assert_int_equal(o[0], 3);
	assert_int_equal(o[1], 1);
	assert_int_equal(o[2], 7);
	assert_int_equal(o[3], 2);
}

static void test_rearm_and_unlink(void **state)
{
	struct wheel w;
	uint32_t o[N];
	(void)state;
	memset(pool, 0, sizeof(pool));
	wheel_init(&w, pool);
	for (uint32_t i = 0; i < 5; i++)
		arm(&w, i, 10 * (i + 1));
	/* Re-arm the head: it goes to the tail. */
	wheel_unlink(&w, 0);
	arm(&w, 0, 60);
	/* Unlink from the middle and the tail. */
	wheel_unlink(&w, 2);
	wheel_unlink(&w, 0);
	assert_int_equal(order(&w, o), 3);
	assert_int_equal(o[0], 1);
	assert_int_equal(o[1], 3);
	assert_int_equal(o[2], 4);
	wheel_unlink(&w, 1);
	wheel_unlink(&w, 4);
	wheel_unlink(&w, 3);
	assert_int_equal(wheel_first(&w), SESS_NONE);
	assert_int_equal(w.tail, SESS_NONE);
	arm(&w, 9, 5);
	assert_int_equal(order(&w, o), 1);
	assert_int_equal(o[0], 9);
}

/* An earlier deadline than the tail's cannot break the order: it is
 * raised to the tail's. */
static void test_early_deadline_raised(void **state)
{
	struct wheel w;
	uint32_t o[N];
	(void)state;
	memset(pool, 0, sizeof(pool));
	wheel_init(&w, pool);
	arm(&w, 0, 500);
	arm(&w, 1, 400);
	assert_int_equal(pool[1].deadline_us, 500);
	assert_int_equal(order(&w, o), 2);
	assert_int_equal(o[0], 0);
	assert_int_equal(o[1], 1);
}

/* Random pushes, re-arms and removals keep the queue sorted and whole. */
static void test_random_ops(void **state)
{
	struct wheel w;
	uint32_t o[N];
	int queued[N] = { 0 }, nq = 0;
	uint64_t now = 0, x = 88172645463325252ull;
	(void)state;
	memset(pool, 0, sizeof(pool));
	wheel_init(&w, pool);
	for (int step = 0; step < 20000; step++) {
		uint32_t i;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		i = (uint32_t)(x % N);
		now += (x >> 20) % 7;
		if (queued[i]) {
			wheel_unlink(&w, i);
			queued[i] = 0;
			nq--;
		}
		if ((x >> 40) & 1) {
			arm(&w, i, now + 1000);
			queued[i] = 1;
			nq++;
		}
		assert_int_equal(order(&w, o), nq);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_rearm_and_unlink),
		cmocka_unit_test(test_early_deadline_raised),
		cmocka_unit_test(test_random_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
