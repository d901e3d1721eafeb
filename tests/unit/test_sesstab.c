/*
 * Session table: lookups in both orientations, table full, a long
 * randomized run of inserts and removals checked against a plain array,
 * and the growth of the slots in use (doubling in place up to the
 * reservation: lookups across a doubling, a run wrapped round the end of
 * the array when it doubles, the cap, the memory bound), and the
 * populated reservation (resident, still zero, working as before).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "peek/sesstab.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The table on IPv4 addresses given as host-order numbers. */
static uint64_t hash4(const struct sess_tab *tb, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	struct addr x = addr_ip4(a), y = addr_ip4(b);

	return sess_hash(tb, &x, ap, &y, bp);
}

static uint32_t put(struct sess_tab *tb, uint32_t ca, uint16_t cp, uint32_t sa, uint16_t sp)
{
	struct addr x = addr_ip4(ca), y = addr_ip4(sa);

	return sess_insert(tb, hash4(tb, ca, cp, sa, sp), &x, cp, &y, sp);
}

static uint32_t get(struct sess_tab *tb, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	struct addr x = addr_ip4(a), y = addr_ip4(b);

	return sess_find(tb, hash4(tb, a, ap, b, bp), &x, ap, &y, bp);
}

static uint32_t cli4(const struct sess_tab *tb, uint32_t idx)
{
	struct addr c, s;

	sess_addrs(tb, idx, &c, &s);
	assert_int_equal(c.family, AF_INET);
	return addr_get_ip4(&c);
}

/* ... and on addresses in text, either family. */
static struct addr A(const char *text)
{
	struct addr a;
	unsigned char raw[16];
	int v6 = strchr(text, ':') != NULL;

	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, text, raw), 1);
	a = addr_from_bytes(v6 ? AF_INET6 : AF_INET, raw);
	return a;
}

static uint32_t putA(struct sess_tab *tb, const char *ca, uint16_t cp, const char *sa, uint16_t sp)
{
	struct addr x = A(ca), y = A(sa);

	return sess_insert(tb, sess_hash(tb, &x, cp, &y, sp), &x, cp, &y, sp);
}

static uint32_t getA(struct sess_tab *tb, const char *a, uint16_t ap, const char *b, uint16_t bp)
{
	struct addr x = A(a), y = A(b);

	return sess_find(tb, sess_hash(tb, &x, ap, &y, bp), &x, ap, &y, bp);
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
	assert_int_equal(cli4(&tb, i), 1);
	assert_int_equal(sess_at(&tb, i)->srv_port, 4);
	/* Same numbers, other pairing: different tuples. */
	assert_int_equal(get(&tb, 1, 4, 3, 2), SESS_NONE);
	assert_int_equal(get(&tb, 2, 1, 4, 3), SESS_NONE);
	assert_int_equal(hash4(&tb, 1, 2, 3, 4), hash4(&tb, 3, 4, 1, 2));
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
		same += hash4(&a, i, 80, 7, 80) == hash4(&b, i, 80, 7, 80);
	assert_true(same < 2);
	sess_fini(&a);
	sess_fini(&b);
	/* Seed 0: a random key each time. */
	assert_int_equal(sess_init(&a, 8, 0), 0);
	assert_int_equal(sess_init(&b, 8, 0), 0);
	assert_true(hash4(&a, 1, 2, 3, 4) != hash4(&b, 1, 2, 3, 4));
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
			assert_int_equal(cli4(&tb, ref[i].idx), ref[i].ca);
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
	assert_int_equal(tb.max_mask + 1, 262144);
	for (uint32_t i = 0; i < max; i++)
		assert_int_not_equal(put(&tb, 0x0a000000 + (i >> 4), (uint16_t)(i & 15), 1, 80), SESS_NONE);
	/* the slots in use have grown to the whole reservation, no further */
	assert_int_equal(sess_slots_used(&tb), 262144);
	assert_true(sess_max_probe(&tb) < 64);
	assert_int_equal(sess_memory(&tb), (size_t)max * sizeof(struct sess) +
	                 (size_t)262144 * sizeof(struct sess_slot));
	sess_fini(&tb);
}

/* Every slot past the part in use is still zero: growth never writes
 * beyond it, so untouched reservation pages stay unallocated. */
static void assert_tail_untouched(const struct sess_tab *tb)
{
	for (uint64_t i = sess_slots_used(tb); i <= tb->max_mask; i++) {
		assert_int_equal(tb->slot[i].idx1, 0);
		assert_int_equal(tb->slot[i].tag, 0);
	}
}

