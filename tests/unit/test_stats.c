/* Per-filter stats: histogram quantiles on known distributions, counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "peek/stats.h"

static struct hist *hist_alloc(void)
{
	struct hist *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	return h;
}

/* v is within the promised error of exact (reported >= true value, never
 * more than 1/HIST_SUB above it). */
static void assert_close(uint64_t got, uint64_t exact)
{
	assert_true(got >= exact);
	assert_true((double)(got - exact) <= (double)exact / HIST_SUB);
}

static void test_empty(void **state)
{
	struct hist *h = hist_alloc();
	(void)state;
	assert_int_equal(hist_quantile(h, 0.5), 0);
	assert_int_equal(hist_quantile(h, 1.0), 0);
	free(h);
}

static void test_small_values_exact(void **state)
{
	struct hist *h = hist_alloc();
	(void)state;
	for (uint64_t v = 0; v < 64; v++)
		hist_add(h, v);
	/* 0..63 are all exact (octave 0 and width-1 octave 1). */
	assert_int_equal(hist_quantile(h, 1.0 / 64), 0);
	assert_int_equal(hist_quantile(h, 0.5), 31);
	assert_int_equal(hist_quantile(h, 33.0 / 64), 32);
	assert_int_equal(hist_quantile(h, 1.0), 63);
	assert_int_equal(h->count, 64);
	assert_int_equal(h->max, 63);
	free(h);
}

static void test_uniform(void **state)
{
	struct hist *h = hist_alloc();
	const uint64_t n = 100000;
	static const double qs[] = { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999 };
	(void)state;
	for (uint64_t v = 1; v <= n; v++)
		hist_add(h, v * 7);            /* 7 .. 700000 µs */
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t rank = (uint64_t)(qs[i] * (double)n + 0.999999);
		assert_close(hist_quantile(h, qs[i]), rank * 7);
	}
	assert_int_equal(hist_quantile(h, 1.0), 700000);   /* max is exact */
	assert_int_equal(h->max, 700000);
	free(h);
}

/* Two clusters far apart: percentiles land in the right cluster. */
static void test_bimodal(void **state)
{
	struct hist *h = hist_alloc();
	(void)state;
	for (int i = 0; i < 900; i++)
		hist_add(h, 250);               /* 250 µs LAN */
	for (int i = 0; i < 100; i++)
		hist_add(h, 3000000);           /* 3 s: one SYN retransmission */
	assert_close(hist_quantile(h, 0.5), 250);
	assert_close(hist_quantile(h, 0.9), 250);
	assert_close(hist_quantile(h, 0.91), 3000000);
	assert_int_equal(hist_quantile(h, 0.99), 3000000);  /* capped at max */
	free(h);
}

static void test_single_and_huge(void **state)
{
	struct hist *h = hist_alloc();
	(void)state;
	hist_add(h, 123456789);
	assert_int_equal(hist_quantile(h, 0.5), 123456789);
	/* Beyond the last octave: counted, max exact. */
	hist_add(h, UINT64_MAX / 2);
	assert_int_equal(h->count, 2);
	assert_int_equal(hist_quantile(h, 1.0), UINT64_MAX / 2);
	assert_close(hist_quantile(h, 0.5), 123456789);
	/* Out-of-range q is clamped, not trusted. */
	assert_close(hist_quantile(h, 0.0), 123456789);
	assert_int_equal(hist_quantile(h, 7.0), UINT64_MAX / 2);
	free(h);
}

/* Every bucket boundary: a value reports a bound >= itself, within 1/SUB. */
static void test_bucket_bounds(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 44; b++) {
		uint64_t base = (uint64_t)1 << b;
		uint64_t vs[] = { base - 1, base, base + 1, base + base / 3 };

		for (size_t i = 0; i < 4; i++) {
			struct hist *h = hist_alloc();
			uint64_t v = vs[i];

			hist_add(h, v);
			hist_add(h, UINT64_MAX >> 10);   /* so max does not cap */
			assert_close(hist_quantile(h, 0.5), v);
			free(h);
		}
	}
}

static struct trk_event ev_of(enum trk_result r, uint64_t start, uint64_t end,
                              uint32_t dupsyn, uint32_t dupsynack)
{
	struct trk_event ev = { .result = r, .start_us = start, .end_us = end,
	                        .dupsyn = dupsyn, .dupsynack = dupsynack, .filters = 1 };
	return ev;
}

