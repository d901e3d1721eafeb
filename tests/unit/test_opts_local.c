/* The local address set behind -L and the direction rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "peek/local.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void test_parse_good(void **state)
{
	struct local_net n;

	(void)state;
	assert_int_equal(local_parse_cidr("10.1.2.3", &n), 0);
	assert_int_equal(n.addr, IP(10, 1, 2, 3));
	assert_int_equal(n.mask, 0xffffffffu);
	assert_int_equal(local_parse_cidr("10.1.2.3/8", &n), 0);
	assert_int_equal(n.addr, IP(10, 0, 0, 0));
	assert_int_equal(n.mask, 0xff000000u);
	assert_int_equal(local_parse_cidr("192.168.7.200/25", &n), 0);
	assert_int_equal(n.addr, IP(192, 168, 7, 128));
	assert_int_equal(n.mask, 0xffffff80u);
	assert_int_equal(local_parse_cidr("1.2.3.4/0", &n), 0);
	assert_int_equal(n.addr, 0);
	assert_int_equal(n.mask, 0);
	assert_int_equal(local_parse_cidr("255.255.255.255/32", &n), 0);
	assert_int_equal(n.addr, 0xffffffffu);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "10.0.0", "10.0.0.0.1", "10.0.0.256", "10.0.0.0/", "/8",
		"10.0.0.0/33", "10.0.0.0/8x", "10.0.0.0/-1", " 10.0.0.1", "10.0.0.1 ",
		"0x0a.0.0.1", "10.0.0.0/008", "eth0", "::1", "10.0.0.1/8/8",
	};
	struct local_net n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (local_parse_cidr(bad[i], &n) != -1)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(local_parse_cidr(NULL, &n), -1);
}

static void add(struct local_set *ls, const char *cidr)
{
	struct local_net n;

	assert_int_equal(local_parse_cidr(cidr, &n), 0);
	assert_int_equal(local_add(ls, &n), 0);
}

static void test_contains(void **state)
{
	struct local_set ls;

	(void)state;
	local_init(&ls);
	assert_true(local_empty(&ls));
	assert_false(local_contains(&ls, IP(10, 0, 0, 1)));
	add(&ls, "10.0.0.0/8");
	add(&ls, "192.0.2.7");
	add(&ls, "10.9.9.9/8");            /* the same network again */
	assert_int_equal(ls.n, 2);
	assert_true(local_contains(&ls, IP(10, 255, 255, 255)));
	assert_true(local_contains(&ls, IP(192, 0, 2, 7)));
	assert_false(local_contains(&ls, IP(192, 0, 2, 8)));
	assert_false(local_contains(&ls, IP(11, 0, 0, 0)));
}

static void test_full(void **state)
{
	struct local_set ls;
	struct local_net n = { 0, 0xffffffffu };

	(void)state;
	local_init(&ls);
	for (uint32_t i = 0; i < LOCAL_MAX; i++) {
		n.addr = i;
		assert_int_equal(local_add(&ls, &n), 0);
	}
	n.addr = LOCAL_MAX;
	assert_int_equal(local_add(&ls, &n), -1);
	assert_int_equal(ls.n, LOCAL_MAX);
}

/* The host part: kept sorted and unique whatever the order of arrival,
 * found by bisection (first, last, middle, between), bounded. */
static void test_host_addrs(void **state)
{
	static struct local_set ls;
	uint32_t x = 2463534242u;

	(void)state;
	local_init(&ls);
	assert_int_equal(local_add_host(&ls, IP(127, 0, 0, 1)), 0);
	assert_false(local_empty(&ls));
	assert_int_equal(local_add_host(&ls, IP(10, 0, 0, 1)), 0);
	assert_int_equal(local_add_host(&ls, IP(203, 0, 113, 80)), 0);
	assert_int_equal(local_add_host(&ls, IP(10, 0, 0, 1)), 0);
	assert_int_equal(ls.nhost, 3);
	assert_true(local_contains(&ls, IP(10, 0, 0, 1)));
	assert_true(local_contains(&ls, IP(127, 0, 0, 1)));
	assert_true(local_contains(&ls, IP(203, 0, 113, 80)));
	assert_false(local_contains(&ls, IP(10, 0, 0, 2)));
	assert_false(local_contains(&ls, IP(0, 0, 0, 0)));
	assert_false(local_contains(&ls, IP(255, 255, 255, 255)));
	/* fill it with pseudo-random addresses: still sorted, all found */
	while (ls.nhost < LOCAL_HOST_MAX) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		assert_int_equal(local_add_host(&ls, x), 0);
	}
	for (int i = 1; i < ls.nhost; i++)
		assert_true(ls.host[i - 1] < ls.host[i]);
	for (int i = 0; i < ls.nhost; i++)
		assert_true(local_contains(&ls, ls.host[i]));
	assert_int_equal(local_add_host(&ls, ls.host[7]), 0);     /* known: fine */
	x ^= x << 13, x ^= x >> 17, x ^= x << 5;
	assert_int_equal(local_add_host(&ls, x), -1);
}

/* The live listing: lo's 127.0.0.1 is always among the host's addresses
 * (the test runs in a namespace or on a host with lo up), and a refresh
 * replaces the host part but keeps -L networks. */
static void test_host_listing(void **state)
{
	static struct local_set ls;

	(void)state;
	local_init(&ls);
	add(&ls, "192.0.2.0/24");
	ls.nhost = 1;
	ls.host[0] = IP(198, 51, 100, 1);           /* a VIP since removed */
	assert_int_equal(local_set_host_addrs(&ls), 0);
	if (local_count_interface("lo") == 0)
		skip();                             /* lo down: nothing to list */
	assert_true(local_count_interface(NULL) >= 1);
	assert_true(local_count_interface("lo") >= 1);
	assert_int_equal(local_count_interface("no-such-if0"), 0);
	assert_true(local_contains(&ls, IP(127, 0, 0, 1)));
	assert_false(local_contains(&ls, IP(198, 51, 100, 1)));
	assert_true(local_contains(&ls, IP(192, 0, 2, 9)));
}

static void test_direction(void **state)
{
	struct local_set ls;
	bool rx, tx;

	(void)state;
	local_init(&ls);
	/* nothing known: every responder is local */
	local_direction(&ls, IP(1, 1, 1, 1), IP(2, 2, 2, 2), &rx, &tx);
	assert_true(rx);
	assert_false(tx);
	add(&ls, "10.0.0.0/24");
	local_direction(&ls, IP(1, 1, 1, 1), IP(10, 0, 0, 5), &rx, &tx);
	assert_true(rx);
	assert_false(tx);
	local_direction(&ls, IP(10, 0, 0, 5), IP(1, 1, 1, 1), &rx, &tx);
	assert_false(rx);
	assert_true(tx);
	local_direction(&ls, IP(10, 0, 0, 5), IP(10, 0, 0, 6), &rx, &tx);
	assert_true(rx);
	assert_true(tx);                  /* both ends ours (loopback) */
	local_direction(&ls, IP(1, 1, 1, 1), IP(2, 2, 2, 2), &rx, &tx);
	assert_false(rx);
	assert_false(tx);                 /* transit: neither */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_host_addrs),
		cmocka_unit_test(test_host_listing),
		cmocka_unit_test(test_direction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