/* Filling a table: the part in use starts small, doubles (a power of two,
 * kept at least 8x the sessions) and never passes the reservation; every
 * session stays findable in both orientations at every size. */
static void test_grow_under_load(void **state)
{
	const uint32_t max = 50000;
	struct sess_tab tb;
	uint64_t used, prev;
	unsigned doublings = 0;
	(void)state;
	assert_int_equal(sess_init(&tb, max, 5), 0);
	assert_int_equal(tb.max_mask + 1, sess_slots_for(max));
	prev = sess_slots_used(&tb);
	assert_true(prev <= 256);
	for (uint32_t i = 0; i < max; i++) {
		uint32_t ca = 0x0a000000 + (i >> 8), idx;
		uint16_t cp = (uint16_t)(i & 255);

		idx = put(&tb, ca, cp, 0x0a0000fe, 443);
		assert_int_not_equal(idx, SESS_NONE);
		used = sess_slots_used(&tb);
		assert_int_equal(used & (used - 1), 0);
		assert_true(used <= sess_slots_for(max));
		assert_true(used == sess_slots_for(max) || used >= 8ull * tb.count);
		if (used != prev) {
			assert_int_equal(used, 2 * prev);
			doublings++;
			/* right after a doubling: everything is still there */
			for (uint32_t j = 0; j <= i; j++) {
				uint32_t a = 0x0a000000 + (j >> 8);
				uint16_t p = (uint16_t)(j & 255);
				uint32_t got = get(&tb, a, p, 0x0a0000fe, 443);

				assert_int_not_equal(got, SESS_NONE);
				assert_int_equal(get(&tb, 0x0a0000fe, 443, a, p), got);
				assert_int_equal(cli4(&tb, got), a);
				assert_int_equal(sess_at(&tb, got)->cli_port, p);
			}
			assert_tail_untouched(&tb);
			prev = used;
		}
	}
	assert_int_equal(sess_slots_used(&tb), sess_slots_for(max));
	assert_true(doublings >= 8);
	assert_true(sess_max_probe(&tb) < 64);
	sess_fini(&tb);
}

/* A doubling in the middle of inserts and removals: lookups, misses and
 * removals give the same answers before and after it. */
static void test_lookup_across_resize(void **state)
{
	struct sess_tab tb;
	uint32_t idx[64];
	uint64_t before;
	(void)state;
	assert_int_equal(sess_init(&tb, 100000, 11), 0);
	before = sess_slots_used(&tb);
	/* up to the last session the current slots take without growing */
	uint32_t n = (uint32_t)(before / 8);
	assert_true(n + 1 <= 64);
	for (uint32_t i = 0; i < n; i++)
		idx[i] = put(&tb, 0xc0a80000 + i, 5000, 0x0a000001, 80);
	assert_int_equal(sess_slots_used(&tb), before);
	sess_remove(&tb, idx[3]);
	idx[3] = SESS_NONE;
	/* two more: the second one doubles the slots */
	idx[3] = put(&tb, 0xc0a80000 + 3, 5000, 0x0a000001, 80);
	assert_int_equal(sess_slots_used(&tb), before);
	idx[n] = put(&tb, 0xc0a80000 + n, 5000, 0x0a000001, 80);
	assert_int_equal(sess_slots_used(&tb), 2 * before);
	for (uint32_t i = 0; i <= n; i++) {
		assert_int_equal(get(&tb, 0xc0a80000 + i, 5000, 0x0a000001, 80), idx[i]);
		assert_int_equal(get(&tb, 0x0a000001, 80, 0xc0a80000 + i, 5000), idx[i]);
	}
	/* absent tuples stay absent: other port, other server, other client */
	assert_int_equal(get(&tb, 0xc0a80000, 5001, 0x0a000001, 80), SESS_NONE);
	assert_int_equal(get(&tb, 0xc0a80000, 5000, 0x0a000002, 80), SESS_NONE);
	assert_int_equal(get(&tb, 0xc0a80000 + n + 1, 5000, 0x0a000001, 80), SESS_NONE);
	/* removal after the doubling: every other one goes */
	for (uint32_t i = 0; i <= n; i += 2)
		sess_remove(&tb, idx[i]);
	for (uint32_t i = 0; i <= n; i++)
		assert_int_equal(get(&tb, 0xc0a80000 + i, 5000, 0x0a000001, 80),
		                 i % 2 ? idx[i] : SESS_NONE);
	assert_int_equal(tb.count, (n + 1) / 2);   /* the odd ones of 0..n */
	assert_tail_untouched(&tb);
	sess_fini(&tb);
}

