/* Numbers, addresses and prefixes from text (common/parse.h) and the
 * address type (common/addr.h) at their edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <netinet/in.h>

#include "common/parse.h"

#define S(x) x, strlen(x)

static void test_num(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_u64("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("65535", 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(parse_u64("65536", 65535, &v), -1);
	assert_int_equal(parse_u64("7", 5, &v), -1);         /* digit above max */
	assert_int_equal(parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", UINT64_MAX, &v), -1);
	assert_int_equal(parse_u64("99999999999999999999", UINT64_MAX, &v), -1);
	v = 7;
	assert_int_equal(parse_u64("", 10, &v), -1);
	assert_int_equal(parse_u64("+1", 10, &v), -1);
	assert_int_equal(parse_u64(" 1", 10, &v), -1);
	assert_int_equal(parse_u64("1 ", 10, &v), -1);
	assert_int_equal(parse_u64("1x", 10, &v), -1);
	assert_int_equal(v, 7);                                  /* untouched */
}

static void test_addr(void **state)
{
	struct addr a = { 0 }, b;
	char buf[ADDR_PORT_STRLEN];

	(void)state;
	assert_int_equal(parse_addr(S("192.0.2.1"), PARSE_ANY, &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_true(addr_get_ip4(&a) == 0xc0000201u);
	b = addr_ip4(0xc0000201u);
	assert_true(addr_eq(&a, &b));
	assert_string_equal(addr_fmt_port(buf, &a, 80), "192.0.2.1:80");
	/* only the strict dotted quad */
	assert_int_equal(parse_addr(S("10.1"), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr(S("0x0a.0.0.1"), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr(S("256.0.0.1"), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr(S(" 1.2.3.4"), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr(S(""), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr("1.2.3.4\0", 8, PARSE_ANY, &a), -1);
	/* IPv6, every text form, and the family restriction */
	assert_int_equal(parse_addr(S("2001:db8::1"), PARSE_ANY, &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.u.b[0], 0x20);
	assert_int_equal(a.u.b[15], 1);
	assert_string_equal(addr_fmt_port(buf, &a, 443), "[2001:db8::1]:443");
	assert_int_equal(parse_addr(S("::ffff:192.0.2.1"), PARSE_ANY, &a), 0);
	assert_string_equal(addr_fmt(buf, &a), "::ffff:192.0.2.1");
	assert_int_equal(parse_addr(S("2001:db8::1"), PARSE_IP4, &a), -1);
	assert_int_equal(parse_addr(S("192.0.2.1"), PARSE_IP6, &a), -1);
	assert_int_equal(parse_addr(S("fe80::1%eth0"), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr(S("[::1]"), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr_bracketed(S("[::1]"), PARSE_ANY, &a), 0);
	assert_int_equal(parse_addr_bracketed(S("[1.2.3.4]"), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr_bracketed(S("[::1"), PARSE_ANY, &a), -1);
	assert_int_equal(parse_addr(S("1:2:3:4:5:6:7:8:9"), PARSE_ANY, &a), -1);
	/* a v4 and a v6 address with the same leading bytes differ */
	b = addr_from_bytes(AF_INET6, a.u.b);
	a = addr_ip4(0);
	assert_true(addr_is_unspec(&a));
	assert_false(addr_eq(&a, &b) && a.family != b.family);
}

static void test_prefix(void **state)
{
	struct prefix p;
	struct addr a;
	const char *why = NULL;
	char buf[PREFIX_STRLEN];

	(void)state;
	assert_int_equal(parse_prefix(S("10.1.2.3/8"), PARSE_ANY, &p, &why), 0);
	assert_string_equal(prefix_fmt(buf, &p), "10.0.0.0/8");
	assert_int_equal(parse_prefix(S("10.1.2.3"), PARSE_ANY, &p, &why), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(parse_prefix(S("10.0.0.0/33"), PARSE_ANY, &p, &why), -1);
	assert_string_equal(why, "prefix length");
	assert_int_equal(parse_prefix(S("10.0.0.0/032"), PARSE_ANY, &p, &why), -1);
	assert_int_equal(parse_prefix(S("10.0.0.0/"), PARSE_ANY, &p, &why), -1);
	assert_int_equal(parse_prefix(S("10.0.0/8"), PARSE_ANY, &p, &why), -1);
	assert_string_equal(why, "address");
	assert_int_equal(parse_prefix(S("2001:db8:ffff::/35"), PARSE_ANY, &p, &why), 0);
	assert_string_equal(prefix_fmt(buf, &p), "2001:db8:e000::/35");
	assert_int_equal(parse_addr(S("2001:db8:f000::5"), PARSE_ANY, &a), 0);
	assert_true(prefix_contains(&p, &a));
	assert_int_equal(parse_addr(S("2001:db8:1000::5"), PARSE_ANY, &a), 0);
	assert_false(prefix_contains(&p, &a));
	assert_int_equal(parse_prefix(S("::/0"), PARSE_ANY, &p, &why), 0);
	assert_true(prefix_contains(&p, &a));
	a = addr_ip4(1);
	assert_false(prefix_contains(&p, &a));    /* families never mix */
	assert_int_equal(parse_prefix(S("fe80::/129"), PARSE_ANY, &p, &why), -1);
	assert_int_equal(parse_prefix(S("fe80::1/128"), PARSE_ANY, &p, &why), 0);
	assert_int_equal(parse_prefix(S("fe80::/0128"), PARSE_ANY, &p, &why), -1);
	assert_int_equal(parse_addr(S("fe80::1"), PARSE_ANY, &a), 0);
	assert_true(addr_is_linklocal(&a));
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_num), cmocka_unit_test(test_addr),
	                                    cmocka_unit_test(test_prefix) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
