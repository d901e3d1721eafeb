/* tcpeek's option parsing: defaults, every option, every rejection with
 * a message naming the option and the value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "peek/opts.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define MAXARGS 32

static struct peek_opts o;
static char err[OPTS_ERRLEN];
static char *argvbuf[MAXARGS + 1];

/* Parse a NULL-terminated list of arguments after "tcpeek". */
static enum opts_result parse_list(const char *first, va_list ap)
{
	int argc = 0;

	argvbuf[argc++] = (char *)"tcpeek";
	for (const char *a = first; a && argc < MAXARGS; a = va_arg(ap, const char *))
		argvbuf[argc++] = (char *)a;
	argvbuf[argc] = NULL;
	err[0] = '\0';
	return opts_parse(argc, argvbuf, &o, err, sizeof(err));
}

static enum opts_result parse(const char *first, ...)
{
	va_list ap;
	enum opts_result r;

	va_start(ap, first);
	r = parse_list(first, ap);
	va_end(ap);
	return r;
}

/* Expect a usage error whose message holds every given fragment. */
static void expect_error(const char *frag1, const char *frag2, const char *first, ...)
{
	va_list ap;
	enum opts_result r;

	va_start(ap, first);
	r = parse_list(first, ap);
	va_end(ap);
	assert_int_equal(r, OPTS_ERROR);
	assert_null(strchr(err, '\n'));
	if (frag1 && !strstr(err, frag1))
		fail_msg("message '%s' lacks '%s'", err, frag1);
	if (frag2 && !strstr(err, frag2))
		fail_msg("message '%s' lacks '%s'", err, frag2);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), OPTS_RUN);
	assert_null(o.user);
	assert_null(o.dev);
	assert_string_equal(o.socket_path, "/var/run/tcpeek/tcpeek.sock");
	assert_int_equal(o.socket_given, 0);
	assert_int_equal(o.csum_mode, 0);
	assert_int_equal(o.timeout_sec, 60);
	assert_int_equal(o.buffer_mb, 2);
	assert_int_equal(o.log_level, LOG_LVL_NOTICE);
	assert_int_equal(o.quiet, 0);
	assert_int_equal(o.promisc, 0);
	assert_int_equal(o.icmp, 0);
	assert_null(o.read_file);
	assert_int_equal(o.local.n, 0);
	assert_int_equal(o.json, 0);
	assert_int_equal(o.snaplen, 65535);
	assert_int_equal(o.max_sessions, 0);
	assert_int_equal(o.nfilters, 0);
}

static void test_every_option_short(void **state)
{
	(void)state;
	assert_int_equal(parse("-u", "nobody", "-i", "eth0", "-U", "/tmp/s.sock",
	                       "-c", "2", "-t", "5", "-B", "16", "-l", "debug", "-q",
	                       "-L", "10.1.2.3/8", "-L", "192.0.2.7", "-j", "-s", "96",
	                       "web:RX@%:80", ":RX@*:22", NULL), OPTS_RUN);
	assert_string_equal(o.user, "nobody");
	assert_string_equal(o.dev, "eth0");
	assert_string_equal(o.socket_path, "/tmp/s.sock");
	assert_int_equal(o.socket_given, 1);
	assert_int_equal(o.csum_mode, 2);
	assert_int_equal(o.timeout_sec, 5);
	assert_int_equal(o.buffer_mb, 16);
	assert_int_equal(o.log_level, LOG_LVL_DEBUG);
	assert_int_equal(o.quiet, 1);
	assert_int_equal(o.json, 1);
	assert_int_equal(o.snaplen, 96);
	assert_int_equal(o.local.n, 2);
	assert_int_equal(addr_get_ip4(&o.local.net[0].a), IP(10, 0, 0, 0));   /* base masked */
	assert_int_equal(o.local.net[0].len, 8);
	assert_int_equal(addr_get_ip4(&o.local.net[1].a), IP(192, 0, 2, 7));
	assert_int_equal(o.local.net[1].len, 32);
	assert_int_equal(o.nfilters, 2);
	assert_string_equal(o.filters[0], "web:RX@%:80");
	assert_string_equal(o.filters[1], ":RX@*:22");
}

