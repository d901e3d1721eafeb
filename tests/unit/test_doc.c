/* The stats JSON document (docs/tcpeek-json.md) from plain records:
 * exact text of GET and REFRESH, the REFRESH reset, name escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "peek/doc.h"

static const char *const NAMES[] = { "RX", "TX", "web" };

struct fixture {
	struct stat_filter st[3];
	uint64_t open[3];
	struct doc_src src;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->src.nfilt = 3;
	fx->src.names = NAMES;
	fx->src.stats = fx->st;
	fx->src.open = fx->open;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* handshake_hist_us: cumulative counts at the fixed bounds, count, sum */
#define HIST_ZERO \
	"\"handshake_hist_us\":{\"le_50\":0,\"le_100\":0,\"le_250\":0,\"le_500\":0," \
	"\"le_1000\":0,\"le_2500\":0,\"le_5000\":0,\"le_10000\":0,\"le_25000\":0," \
	"\"le_50000\":0,\"le_100000\":0,\"le_250000\":0,\"le_500000\":0," \
	"\"le_1000000\":0,\"le_2500000\":0,\"le_5000000\":0,\"le_10000000\":0," \
	"\"count\":0,\"sum\":0}"
/* N handshakes of 2 ms */
#define HIST_2MS(n, sum) \
	"\"handshake_hist_us\":{\"le_50\":0,\"le_100\":0,\"le_250\":0,\"le_500\":0," \
	"\"le_1000\":0,\"le_2500\":" n ",\"le_5000\":" n ",\"le_10000\":" n "," \
	"\"le_25000\":" n ",\"le_50000\":" n ",\"le_100000\":" n ",\"le_250000\":" n "," \
	"\"le_500000\":" n ",\"le_1000000\":" n ",\"le_2500000\":" n ",\"le_5000000\":" n "," \
	"\"le_10000000\":" n ",\"count\":" n ",\"sum\":" sum "}"

static const char EMPTY_FILTER[] =
	"{\"success\":{\"total\":0,\"dupsyn\":0,\"dupsynack\":0},"
	"\"failure\":{\"total\":0,\"timeout\":0,\"reject\":0,\"unreach\":0,\"dupsyn\":0,\"dupsynack\":0},"
	"\"other\":{\"abort\":0,\"open\":0,\"untracked\":0},"
	"\"handshake_us\":{\"p50\":0,\"p90\":0,\"p99\":0,\"max\":0}," HIST_ZERO "}";

