/*
 * tcpeekstat's modules: parsing and validation of the stats document,
 * table and Prometheus output compared with literal text, gmetric argv,
 * and the socket client against a tiny server forked by the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stat/tstat_client.h"
#include "stat/tstat_doc.h"
#include "stat/tstat_fmt.h"
#include "stat/tstat_gmetric.h"
#include "stat/tstat_out.h"
#include "stat/tstat_prom.h"
#include "sys/log.h"

#define FILTER_ZERO                                                                  \
	"{\"success\":{\"total\":0,\"dupsyn\":0,\"dupsynack\":0},"                   \
	"\"failure\":{\"total\":0,\"timeout\":0,\"reject\":0,\"unreach\":0,"         \
	"\"dupsyn\":0,\"dupsynack\":0},\"other\":{\"abort\":0,\"open\":0,\"untracked\":0},"  \
	"\"handshake_us\":{\"p50\":0,\"p90\":0,\"p99\":0,\"max\":0}}"

/* A GET answer as tcpeek prints it (docs/tcpeek-json.md). */
static const char GET_DOC[] =
	"[{\"RX\":{\"success\":{\"total\":12,\"dupsyn\":1,\"dupsynack\":2},"
	"\"failure\":{\"total\":7,\"timeout\":1,\"reject\":2,\"unreach\":4,"
	"\"dupsyn\":3,\"dupsynack\":0},\"other\":{\"abort\":5,\"open\":6,\"untracked\":8},"
	"\"handshake_us\":{\"p50\":1234,\"p90\":5000,\"p99\":1500000,\"max\":2000001}}},"
	"{\"TX\":" FILTER_ZERO "},"
	"{\"web\":{\"success\":{\"total\":18446744073709551615,\"dupsyn\":0,\"dupsynack\":0},"
	"\"failure\":{\"total\":1,\"timeout\":1,\"reject\":0,\"unreach\":0,"
	"\"dupsyn\":0,\"dupsynack\":0},\"other\":{\"abort\":0,\"open\":0,\"untracked\":0},"
	"\"handshake_us\":{\"p50\":999,\"p90\":999,\"p99\":999,\"max\":999}}},"
	"{\"pcap\":{\"stats\":{\"recv\":100,\"drop\":2,\"ifdrop\":3},"
	"\"tracker\":{\"packets\":100,\"malformed\":1,\"untracked\":8,\"open\":6,"
	"\"peak\":9,\"max_sessions\":1048576}}}]";

/* What the original tcpeek answered: fewer fields, no pcap.tracker. */
static const char OLD_DOC[] =
	"[{\"RX\":{\"success\":{\"total\":3,\"dupsyn\":0,\"dupsynack\":0},"
	"\"failure\":{\"total\":1,\"timeout\":0,\"reject\":1}}},"
	"{\"pcap\":{\"stats\":{\"recv\":9,\"drop\":0,\"ifdrop\":0}}}]\n";

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char *capture(void (*fn)(FILE *, const struct tstat_doc *), const struct tstat_doc *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, d);
	fclose(f);
	return buf;
}

static void prom_void(FILE *f, const struct tstat_doc *d)
{
	assert_int_equal(tstat_fmt_prom(f, d, NULL), 0);
}

static void parse_ok(const char *text, struct tstat_doc *d)
{
	char err[256] = "";

	if (tstat_parse(text, strlen(text), d, err, sizeof(err)) != 0)
		fail_msg("parse failed: %s", err);
}

static void test_parse_get(void **state)
{
	struct tstat_doc d;
	uint64_t v;

	(void)state;
	parse_ok(GET_DOC, &d);
	assert_int_equal(d.nelems, 4);
	assert_string_equal(d.elems[0].name, "RX");
	assert_string_equal(d.elems[2].name, "web");
	assert_false(d.elems[0].is_pcap);
	assert_true(d.elems[3].is_pcap);
	assert_int_equal(d.elems[0].nitems, 3 + 6 + 3 + 4);
	assert_true(tstat_get(&d.elems[0], "failure", "unreach", &v));
	assert_int_equal(v, 4);
	assert_true(tstat_get(&d.elems[0], "other", "open", &v));
	assert_int_equal(v, 6);
	assert_true(tstat_get(&d.elems[2], "success", "total", &v));
	assert_true(v == UINT64_MAX);
	assert_false(tstat_get(&d.elems[0], "", "total", &v));
	assert_true(tstat_get(&d.elems[3], "tracker", "max_sessions", &v));
	assert_int_equal(v, 1048576);
	/* document order is kept */
	assert_string_equal(d.elems[0].items[0].section, "success");
	assert_string_equal(d.elems[0].items[0].key, "total");
	assert_string_equal(d.elems[0].items[9].section, "other");
	assert_string_equal(d.elems[0].items[9].key, "abort");
	tstat_doc_free(&d);
}

static void test_parse_bad(void **state)
{
	static const char *bad[] = {
		"", "   ", "[", "[{\"RX\":{}}", "{\"RX\":{}}", "\"text\"", "42", "null",
		"[1]", "[[]]", "[{}]", "[{\"RX\":{},\"TX\":{}}]", "[{\"RX\":5}]",
		"[{\"RX\":{\"abort\":-1}}]", "[{\"RX\":{\"abort\":1.5}}]",
		"[{\"RX\":{\"abort\":\"3\"}}]", "[{\"RX\":{\"abort\":true}}]",
		"[{\"RX\":{\"abort\":null}}]",
		"[{\"RX\":{\"success\":{\"total\":{\"x\":1}}}}]",
		"[{\"RX\":{\"success\":{\"total\":[1]}}}]",
		"[{\"RX\":{\"bad key\":1}}]", "[{\"RX\":{\"success\":{\"t-otal\":1}}}]",
		"[{\"RX\":{\"\":1}}]",
		"[{\"\":{}}]", "[{\"RX\":{}}] x", "[{\"RX\":{}}][]",
		"[{\"RX\":{\"a\":1}},]",   /* (json-c 0.16 accepts single quotes even when strict) */
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"[{\"R\nX\":{\"abort\":-2}}]",
		"[{\"RX\":{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1}}]",
	};
	struct tstat_doc d;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (tstat_parse(bad[i], strlen(bad[i]), &d, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));         /* one line */
		assert_int_equal(d.nelems, 0);
	}
	/* an embedded NUL */
	assert_int_equal(tstat_parse("[]\0[]", 5, &d, err, sizeof(err)), -1);
	assert_string_equal(err, "NUL byte in answer");
	/* named reasons */
	tstat_parse("[{\"RX\":{\"abort\":-1}}]", 21, &d, err, sizeof(err));
	assert_string_equal(err,
	                    "unexpected JSON: filter \"RX\": abort is not a non-negative integer");
	tstat_parse("[1]", 3, &d, err, sizeof(err));
	assert_string_equal(err, "unexpected JSON: element 0 is not a single-key object");
	/* an empty array is a valid (if odd) document */
	parse_ok("[]", &d);
	assert_int_equal(d.nelems, 0);
	tstat_doc_free(&d);
}