/* A run that wraps from the last slot in use to slot 0 when the table
 * doubles (the entries parked aside during the doubling). */
static void test_grow_wrapped_run(void **state)
{
	struct sess_tab tb;
	uint32_t last, n, idx[64], ca[64];
	uint16_t cp[64];
	uint32_t k = 0, extra = 0;
	(void)state;
	assert_int_equal(sess_init(&tb, 100000, 23), 0);
	last = tb.mask;
	n = (uint32_t)(sess_slots_used(&tb) / 8);
	assert_true(n + 1 <= 64);
	/* three sessions homed on the last slot (found by trying ports: the
	 * hash is keyed, the seed fixes it), so two of them sit in slots 0
	 * and 1; then others up to the last size before a doubling */
	for (uint32_t port = 1; k < 3; port++) {
		uint64_t h = hash4(&tb, 0x0a0a0a0a, (uint16_t)port, 0x0a000001, 80);

		assert_true(port < 65536);
		if (((uint32_t)(h >> 32) & last) != last)
			continue;
		ca[k] = 0x0a0a0a0a;
		cp[k] = (uint16_t)port;
		idx[k] = put(&tb, ca[k], cp[k], 0x0a000001, 80);
		k++;
	}
	assert_int_equal(tb.slot[last].idx1, idx[0] + 1);
	assert_int_equal(tb.slot[0].idx1 != 0, 1);
	assert_int_equal(tb.slot[1].idx1 != 0, 1);
	while (k <= n) {
		ca[k] = 0xac100000 + extra++;
		cp[k] = 4242;
		idx[k] = put(&tb, ca[k], cp[k], 0x0a000001, 80);
		assert_int_not_equal(idx[k], SESS_NONE);
		k++;
	}
	assert_int_equal(sess_slots_used(&tb), 2 * (uint64_t)(last + 1));
	for (uint32_t i = 0; i < k; i++)
		assert_int_equal(get(&tb, ca[i], cp[i], 0x0a000001, 80), idx[i]);
	/* the three of the wrapped run now sit from their new home on */
	for (uint32_t i = 0; i < 3; i++) {
		uint64_t h = hash4(&tb, ca[i], cp[i], 0x0a000001, 80);
		uint32_t home = (uint32_t)(h >> 32) & tb.mask, pos = home;

		while (tb.slot[pos].idx1 != idx[i] + 1)
			pos = (pos + 1) & tb.mask;
		assert_true(((pos - home) & tb.mask) < 3);
	}
	for (uint32_t i = 0; i < k; i++)
		sess_remove(&tb, idx[i]);
	assert_int_equal(tb.count, 0);
	for (uint32_t i = 0; i <= tb.mask; i++)
		assert_int_equal(tb.slot[i].idx1, 0);
	sess_fini(&tb);
}

/* At the cap: the slots in use are the whole reservation, one more is
 * refused, a removal makes room again, and the memory is what was
 * reserved at the start (pool + slots for the cap), never more. */
static void test_grow_cap_and_memory(void **state)
{
	const uint32_t max = 3000;
	struct sess_tab tb;
	size_t mem;
	uint32_t first = SESS_NONE;
	(void)state;
	assert_int_equal(sess_init(&tb, max, 31), 0);
	mem = sess_memory(&tb);
	assert_int_equal(mem, (size_t)max * sizeof(struct sess) +
	                 (size_t)sess_slots_for(max) * sizeof(struct sess_slot));
	for (uint32_t i = 0; i < max; i++) {
		uint32_t idx = put(&tb, 0x0b000000 + i, 999, 0x0a000001, 25);

		assert_int_not_equal(idx, SESS_NONE);
		if (i == 0)
			first = idx;
		assert_true(sess_slots_used(&tb) <= sess_slots_for(max));
		assert_int_equal(sess_memory(&tb), mem);
	}
	assert_int_equal(sess_slots_used(&tb), sess_slots_for(max));
	assert_int_equal(put(&tb, 0x0c000000, 999, 0x0a000001, 25), SESS_NONE);
	assert_int_equal(tb.count, max);
	sess_remove(&tb, first);
	assert_int_not_equal(put(&tb, 0x0c000000, 999, 0x0a000001, 25), SESS_NONE);
	assert_int_equal(put(&tb, 0x0c000001, 999, 0x0a000001, 25), SESS_NONE);
	for (uint32_t i = 1; i < max; i++)
		assert_int_not_equal(get(&tb, 0x0b000000 + i, 999, 0x0a000001, 25), SESS_NONE);
	assert_int_equal(get(&tb, 0x0b000000, 999, 0x0a000001, 25), SESS_NONE);
	assert_int_equal(sess_memory(&tb), mem);
	sess_fini(&tb);
}

