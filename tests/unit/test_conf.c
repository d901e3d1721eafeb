/* synscoped's target file: the format of issue 13, FILE:LINE errors,
 * duplicates merged once, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "check/conf.h"
#include "common/parse.h"

static char err[8192];
static struct conf c;

static int parse(const char *text)
{
	conf_free(&c);
	return conf_parse("f.conf", text, strlen(text), NULL, &c, err, sizeof(err));
}

/* A's text form, for comparing addresses */
static const char *fmt(const struct addr *a)
{
	static char b[4][ADDR_STRLEN];
	static int k;

	k = (k + 1) % 4;
	return addr_fmt(b[k], a);
}

static void expect_err(const char *text, const char *msg)
{
	assert_int_equal(parse(text), -1);
	if (strstr(err, msg) == NULL)
		fail_msg("wanted '%s' in '%s'", msg, err);
	assert_int_equal(c.n, 0);
}

static void test_issue_example(void **state)
{
	(void)state;
	assert_int_equal(parse("# comment; blank lines ignored\n\n"
	                       "defaults interval=1s timeout=500ms rise=2 fall=3 role-file=/run/lvs.role\n"
	                       "eth0 10.0.0.42 10.0.0.100 80\n"
	                       "eth0 10.0.0.43 10.0.0.100 80 clean-close timeout=300ms retries=1\n"),
	                 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.t[0].spec.iface, "eth0");
	assert_int_equal(c.t[0].spec.rs_ip.family, AF_INET);
	assert_int_equal(addr_get_ip4(&c.t[0].spec.rs_ip), 0x0a00002a);
	assert_int_equal(addr_get_ip4(&c.t[0].spec.vip), 0x0a000064);
	assert_int_equal(c.t[0].spec.port, 80);
	assert_int_equal(c.t[0].interval_ms, 1000);
	assert_int_equal(c.t[0].spec.timeout_ms, 500);
	assert_int_equal(c.t[0].rise, 2);
	assert_int_equal(c.t[0].fall, 3);
	assert_string_equal(c.t[0].spec.role_file, "/run/lvs.role");
	assert_int_equal(c.t[0].spec.clean_close, 0);
	assert_int_equal(c.t[0].line, 4);
	assert_string_equal(c.t[0].name, "eth0_10.0.0.42_10.0.0.100_80");
	assert_int_equal(c.t[1].spec.clean_close, 1);
	assert_int_equal(c.t[1].spec.timeout_ms, 300);
	assert_int_equal(c.t[1].spec.retries, 1);
	assert_int_equal(c.t[1].interval_ms, 1000);
	/* one interned path for both */
	assert_ptr_equal(c.t[0].spec.role_file, c.t[1].spec.role_file);
}

static void test_defaults_cumulative(void **state)
{
	(void)state;
	assert_int_equal(parse("e 1.1.1.1 2.2.2.2 1\n"
	                       "defaults timeout=2s\n"
	                       "defaults rise=5 # comment\n"
	                       "e 1.1.1.1 2.2.2.2 2 any-mac #x\n"
	                       "defaults role-file= clean-close=1 interval=100ms\n"
	                       "e 1.1.1.1 2.2.2.2 3 clean-close=0\n"),
	                 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.t[0].spec.timeout_ms, CONF_DEF_TIMEOUT_MS);
	assert_int_equal(c.t[0].interval_ms, CONF_DEF_INTERVAL_MS);
	assert_int_equal(c.t[0].rise, CONF_DEF_RISE);
	assert_int_equal(c.t[1].spec.timeout_ms, 2000);
	assert_int_equal(c.t[1].rise, 5);
	assert_int_equal(c.t[1].spec.any_mac, 1);
	assert_int_equal(c.t[2].spec.any_mac, 0);
	assert_int_equal(c.t[2].rise, 5);
	assert_int_equal(c.t[2].interval_ms, 100);
	assert_int_equal(c.t[2].spec.clean_close, 0);
	assert_null(c.t[2].spec.role_file);
}

static void test_duplicates(void **state)
{
	(void)state;
	/* the same check for two virtual services: once */
	assert_int_equal(parse("eth0 10.0.0.1 10.0.0.100 80\n"
	                       "eth0 10.0.0.2 10.0.0.100 80\n"
	                       "eth0 10.0.0.1 10.0.0.100 80\n"
	                       "eth1 10.0.0.1 10.0.0.100 80\n"), 0);
	assert_int_equal(c.n, 3);
	expect_err("eth0 10.0.0.1 10.0.0.100 80\n\neth0 10.0.0.1 10.0.0.100 80 timeout=3s\n",
	           "f.conf:3: target eth0 10.0.0.1 10.0.0.100 80 also on line 1 with other options");
}

