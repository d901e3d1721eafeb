/* The local address set behind -L and the direction rule, both families. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/parse.h"
#include "peek/local.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct addr A(const char *text)
{
	struct addr a;

	assert_int_equal(parse_addr(text, strlen(text), PARSE_ANY, &a), 0);
	return a;
}

static struct addr A4(uint32_t host)
{
	return addr_ip4(host);
}

/* What -L does with its argument. */
static int parse_local(const char *text, struct prefix *out)
{
	return parse_prefix(text, strlen(text), PARSE_ANY, out, NULL);
}

static void test_parse_good(void **state)
{
	struct prefix n;
	char b[PREFIX_STRLEN];

	(void)state;
	assert_int_equal(parse_local("10.1.2.3", &n), 0);
	assert_string_equal(prefix_fmt(b, &n), "10.1.2.3/32");
	assert_int_equal(parse_local("10.1.2.3/8", &n), 0);
	assert_string_equal(prefix_fmt(b, &n), "10.0.0.0/8");
	assert_int_equal(parse_local("192.168.7.200/25", &n), 0);
	assert_string_equal(prefix_fmt(b, &n), "192.168.7.128/25");
	assert_int_equal(parse_local("1.2.3.4/0", &n), 0);
	assert_string_equal(prefix_fmt(b, &n), "0.0.0.0/0");
	assert_int_equal(parse_local("255.255.255.255/32", &n), 0);
	assert_int_equal(parse_local("2001:db8::1", &n), 0);
	assert_string_equal(prefix_fmt(b, &n), "2001:db8::1/128");
	assert_int_equal(parse_local("2001:db8:ff::1/32", &n), 0);
	assert_string_equal(prefix_fmt(b, &n), "2001:db8::/32");
	assert_int_equal(parse_local("::1", &n), 0);
	assert_int_equal(parse_local("fe80::/10", &n), 0);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "10.0.0", "10.0.0.0.1", "10.0.0.256", "10.0.0.0/", "/8",
		"10.0.0.0/33", "10.0.0.0/8x", "10.0.0.0/-1", " 10.0.0.1", "10.0.0.1 ",
		"0x0a.0.0.1", "10.0.0.0/008", "eth0", "10.0.0.1/8/8",
		"2001:db8::/129", "[::1]", "fe80::1%eth0", "2001:db8:::1", "::/0128",
	};
	struct prefix n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_local(bad[i], &n) != -1)
			fail_msg("'%s' was accepted", bad[i]);
}

static void add(struct local_set *ls, const char *cidr)
{
	struct prefix n;

	assert_int_equal(parse_local(cidr, &n), 0);
	assert_int_equal(local_add(ls, &n), 0);
}

static bool has(const struct local_set *ls, const char *text)
{
	struct addr a = A(text);

	return local_contains(ls, &a);
}

static void test_contains(void **state)
{
	struct local_set ls;

	(void)state;
	local_init(&ls);
	assert_true(local_empty(&ls));
	assert_false(has(&ls, "10.0.0.1"));
	add(&ls, "10.0.0.0/8");
	add(&ls, "192.0.2.7");
	add(&ls, "10.9.9.9/8");            /* the same network again */
	assert_int_equal(ls.n, 2);
	assert_true(has(&ls, "10.255.255.255"));
	assert_true(has(&ls, "192.0.2.7"));
	assert_false(has(&ls, "192.0.2.8"));
	assert_false(has(&ls, "11.0.0.0"));
	/* IPv6 prefixes; families never match each other */
	add(&ls, "2001:db8::/32");
	add(&ls, "0.0.0.0/0");
	assert_true(has(&ls, "2001:db8:1:2::3"));
	assert_false(has(&ls, "2001:db9::1"));
	assert_true(has(&ls, "203.0.113.1"));        /* 0.0.0.0/0: IPv4 only */
	assert_false(has(&ls, "::ffff:203.0.113.1"));
	assert_false(has(&ls, "::"));
}

static void test_full(void **state)
{
	struct local_set ls;
	struct prefix n = { .len = 32 };

	(void)state;
	local_init(&ls);
	for (uint32_t i = 0; i < LOCAL_MAX; i++) {
		n.a = A4(i);
		assert_int_equal(local_add(&ls, &n), 0);
	}
	n.a = A4(LOCAL_MAX);
	assert_int_equal(local_add(&ls, &n), -1);
	assert_int_equal(ls.n, LOCAL_MAX);
}

/* The host part: kept sorted and unique whatever the order of arrival,
 * found by bisection (first, last, middle, between), bounded; both
 * families side by side. */