/* Pages of [p, p + len) resident now (mincore), and the total. */
static size_t resident(const void *p, size_t len, size_t *total)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = (len + pg - 1) / pg, in = 0;
	unsigned char *vec = calloc(n, 1);

	assert_non_null(vec);
	assert_int_equal(mincore((void *)p, len, vec), 0);
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	free(vec);
	*total = n;
	return in;
}

/* sess_populate: every page of the pool and of the whole slot reservation
 * is resident afterwards (not only the part in use), nothing was written
 * into them (the slots past the part in use are still empty), and the
 * table fills, grows and finds as before; a table that was never set up
 * is refused. */
static void test_populate(void **state)
{
	const uint32_t max = 100000;
	struct sess_tab tb;
	size_t pool_total, slot_total, pool_len, slot_len, in;
	(void)state;
	assert_int_equal(sess_init(&tb, max, 77), 0);
	pool_len = (size_t)max * sizeof(struct sess);
	slot_len = (size_t)(tb.max_mask + 1) * sizeof(struct sess_slot);
	in = resident(tb.pool, pool_len, &pool_total);
	assert_true(in < pool_total);
	assert_int_equal(sess_populate(&tb), 0);
	in = resident(tb.pool, pool_len, &pool_total);
	assert_int_equal(in, pool_total);
	in = resident(tb.slot, slot_len, &slot_total);
	assert_int_equal(in, slot_total);
	assert_int_equal(sess_memory(&tb), pool_len + slot_len);
	assert_tail_untouched(&tb);
	for (uint32_t i = 0; i < max; i++)
		assert_int_not_equal(put(&tb, 0x0d000000 + i, 80, 0x0a000001, 8080), SESS_NONE);
	assert_int_equal(sess_slots_used(&tb), sess_slots_for(max));
	for (uint32_t i = 0; i < max; i += 997)
		assert_int_not_equal(get(&tb, 0x0a000001, 8080, 0x0d000000 + i, 80), SESS_NONE);
	assert_int_equal(put(&tb, 0x0e000000, 80, 0x0a000001, 8080), SESS_NONE);
	sess_fini(&tb);
	assert_int_equal(sess_populate(&tb), -1);
}

/* IPv6 keys: both orientations, the whole 16 bytes count (addresses
 * whose 4-byte folds are equal are still told apart), families never
 * meet (10.0.0.1 and ::a00:1 have the same bytes and fold), the addresses
 * come back whole, and the cold array is reserved only once a 16-byte
 * key came. */