static void expect_doc(struct doc_src *s, enum ctl_method m, const char *want)
{
	char *text = doc_text(s, m);

	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

/* Nothing seen: every key present, in the documented order. */
static void test_get_empty(void **state)
{
	struct fixture *fx = *state;
	char want[4096];

	snprintf(want, sizeof(want),
	         "[{\"RX\":%s},{\"TX\":%s},{\"web\":%s},"
	         "{\"pcap\":{\"stats\":{\"recv\":0,\"drop\":0,\"ifdrop\":0},"
	         "\"tracker\":{\"packets\":0,\"malformed\":0,\"untracked\":0,"
	         "\"open\":0,\"peak\":0,\"max_sessions\":0}}}]",
	         EMPTY_FILTER, EMPTY_FILTER, EMPTY_FILTER);
	expect_doc(&fx->src, CTL_GET, want);
}

static void fill(struct fixture *fx)
{
	struct stat_counts *c = &fx->st[0].total;
	struct stat_counts *d = &fx->st[0].delta;

	c->success = 10;
	c->success_dupsyn = 1;
	c->success_dupsynack = 2;
	c->timeout = 3;
	c->reject = 4;
	c->unreach = 5;
	c->failure_dupsyn = 6;
	c->failure_dupsynack = 7;
	c->abort = 8;
	c->untracked = 9;
	hist_add(&c->hs, 2000);
	c->hs_le[5] = 10;               /* ten of 2 ms: <= 2500 µs */
	c->hs_sum = 20000;
	*d = *c;
	d->success = 1;
	d->hs_le[5] = 1;
	d->hs_sum = 2000;
	d->reject = 2;
	d->unreach = 3;
	d->timeout = 0;
	fx->open[0] = 12;
	fx->src.pcap = (struct doc_pcap){ 100, 2, 1 };
	fx->src.tracker = (struct doc_tracker){ 99, 3, 9, 12, 40, 1000 };
}

static void test_get_values(void **state)
{
	struct fixture *fx = *state;
	char want[4096];

	fill(fx);
	snprintf(want, sizeof(want),
	         "[{\"RX\":{\"success\":{\"total\":10,\"dupsyn\":1,\"dupsynack\":2},"
	         "\"failure\":{\"total\":12,\"timeout\":3,\"reject\":4,\"unreach\":5,"
	         "\"dupsyn\":6,\"dupsynack\":7},"
	         "\"other\":{\"abort\":8,\"open\":12,\"untracked\":9},"
	         "\"handshake_us\":{\"p50\":2000,\"p90\":2000,\"p99\":2000,\"max\":2000},"
	         HIST_2MS("10", "20000") "}},"
	         "{\"TX\":%s},{\"web\":%s},"
	         "{\"pcap\":{\"stats\":{\"recv\":100,\"drop\":2,\"ifdrop\":1},"
	         "\"tracker\":{\"packets\":99,\"malformed\":3,\"untracked\":9,"
	         "\"open\":12,\"peak\":40,\"max_sessions\":1000}}}]",
	         EMPTY_FILTER, EMPTY_FILTER);
	expect_doc(&fx->src, CTL_GET, want);
	/* GET has no side effect: the same answer twice */
	expect_doc(&fx->src, CTL_GET, want);
}

/* REFRESH: the delta view, unreach folded into reject, open current, no
 * pcap element; then the deltas are zero and the totals untouched. */
static void test_refresh(void **state)
{
	struct fixture *fx = *state;
	char want[4096], again[4096];
	const char *rx_delta =
		"{\"success\":{\"total\":1,\"dupsyn\":1,\"dupsynack\":2},"
		"\"failure\":{\"total\":5,\"timeout\":0,\"reject\":5,\"unreach\":0,"
		"\"dupsyn\":6,\"dupsynack\":7},"
		"\"other\":{\"abort\":8,\"open\":12,\"untracked\":9},"
		"\"handshake_us\":{\"p50\":2000,\"p90\":2000,\"p99\":2000,\"max\":2000},"
		HIST_2MS("1", "2000") "}";
	const char *rx_zero =
		"{\"success\":{\"total\":0,\"dupsyn\":0,\"dupsynack\":0},"
		"\"failure\":{\"total\":0,\"timeout\":0,\"reject\":0,\"unreach\":0,"
		"\"dupsyn\":0,\"dupsynack\":0},"
		"\"other\":{\"abort\":0,\"open\":12,\"untracked\":0},"
		"\"handshake_us\":{\"p50\":0,\"p90\":0,\"p99\":0,\"max\":0}," HIST_ZERO "}";

	fill(fx);
	snprintf(want, sizeof(want), "[{\"RX\":%s},{\"TX\":%s},{\"web\":%s}]",
	         rx_delta, EMPTY_FILTER, EMPTY_FILTER);
	expect_doc(&fx->src, CTL_REFRESH, want);
	snprintf(again, sizeof(again), "[{\"RX\":%s},{\"TX\":%s},{\"web\":%s}]",
	         rx_zero, EMPTY_FILTER, EMPTY_FILTER);
	expect_doc(&fx->src, CTL_REFRESH, again);
	assert_int_equal(fx->st[0].total.success, 10);
	assert_int_equal(fx->st[0].total.unreach, 5);
	assert_int_equal(fx->st[0].total.hs.count, 1);
}

/* doc_build has no side effect, even for REFRESH. */
static void test_build_pure(void **state)
{
	struct fixture *fx = *state;
	struct json_object *o;

	fill(fx);
	o = doc_build(&fx->src, CTL_REFRESH);
	assert_non_null(o);
	json_object_put(o);
	assert_int_equal(fx->st[0].delta.success, 1);
}

/* Filter names are JSON strings: quotes, backslashes and control
 * characters escaped ('/' needs none). */
static void test_name_escaping(void **state)
{
	struct fixture *fx = *state;
	static const char *const odd[] = { "RX", "TX", "a\"b\\c/d\te" };
	char *text;

	fx->src.names = odd;
	text = doc_text(&fx->src, CTL_REFRESH);
	assert_non_null(text);
	assert_non_null(strstr(text, "{\"a\\\"b\\\\c/d\\te\":{"));
	free(text);
}

/* Counters beyond 32 bits survive. */
static void test_big_counters(void **state)
{
	struct fixture *fx = *state;
	char *text;

	fx->st[1].total.success = UINT64_C(5000000000);
	fx->src.tracker.packets = UINT64_C(18446744073709551615);
	text = doc_text(&fx->src, CTL_GET);
	assert_non_null(text);
	assert_non_null(strstr(text, "{\"TX\":{\"success\":{\"total\":5000000000,"));
	assert_non_null(strstr(text, "\"packets\":18446744073709551615,"));
	free(text);
}

/* The original tcpeekstat's contract: every element one key, every member
 * of it an object (a section), every value of a section an integer.  It
 * walks filter -> section -> item and crashes on anything else. */
static void assert_walkable(struct json_object *doc)
{
	size_t i, n = json_object_array_length(doc);

	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		struct json_object *el = json_object_array_get_idx(doc, i);

		assert_true(json_object_is_type(el, json_type_object));
		assert_int_equal(json_object_object_length(el), 1);
		json_object_object_foreach(el, name, filter) {
			(void)name;
			assert_true(json_object_is_type(filter, json_type_object));
			json_object_object_foreach(filter, section, items) {
				if (!json_object_is_type(items, json_type_object))
					fail_msg("element %zu: member \"%s\" is not an object",
					         i, section);
				json_object_object_foreach(items, item, v) {
					(void)item;
					assert_true(json_object_is_type(v, json_type_int));
				}
			}
		}
	}
}

static void test_generic_walk(void **state)
{
	struct fixture *fx = *state;
	struct json_object *o;
	struct json_object *other;

	fill(fx);
	for (int m = 0; m < 2; m++) {
		o = doc_build(&fx->src, m ? CTL_REFRESH : CTL_GET);
		assert_non_null(o);
		assert_walkable(o);
		/* the three counters that used to be bare, in one section */
		json_object *rx = json_object_object_get(json_object_array_get_idx(o, 0), "RX");
		assert_true(json_object_object_get_ex(rx, DOC_OTHER, &other));
		assert_int_equal(json_object_get_uint64(json_object_object_get(other, "abort")), 8);
		assert_int_equal(json_object_get_uint64(json_object_object_get(other, "open")), 12);
		assert_int_equal(json_object_get_uint64(json_object_object_get(other, "untracked")), 9);
		json_object_put(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generic_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_pure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_counters, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