static void test_host_addrs(void **state)
{
	static struct local_set ls;
	uint32_t x = 2463534242u;
	struct addr a;

	(void)state;
	local_init(&ls);
	a = A4(IP(127, 0, 0, 1));
	assert_int_equal(local_add_host(&ls, &a), 0);
	assert_false(local_empty(&ls));
	a = A4(IP(10, 0, 0, 1));
	assert_int_equal(local_add_host(&ls, &a), 0);
	a = A4(IP(203, 0, 113, 80));
	assert_int_equal(local_add_host(&ls, &a), 0);
	a = A4(IP(10, 0, 0, 1));
	assert_int_equal(local_add_host(&ls, &a), 0);
	a = A("2001:db8::80");
	assert_int_equal(local_add_host(&ls, &a), 0);
	a = A("::1");
	assert_int_equal(local_add_host(&ls, &a), 0);
	assert_int_equal(ls.nhost, 5);
	assert_true(has(&ls, "10.0.0.1"));
	assert_true(has(&ls, "127.0.0.1"));
	assert_true(has(&ls, "203.0.113.80"));
	assert_true(has(&ls, "2001:db8::80"));
	assert_true(has(&ls, "::1"));
	assert_false(has(&ls, "10.0.0.2"));
	assert_false(has(&ls, "0.0.0.0"));
	assert_false(has(&ls, "255.255.255.255"));
	assert_false(has(&ls, "::"));
	assert_false(has(&ls, "::7f00:1"));          /* 127.0.0.1's bytes, IPv6 */
	assert_false(has(&ls, "2001:db8::81"));
	/* fill it with pseudo-random addresses of both families: still
	 * sorted, all found */
	while (ls.nhost < LOCAL_HOST_MAX) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		if (x & 1) {
			a = A4(x);
		} else {
			a = A("2001:db8::");
			memcpy(&a.u.b[8], &x, 4);
		}
		assert_int_equal(local_add_host(&ls, &a), 0);
	}
	for (int i = 1; i < ls.nhost; i++)
		assert_true(addr_cmp(&ls.host[i - 1], &ls.host[i]) < 0);
	for (int i = 0; i < ls.nhost; i++)
		assert_true(local_contains(&ls, &ls.host[i]));
	assert_int_equal(local_add_host(&ls, &ls.host[7]), 0);     /* known: fine */
	x ^= x << 13, x ^= x >> 17, x ^= x << 5;
	a = A4(x);
	assert_int_equal(local_add_host(&ls, &a), -1);
}

/* The live listing: lo's 127.0.0.1 is always among the host's addresses
 * (the test runs in a namespace or on a host with lo up), ::1 too where
 * lo has it, and a refresh replaces the host part but keeps -L networks. */
static void test_host_listing(void **state)
{
	static struct local_set ls;

	(void)state;
	local_init(&ls);
	add(&ls, "192.0.2.0/24");
	ls.nhost = 1;
	ls.host[0] = A4(IP(198, 51, 100, 1));       /* a VIP since removed */
	assert_int_equal(local_set_host_addrs(&ls), 0);
	if (local_count_interface("lo") == 0)
		skip();                             /* lo down: nothing to list */
	assert_true(local_count_interface(NULL) >= 1);
	assert_true(local_count_interface("lo") >= 1);
	assert_int_equal(local_count_interface("no-such-if0"), 0);
	assert_true(has(&ls, "127.0.0.1"));
	assert_false(has(&ls, "198.51.100.1"));
	assert_true(has(&ls, "192.0.2.9"));
}

static void dir(const struct local_set *ls, const char *cli, const char *srv, bool *rx, bool *tx)
{
	struct addr c = A(cli), s = A(srv);

	local_direction(ls, &c, &s, rx, tx);
}

static void test_direction(void **state)
{
	struct local_set ls;
	bool rx, tx;

	(void)state;
	local_init(&ls);
	/* nothing known: every responder is local */
	dir(&ls, "1.1.1.1", "2.2.2.2", &rx, &tx);
	assert_true(rx);
	assert_false(tx);
	dir(&ls, "2001:db8::1", "2001:db8::2", &rx, &tx);
	assert_true(rx);
	assert_false(tx);
	add(&ls, "10.0.0.0/24");
	add(&ls, "2001:db8:a::/48");
	dir(&ls, "1.1.1.1", "10.0.0.5", &rx, &tx);
	assert_true(rx);
	assert_false(tx);
	dir(&ls, "10.0.0.5", "1.1.1.1", &rx, &tx);
	assert_false(rx);
	assert_true(tx);
	dir(&ls, "10.0.0.5", "10.0.0.6", &rx, &tx);
	assert_true(rx);
	assert_true(tx);                  /* both ends ours (loopback) */
	dir(&ls, "1.1.1.1", "2.2.2.2", &rx, &tx);
	assert_false(rx);
	assert_false(tx);                 /* transit: neither */
	dir(&ls, "2001:db8:b::1", "2001:db8:a::80", &rx, &tx);
	assert_true(rx);
	assert_false(tx);
	dir(&ls, "2001:db8:a::9", "2001:db8:b::1", &rx, &tx);
	assert_false(rx);
	assert_true(tx);
	dir(&ls, "2001:db8:b::1", "2001:db8:c::1", &rx, &tx);
	assert_false(rx);
	assert_false(tx);
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
