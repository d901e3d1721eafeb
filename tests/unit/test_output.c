/* tcpeek's table line, header and summary against literal expected text,
 * including the seed's sample lines rebuilt from records. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "peek/output.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define SEC UINT64_C(1000000)

/* Capture what a formatter writes. */
struct sink {
	char *buf;
	size_t len;
	FILE *f;
};

static void sink_open(struct sink *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	assert_non_null(s->f);
}

static const char *sink_text(struct sink *s)
{
	fflush(s->f);
	return s->buf;
}

static void sink_close(struct sink *s)
{
	fclose(s->f);
	free(s->buf);
}

static int setup_tz(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static struct trk_event ev(enum trk_result r, uint32_t cli, uint16_t cport,
                           uint32_t srv, uint16_t sport, uint64_t start, uint64_t dur)
{
	struct trk_event e;

	memset(&e, 0, sizeof(e));
	e.result = r;
	e.cli_addr = addr_ip4(cli);
	e.cli_port = cport;
	e.srv_addr = addr_ip4(srv);
	e.srv_port = sport;
	e.start_us = start;
	e.end_us = start + dur;
	return e;
}

static void expect_line(const struct trk_event *e, const char *want)
{
	struct sink s;

	sink_open(&s);
	out_table_line(s.f, e);
	assert_string_equal(sink_text(&s), want);
	assert_int_equal(strlen(want), OUT_TABLE_WIDTH + 1);   /* + '\n' */
	sink_close(&s);
}

/* The seed's first sample line: a 2 ms success. */
static void test_line_seed_success(void **state)
{
	struct trk_event e = ev(TRK_SUCCESS, IP(192, 168, 2, 227), 48967,
	                        IP(192, 168, 2, 202), 80,
	                        UINT64_C(1341592742) * SEC + 552000, 2000);
	(void)state;
	expect_line(&e, "   0.002 | 12-07-06 16:39:02.552 |   192.168.2.227:48967   "
	                "192.168.2.202:80    |      success      |       0        0 \n");
}

/* An IPv6 line: bracketed addresses right-aligned in 41 columns each,
 * so the line is 2 x 26 characters longer than an IPv4 one; the longest
 * plain form fills its column exactly, a dotted tail widens the line. */
static void test_line_ipv6(void **state)
{
	struct trk_event e = ev(TRK_SUCCESS, 0, 20001, 0, 80, UINT64_C(1704067200) * SEC + 147000, 1000);
	struct sink s;
	unsigned char raw[16];
	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::c", raw), 1);
	e.cli_addr = addr_from_bytes(AF_INET6, raw);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::a", raw), 1);
	e.srv_addr = addr_from_bytes(AF_INET6, raw);
	sink_open(&s);
	out_table_line(s.f, &e);
	assert_string_equal(sink_text(&s),
	                    "   0.001 | 24-01-01 00:00:00.147 |                           [2001:db8:1::c]"
	                    ":20001                             [2001:db8::a]:80    "
	                    "|      success      |       0        0 \n");
	assert_int_equal(strlen(sink_text(&s)), OUT_TABLE_WIDTH + 1 + 2 * 26);
	sink_close(&s);
	assert_int_equal(inet_pton(AF_INET6, "1234:5678:9abc:def0:1234:5678:9abc:def0", raw), 1);
	e.cli_addr = addr_from_bytes(AF_INET6, raw);
	sink_open(&s);
	out_table_line(s.f, &e);
	assert_non_null(strstr(sink_text(&s), "| [1234:5678:9abc:def0:1234:5678:9abc:def0]:20001 "));
	assert_int_equal(strlen(sink_text(&s)), OUT_TABLE_WIDTH + 1 + 2 * 26);
	sink_close(&s);
}

/* The seed's reject line. */
static void test_line_seed_reject(void **state)
{
	struct trk_event e = ev(TRK_REJECT, IP(192, 168, 2, 228), 62876,
	                        IP(192, 168, 2, 227), 80,
	                        UINT64_C(1341592776) * SEC + 254000, 1000);
	(void)state;
	expect_line(&e, "   0.001 | 12-07-06 16:39:36.254 |   192.168.2.228:62876   "
	                "192.168.2.227:80    | failure (reject)  |       0        0 \n");
}

/* The seed's timeout line (the seed shows stray spaces after the last
 * column; the original's format string, which we keep, ends with one). */
static void test_line_seed_timeout(void **state)
{
	struct trk_event e = ev(TRK_TIMEOUT, IP(192, 168, 2, 227), 58376,
	                        IP(192, 168, 2, 207), 8080,
	                        UINT64_C(1341592889) * SEC + 723000, 39947000);
	(void)state;
	e.dupsyn = 2;
	expect_line(&e, "  39.947 | 12-07-06 16:41:29.723 |   192.168.2.227:58376   "
	                "192.168.2.207:8080  | failure (timeout) |       2        0 \n");
}

/* Our additions keep the column widths; milliseconds are truncated, not
 * rounded (.9999 s stays .999), and big counters widen the line only at
 * the end. */
static void test_line_unreach_abort(void **state)
{
	struct trk_event e = ev(TRK_UNREACH, IP(10, 0, 0, 1), 1,
	                        IP(255, 255, 255, 255), 65535,
	                        UINT64_C(1704067200) * SEC + 999999, 123);
	(void)state;
	e.dupsynack = 1234567;
	expect_line(&e, "   0.000 | 24-01-01 00:00:00.999 |        10.0.0.1:1     "
	                "255.255.255.255:65535 | failure (unreach) |       0  1234567 \n");
	e = ev(TRK_ABORT, IP(10, 0, 0, 1), 40000, IP(10, 0, 0, 2), 443,
	       UINT64_C(1704067200) * SEC, 12345678);
	expect_line(&e, "  12.346 | 24-01-01 00:00:00.000 |        10.0.0.1:40000 "
	                "       10.0.0.2:443   |      abort        |       0        0 \n");
}

static void test_result_strings(void **state)
{
	(void)state;
	for (int r = TRK_SUCCESS; r <= TRK_ABORT; r++)
		assert_int_equal(strlen(out_result_str((enum trk_result)r)), 17);
	assert_string_equal(out_result_str(TRK_SUCCESS), "     success     ");
	assert_string_equal(out_result_str(TRK_REJECT), "failure (reject) ");
	assert_string_equal(out_result_str(TRK_TIMEOUT), "failure (timeout)");
	assert_string_equal(out_result_str(TRK_UNREACH), "failure (unreach)");
	assert_string_equal(out_result_str(TRK_ABORT), "     abort       ");
}

static void test_header(void **state)
{
	struct sink s;
	char dashes[OUT_TABLE_WIDTH + 2];

	(void)state;
	memset(dashes, '-', OUT_TABLE_WIDTH);
	dashes[OUT_TABLE_WIDTH] = '\n';
	dashes[OUT_TABLE_WIDTH + 1] = '\0';
	sink_open(&s);
	out_header(s.f, 0, "eth0", "EN10MB", "Ethernet", 65535);
	out_table_header(s.f);
	{
		char want[1024];

		snprintf(want, sizeof(want), "%s%s%s",
		         "listening on eth0, link-type EN10MB (Ethernet), capture size 65535 bytes\n\n",
		         " TIME(s) |       TIMESTAMP       |      SRC IP:PORT            DST IP:PORT     "
		         "|      RESULTS      | DUP SYN  DUP S/A\n", dashes);
		assert_string_equal(sink_text(&s), want);
	}
	sink_close(&s);
	sink_open(&s);
	out_header(s.f, 1, "x.pcap", "LINUX_SLL2", "Linux cooked v2", 262144);
	assert_string_equal(sink_text(&s),
	        "reading from file x.pcap, link-type LINUX_SLL2 (Linux cooked v2), capture size 262144 bytes\n\n");
	sink_close(&s);
}

/* The seed's summary (its RX block) with our added lines. */
static void test_summary_seed(void **state)
{
	struct stat_counts rx, tx;
	struct out_filter f[2];
	struct sink s;
	uint64_t from = UINT64_C(1341247713) * SEC;

	(void)state;
	memset(&rx, 0, sizeof(rx));
	memset(&tx, 0, sizeof(tx));
	rx.reject = 10;
	tx.success = 783;
	f[0] = (struct out_filter){ "RX", &rx, 0 };
	f[1] = (struct out_filter){ "TX", &tx, 0 };
	sink_open(&s);
	out_summary(s.f, &(struct out_time){ from, from + 86106000, 0 }, f, 2, 89, 0, 0);
	assert_string_equal(sink_text(&s),
		"========== TCPEEK SUMMARY ==========\n"
		"     from : 2012-07-02 16:48:33\n"
		"       to : 2012-07-02 16:49:59\n"
		"     time :        86.106 (sec)\n"
		"------------------------------------\n"
		" RX\n"
		"   Success: 0 session\n"
		"     SYN Segment Duplicate :      0\n"
		"     S/A Segment Duplicate :      0\n"
		"   Failure: 10 session\n"
		"     Connection Timed Out  :      0\n"
		"     Connection Rejected   :     10\n"
		"     ICMP Unreachable      :      0\n"
		"   Aborted: 0 session\n"
		"   Open: 0 session\n"
		"   Untracked: 0 session\n"
		"   Handshake (ms): p50 0.000  p90 0.000  p99 0.000  max 0.000\n"
		"------------------------------------\n"
		" TX\n"
		"   Success: 783 session\n"
		"     SYN Segment Duplicate :      0\n"
		"     S/A Segment Duplicate :      0\n"
		"   Failure: 0 session\n"
		"     Connection Timed Out  :      0\n"
		"     Connection Rejected   :      0\n"
		"     ICMP Unreachable      :      0\n"
		"   Aborted: 0 session\n"
		"   Open: 0 session\n"
		"   Untracked: 0 session\n"
		"   Handshake (ms): p50 0.000  p90 0.000  p99 0.000  max 0.000\n"
		"------------------------------------\n"
		" pcap stats\n"
		"   recv   : 89\n"
		"   drop   : 0\n"
		"   ifdrop : 0\n"
		"====================================\n");
	sink_close(&s);
}

/* Every counter lands on its own line; failures are the sum of the three
 * kinds; percentiles come from the histogram, max exact. */
static void test_summary_counters(void **state)
{
	struct stat_counts c;
	struct out_filter f;
	struct sink s;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.success = 7;
	c.success_dupsyn = 2;
	c.success_dupsynack = 3;
	c.timeout = 4;
	c.reject = 5;
	c.unreach = 6;
	c.abort = 8;
	c.untracked = 9;
	hist_add(&c.hs, 1500);
	f = (struct out_filter){ "web \"x\"", &c, 11 };
	sink_open(&s);
	out_summary(s.f, &(struct out_time){ 0, 1500, 3 }, &f, 1, 4294967296u, 7, 5);
	assert_string_equal(sink_text(&s),
		"========== TCPEEK SUMMARY ==========\n"
		"     from : 1970-01-01 00:00:00\n"
		"       to : 1970-01-01 00:00:00\n"
		"     time :         0.002 (sec)\n"
		"    jumps : 3 timestamp(s) off by more than the timeout\n"
		"------------------------------------\n"
		" web \"x\"\n"
		"   Success: 7 session\n"
		"     SYN Segment Duplicate :      2\n"
		"     S/A Segment Duplicate :      3\n"
		"   Failure: 15 session\n"
		"     Connection Timed Out  :      4\n"
		"     Connection Rejected   :      5\n"
		"     ICMP Unreachable      :      6\n"
		"   Aborted: 8 session\n"
		"   Open: 11 session\n"
		"   Untracked: 9 session\n"
		"   Handshake (ms): p50 1.500  p90 1.500  p99 1.500  max 1.500\n"
		"------------------------------------\n"
		" pcap stats\n"
		"   recv   : 4294967296\n"
		"   drop   : 7\n"
		"   ifdrop : 5\n"
		"====================================\n");
	sink_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_seed_success),
		cmocka_unit_test(test_line_ipv6),
		cmocka_unit_test(test_line_seed_reject),
		cmocka_unit_test(test_line_seed_timeout),
		cmocka_unit_test(test_line_unreach_abort),
		cmocka_unit_test(test_result_strings),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_summary_seed),
		cmocka_unit_test(test_summary_counters),
	};
	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