/* Parse text; on refusal the reason must be one line containing want. */
static void refused(const char *text, size_t len, const char *want)
{
	struct tstat_doc d;
	char err[256] = "";

	if (tstat_parse(text, len, &d, err, sizeof(err)) != -1)
		fail_msg("accepted (wanted \"%s\"): %.80s", want, text);
	assert_null(strchr(err, '\n'));
	if (strstr(err, want) == NULL)
		fail_msg("reason \"%s\" does not say \"%s\"", err, want);
	assert_int_equal(d.nelems, 0);
}

static void accepted(const char *text, size_t len)
{
	struct tstat_doc d;
	char err[256] = "";

	if (tstat_parse(text, len, &d, err, sizeof(err)) != 0)
		fail_msg("refused: %s: %.80s", err, text);
	tstat_doc_free(&d);
}

#define REFUSED(text, want) refused(text, sizeof(text) - 1, want)
#define ACCEPTED(text) accepted(text, sizeof(text) - 1)

/* Counters: exactly 0..2^64-1 (json-c alone saturates above it). */
static void test_parse_counter_range(void **state)
{
	struct tstat_doc d;
	uint64_t v;

	(void)state;
	parse_ok("[{\"RX\":{\"success\":{\"total\":18446744073709551615}}}]", &d);
	assert_true(tstat_get(&d.elems[0], "success", "total", &v));
	assert_true(v == UINT64_MAX);
	tstat_doc_free(&d);
	ACCEPTED("[{\"RX\":{\"abort\":0,\"open\":9223372036854775808}}]");
	REFUSED("[{\"RX\":{\"success\":{\"total\":18446744073709551616}}}]",
	        "filter \"RX\": counter success.total is above 18446744073709551615 "
	        "(at offset 27)");
	REFUSED("[{\"RX\":{\"abort\":99999999999999999999}}]", "counter abort is above");
	REFUSED("[{\"RX\":{\"abort\":184467440737095516150}}]", "counter abort is above");
	REFUSED("[{\"RX\":{\"abort\":1000000000000000000000000000000000000000}}]",
	        "is above");
	REFUSED("[{\"RX\":{\"abort\":-1}}]", "not a non-negative integer");
	REFUSED("[{\"RX\":{\"abort\":-99999999999999999999}}]", "not a non-negative integer");
	REFUSED("[{\"RX\":{\"abort\":1e30}}]", "not a non-negative integer");
}

/* Names: 1..63 bytes of UTF-8 without control characters or NUL. */
static void test_parse_names(void **state)
{
	char doc[256];
	struct tstat_doc d;

	(void)state;
	ACCEPTED("[{\"caf\xc3\xa9\":{}},{\"\xf0\x9f\x98\x80\":{}},{\"a b;\\\"x\\\\\":{}}]");
	ACCEPTED("[{\"\\u00e9\\ud83d\\ude00\":{}}]");
	/* an escaped NUL: json-c would cut the name, two names become one */
	REFUSED("[{\"a\\u0000x\":{}},{\"a\\u0000y\":{}}]",
	        "element 0: name contains an escaped NUL (at offset 4)");
	REFUSED("[{\"RX\":{\"abort\\u0000x\":1}}]", "filter \"RX\": string contains an escaped NUL");
	REFUSED("[{\"RX\":{\"abort\":\"\\u0000\"}}]", "escaped NUL");
	REFUSED("[{\"ok\xff\xfe\":{}}]", "element 0: name is not valid UTF-8: \"ok\\xff\\xfe\"");
	REFUSED("[{\"\xc0\xaf\":{}}]", "not valid UTF-8");           /* overlong */
	REFUSED("[{\"\xe0\x80\xaf\":{}}]", "not valid UTF-8");       /* overlong */
	REFUSED("[{\"\xed\xa0\x80\":{}}]", "not valid UTF-8");       /* surrogate */
	REFUSED("[{\"\xf4\x90\x80\x80\":{}}]", "not valid UTF-8");   /* > U+10FFFF */
	REFUSED("[{\"ab\xc3\":{}}]", "not valid UTF-8");             /* cut */
	REFUSED("[{\"a\\u0001\":{}}]", "element 0: control character in name: \"a\\x01\"");
	REFUSED("[{\"a\\tb\":{}}]", "control character");
	REFUSED("[{\"a\\u007f\":{}}]", "control character");
	REFUSED("[{\"a\\u009b\":{}}]", "control character");        /* C1 CSI */
	REFUSED("[{\"R\\nX\":{}}]", "control character");
	/* 63 bytes: tcpeek's longest; 64 refused */
	memset(doc, 0, sizeof(doc));
	memcpy(doc, "[{\"", 3);
	memset(doc + 3, 'n', 63);
	memcpy(doc + 66, "\":{}}]", 6);
	parse_ok(doc, &d);
	assert_int_equal(strlen(d.elems[0].name), 63);
	tstat_doc_free(&d);
	memset(doc + 3, 'n', 64);
	memcpy(doc + 67, "\":{}}]", 6);
	refused(doc, strlen(doc), "element 0: name longer than 63 bytes (64): \"nnnn");
}

/* Counts: elements, counters of one filter, values of the document. */
static void test_parse_counts(void **state)
{
	size_t cap = 1 << 20, n, i;
	char *doc = malloc(cap);

	(void)state;
	/* 1024 elements accepted, 1025 refused */
	for (i = 1024; i <= 1025; i++) {
		n = 0;
		doc[n++] = '[';
		for (size_t k = 0; k < i; k++)
			n += (size_t)snprintf(doc + n, cap - n, "%s{\"f%zu\":{}}", k ? "," : "", k);
		doc[n++] = ']';
		if (i == 1024)
			accepted(doc, n);
		else
			refused(doc, n, "more than 1024 elements");
	}
	/* 256 counters in one filter accepted, 257 refused: in one object
	 * (by the scan) and spread over sections (by the records) */
	for (i = 256; i <= 257; i++) {
		n = (size_t)snprintf(doc, cap, "[{\"RX\":{");
		for (size_t k = 0; k < i; k++)
			n += (size_t)snprintf(doc + n, cap - n, "%s\"k%zu\":%zu", k ? "," : "", k, k);
		n += (size_t)snprintf(doc + n, cap - n, "}}]");
		if (i == 256)
			accepted(doc, n);
		else
			refused(doc, n, "filter \"RX\": more than 256 members in one object");
	}
	n = (size_t)snprintf(doc, cap, "[{\"RX\":{");
	for (size_t k = 0; k < 3; k++) {
		n += (size_t)snprintf(doc + n, cap - n, "%s\"s%zu\":{", k ? "," : "", k);
		for (size_t j = 0; j < 100; j++)
			n += (size_t)snprintf(doc + n, cap - n, "%s\"k%zu\":1", j ? "," : "", j);
		doc[n++] = '}';
	}
	n += (size_t)snprintf(doc + n, cap - n, "}}]");
	refused(doc, n, "filter \"RX\": 300 counters, more than 256");
	/* 100 filters of 200 counters: 20,100 values, more than 16384 */
	n = 0;
	doc[n++] = '[';
	for (i = 0; i < 100; i++) {
		n += (size_t)snprintf(doc + n, cap - n, "%s{\"f%zu\":{", i ? "," : "", i);
		for (size_t j = 0; j < 200; j++)
			n += (size_t)snprintf(doc + n, cap - n, "%s\"k%zu\":1", j ? "," : "", j);
		n += (size_t)snprintf(doc + n, cap - n, "}}");
	}
	doc[n++] = ']';
	refused(doc, n, "more than 16384 values in the answer");
	/* the deepest nesting is refused before json-c sees it */
	REFUSED("[[[[[[[[[1]]]]]]]]]", "nested deeper than 8");
	free(doc);
}