static void test_record(void **state)
{
	struct stat_filter *s = calloc(1, sizeof(*s));
	struct trk_event ev;
	(void)state;
	assert_non_null(s);
	ev = ev_of(TRK_SUCCESS, 100, 350, 0, 0);
	stat_record(s, &ev);
	ev = ev_of(TRK_SUCCESS, 100, 1100, 1, 0);
	stat_record(s, &ev);
	ev = ev_of(TRK_SUCCESS, 100, 2100, 2, 3);
	stat_record(s, &ev);
	ev = ev_of(TRK_TIMEOUT, 0, 60000000, 4, 0);
	stat_record(s, &ev);
	ev = ev_of(TRK_REJECT, 0, 5, 0, 1);
	stat_record(s, &ev);
	ev = ev_of(TRK_UNREACH, 0, 5, 0, 0);
	stat_record(s, &ev);
	ev = ev_of(TRK_ABORT, 0, 5, 1, 1);
	stat_record(s, &ev);
	stat_untracked(s);
	stat_untracked(s);

	for (int view = 0; view < 2; view++) {
		const struct stat_counts *c = view ? &s->delta : &s->total;

		assert_int_equal(c->success, 3);
		assert_int_equal(c->success_dupsyn, 2);
		assert_int_equal(c->success_dupsynack, 1);
		assert_int_equal(c->timeout, 1);
		assert_int_equal(c->reject, 1);
		assert_int_equal(c->unreach, 1);
		assert_int_equal(stat_failures(c), 3);
		assert_int_equal(c->failure_dupsyn, 1);
		assert_int_equal(c->failure_dupsynack, 1);
		assert_int_equal(c->abort, 1);
		assert_int_equal(c->untracked, 2);
		assert_int_equal(c->hs.count, 3);
		assert_int_equal(c->hs.max, 2000);
		assert_close(hist_quantile(&c->hs, 1.0 / 3), 250);
		assert_close(hist_quantile(&c->hs, 0.5), 1000);
	}

	stat_reset_delta(s);
	assert_int_equal(s->delta.success, 0);
	assert_int_equal(s->delta.untracked, 0);
	assert_int_equal(s->delta.hs.count, 0);
	assert_int_equal(hist_quantile(&s->delta.hs, 0.5), 0);
	assert_int_equal(s->total.success, 3);
	ev = ev_of(TRK_TIMEOUT, 0, 1, 0, 0);
	stat_record(s, &ev);
	assert_int_equal(s->delta.timeout, 1);
	assert_int_equal(s->total.timeout, 2);
	free(s);
}

/* The fixed buckets clients see: a time lands in the first bound >= it
 * (exactly, at the bounds too), above the last one only in the count;
 * the sum is exact and saturates instead of wrapping; failures add
 * nothing; REFRESH zeroes the delta view only. */
static void test_le_buckets(void **state)
{
	static const uint64_t times[] = { 0, 50, 51, 100, 999, 1000, 1001, 2500000,
	                                   10000000, 10000001, 60000000 };
	static const int where[] = { 0, 0, 1, 1, 4, 4, 5, 14, 16, -1, -1 };
	struct stat_filter *s = calloc(1, sizeof(*s));
	uint64_t sum = 0, total = 0;
	struct trk_event ev;
	unsigned i;

	(void)state;
	assert_non_null(s);
	for (i = 1; i < STAT_HS_NLE; i++)
		assert_true(stat_hs_le_us[i] > stat_hs_le_us[i - 1]);
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		ev = ev_of(TRK_SUCCESS, 1000, 1000 + times[i], 0, 0);
		stat_record(s, &ev);
		sum += times[i];
	}
	ev = ev_of(TRK_TIMEOUT, 0, 3000000, 0, 0);
	stat_record(s, &ev);
	for (int view = 0; view < 2; view++) {
		const struct stat_counts *c = view ? &s->delta : &s->total;
		uint64_t want[STAT_HS_NLE] = { 0 };

		for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
			if (where[i] >= 0)
				want[where[i]]++;
		for (i = 0; i < STAT_HS_NLE; i++)
			assert_int_equal(c->hs_le[i], want[i]);
		assert_int_equal(c->hs_sum, sum);
		assert_int_equal(c->success, sizeof(times) / sizeof(times[0]));
	}
	for (i = 0; i < STAT_HS_NLE; i++)
		total += s->total.hs_le[i];
	assert_int_equal(total, s->total.success - 2);  /* two above 10 s */
	stat_reset_delta(s);
	assert_int_equal(s->delta.hs_sum, 0);
	assert_int_equal(s->delta.hs_le[0], 0);
	assert_int_equal(s->total.hs_le[0], 2);
	/* saturation */
	s->total.hs_sum = UINT64_MAX - 5;
	ev = ev_of(TRK_SUCCESS, 0, 10, 0, 0);
	stat_record(s, &ev);
	assert_true(s->total.hs_sum == UINT64_MAX);
	assert_int_equal(s->delta.hs_sum, 10);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_bimodal),
		cmocka_unit_test(test_single_and_huge),
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_le_buckets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