static void test_errors_with_lines(void **state)
{
	(void)state;
	expect_err("\n\neth0 10.0.0.1 10.0.0.100\n", "f.conf:3: expected IFACE REAL_SERVER VIRTUAL_IP PORT");
	expect_err("eth0 10.0.0.1 10.0.0.300 80\n", "f.conf:1: invalid VIRTUAL_IP '10.0.0.300'");
	expect_err("eth0 host.example 10.0.0.3 80\n", "f.conf:1: invalid REAL_SERVER 'host.example'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80\n"
	           "eth0 ::1 10.0.0.3 80\n",
	           "f.conf:2: REAL_SERVER '::1' and VIRTUAL_IP '10.0.0.3' are not of the same address family");
	expect_err("eth0 10.0.0.1 10.0.0.3 0\n", "f.conf:1: invalid PORT '0'");
	expect_err("eth0 10.0.0.1 10.0.0.3 65536\n", "f.conf:1: invalid PORT '65536'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 timeout=500\n", "f.conf:1: invalid timeout '500'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 timeout=0ms\n", "invalid timeout '0ms'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 timeout=3601s\n", "invalid timeout '3601s'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 interval=99ms\n", "invalid interval '99ms'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 interval=99999999999999999999s\n", "invalid interval");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 rise=0\n", "invalid rise '0'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 fall=1001\n", "invalid fall '1001'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 retries=101\n", "invalid retries '101'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 clean-close=2\n", "invalid clean-close '2'");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 timeout\n", "option 'timeout' needs a value");
	expect_err("eth0 10.0.0.1 10.0.0.3 80 bogus=1\n", "f.conf:1: unknown option 'bogus'");
	expect_err("defaults rise=x\n", "f.conf:1: invalid rise 'x'");
	expect_err("averyveryverylongifname 10.0.0.1 10.0.0.3 80\n", "invalid IFACE");
	expect_err("a/b 10.0.0.1 10.0.0.3 80\n", "invalid IFACE 'a/b'");
	/* several errors, each with its line */
	assert_int_equal(parse("eth0 1.1.1.1 2.2.2.2 x\nok 1.1.1.1 2.2.2.2 1\neth0 1.1.1.1 2.2.2.2 80 rise=0\n"), -1);
	assert_non_null(strstr(err, "f.conf:1: invalid PORT 'x'"));
	assert_non_null(strstr(err, "f.conf:3: invalid rise '0'"));
	assert_int_equal(c.errors, 2);
}

