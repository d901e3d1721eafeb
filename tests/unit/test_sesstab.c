/*
 * Session table: lookups in both orientations, table full, and a long
 * randomized run of inserts and removals checked against a plain array.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "peek/sesstab.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t put(struct sess_tab *tb, uint32_t ca, uint16_t cp, uint32_t sa, uint16_t sp)
{
	return sess_insert(tb, sess_hash(tb, ca, cp, sa, sp), ca, cp, sa, sp);
}

static uint32_t get(struct sess_tab *tb, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	return sess_find(tb, sess_hash(tb, a, ap, b, bp), a, ap, b, bp);
}

static void test_both_orientations(void **state)
{
	struct sess_tab tb;
	uint32_t i;
	(void)state;
	assert_int_equal(sess_init(&tb, 8, 42), 0);
	i = put(&tb, 1, 2, 3, 4);
	assert_int_not_equal(i, SESS_NONE);
	assert_int_equal(get(&tb, 1, 2, 3, 4), i);
	assert_int_equal(get(&tb, 3, 4, 1, 2), i);
	assert_int_equal(sess_at(&tb, i)->cli_addr, 1);
	assert_int_equal(sess_at(&tb, i)->srv_port, 4);
	/* Same numbers, other pairing: different tuples. */
	assert_int_equal(get(&tb, 1, 4, 3, 2), SESS_NONE);
	assert_int_equal(get(&tb, 2, 1, 4, 3), SESS_NONE);
	assert_int_equal(sess_hash(&tb, 1, 2, 3, 4), sess_hash(&tb, 3, 4, 1, 2));
	sess_remove(&tb, i);
	assert_int_equal(get(&tb, 1, 2, 3, 4), SESS_NONE);
	assert_int_equal(tb.count, 0);
	sess_fini(&tb);
}

static void test_keyed_hash(void **state)
{
	struct sess_tab a, b;
	int same = 0;
	(void)state;
	assert_int_equal(sess_init(&a, 8, 1), 0);
	assert_int_equal(sess_init(&b, 8, 2), 0);
	for (uint32_t i = 0; i < 1000; i++)
		same += sess_hash(&a, i, 80, 7, 80) == sess_hash(&b, i, 80, 7, 80);
	assert_true(same < 2);
	sess_fini(&a);
	sess_fini(&b);
	/* Seed 0: a random key each time. */
	assert_int_equal(sess_init(&a, 8, 0), 0);
	assert_int_equal(sess_init(&b, 8, 0), 0);
	assert_true(sess_hash(&a, 1, 2, 3, 4) != sess_hash(&b, 1, 2, 3, 4));
	sess_fini(&a);
	sess_fini(&b);
}

static void test_full(void **state)
{
	struct sess_tab tb;
	(void)state;
	assert_int_equal(sess_init(&tb, 100, 7), 0);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_not_equal(put(&tb, 0x0a000000 + i, 1000, 1, 80), SESS_NONE);
	assert_int_equal(put(&tb, 0x0b000000, 1000, 1, 80), SESS_NONE);
	assert_int_equal(tb.count, 100);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_not_equal(get(&tb, 1, 80, 0x0a000000 + i, 1000), SESS_NONE);
	/* A removal makes room for exactly one more. */
	sess_remove(&tb, get(&tb, 0x0a000000 + 50, 1000, 1, 80));
	assert_int_not_equal(put(&tb, 0x0b000000, 1000, 1, 80), SESS_NONE);
	assert_int_equal(put(&tb, 0x0b000001, 1000, 1, 80), SESS_NONE);
	assert_int_equal(get(&tb, 0x0a000000 + 50, 1000, 1, 80), SESS_NONE);
	sess_fini(&tb);
}

static void test_bad_sizes(void **state)
{
	struct sess_tab tb;
	(void)state;
	assert_int_equal(sess_init(&tb, 0, 1), -1);
	assert_int_equal(sess_init(&tb, SESS_MAX_CAP + 1, 1), -1);
	assert_int_equal(sess_slots_for(3), 8);
	assert_int_equal(sess_slots_for(6), 16);     /* 6 + 2 + 1 > 8 */
	assert_true(sess_slots_for(1000000) >= 1333334);
	assert_true(sess_slots_for(1000000) <= 2 * 1333334);
}