static void test_ipv6_keys(void **state)
{
	struct sess_tab tb;
	uint32_t i, j, k, m;
	size_t before;
	struct addr c, s;
	char b[ADDR_STRLEN];
	(void)state;
	assert_int_equal(sess_init(&tb, 64, 7), 0);
	i = putA(&tb, "10.0.0.1", 1000, "10.0.0.2", 80);
	before = sess_memory(&tb);
	assert_null(tb.wide);
	j = putA(&tb, "2001:db8::1", 1000, "2001:db8::2", 80);
	assert_int_not_equal(j, SESS_NONE);
	assert_non_null(tb.wide);
	assert_true(sess_memory(&tb) == before + 64 * sizeof(struct sess_wide));
	assert_int_equal(getA(&tb, "2001:db8::1", 1000, "2001:db8::2", 80), j);
	assert_int_equal(getA(&tb, "2001:db8::2", 80, "2001:db8::1", 1000), j);
	assert_int_equal(getA(&tb, "10.0.0.2", 80, "10.0.0.1", 1000), i);
	/* the same bytes in the other family */
	assert_int_equal(getA(&tb, "::a00:1", 1000, "::a00:2", 80), SESS_NONE);
	k = putA(&tb, "::a00:1", 1000, "::a00:2", 80);
	assert_true(k != SESS_NONE && k != i);
	assert_int_equal(getA(&tb, "::a00:1", 1000, "::a00:2", 80), k);
	assert_int_equal(getA(&tb, "10.0.0.1", 1000, "10.0.0.2", 80), i);
	/* equal folds: 2001:db8::1 and 2001:db8:1::1:0:0 xor to the same word
	 * ... as do any two addresses with their words permuted */
	assert_int_equal(getA(&tb, "::2001:db8:0:1", 1000, "2001:db8::2", 80), SESS_NONE);
	m = putA(&tb, "::2001:db8:0:1", 1000, "2001:db8::2", 80);
	assert_true(m != SESS_NONE && m != j);
	assert_int_equal(getA(&tb, "2001:db8::1", 1000, "2001:db8::2", 80), j);
	assert_int_equal(getA(&tb, "2001:db8::2", 80, "::2001:db8:0:1", 1000), m);
	/* the initiator is told by its whole address */
	{
		struct addr x = A("2001:db8::1"), y = A("::2001:db8:0:1");

		assert_true(sess_is_cli(&tb, j, &x, 1000));
		assert_false(sess_is_cli(&tb, j, &y, 1000));
		assert_true(sess_is_cli(&tb, m, &y, 1000));
		assert_false(sess_is_cli(&tb, m, &x, 1000));
	}
	sess_addrs(&tb, j, &c, &s);
	assert_string_equal(addr_fmt(b, &c), "2001:db8::1");
	assert_string_equal(addr_fmt(b, &s), "2001:db8::2");
	sess_addrs(&tb, i, &c, &s);
	assert_string_equal(addr_fmt(b, &c), "10.0.0.1");
	assert_int_equal(c.family, AF_INET);
	/* an IPv6 hash takes every byte: one bit anywhere changes it */
	{
		struct addr x = A("2001:db8::1"), y = A("2001:db8::2");
		uint64_t h = sess_hash(&tb, &x, 1, &y, 2);

		for (int byte = 0; byte < 16; byte++) {
			struct addr z = x;

			z.u.b[byte] ^= 0x10;
			assert_true(sess_hash(&tb, &z, 1, &y, 2) != h);
		}
		assert_int_equal(sess_hash(&tb, &y, 2, &x, 1), h);
	}
	sess_remove(&tb, j);
	assert_int_equal(getA(&tb, "2001:db8::1", 1000, "2001:db8::2", 80), SESS_NONE);
	assert_int_equal(getA(&tb, "2001:db8::2", 80, "::2001:db8:0:1", 1000), m);
	sess_remove(&tb, m);
	sess_remove(&tb, k);
	sess_remove(&tb, i);
	assert_int_equal(tb.count, 0);
	sess_fini(&tb);
}

/* Many IPv6 and IPv4 sessions side by side through growth and churn. */
static void test_ipv6_churn(void **state)
{
	struct sess_tab tb;
	enum { N = 3000 };
	static uint32_t idx[N];
	(void)state;
	assert_int_equal(sess_init(&tb, N, 99), 0);
	for (uint32_t n = 0; n < N; n++) {
		struct addr c = n & 1 ? A("2001:db8::") : addr_ip4(0x0a000000u + n);
		struct addr v = n & 1 ? A("2001:db8:ffff::80") : addr_ip4(0x0a0000feu);

		if (n & 1)
			memcpy(&c.u.b[12], &n, 4);
		idx[n] = sess_insert(&tb, sess_hash(&tb, &c, 1234, &v, 80), &c, 1234, &v, 80);
		assert_int_not_equal(idx[n], SESS_NONE);
	}
	for (uint32_t n = 0; n < N; n += 2)
		sess_remove(&tb, idx[n + 1]);
	for (uint32_t n = 0; n < N; n++) {
		struct addr c = n & 1 ? A("2001:db8::") : addr_ip4(0x0a000000u + n);
		struct addr v = n & 1 ? A("2001:db8:ffff::80") : addr_ip4(0x0a0000feu);

		if (n & 1)
			memcpy(&c.u.b[12], &n, 4);
		assert_int_equal(sess_find(&tb, sess_hash(&tb, &v, 80, &c, 1234), &v, 80, &c, 1234),
		                 n & 1 ? SESS_NONE : idx[n]);
	}
	assert_int_equal(tb.count, N / 2);
	sess_fini(&tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_keys),
		cmocka_unit_test(test_ipv6_churn),
		cmocka_unit_test(test_both_orientations),
		cmocka_unit_test(test_keyed_hash),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_probe_length_at_cap),
		cmocka_unit_test(test_grow_under_load),
		cmocka_unit_test(test_lookup_across_resize),
		cmocka_unit_test(test_grow_wrapped_run),
		cmocka_unit_test(test_grow_cap_and_memory),
		cmocka_unit_test(test_populate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
