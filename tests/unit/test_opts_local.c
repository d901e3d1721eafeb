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

/* The loopback interface always has 127.0.0.1. */
static void test_interface_lo(void **state)
{
	struct local_set ls;

	(void)state;
	local_init(&ls);
	assert_true(local_add_interface(&ls, "lo") >= 1);
	assert_true(local_contains(&ls, IP(127, 0, 0, 1)));
	local_init(&ls);
	assert_int_equal(local_add_interface(&ls, "no-such-if0"), 0);
	assert_true(local_empty(&ls));
	local_init(&ls);
	assert_true(local_add_interface(&ls, "any") >= 1);
	assert_true(local_contains(&ls, IP(127, 0, 0, 1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_interface_lo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
