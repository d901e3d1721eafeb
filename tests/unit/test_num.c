/* Strict decimal numbers (common/num.h) at their edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/num.h"

static void test_num(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(num_parse_u64("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(num_parse_u64("65535", 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(num_parse_u64("65536", 65535, &v), -1);
	assert_int_equal(num_parse_u64("7", 5, &v), -1);         /* digit above max */
	assert_int_equal(num_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(num_parse_u64("18446744073709551616", UINT64_MAX, &v), -1);
	assert_int_equal(num_parse_u64("99999999999999999999", UINT64_MAX, &v), -1);
	v = 7;
	assert_int_equal(num_parse_u64("", 10, &v), -1);
	assert_int_equal(num_parse_u64("+1", 10, &v), -1);
	assert_int_equal(num_parse_u64(" 1", 10, &v), -1);
	assert_int_equal(num_parse_u64("1 ", 10, &v), -1);
	assert_int_equal(num_parse_u64("1x", 10, &v), -1);
	assert_int_equal(v, 7);                                  /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_num) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