/* The reference model: which tuple each slot of an array holds. */
#define NREF 6000
struct ref {
	uint32_t ca, sa;
	uint16_t cp, sp;
	uint32_t idx;            /* SESS_NONE when absent */
};

static void test_random_vs_model(void **state)
{
	const uint32_t max = 4000;
	struct ref *ref = calloc(NREF, sizeof(*ref));
	struct sess_tab tb;
	uint32_t present = 0;
	(void)state;
	assert_non_null(ref);
	assert_int_equal(sess_init(&tb, max, 99), 0);
	/* Tuples chosen to collide on purpose: few addresses, few ports. */
	for (int i = 0; i < NREF; i++) {
		ref[i].ca = 0x0a000000 + (uint32_t)(i % 97);
		ref[i].cp = (uint16_t)(1024 + i / 97);
		ref[i].sa = 0x0a0000ff;
		ref[i].sp = 80;
		ref[i].idx = SESS_NONE;
	}
	for (int step = 0; step < 300000; step++) {
		struct ref *r = &ref[next_rand() % NREF];
		unsigned op = (unsigned)(next_rand() % 3);
		uint32_t got = (next_rand() & 1) ? get(&tb, r->ca, r->cp, r->sa, r->sp)
		                                 : get(&tb, r->sa, r->sp, r->ca, r->cp);

		assert_int_equal(got, r->idx);
		if (op == 0 && r->idx == SESS_NONE) {
			uint32_t i = put(&tb, r->ca, r->cp, r->sa, r->sp);

			if (present == max) {
				assert_int_equal(i, SESS_NONE);
			} else {
				assert_int_not_equal(i, SESS_NONE);
				assert_true(i < max);
				r->idx = i;
				present++;
			}
		} else if (op == 1 && r->idx != SESS_NONE) {
			sess_remove(&tb, r->idx);
			r->idx = SESS_NONE;
			present--;
		}
		assert_int_equal(tb.count, present);
	}
	/* Every tuple answers right at the end, and each present one owns a
	 * distinct pool entry holding its own tuple. */
	for (int i = 0; i < NREF; i++) {
		assert_int_equal(get(&tb, ref[i].ca, ref[i].cp, ref[i].sa, ref[i].sp), ref[i].idx);
		if (ref[i].idx != SESS_NONE) {
			const struct sess *s = sess_at(&tb, ref[i].idx);
			assert_int_equal(s->cli_addr, ref[i].ca);
			assert_int_equal(s->cli_port, ref[i].cp);
		}
	}
	/* Backward shift deletion leaves no debris: short probes after churn. */
	assert_true(sess_max_probe(&tb) < 40);
	/* Emptying the table leaves it empty. */
	for (int i = 0; i < NREF; i++)
		if (ref[i].idx != SESS_NONE)
			sess_remove(&tb, ref[i].idx);
	assert_int_equal(tb.count, 0);
	for (uint32_t i = 0; i <= tb.mask; i++)
		assert_int_equal(tb.slot[i].idx1, 0);
	sess_fini(&tb);
	free(ref);
}

/* Filled to its cap (load 3/4 at worst) with sequential tuples, the kind
 * a weak hash would cluster, probes stay short. */
static void test_probe_length_at_cap(void **state)
{
	const uint32_t max = 196607;    /* just under 3/4 of 2^18: the fullest case */
	struct sess_tab tb;
	(void)state;
	assert_int_equal(sess_init(&tb, max, 0), 0);
	assert_int_equal(tb.mask + 1, 262144);
	for (uint32_t i = 0; i < max; i++)
		assert_int_not_equal(put(&tb, 0x0a000000 + (i >> 4), (uint16_t)(i & 15), 1, 80), SESS_NONE);
	assert_true(sess_max_probe(&tb) < 64);
	assert_int_equal(sess_memory(&tb), (size_t)max * sizeof(struct sess) +
	                 (size_t)(tb.mask + 1) * sizeof(struct sess_slot));
	sess_fini(&tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_orientations),
		cmocka_unit_test(test_keyed_hash),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_probe_length_at_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