static void test_ipv6(void **state)
{
	(void)state;
	assert_int_equal(parse("eth0 2001:db8::42 2001:DB8:0::100 80\n"
	                       "eth0 [2001:db8::43] [2001:db8::100] 80 rise=1\n"
	                       "eth0 10.0.0.42 10.0.0.100 80\n"
	                       "eth1 fe80::1 2001:db8::100 443\n"
	                       "eth0 ::ffff:10.0.0.42 ::ffff:10.0.0.100 80\n"),
	                 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.t[0].spec.rs_ip.family, AF_INET6);
	assert_string_equal(fmt(&c.t[0].spec.rs_ip), "2001:db8::42");
	assert_string_equal(fmt(&c.t[0].spec.vip), "2001:db8::100");
	/* the name is written the one way addr_fmt writes it */
	assert_string_equal(c.t[0].name, "eth0_2001:db8::42_2001:db8::100_80");
	assert_string_equal(c.t[1].name, "eth0_2001:db8::43_2001:db8::100_80");
	assert_int_equal(c.t[1].rise, 1);
	assert_int_equal(c.t[2].spec.rs_ip.family, AF_INET);
	assert_string_equal(c.t[3].name, "eth1_fe80::1_2001:db8::100_443");
	/* an IPv4-mapped address is IPv6, not the IPv4 target of line 3 */
	assert_int_equal(c.t[4].spec.rs_ip.family, AF_INET6);
	assert_string_equal(c.t[4].name, "eth0_::ffff:10.0.0.42_::ffff:10.0.0.100_80");
	/* the longest name fits (a dotted tail is written in hex again) */
	assert_int_equal(parse("abcdefghijklmno 1111:2222:3333:4444:5555:6666:255.255.255.255 "
	                       "1111:2222:3333:4444:5555:6666:7777:8888 65535\n"), 0);
	assert_string_equal(c.t[0].name,
	                    "abcdefghijklmno_1111:2222:3333:4444:5555:6666:ffff:ffff_"
	                    "1111:2222:3333:4444:5555:6666:7777:8888_65535");
	/* duplicates: other spellings of one address are one target */
	assert_int_equal(parse("eth0 2001:db8::1 2001:db8::100 80\n"
	                       "eth0 2001:0db8:0:0::1 [2001:db8::100] 80\n"
	                       "eth0 2001:db8::1 2001:db8::100 81\n"), 0);
	assert_int_equal(c.n, 2);
	expect_err("eth0 2001:db8::1 2001:db8::100 80\neth0 2001:db8:0::1 2001:db8::100 80 any-mac\n",
	           "f.conf:2: target eth0 2001:db8:0::1 2001:db8::100 80 also on line 1 with other options");
	/* mixed families, either way round, with the line */
	expect_err("\neth0 2001:db8::1 10.0.0.100 80\n",
	           "f.conf:2: REAL_SERVER '2001:db8::1' and VIRTUAL_IP '10.0.0.100' are not of the same address family");
	expect_err("eth0 10.0.0.1 [2001:db8::100] 80\n",
	           "f.conf:1: REAL_SERVER '10.0.0.1' and VIRTUAL_IP '[2001:db8::100]' are not of the same address family");
	/* bad forms: each names its field */
	expect_err("eth0 2001:db8::1::2 2001:db8::100 80\n",
	           "f.conf:1: invalid REAL_SERVER '2001:db8::1::2': expected an IPv4 or IPv6 address");
	expect_err("eth0 2001:db8::1 2001:db8::100/128 80\n", "invalid VIRTUAL_IP '2001:db8::100/128'");
	expect_err("eth0 fe80::1%eth0 2001:db8::100 80\n", "invalid REAL_SERVER 'fe80::1%eth0'");
	expect_err("eth0 [10.0.0.1] 10.0.0.100 80\n", "invalid REAL_SERVER '[10.0.0.1]'");
	expect_err("eth0 [2001:db8::1 2001:db8::100 80\n", "invalid REAL_SERVER '[2001:db8::1'");
	expect_err("eth0 2001:db8::1] 2001:db8::100 80\n", "invalid REAL_SERVER '2001:db8::1]'");
	expect_err("eth0 [2001:db8::1]:80 2001:db8::100 80\n", "invalid REAL_SERVER '[2001:db8::1]:80'");
	expect_err("eth0 2001:db8::1 2001:db8::100 [80]\n", "invalid PORT '[80]'");
	expect_err("eth0 [] 2001:db8::100 80\n", "invalid REAL_SERVER '[]'");
	/* both bad: both named, no family complaint */
	assert_int_equal(parse("eth0 x::y 1.2.3 80\n"), -1);
	assert_non_null(strstr(err, "invalid REAL_SERVER 'x::y'"));
	assert_non_null(strstr(err, "invalid VIRTUAL_IP '1.2.3'"));
	assert_null(strstr(err, "family"));
	assert_int_equal(c.errors, 2);
}

static void test_bounds(void **state)
{
	char *big;
	size_t n = CONF_LINE_MAX + 10;

	(void)state;
	big = malloc(n + 40);
	assert_non_null(big);
	memset(big, 'a', n);
	strcpy(big + n, "\n");
	expect_err(big, "f.conf:1: line longer than 1024 bytes");
	/* a NUL byte inside a line */
	conf_free(&c);
	assert_int_equal(conf_parse("f.conf", "eth0 1.1.1.1\0 2.2.2.2 80\n", 25, NULL, &c, err,
	                            sizeof(err)), -1);
	assert_non_null(strstr(err, "f.conf:1: NUL byte"));
	/* errors beyond the cap are counted, not listed */
	free(big);
	big = malloc(100 * 8);
	assert_non_null(big);
	big[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(big, "x y z\n");
	assert_int_equal(parse(big), -1);
	assert_non_null(strstr(err, "more errors not shown"));
	assert_null(strstr(err, "f.conf:21:"));
	free(big);
	/* the last line needs no newline; CRLF is fine */
	assert_int_equal(parse("eth0 1.1.1.1 2.2.2.2 80\r\neth0 1.1.1.1 2.2.2.2 81"), 0);
	assert_int_equal(c.n, 2);
}

static void test_many(void **state)
{
	size_t cap = 60000u * 40, len = 0;
	char *t = malloc(cap);

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 50001; i++)
		len += (size_t)snprintf(t + len, cap - len, "e 10.%d.%d.1 10.0.0.1 80\n",
		                        i / 250, i % 250);
	conf_free(&c);
	assert_int_equal(conf_parse("f.conf", t, len, NULL, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "f.conf:50001: more than 50000 targets"));
	free(t);
}

static void test_load(void **state)
{
	char path[] = "/tmp/test_conf.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "e 1.1.1.1 2.2.2.2 9\n", 20), 20);
	close(fd);
	conf_free(&c);
	assert_int_equal(conf_load(path, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 1);
	unlink(path);
	conf_free(&c);
	assert_int_equal(conf_load(path, NULL, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(conf_load("/tmp", NULL, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/tmp: not a regular file"));
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_defaults_cumulative),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_errors_with_lines),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_load),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	conf_free(&c);
	return rc;
}