static void test_every_option_long(void **state)
{
	(void)state;
	assert_int_equal(parse("--user=daemon", "--socket", "/run/x", "--checksum=1",
	                       "--timeout=86400", "--buffer=2048", "--loglevel=LOG_WARNING",
	                       "--quiet", "--promisc", "--icmp", "--read=f.pcap",
	                       "--local=172.16.0.0/12", "--json", "--snaplen=262144",
	                       "--max-sessions=1073741824", NULL), OPTS_RUN);
	assert_string_equal(o.user, "daemon");
	assert_string_equal(o.socket_path, "/run/x");
	assert_int_equal(o.csum_mode, 1);
	assert_int_equal(o.timeout_sec, 86400);
	assert_int_equal(o.buffer_mb, 2048);
	assert_int_equal(o.log_level, LOG_LVL_WARN);
	assert_int_equal(o.quiet, 1);
	assert_int_equal(o.promisc, 1);
	assert_int_equal(o.icmp, 1);
	assert_string_equal(o.read_file, "f.pcap");
	assert_int_equal(addr_get_ip4(&o.local.net[0].a), IP(172, 16, 0, 0));
	assert_int_equal(o.json, 1);
	assert_int_equal(o.snaplen, 262144);
	assert_int_equal(o.max_sessions, 1073741824u);
	assert_int_equal(parse("--interface=any", NULL), OPTS_RUN);
	assert_string_equal(o.dev, "any");
	assert_int_equal(parse("-L", "2001:db8:1::5/48", "--local=::1", NULL), OPTS_RUN);
	assert_int_equal(o.local.n, 2);
	assert_int_equal(o.local.net[0].a.family, AF_INET6);
	assert_int_equal(o.local.net[0].len, 48);
	assert_int_equal(o.local.net[0].a.u.b[5], 1);
	assert_int_equal(o.local.net[0].a.u.b[15], 0);              /* base masked */
	assert_int_equal(o.local.net[1].len, 128);
}

/* Filters may come before options (GNU permutation), as the seed's
 * examples put them last. */
static void test_filters_anywhere(void **state)
{
	(void)state;
	assert_int_equal(parse("a:RX@%:80", "-q", "b:TX@%:%", NULL), OPTS_RUN);
	assert_int_equal(o.quiet, 1);
	assert_int_equal(o.nfilters, 2);
	assert_string_equal(o.filters[0], "a:RX@%:80");
	assert_string_equal(o.filters[1], "b:TX@%:%");
	/* after "--", something that looks like an option is a filter */
	assert_int_equal(parse("--", "-x", NULL), OPTS_RUN);
	assert_int_equal(o.nfilters, 1);
	assert_string_equal(o.filters[0], "-x");
}

static void test_help_version(void **state)
{
	(void)state;
	assert_int_equal(parse("-h", NULL), OPTS_HELP);
	assert_int_equal(parse("--help", NULL), OPTS_HELP);
	assert_int_equal(parse("-v", NULL), OPTS_VERSION);
	assert_int_equal(parse("--version", NULL), OPTS_VERSION);
	assert_non_null(strstr(opts_help(), "usage: tcpeek"));
}

static void test_ranges(void **state)
{
	(void)state;
	expect_error("-t/--timeout", "'0'", "-t", "0", NULL);
	expect_error("-t/--timeout", "'86401'", "-t", "86401", NULL);
	expect_error("-t/--timeout", "'-1'", "-t", "-1", NULL);
	expect_error("-t/--timeout", "'5s'", "--timeout=5s", NULL);
	expect_error("-t/--timeout", "'99999999999999999999999'", "-t", "99999999999999999999999", NULL);
	expect_error("-t/--timeout", "''", "-t", "", NULL);
	expect_error("-c/--checksum", "'3'", "-c", "3", NULL);
	expect_error("-c/--checksum", "'x'", "-c", "x", NULL);
	expect_error("-B/--buffer", "'0'", "-B", "0", NULL);
	expect_error("-B/--buffer", "'2049'", "-B", "2049", NULL);
	expect_error("-s/--snaplen", "'63'", "-s", "63", NULL);
	expect_error("-s/--snaplen", "'262145'", "-s", "262145", NULL);
	expect_error("--max-sessions", "'0'", "--max-sessions=0", NULL);
	expect_error("--max-sessions", "'4294967296'", "--max-sessions", "4294967296", NULL);
	/* the session table's own limit, not an allocation failure later */
	expect_error("--max-sessions", "'1073741825'", "--max-sessions", "1073741825", NULL);
	expect_error("--max-sessions", "'4294967295'", "--max-sessions", "4294967295", NULL);
	expect_error("-l/--loglevel", "'loud'", "-l", "loud", NULL);
	expect_error("-l/--loglevel", "'8'", "-l", "8", NULL);
	expect_error("-L/--local", "'10.0.0.0/33'", "-L", "10.0.0.0/33", NULL);
	expect_error("-L/--local", "'eth0'", "--local=eth0", NULL);
	expect_error("-L/--local", "'2001:db8::/129'", "-L", "2001:db8::/129", NULL);
	expect_error("-L/--local", "'[2001:db8::1]'", "-L", "[2001:db8::1]", NULL);
	expect_error("-i/--interface", "''", "-i", "", NULL);
	expect_error("-u/--user", "''", "-u", "", NULL);
	expect_error("-r/--read", "''", "-r", "", NULL);
	expect_error("-U/--socket", "''", "-U", "", NULL);
	/* boundaries accepted */
	assert_int_equal(parse("-t", "1", "-B", "1", "-s", "64", "-c", "0", "--max-sessions=1", NULL), OPTS_RUN);
	assert_int_equal(o.timeout_sec, 1);
	assert_int_equal(o.snaplen, 64);
}

