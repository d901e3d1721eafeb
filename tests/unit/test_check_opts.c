/* check_tcp_raw's pure argument parsers: no wrap, no junk, named culprit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "check/opts.h"

static char err[200];

static void test_port(void **state)
{
	/* 65536 + 80 and 2^32 + 80, 2^64 + 80 would be 80 after a wrap */
	static const char *const bad[] = { "70000", "65536", "0", "abc", "", "-1", "+80",
	                                   " 80", "80 ", "8o", "0x50", "99999999999999999999",
	                                   "65616", "4294967376", "18446744073709551696",
	                                   "00000", "655350" };
	uint16_t p = 0;

	(void)state;
	assert_int_equal(chk_parse_port("80", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 80);
	assert_int_equal(chk_parse_port("65535", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(chk_parse_port("1", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 1);
	assert_int_equal(chk_parse_port("000065535", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 65535);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = 7;
		err[0] = '\0';
		assert_int_equal(chk_parse_port(bad[i], &p, err, sizeof(err)), -1);
		assert_int_equal(p, 7);
		assert_non_null(strstr(err, "PORT"));
		assert_non_null(strstr(err, bad[i]));
	}
}

static void test_timeout(void **state)
{
	/* Around 2^32 and 2^64, and values whose ms * 1000 would wrap 32
	 * bits: refused, never wrapped into range. */
	static const char *const bad[] = { "-5", "abc", "", "3600001", "1.5", "1e3", "10ms",
	                                   "4294967296", "4294967297", "4294968",
	                                   "18446744073709551616", "18446744073709551617",
	                                   "36000000", "99999999999999999999999" };
	uint32_t t = 0;

	(void)state;
	assert_int_equal(chk_parse_timeout("0", &t, err, sizeof(err)), 0);
	assert_int_equal(t, 0);
	assert_int_equal(chk_parse_timeout("500", &t, err, sizeof(err)), 0);
	assert_int_equal(t, 500);
	assert_int_equal(chk_parse_timeout("3600000", &t, err, sizeof(err)), 0);
	assert_int_equal(t, 3600000);
	assert_int_equal(chk_parse_timeout("0003600000", &t, err, sizeof(err)), 0);
	assert_int_equal(t, 3600000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 9;
		assert_int_equal(chk_parse_timeout(bad[i], &t, err, sizeof(err)), -1);
		assert_int_equal(t, 9);
		assert_non_null(strstr(err, "--timeout"));
	}
}

static void test_retries(void **state)
{
	int r = 0;

	(void)state;
	assert_int_equal(chk_parse_retries("3", &r, err, sizeof(err)), 0);
	assert_int_equal(r, 3);
	assert_int_equal(chk_parse_retries("0", &r, err, sizeof(err)), 0);
	assert_int_equal(r, 0);
	assert_int_equal(chk_parse_retries("-1", &r, err, sizeof(err)), -1);
	assert_int_equal(chk_parse_retries("101", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--retries"));
	assert_int_equal(chk_parse_retries("100", &r, err, sizeof(err)), 0);
	assert_int_equal(r, CHK_RETRIES_MAX);
	/* 2^32 + 3 and 2^64 + 3 would be 3 after a wrap */
	assert_int_equal(chk_parse_retries("4294967299", &r, err, sizeof(err)), -1);
	assert_int_equal(chk_parse_retries("18446744073709551619", &r, err, sizeof(err)), -1);
	assert_int_equal(r, CHK_RETRIES_MAX);
}

/* Milliseconds to microseconds in 64 bits, up to the largest -t. */
static void test_ms_to_us(void **state)
{
	(void)state;
	assert_true(chk_ms_to_us(0) == 0);
	assert_true(chk_ms_to_us(1) == 1000);
	assert_true(chk_ms_to_us(4294967) == 4294967000u);
	assert_true(chk_ms_to_us(CHK_TIMEOUT_MAX_MS) == 3600000000ull);
	assert_true(chk_ms_to_us(UINT32_MAX) == 4294967295000ull);
}

static void test_ip(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(chk_parse_source("10.0.0.1", &a, err, sizeof(err)), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(addr_get_ip4(&a), 0x0a000001);
	assert_int_equal(chk_parse_source("2001:db8::1", &a, err, sizeof(err)), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.u.b[15], 1);
	assert_int_equal(chk_parse_source("10.0.0.256", &a, err, sizeof(err)), -1);
	assert_int_equal(chk_parse_source("[2001:db8::1]", &a, err, sizeof(err)), -1);
	assert_int_equal(chk_parse_source("10.1", &a, err, sizeof(err)), -1);
	assert_int_equal(chk_parse_source("eth0", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "eth0"));
	assert_int_equal(chk_literal_family("::1"), AF_INET6);
	assert_int_equal(chk_literal_family("2001:db8::42"), AF_INET6);
	assert_int_equal(chk_literal_family("10.0.0.1"), AF_INET);
	assert_int_equal(chk_literal_family("localhost"), 0);
	assert_int_equal(chk_literal_family("host:80"), 0);
	assert_int_equal(chk_literal_family(NULL), 0);
}

/* Literals of two families are refused, naming both; names pass (their
 * family is decided by resolution). */
static void test_families(void **state)
{
	struct chk_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.real_server = "10.0.0.42";
	o.virtual_ip = "10.0.0.100";
	assert_int_equal(chk_check_families(&o, err, sizeof(err)), 0);
	o.virtual_ip = "2001:db8::100";
	assert_int_equal(chk_check_families(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "REAL_SERVER '10.0.0.42'"));
	assert_non_null(strstr(err, "VIRTUAL_IP '2001:db8::100'"));
	o.real_server = "rs.example";
	assert_int_equal(chk_check_families(&o, err, sizeof(err)), 0);
	o.source_ip = "10.0.0.1";
	assert_int_equal(chk_check_families(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--source-ip '10.0.0.1'"));
	o.source_ip = "2001:db8::1";
	assert_int_equal(chk_check_families(&o, err, sizeof(err)), 0);
	o.virtual_ip = "vip.example";
	assert_int_equal(chk_check_families(&o, err, sizeof(err)), 0);
}

/* Usage errors exit 1 unless --usage-exit asks otherwise (never 0). */
static void test_usage_exit(void **state)
{
	static const char *const bad[] = { "0", "256", "-1", "", "abc", "64x",
	                                   "4294967360", "18446744073709551680" };
	int v = 7;

	(void)state;
	assert_int_equal(CHK_EXIT_USAGE_DEFAULT, 1);
	assert_int_equal(chk_parse_usage_exit("64", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 64);
	assert_int_equal(chk_parse_usage_exit("255", &v, err, sizeof(err)), 0);
	assert_int_equal(chk_parse_usage_exit("1", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chk_parse_usage_exit(bad[i], &v, err, sizeof(err)), -1);
		assert_int_equal(v, 1);
		assert_non_null(strstr(err, "--usage-exit"));
	}
}

static int scan(const char *first, ...)
{
	char *argv[16] = { (char *)"check_tcp_raw" };
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return chk_usage_exit_scan(argc, argv);
}

/* The status holds wherever the option is, even after the error. */
static void test_usage_exit_scan(void **state)
{
	(void)state;
	assert_int_equal(scan(NULL), 1);
	assert_int_equal(scan("-t", "abc", "eth0", NULL), 1);
	assert_int_equal(scan("-t", "abc", "--usage-exit=64", NULL), 64);
	assert_int_equal(scan("--usage-exit", "64", "-t", "abc", NULL), 64);
	assert_int_equal(scan("--usage-exit=64", "--usage-exit=2", NULL), 2);
	/* an invalid value is ignored here (argp reports it, with status 1) */
	assert_int_equal(scan("--usage-exit=0", NULL), 1);
	assert_int_equal(scan("--usage-exit=64", "--usage-exit=999", NULL), 64);
	assert_int_equal(scan("--usage-exit", NULL), 1);
	/* after "--" it is an argument, not an option */
	assert_int_equal(scan("--", "--usage-exit=64", NULL), 1);
	assert_int_equal(scan("--usage-exitx=64", "--usage", NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_ms_to_us),
		cmocka_unit_test(test_usage_exit),
		cmocka_unit_test(test_usage_exit_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