/* Every proper prefix of a document is refused with one line; damaged
 * bytes never crash the parser or the formatters (run under SAN=1). */
static void test_parse_damaged(void **state)
{
	size_t len = strlen(GET_DOC), i, b;
	char *buf = malloc(len + 1), err[256];
	struct tstat_doc d;
	FILE *f;

	(void)state;
	for (i = 0; i < len; i++) {
		err[0] = '\0';
		assert_int_equal(tstat_parse(GET_DOC, i, &d, err, sizeof(err)), -1);
		assert_true(err[0] != '\0' && strchr(err, '\n') == NULL);
	}
	f = fopen("/dev/null", "w");
	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b++) {
			memcpy(buf, GET_DOC, len + 1);
			buf[i] ^= (char)(1u << b);
			if (buf[i] == '\0')
				continue;
			if (tstat_parse(buf, len, &d, err, sizeof(err)) == 0) {
				tstat_fmt_table(f, &d);
				assert_int_equal(tstat_fmt_prom(f, &d, NULL), 0);
				tstat_doc_free(&d);
			} else {
				assert_null(strchr(err, '\n'));
			}
		}
	}
	fclose(f);
	free(buf);
}

/* A file of the source tree, found from this file's own path (the tests
 * run from the top of the tree, and __FILE__ is relative to it or
 * absolute). */