/* An empty value says so (it once said "expected an empty user name"). */
static void test_empty_values(void **state)
{
	(void)state;
	assert_int_equal(parse("-u", "", NULL), OPTS_ERROR);
	assert_string_equal(err, "invalid -u/--user value '': empty");
	assert_int_equal(parse("--interface=", NULL), OPTS_ERROR);
	assert_string_equal(err, "invalid -i/--interface value '': empty");
	assert_int_equal(parse("-r", "", NULL), OPTS_ERROR);
	assert_string_equal(err, "invalid -r/--read value '': empty");
	assert_int_equal(parse("-U", "", NULL), OPTS_ERROR);
	assert_string_equal(err, "invalid -U/--socket value '': empty");
	assert_int_equal(parse("-t", "", NULL), OPTS_ERROR);
	assert_string_equal(err, "invalid -t/--timeout value '': expected seconds in 1..86400");
}

/* Whatever the user typed, the message is one printable line, and a value
 * too long to quote whole is cut with a marker. */
static void test_values_quoted(void **state)
{
	char big[1000];

	(void)state;
	assert_int_equal(parse("-t", "5\nx", NULL), OPTS_ERROR);
	assert_string_equal(err, "invalid -t/--timeout value '5\\x0ax': expected seconds in 1..86400");
	assert_int_equal(parse("--frob\x1b[2J", NULL), OPTS_ERROR);
	assert_string_equal(err, "unknown or ambiguous option --frob\\x1b[2J");
	assert_int_equal(parse("-\x01", NULL), OPTS_ERROR);
	assert_string_equal(err, "unknown option -\\x01");
	memset(big, '7', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse("-B", big, NULL), OPTS_ERROR);
	assert_null(strchr(err, '\n'));
	assert_true(strlen(err) < 200);
	assert_non_null(strstr(err, "7777...': expected MiB in 1..2048"));
	assert_int_equal(strncmp(err, "invalid -B/--buffer value '7777", 31), 0);
}

static void test_unknown_and_missing(void **state)
{
	(void)state;
	expect_error("unknown option -x", NULL, "-x", NULL);
	expect_error("--frobnicate", NULL, "--frobnicate", NULL);
	expect_error("--json=1", NULL, "--json=1", NULL);
	expect_error("-t", "needs a value", "-t", NULL);
	expect_error("--timeout", "needs a value", "--timeout", NULL);
	expect_error("-i", "-r", "-i", "eth0", "-r", "x.pcap", NULL);
}

static void test_levels(void **state)
{
	static const struct { const char *s; enum log_level l; } ok[] = {
		{ "emerg", LOG_LVL_ERR }, { "alert", LOG_LVL_ERR }, { "crit", LOG_LVL_ERR },
		{ "err", LOG_LVL_ERR }, { "warning", LOG_LVL_WARN }, { "notice", LOG_LVL_NOTICE },
		{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG }, { "LOG_DEBUG", LOG_LVL_DEBUG },
		{ "Info", LOG_LVL_INFO }, { "0", LOG_LVL_ERR }, { "4", LOG_LVL_WARN },
		{ "5", LOG_LVL_NOTICE }, { "6", LOG_LVL_INFO }, { "7", LOG_LVL_DEBUG },
	};
	enum log_level l;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		l = (enum log_level)99;
		assert_int_equal(opts_parse_level(ok[i].s, &l), 0);
		assert_int_equal(l, ok[i].l);
	}
	assert_int_equal(opts_parse_level("", &l), -1);
	assert_int_equal(opts_parse_level("LOG_", &l), -1);
	assert_int_equal(opts_parse_level("warn", &l), -1);
	assert_int_equal(opts_parse_level("07x", &l), -1);
}

/* A second parse starts from scratch (getopt state and defaults). */
static void test_reparse(void **state)
{
	(void)state;
	assert_int_equal(parse("-q", "-t", "9", "-L", "10.0.0.1", NULL), OPTS_RUN);
	assert_int_equal(parse("-j", NULL), OPTS_RUN);
	assert_int_equal(o.quiet, 0);
	assert_int_equal(o.timeout_sec, 60);
	assert_int_equal(o.local.n, 0);
	assert_int_equal(o.json, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option_short),
		cmocka_unit_test(test_every_option_long),
		cmocka_unit_test(test_filters_anywhere),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_values_quoted),
		cmocka_unit_test(test_unknown_and_missing),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_reparse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
