/* rise/fall: UNKNOWN until RISE successes or FALL failures in a row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/state.h"

/* Feed a string of results ('+' success, '-' failure); returns the
 * states after each as a string of 'u', 'U', 'D'. */
static const char *run(const char *seq, int rise, int fall, char *out)
{
	struct thealth h = { TS_UNKNOWN, 0, 0 };
	int i;

	for (i = 0; seq[i]; i++) {
		thealth_feed(&h, seq[i] == '+', rise, fall);
		out[i] = h.state == TS_UP ? 'U' : h.state == TS_DOWN ? 'D' : 'u';
	}
	out[i] = '\0';
	return out;
}

static void test_rise_fall(void **state)
{
	char o[64];

	(void)state;
	assert_string_equal(run("++--+---++", 2, 3, o), "uUUUUUUDDU");
	assert_string_equal(run("-+-+-+", 2, 2, o), "uuuuuu");     /* mixed: stays unknown */
	assert_string_equal(run("---", 2, 3, o), "uuD");
	assert_string_equal(run("+-", 1, 1, o), "UD");
	assert_string_equal(run("++++-+--", 3, 2, o), "uuUUUUUD");
	assert_string_equal(tstate_str(TS_UNKNOWN), "unknown");
	assert_string_equal(tstate_str(TS_UP), "up");
	assert_string_equal(tstate_str(TS_DOWN), "down");
}

static void test_change_reported_once(void **state)
{
	struct thealth h = { TS_UNKNOWN, 0, 0 };

	(void)state;
	assert_int_equal(thealth_feed(&h, 1, 2, 2), 0);
	assert_int_equal(thealth_feed(&h, 1, 2, 2), 1);
	assert_int_equal(thealth_feed(&h, 1, 2, 2), 0);
	/* counters saturate: a long run never overflows */
	for (int i = 0; i < 100000; i++)
		thealth_feed(&h, 1, 2, 2);
	assert_int_equal(h.ok_run, 2);
	assert_int_equal(thealth_feed(&h, 0, 2, 2), 0);
	assert_int_equal(thealth_feed(&h, 0, 2, 2), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rise_fall),
		cmocka_unit_test(test_change_reported_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