static char *slurp_src(const char *rel, size_t *len)
{
	static const char me[] = "tests/unit/test_tcpeekstat.c";
	const char *file = __FILE__;
	size_t n = strlen(file), plen = n >= strlen(me) ? n - strlen(me) : 0;
	char path[4096];
	char *buf;
	FILE *f;
	long sz;

	snprintf(path, sizeof(path), "%.*s%s", (int)plen, file, rel);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	assert_true(sz > 0);
	rewind(f);
	buf = malloc((size_t)sz + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
	buf[sz] = '\0';
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

/* The original tcpeekstat's output for the original tcpeek's document,
 * both recorded in a lab (tests/data/compat): byte for byte. */
static void test_plain_fixture(void **state)
{
	struct tstat_doc d;
	char err[256] = "", *doc, *want, *out;
	size_t doclen, wantlen, len;

	(void)state;
	doc = slurp_src("tests/data/compat/tcpeek-original-get.json", &doclen);
	want = slurp_src("tests/data/compat/tcpeekstat-plain.txt", &wantlen);
	if (tstat_parse(doc, doclen, &d, err, sizeof(err)) != 0)
		fail_msg("parse failed: %s", err);
	assert_int_equal(tstat_render(TSTAT_VIEW_PLAIN, &d, TSTAT_MAX_OUTPUT, &out, &len), 0);
	assert_int_equal(len, wantlen);
	assert_memory_equal(out, want, len);
	free(out);
	/* bounded like the other views */
	errno = 0;
	assert_int_equal(tstat_render(TSTAT_VIEW_PLAIN, &d, wantlen - 1, &out, &len), -1);
	assert_int_equal(errno, EFBIG);
	tstat_doc_free(&d);
	free(doc);
	free(want);
}

/* Our whole document, in document order: the sections the original
 * never had (other, handshake_us, pcap.tracker) are walked the same way,
 * and longer keys and values push the columns as printf would. */
static void test_plain_full(void **state)
{
	struct tstat_doc d;
	char *out;

	(void)state;
	parse_ok(GET_DOC, &d);
	out = capture(tstat_fmt_plain, &d);
	assert_string_equal(out,
		"====== TCPEEK SUMMARY ======\n"
		"----------------------------\n"
		" RX\n"
		"----------------------------\n"
		" success\n"
		"     total              12\n"
		"     dupsyn              1\n"
		"     dupsynack           2\n"
		" failure\n"
		"     total               7\n"
		"     timeout             1\n"
		"     reject              2\n"
		"     unreach             4\n"
		"     dupsyn              3\n"
		"     dupsynack           0\n"
		" other\n"
		"     abort               5\n"
		"     open                6\n"
		"     untracked           8\n"
		" handshake_us\n"
		"     p50              1234\n"
		"     p90              5000\n"
		"     p99           1500000\n"
		"     max           2000001\n"
		"----------------------------\n"
		" TX\n"
		"----------------------------\n"
		" success\n"
		"     total               0\n"
		"     dupsyn              0\n"
		"     dupsynack           0\n"
		" failure\n"
		"     total               0\n"
		"     timeout             0\n"
		"     reject              0\n"
		"     unreach             0\n"
		"     dupsyn              0\n"
		"     dupsynack           0\n"
		" other\n"
		"     abort               0\n"
		"     open                0\n"
		"     untracked           0\n"
		" handshake_us\n"
		"     p50                 0\n"
		"     p90                 0\n"
		"     p99                 0\n"
		"     max                 0\n"
		"----------------------------\n"
		" web\n"
		"----------------------------\n"
		" success\n"
		"     total      18446744073709551615\n"
		"     dupsyn              0\n"
		"     dupsynack           0\n"
		" failure\n"
		"     total               1\n"
		"     timeout             1\n"
		"     reject              0\n"
		"     unreach             0\n"
		"     dupsyn              0\n"
		"     dupsynack           0\n"
		" other\n"
		"     abort               0\n"
		"     open                0\n"
		"     untracked           0\n"
		" handshake_us\n"
		"     p50               999\n"
		"     p90               999\n"
		"     p99               999\n"
		"     max               999\n"
		"----------------------------\n"
		" pcap\n"
		"----------------------------\n"
		" stats\n"
		"     recv              100\n"
		"     drop                2\n"
		"     ifdrop              3\n"
		" tracker\n"
		"     packets           100\n"
		"     malformed           1\n"
		"     untracked           8\n"
		"     open                6\n"
		"     peak                9\n"
		"     max_sessions    1048576\n"
		"============================\n");
	free(out);
	tstat_doc_free(&d);
}

/* A document of an older tcpeek with bare integers (which the original
 * client could not walk): printed without a section header, between the
 * sections where they stand; an empty document is the frame alone. */
static void test_plain_bare(void **state)
{
	static const char bare[] =
		"[{\"RX\":{\"success\":{\"total\":3},\"abort\":1,\"failure\":{\"total\":0},"
		"\"open\":2}}]";
	struct tstat_doc d;
	char *out;

	(void)state;
	parse_ok(bare, &d);
	out = capture(tstat_fmt_plain, &d);
	assert_string_equal(out,
		"====== TCPEEK SUMMARY ======\n"
		"----------------------------\n"
		" RX\n"
		"----------------------------\n"
		" success\n"
		"     total               3\n"
		"     abort               1\n"
		" failure\n"
		"     total               0\n"
		"     open                2\n"
		"============================\n");
	free(out);
	tstat_doc_free(&d);
	parse_ok("[]", &d);
	out = capture(tstat_fmt_plain, &d);
	assert_string_equal(out, "====== TCPEEK SUMMARY ======\n============================\n");
	free(out);
	tstat_doc_free(&d);
}

static void test_table(void **state)
{
	struct tstat_doc d;
	char *out;

	(void)state;
	parse_ok(GET_DOC, &d);
	out = capture(tstat_fmt_table, &d);
	assert_string_equal(out,
		"FILTER    SUCCESS     DUPSYN  DUPSYNACK    FAILURE    TIMEOUT     REJECT"
		"    UNREACH      ABORT       OPEN    P50(ms)    P99(ms)\n"
		"RX             12          1          2          7          1          2"
		"          4          5          6      1.234   1500.000\n"
		"TX              0          0          0          0          0          0"
		"          0          0          0      0.000      0.000\n"
		"web    18446744073709551615          0          0          1          1"
		"          0          0          0          0      0.999      0.999\n"
		"pcap stats: recv 100 drop 2 ifdrop 3\n"
		"pcap tracker: packets 100 malformed 1 untracked 8 open 6 peak 9"
		" max_sessions 1048576\n");
	free(out);
	tstat_doc_free(&d);

	/* missing fields of an older tcpeek show as "-" */
	parse_ok(OLD_DOC, &d);
	out = capture(tstat_fmt_table, &d);
	assert_string_equal(out,
		"FILTER    SUCCESS     DUPSYN  DUPSYNACK    FAILURE    TIMEOUT     REJECT"
		"    UNREACH      ABORT       OPEN    P50(ms)    P99(ms)\n"
		"RX              3          0          0          1          0          1"
		"          -          -          -          -          -\n"
		"pcap stats: recv 9 drop 0 ifdrop 0\n");
	free(out);
	tstat_doc_free(&d);
}

/* The text is built in memory and refused whole beyond its cap. */
static void test_render(void **state)
{
	struct tstat_doc d;
	char *want, *out;
	size_t len;

	(void)state;
	parse_ok(GET_DOC, &d);
	want = capture(prom_void, &d);
	assert_int_equal(tstat_render(TSTAT_VIEW_PROM, &d, TSTAT_MAX_OUTPUT, &out, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);
	/* exactly its size fits, a byte less does not */
	assert_int_equal(tstat_render(TSTAT_VIEW_PROM, &d, strlen(want), &out, &len), 0);
	free(out);
	errno = 0;
	assert_int_equal(tstat_render(TSTAT_VIEW_PROM, &d, strlen(want) - 1, &out, &len), -1);
	assert_int_equal(errno, EFBIG);
	assert_null(out);
	free(want);
	want = capture(tstat_fmt_table, &d);
	assert_int_equal(tstat_render(TSTAT_VIEW_TABLE, &d, TSTAT_MAX_OUTPUT, &out, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);
	assert_int_equal(tstat_render(TSTAT_VIEW_TABLE, &d, 100, &out, &len), -1);
	assert_int_equal(errno, EFBIG);
	free(want);
	tstat_doc_free(&d);
}

static void test_prom_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(tstat_prom_escape(out, sizeof(out), "plain"), 5);
	assert_string_equal(out, "plain");
	assert_int_equal(tstat_prom_escape(out, sizeof(out), "a\"b\\c\nd"), 10);
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	/* truncation keeps the string terminated and reports the full size */
	assert_int_equal(tstat_prom_escape(out, 4, "\"\"\""), 6);
	assert_string_equal(out, "\\\"\\");
	assert_int_equal(tstat_prom_escape(NULL, 0, "x\"y"), 4);
}

static void test_prom_exact(void **state)
{
	static const char doc[] =
		"[{\"RX\":{\"success\":{\"total\":3,\"dupsyn\":1},\"open\":2,"
		"\"handshake_us\":{\"p50\":1500,\"p99\":2000000,\"max\":2500000}}},"
		"{\"we\\\"b\\\\1\":{\"success\":{\"total\":1,\"dupsyn\":0},\"open\":0,"
		"\"handshake_us\":{\"p50\":7,\"p99\":7,\"max\":7}}},"
		"{\"pcap\":{\"stats\":{\"recv\":10,\"drop\":0,\"ifdrop\":1},"
		"\"tracker\":{\"open\":2}}}]";
	struct tstat_doc d;
	char *out;

	(void)state;
	parse_ok(doc, &d);
	assert_string_equal(d.elems[1].name, "we\"b\\1");
	out = capture(prom_void, &d);
	assert_string_equal(out,
		"# HELP tcpeek_success_total Handshakes completed.\n"
		"# TYPE tcpeek_success_total counter\n"
		"tcpeek_success_total{filter=\"RX\"} 3\n"
		"tcpeek_success_total{filter=\"we\\\"b\\\\1\"} 1\n"
		"# HELP tcpeek_success_dupsyn_total Completed handshakes that saw a retransmitted SYN.\n"
		"# TYPE tcpeek_success_dupsyn_total counter\n"
		"tcpeek_success_dupsyn_total{filter=\"RX\"} 1\n"
		"tcpeek_success_dupsyn_total{filter=\"we\\\"b\\\\1\"} 0\n"
		"# HELP tcpeek_open Handshakes in progress.\n"
		"# TYPE tcpeek_open gauge\n"
		"tcpeek_open{filter=\"RX\"} 2\n"
		"tcpeek_open{filter=\"we\\\"b\\\\1\"} 0\n"
		"# HELP tcpeek_handshake_seconds_max Longest time from first SYN to completing ACK.\n"
		"# TYPE tcpeek_handshake_seconds_max gauge\n"
		"tcpeek_handshake_seconds_max{filter=\"RX\"} 2.500000\n"
		"tcpeek_handshake_seconds_max{filter=\"we\\\"b\\\\1\"} 0.000007\n"
		"# HELP tcpeek_pcap_recv_total Packets received by the capture.\n"
		"# TYPE tcpeek_pcap_recv_total counter\n"
		"tcpeek_pcap_recv_total 10\n"
		"# HELP tcpeek_pcap_drop_total Packets dropped by the capture buffer.\n"
		"# TYPE tcpeek_pcap_drop_total counter\n"
		"tcpeek_pcap_drop_total 0\n"
		"# HELP tcpeek_pcap_ifdrop_total Packets dropped by the interface.\n"
		"# TYPE tcpeek_pcap_ifdrop_total counter\n"
		"tcpeek_pcap_ifdrop_total 1\n"
		"# HELP tcpeek_tracker_open Sessions open.\n"
		"# TYPE tcpeek_tracker_open gauge\n"
		"tcpeek_tracker_open 2\n");
	free(out);
	tstat_doc_free(&d);
}

/* Every line of the full document is well formed and grouped. */
static void test_prom_full(void **state)
{
	struct tstat_doc d;
	char *out, *line, *save = NULL, last_type[96] = "";
	int samples = 0, types = 0;

	(void)state;
	parse_ok(GET_DOC, &d);
	out = capture(prom_void, &d);
	assert_non_null(strstr(out, "tcpeek_failure_unreach_total{filter=\"RX\"} 4\n"));
	assert_non_null(strstr(out, "tcpeek_success_total{filter=\"web\"} 18446744073709551615\n"));
	assert_non_null(strstr(out, "tcpeek_abort_total{filter=\"RX\"} 5\n"));
	assert_non_null(strstr(out, "# TYPE tcpeek_abort_total counter\n"));
	assert_non_null(strstr(out, "# TYPE tcpeek_untracked_total counter\n"));
	assert_non_null(strstr(out, "tcpeek_handshake_seconds_max{filter=\"RX\"} 2.000001\n"));
	assert_null(strstr(out, "quantile"));
	assert_non_null(strstr(out, "tcpeek_tracker_max_sessions 1048576\n"));
	assert_non_null(strstr(out, "# TYPE tcpeek_tracker_peak gauge\n"));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			/* a metric's TYPE appears once: its samples follow it */
			char name[96];

			sscanf(line + 7, "%95s", name);
			assert_string_not_equal(name, last_type);
			snprintf(last_type, sizeof(last_type), "%s", name);
			types++;
		} else if (line[0] != '#') {
			assert_int_equal(strncmp(line, last_type, strlen(last_type)), 0);
			samples++;
		}
	}
	/* per filter: 12 counters and the max (percentiles left out) */
	assert_int_equal(samples, 3 * (3 + 6 + 3 + 1) + 3 + 6);
	assert_int_equal(types, 3 + 6 + 3 + 1 + 3 + 6);
	free(out);
	tstat_doc_free(&d);
}

static void test_gmetric_argv(void **state)
{
	static const char refresh[] =
		"[{\"RX\":{\"success\":{\"total\":4,\"dupsyn\":1,\"dupsynack\":0},"
		"\"failure\":{\"total\":2,\"timeout\":0,\"reject\":2,\"unreach\":0,"
		"\"dupsyn\":0,\"dupsynack\":0},\"other\":{\"abort\":1,\"open\":3,\"untracked\":0},"
		"\"handshake_us\":{\"p50\":10,\"p90\":10,\"p99\":10,\"max\":10}}},"
		"{\"TX\":" FILTER_ZERO "},{\"a b;rm -rf\":" FILTER_ZERO "},"
		"{\"pcap\":{\"stats\":{\"recv\":1,\"drop\":0,\"ifdrop\":0}}}]";
	struct tstat_gcmd *c;
	struct tstat_doc d;
	size_t n;

	(void)state;
	parse_ok(refresh, &d);
	assert_int_equal(tstat_gmetric_cmds(&d, "/opt/ganglia/bin/gmetric", &c, &n), 0);
	assert_int_equal(n, 3 * 9);     /* success 3 + failure 6, pcap skipped */
	assert_string_equal(c[0].argv[0], "/opt/ganglia/bin/gmetric");
	assert_string_equal(c[0].argv[1], "-n");
	assert_string_equal(c[0].argv[2], "tcpeek_RX_success_total");
	assert_string_equal(c[0].argv[3], "-v");
	assert_string_equal(c[0].argv[4], "4");
	assert_string_equal(c[0].argv[5], "-t");
	assert_string_equal(c[0].argv[6], "uint32");
	assert_null(c[0].argv[7]);
	assert_string_equal(c[1].argv[2], "tcpeek_RX_success_dupsyn");
	assert_string_equal(c[1].argv[4], "1");
	assert_string_equal(c[4].argv[2], "tcpeek_RX_failure_timeout");
	assert_string_equal(c[5].argv[2], "tcpeek_RX_failure_reject");
	assert_string_equal(c[5].argv[4], "2");
	assert_string_equal(c[9].argv[2], "tcpeek_TX_success_total");
	/* the name is one argument, never split or interpreted */
	assert_string_equal(c[18].argv[2], "tcpeek_a b;rm -rf_success_total");
	assert_string_equal(c[26].argv[2], "tcpeek_a b;rm -rf_failure_dupsynack");
	tstat_gmetric_free(c, n);
	tstat_doc_free(&d);
}

static void test_gmetric_run(void **state)
{
	static const char doc[] = "[{\"RX\":{\"success\":{\"total\":4}}}]";
	struct tstat_gcmd *c;
	struct tstat_doc d;
	char *buf = NULL;
	size_t n, len;
	FILE *f;

	(void)state;
	parse_ok(doc, &d);
	assert_int_equal(tstat_gmetric_cmds(&d, "/bin/true", &c, &n), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(tstat_gmetric_run(c, n, f, UINT64_MAX), 0);
	fclose(f);
	assert_string_equal(buf, "/bin/true -n tcpeek_RX_success_total -v 4 -t uint32\n");
	free(buf);
	tstat_gmetric_free(c, n);

	assert_int_equal(tstat_gmetric_cmds(&d, "/bin/false", &c, &n), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(tstat_gmetric_run(c, n, f, UINT64_MAX), 1);
	fclose(f);
	free(buf);
	tstat_gmetric_free(c, n);

	assert_int_equal(tstat_gmetric_cmds(&d, "/nonexistent/gmetric", &c, &n), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(tstat_gmetric_run(c, n, f, UINT64_MAX), 1);
	fclose(f);
	free(buf);
	tstat_gmetric_free(c, n);
	tstat_doc_free(&d);
}

/* -g is bounded: the count is known before any run, and a gmetric that
 * does not end is killed at the deadline, the rest not started. */
static void test_gmetric_bounds(void **state)
{
	static const char doc[] =
		"[{\"RX\":" FILTER_ZERO "},{\"TX\":" FILTER_ZERO "},"
		"{\"pcap\":{\"stats\":{\"recv\":1}}}]";
	char dirt[] = "/tmp/test_tstat_gm.XXXXXX", prog[64], *buf = NULL;
	struct tstat_gcmd *c;
	struct tstat_doc d;
	uint64_t t0, dt;
	size_t n, len;
	FILE *f;

	(void)state;
	parse_ok(doc, &d);
	assert_int_equal(tstat_gmetric_count(&d), 2 * 9);
	assert_non_null(mkdtemp(dirt));
	snprintf(prog, sizeof(prog), "%s/gm", dirt);
	f = fopen(prog, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexec sleep 100\n", f);
	fclose(f);
	assert_int_equal(chmod(prog, 0700), 0);
	assert_int_equal(tstat_gmetric_cmds(&d, prog, &c, &n), 0);
	assert_int_equal(n, 18);
	f = open_memstream(&buf, &len);
	t0 = mono_ms();
	/* the first runs until the deadline, then is killed; 17 not run */
	assert_int_equal(tstat_gmetric_run(c, n, f, (mono_ms() + 300) * 1000), 18);
	dt = mono_ms() - t0;
	fclose(f);
	assert_true(dt >= 300);
	assert_true(dt < 3000);
	/* only the one started was printed */
	assert_non_null(strstr(buf, "tcpeek_RX_success_total"));
	assert_null(strstr(buf, "tcpeek_RX_success_dupsyn"));
	free(buf);
	/* a deadline already past: nothing starts */
	f = open_memstream(&buf, &len);
	assert_int_equal(tstat_gmetric_run(c, n, f, 1), 18);
	fclose(f);
	assert_int_equal(len, 0);
	free(buf);
	tstat_gmetric_free(c, n);
	tstat_doc_free(&d);
	unlink(prog);
	rmdir(dirt);
}

/* ---- the client against a forked one-shot server ----------------------- */

enum srv_mode { SRV_ANSWER, SRV_SILENT, SRV_HUGE, SRV_CLOSE };

static char dir[48], path[96];

static int listen_at(const char *p)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* The child: accept one client, check its request line, act per mode.
 * Exit status 0 only if the request was exactly what tcpeek expects. */
static pid_t server(int lfd, enum srv_mode mode, const char *want)
{
	pid_t pid = fork();
	char req[64];
	size_t n = 0;
	ssize_t r;
	int fd;

	assert_true(pid >= 0);
	if (pid > 0) {
		close(lfd);
		return pid;
	}
	fd = accept(lfd, NULL, NULL);
	while (n < strlen(want) && (r = read(fd, req + n, sizeof(req) - 1 - n)) > 0)
		n += (size_t)r;
	req[n] = '\0';
	if (strcmp(req, want) != 0)
		_exit(2);
	if (mode == SRV_ANSWER) {
		if (write(fd, GET_DOC, strlen(GET_DOC)) != (ssize_t)strlen(GET_DOC))
			_exit(3);
	} else if (mode == SRV_SILENT) {
		pause();
	} else if (mode == SRV_HUGE) {
		char big[8192];

		memset(big, ' ', sizeof(big));
		while (write(fd, big, sizeof(big)) > 0)
			;
	}
	close(fd);
	_exit(0);
}

/* Wait for the child; stop it first if it would wait forever. */
static int reap(pid_t pid, int stop)
{
	int st;

	if (stop)
		kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int csetup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_tstat.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	return 0;
}

static int cteardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

/* tcpeek with every slot taken: "busy\n" and close, without reading the
 * request, to the first nbusy clients; then the document. */
static pid_t busy_server(int lfd, int nbusy)
{
	pid_t pid = fork();
	int fd, i;

	assert_true(pid >= 0);
	if (pid > 0) {
		close(lfd);
		return pid;
	}
	for (i = 0;; i++) {
		fd = accept(lfd, NULL, NULL);
		if (fd == -1)
			_exit(2);
		if (i < nbusy) {
			/* let the request arrive unread: the close then resets */
			usleep(20000);
			if (write(fd, "busy\n", 5) != 5)
				_exit(3);
		} else {
			char req[16];

			if (read(fd, req, sizeof(req)) <= 0 ||
			    write(fd, GET_DOC, strlen(GET_DOC)) != (ssize_t)strlen(GET_DOC))
				_exit(3);
		}
		close(fd);
	}
}

static void test_client_busy(void **state)
{
	uint64_t t0, dt;
	pid_t pid;
	char *out;
	size_t len;

	(void)state;
	/* busy to every try: refused after 4 connections and 100+200+400 ms */
	pid = busy_server(listen_at(path), 1000);
	t0 = mono_ms();
	assert_int_equal(tstat_fetch(path, "GET", 3000, TSTAT_MAX_ANSWER, &out, &len), -1);
	dt = mono_ms() - t0;
	assert_null(out);
	assert_true(dt >= 700);
	assert_true(dt < 2900);
	reap(pid, 1);
	unlink(path);
	/* busy twice, then served: the third try gets the document */
	pid = busy_server(listen_at(path), 2);
	assert_int_equal(tstat_fetch(path, "GET", 3000, TSTAT_MAX_ANSWER, &out, &len), 0);
	assert_string_equal(out, GET_DOC);
	free(out);
	reap(pid, 1);
	unlink(path);
	/* busy, and too little time left for another try */
	pid = busy_server(listen_at(path), 1000);
	t0 = mono_ms();
	assert_int_equal(tstat_fetch(path, "GET", 150, TSTAT_MAX_ANSWER, &out, &len), -1);
	assert_true(mono_ms() - t0 < 1000);
	reap(pid, 1);
}

static void test_client_get(void **state)
{
	pid_t pid;
	char *out;
	size_t len;

	(void)state;
	pid = server(listen_at(path), SRV_ANSWER, "GET\r\n");
	assert_int_equal(tstat_fetch(path, "GET", 3000, TSTAT_MAX_ANSWER, &out, &len), 0);
	assert_int_equal(len, strlen(GET_DOC));
	assert_string_equal(out, GET_DOC);
	free(out);
	assert_int_equal(reap(pid, 0), 0);
}

static void test_client_refresh_close(void **state)
{
	pid_t pid;
	char *out;
	size_t len;

	(void)state;
	/* tcpeek closes without answering a request it refuses */
	pid = server(listen_at(path), SRV_CLOSE, "REFRESH\r\n");
	assert_int_equal(tstat_fetch(path, "REFRESH", 3000, TSTAT_MAX_ANSWER, &out, &len), 0);
	assert_int_equal(len, 0);
	free(out);
	assert_int_equal(reap(pid, 0), 0);
}

static void test_client_timeout(void **state)
{
	uint64_t t0, dt;
	pid_t pid;
	char *out;
	size_t len;

	(void)state;
	pid = server(listen_at(path), SRV_SILENT, "GET\r\n");
	t0 = mono_ms();
	assert_int_equal(tstat_fetch(path, "GET", 300, TSTAT_MAX_ANSWER, &out, &len), -1);
	dt = mono_ms() - t0;
	assert_null(out);
	/* the promised deadline: not before it, and not long after */
	assert_true(dt >= 300);
	assert_true(dt < 2000);
	reap(pid, 1);
}

static void test_client_too_big(void **state)
{
	pid_t pid;
	char *out;
	size_t len;

	(void)state;
	pid = server(listen_at(path), SRV_HUGE, "GET\r\n");
	assert_int_equal(tstat_fetch(path, "GET", 3000, 100000, &out, &len), -1);
	assert_null(out);
	reap(pid, 1);
}

static void test_client_errors(void **state)
{
	char *out, longp[200];
	size_t len;
	int fd;

	(void)state;
	/* no socket file */
	assert_int_equal(tstat_fetch(path, "GET", 1000, TSTAT_MAX_ANSWER, &out, &len), -1);
	/* a socket file nobody listens on: refused */
	fd = listen_at(path);
	close(fd);
	assert_int_equal(tstat_fetch(path, "GET", 1000, TSTAT_MAX_ANSWER, &out, &len), -1);
	/* too long for sun_path */
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(tstat_fetch(longp, "GET", 1000, TSTAT_MAX_ANSWER, &out, &len), -1);
	assert_null(out);
}

/* ---- histogram, labels, -o ----------------------------------------------- */

#define HIST_RX                                                                      \
	"\"handshake_hist_us\":{\"le_50\":1,\"le_1000\":3,\"le_2500000\":4,"          \
	"\"count\":5,\"sum\":12000150}"

/* The histogram section becomes _bucket (cumulative, le in seconds,
 * +Inf = count), _count and _sum, with the user's labels on every series
 * (capture-wide ones too), escaped. */
static void test_prom_hist(void **state)
{
	static const char doc[] =
		"[{\"RX\":{\"success\":{\"total\":5},"
		"\"handshake_us\":{\"p50\":900,\"p99\":9000000,\"max\":9000000}," HIST_RX "}},"
		"{\"pcap\":{\"stats\":{\"recv\":10}}}]";
	struct tstat_labels l;
	struct tstat_doc d;
	char err[256], *out;
	size_t len;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(tstat_label_add(&l, "iface=eth0", err, sizeof(err)), 0);
	assert_int_equal(tstat_label_add(&l, "dc=a\"b\\c=d", err, sizeof(err)), 0);
	parse_ok(doc, &d);
	assert_int_equal(tstat_prom_check(&d, err, sizeof(err)), 0);
	assert_int_equal(tstat_render_prom(&d, &l, TSTAT_MAX_OUTPUT, &out, &len), 0);
	out = realloc(out, len + 1);
	out[len] = '\0';
#define LB "filter=\"RX\",iface=\"eth0\",dc=\"a\\\"b\\\\c=d\""
	assert_string_equal(out,
		"# HELP tcpeek_success_total Handshakes completed.\n"
		"# TYPE tcpeek_success_total counter\n"
		"tcpeek_success_total{" LB "} 5\n"
		"# HELP tcpeek_handshake_seconds_max Longest time from first SYN to completing ACK.\n"
		"# TYPE tcpeek_handshake_seconds_max gauge\n"
		"tcpeek_handshake_seconds_max{" LB "} 9.000000\n"
		"# HELP tcpeek_handshake_seconds Time from first SYN to completing ACK of completed handshakes.\n"
		"# TYPE tcpeek_handshake_seconds histogram\n"
		"tcpeek_handshake_seconds_bucket{" LB ",le=\"0.00005\"} 1\n"
		"tcpeek_handshake_seconds_bucket{" LB ",le=\"0.001\"} 3\n"
		"tcpeek_handshake_seconds_bucket{" LB ",le=\"2.5\"} 4\n"
		"tcpeek_handshake_seconds_bucket{" LB ",le=\"+Inf\"} 5\n"
		"tcpeek_handshake_seconds_count{" LB "} 5\n"
		"tcpeek_handshake_seconds_sum{" LB "} 12.000150\n"
		"# HELP tcpeek_pcap_recv_total Packets received by the capture.\n"
		"# TYPE tcpeek_pcap_recv_total counter\n"
		"tcpeek_pcap_recv_total{iface=\"eth0\",dc=\"a\\\"b\\\\c=d\"} 10\n");
#undef LB
	free(out);
	/* without labels: as before, no braces on capture-wide values */
	out = capture(prom_void, &d);
	assert_non_null(strstr(out, "tcpeek_handshake_seconds_bucket{filter=\"RX\",le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(out, "tcpeek_pcap_recv_total 10\n"));
	free(out);
	tstat_doc_free(&d);
}

/* A histogram that is not one is refused by the check, naming the filter
 * and key, and left out by the formatter (the rest stays). */
static void test_prom_hist_bad(void **state)
{
	static const struct {
		const char *hist, *why;
	} bad[] = {
		{ "{\"le_50\":3,\"le_100\":2,\"count\":3,\"sum\":1}", "le_100: 2 is less than" },
		{ "{\"le_100\":1,\"le_50\":2,\"count\":3,\"sum\":1}", "le_50: bounds must increase" },
		{ "{\"le_50\":1,\"le_50\":2,\"count\":3,\"sum\":1}", NULL },     /* json-c keeps one */
		{ "{\"le_50\":4,\"count\":3,\"sum\":1}", "count: less than the last bucket" },
		{ "{\"le_50\":1,\"sum\":1}", "no count" },
		{ "{\"le_50\":1,\"count\":1}", "no sum" },
		{ "{\"count\":1,\"le_50\":1,\"sum\":1}", "le_50: bounds must increase and come before count" },
	};
	char doc[512], err[256], *out;
	struct tstat_doc d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), "[{\"w\\\"x\":{\"success\":{\"total\":3},"
		         "\"handshake_hist_us\":%s}}]", bad[i].hist);
		parse_ok(doc, &d);
		err[0] = '\0';
		if (bad[i].why == NULL) {
			assert_int_equal(tstat_prom_check(&d, err, sizeof(err)), 0);
			tstat_doc_free(&d);
			continue;
		}
		assert_int_equal(tstat_prom_check(&d, err, sizeof(err)), -1);
		if (strstr(err, bad[i].why) == NULL || strstr(err, "filter \"w\\\"x\"") == NULL ||
		    strstr(err, "handshake_hist_us") == NULL)
			fail_msg("case %zu: '%s'", i, err);
		out = capture(prom_void, &d);
		assert_null(strstr(out, "handshake_seconds"));
		assert_non_null(strstr(out, "tcpeek_success_total{filter=\"w\\\"x\"} 3\n"));
		free(out);
		tstat_doc_free(&d);
	}
	/* another histogram section of a newer tcpeek: typed, generic help;
	 * a key it does not know is left out */
	parse_ok("[{\"RX\":{\"rtt_hist_us\":{\"le_7\":1,\"new\":5,\"count\":2,\"sum\":9}}}]", &d);
	assert_int_equal(tstat_prom_check(&d, err, sizeof(err)), 0);
	out = capture(prom_void, &d);
	assert_string_equal(out,
		"# HELP tcpeek_rtt_seconds tcpeek value rtt_seconds.\n"
		"# TYPE tcpeek_rtt_seconds histogram\n"
		"tcpeek_rtt_seconds_bucket{filter=\"RX\",le=\"0.000007\"} 1\n"
		"tcpeek_rtt_seconds_bucket{filter=\"RX\",le=\"+Inf\"} 2\n"
		"tcpeek_rtt_seconds_count{filter=\"RX\"} 2\n"
		"tcpeek_rtt_seconds_sum{filter=\"RX\"} 0.000009\n");
	free(out);
	tstat_doc_free(&d);
}

static void test_labels(void **state)
{
	static const struct {
		const char *arg, *why;
	} bad[] = {
		{ "iface", "expected NAME=VALUE" },
		{ "=eth0", "empty label name" },
		{ "1x=a", "not starting with a digit" },
		{ "if-ace=a", "letters, digits and '_'" },
		{ "__name__=a", "reserved for Prometheus" },
		{ "filter=a", "sets the label filter itself" },
		{ "le=a", "sets the label le itself" },
		{ "quantile=a", "sets the label quantile itself" },
		{ "other=", "empty value" },
		{ "x=a\nb", "contains a control character" },
		{ "x=\xc3(", "is not valid UTF-8" },
		{ "iface=eth1", "label iface given twice" },
	};
	char err[256], name[80], *big;
	struct tstat_labels l;
	size_t i;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(tstat_label_add(&l, "iface=eth0", err, sizeof(err)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(tstat_label_add(&l, bad[i].arg, err, sizeof(err)), -1);
		if (strstr(err, bad[i].why) == NULL || strncmp(err, "--label \"", 9) != 0 ||
		    strchr(err, '\n') != NULL)
			fail_msg("'%s': '%s'", bad[i].arg, err);
	}
	assert_int_equal(l.n, 1);
	assert_string_equal(l.text, "iface=\"eth0\"");
	/* UTF-8 values are fine; bounds on name and value length and count */
	assert_int_equal(tstat_label_add(&l, "site=Z\xc3\xbcrich", err, sizeof(err)), 0);
	big = malloc(TSTAT_LABEL_VALUE_MAX + 8);
	memset(big, 'v', TSTAT_LABEL_VALUE_MAX + 7);
	memcpy(big, "v1=", 3);
	big[3 + TSTAT_LABEL_VALUE_MAX + 1] = '\0';
	assert_int_equal(tstat_label_add(&l, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "value longer than 255 bytes"));
	big[3 + TSTAT_LABEL_VALUE_MAX] = '\0';
	memset(big + 3, '"', TSTAT_LABEL_VALUE_MAX);    /* the worst to escape */
	assert_int_equal(tstat_label_add(&l, big, err, sizeof(err)), 0);
	memset(big, 'n', TSTAT_LABEL_NAME_MAX);
	strcpy(big + TSTAT_LABEL_NAME_MAX, "=x");
	assert_int_equal(tstat_label_add(&l, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "label name longer than 63 bytes"));
	free(big);
	for (i = l.n; i < TSTAT_MAX_LABELS; i++) {
		snprintf(name, sizeof(name), "l%zu=%s", i, "x");
		assert_int_equal(tstat_label_add(&l, name, err, sizeof(err)), 0);
	}
	assert_int_equal(tstat_label_add(&l, "one_more=x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 16 labels"));
	assert_true(strlen(l.text) < sizeof(l.text));
}

static char *slurp(const char *file)
{
	FILE *f = fopen(file, "r");
	char *buf = calloc(1, 4096);

	assert_non_null(f);
	assert_true(fread(buf, 1, 4095, f) < 4095);
	fclose(f);
	return buf;
}

/* Entries of dir other than the ones named. */
static int others(const char *d, const char *a, const char *b)
{
	char cmd[256], line[256];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", d);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, a) != 0 && (b == NULL || strcmp(line, b) != 0))
			n++;
	}
	pclose(p);
	return n;
}

/* -o: the file is replaced whole with mode 0644, whatever the umask; on
 * an error the old file stays and no temporary file is left behind. */
static void test_write_file(void **state)
{
	char tdir[] = "/tmp/test_tstat_out.XXXXXX", tpath[128], sub[128], err[512], *got;
	struct stat st;
	mode_t old;

	(void)state;
	assert_non_null(mkdtemp(tdir));
	snprintf(tpath, sizeof(tpath), "%s/t.prom", tdir);
	old = umask(077);
	assert_int_equal(tstat_write_file(tpath, "one\n", 4, err, sizeof(err)), 0);
	umask(old);
	got = slurp(tpath);
	assert_string_equal(got, "one\n");
	free(got);
	assert_int_equal(stat(tpath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(tstat_write_file(tpath, "two\n", 4, err, sizeof(err)), 0);
	got = slurp(tpath);
	assert_string_equal(got, "two\n");
	free(got);
	assert_int_equal(others(tdir, "t.prom", NULL), 0);

	/* the rename fails (a directory is in the way): nothing changes */
	snprintf(sub, sizeof(sub), "%s/d.prom", tdir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(tstat_write_file(sub, "x", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "d.prom: rename of "));
	assert_non_null(strstr(err, "the old file is left as it was"));
	assert_int_equal(others(tdir, "t.prom", "d.prom"), 0);
	assert_int_equal(rmdir(sub), 0);

	/* no such directory, a name that is a directory */
	snprintf(sub, sizeof(sub), "%s/none/t.prom", tdir);
	assert_int_equal(tstat_write_file(sub, "x", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create a temporary file in"));
	assert_non_null(strstr(err, "No such file or directory"));
	snprintf(sub, sizeof(sub), "%s/", tdir);
	assert_int_equal(tstat_write_file(sub, "x", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "names a directory"));
	got = slurp(tpath);
	assert_string_equal(got, "two\n");
	free(got);
	assert_int_equal(unlink(tpath), 0);
	assert_int_equal(rmdir(tdir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_get),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_damaged),
		cmocka_unit_test(test_parse_counter_range),
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_parse_counts),
		cmocka_unit_test(test_plain_fixture),
		cmocka_unit_test(test_plain_full),
		cmocka_unit_test(test_plain_bare),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_prom_escape),
		cmocka_unit_test(test_prom_exact),
		cmocka_unit_test(test_prom_full),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_prom_hist),
		cmocka_unit_test(test_prom_hist_bad),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_gmetric_argv),
		cmocka_unit_test(test_gmetric_run),
		cmocka_unit_test(test_gmetric_bounds),
		cmocka_unit_test_setup_teardown(test_client_get, csetup, cteardown),
		cmocka_unit_test_setup_teardown(test_client_refresh_close, csetup, cteardown),
		cmocka_unit_test_setup_teardown(test_client_timeout, csetup, cteardown),
		cmocka_unit_test_setup_teardown(test_client_too_big, csetup, cteardown),
		cmocka_unit_test_setup_teardown(test_client_errors, csetup, cteardown),
		cmocka_unit_test_setup_teardown(test_client_busy, csetup, cteardown),
	};

	signal(SIGPIPE, SIG_IGN);
	log_init("test_tcpeekstat", LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
