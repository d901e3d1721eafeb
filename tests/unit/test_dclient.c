/* synscoped --status's table: IPv4 documents keep their layout byte for
 * byte; a document with an IPv6 target widens the TARGET column to its
 * longest name, so every row stays aligned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/dclient.h"

static char *table(const char *doc, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = dclient_table(doc, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

#define ROW4(port, state, outc, rtt, checks)                                                   \
	"{\"target\":\"eth0_10.0.0.42_10.0.0.100_" port "\",\"iface\":\"eth0\","                \
	"\"real_server\":\"10.0.0.42\",\"vip\":\"10.0.0.100\",\"port\":" port ","              \
	"\"state\":\"" state "\",\"since\":\"2026-01-02T03:04:05.678Z\","                      \
	"\"last_outcome\":" outc ",\"last_rtt_us\":" rtt ",\"checks\":" checks "}"
#define ROW6(port, state, outc, rtt, checks)                                                   \
	"{\"target\":\"eth0_2001:db8::42_2001:db8::100_" port "\",\"iface\":\"eth0\","          \
	"\"real_server\":\"2001:db8::42\",\"vip\":\"2001:db8::100\",\"port\":" port ","        \
	"\"state\":\"" state "\",\"since\":\"2026-01-02T03:04:05.678Z\","                      \
	"\"last_outcome\":" outc ",\"last_rtt_us\":" rtt ",\"checks\":" checks "}"
#define DOC(rows) "{\"engine\":{},\"targets\":[" rows "]}"

/* The layout of the IPv4-only table, as it was before IPv6 (fixed widths,
 * written out here so that a change to the format string shows). */
static const char hdr4[] =
	"TARGET                                       STATE   SINCE                    "
	"LAST                 RTT_US   CHECKS\n";

static void test_ip4_unchanged(void **state)
{
	int rc;
	char *s = table(DOC(ROW4("80", "up", "\"synack\"", "123", "7") ","
	                    ROW4("81", "unknown", "null", "null", "0")), &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(s,
		"TARGET                                       STATE   SINCE                    "
		"LAST                 RTT_US   CHECKS\n"
		"eth0_10.0.0.42_10.0.0.100_80                 up      2026-01-02T03:04:05.678Z "
		"synack                  123        7\n"
		"eth0_10.0.0.42_10.0.0.100_81                 unknown 2026-01-02T03:04:05.678Z "
		"-                         -        0\n");
	free(s);
	/* an empty document: the header only */
	s = table(DOC(""), &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, hdr4);
	free(s);
}

/* Each line's STATE column starts at the same offset. */
static void assert_aligned(const char *s, size_t col)
{
	for (const char *l = s; *l; l = strchr(l, '\n') + 1) {
		assert_true(strlen(l) > col + 1);
		assert_true(l[col - 1] == ' ');
		assert_true(l[col] != ' ');
	}
}

static void test_ip6_widens(void **state)
{
	int rc;
	char *s = table(DOC(ROW4("80", "up", "\"synack\"", "123", "7") ","
	                    ROW6("8082", "down", "\"refused\"", "null", "12")), &rc);
	size_t w = strlen("eth0_2001:db8::42_2001:db8::100_8082");

	(void)state;
	assert_int_equal(rc, 0);
	/* under 44 characters: no wider than the IPv4 layout */
	assert_true(w < DCLIENT_TARGET_W);
	assert_string_equal(strstr(s, "\n") + 1,
		"eth0_10.0.0.42_10.0.0.100_80                 up      2026-01-02T03:04:05.678Z "
		"synack                  123        7\n"
		"eth0_2001:db8::42_2001:db8::100_8082         down    2026-01-02T03:04:05.678Z "
		"refused                   -       12\n");
	free(s);

	/* a long IPv6 name widens the column for every row, header included */
#define LONG6 "veth-lab-dir0_2001:db8:aaaa:bbbb:cccc:dddd:eeee:42_2001:db8:aaaa:bbbb:cccc:dddd:eeee:100_65535"
	s = table(DOC(ROW4("80", "up", "\"synack\"", "123", "7") ","
	              "{\"target\":\"" LONG6 "\",\"real_server\":\"2001:db8:aaaa:bbbb:cccc:dddd:eeee:42\","
	              "\"state\":\"up\"}"), &rc);
	assert_int_equal(rc, 0);
	assert_aligned(s, strlen(LONG6) + 1);
	assert_non_null(strstr(s, "\n" LONG6 " up      -"));
	free(s);
}

/* A name longer than synscoped ever writes (the document comes over a
 * socket) widens nothing past the cap: it overflows its own row only. */
static void test_width_capped(void **state)
{
	char name[600], *doc, *s, *row;
	int rc;

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_true(asprintf(&doc, DOC("{\"target\":\"%s\",\"real_server\":\"::1\",\"state\":\"up\"},"
	                               "{\"target\":\"a\",\"real_server\":\"::2\",\"state\":\"up\"}"),
	                     name) > 0);
	s = table(doc, &rc);
	assert_int_equal(rc, 0);
	assert_true(strncmp(s, "TARGET ", 7) == 0);
	assert_int_equal(strchr(s, 'S') - s, DCLIENT_TARGET_MAXW + 1);
	row = strstr(s, "\na ");
	assert_non_null(row);
	row++;
	assert_int_equal(strstr(row, "up") - row, DCLIENT_TARGET_MAXW + 1);
	free(s);
	free(doc);
	/* not the document: -1, nothing printed */
	s = table("[1,2]", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(s, "");
	free(s);
	/* rows of the wrong type print dashes, as before */
	s = table(DOC("1,null"), &rc);
	assert_int_equal(rc, 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_unchanged),
		cmocka_unit_test(test_ip6_widens),
		cmocka_unit_test(test_width_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
