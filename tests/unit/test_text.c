/* Text checks and quoting (common/text.h): UTF-8 rules at their edges, the
 * escape and its cut marker at every buffer size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/text.h"

static int check(const char *s)
{
	return txt_check(s, strlen(s), NULL);
}

static void test_check_edges(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(txt_check("", 0, NULL), 0);
	assert_int_equal(check("plain ASCII ~"), 0);
	assert_int_equal(check("\xc2\xa0"), 0);              /* U+00A0 */
	assert_int_equal(check("\xdf\xbf"), 0);              /* U+07FF */
	assert_int_equal(check("\xe0\xa0\x80"), 0);          /* U+0800 */
	assert_int_equal(check("\xed\x9f\xbf"), 0);          /* U+D7FF */
	assert_int_equal(check("\xee\x80\x80"), 0);          /* U+E000 */
	assert_int_equal(check("\xf0\x90\x80\x80"), 0);      /* U+10000 */
	assert_int_equal(check("\xf4\x8f\xbf\xbf"), 0);      /* U+10FFFF */

	assert_int_equal(txt_check("\xc2\x9f", 2, &why), -1); /* U+009F */
	assert_string_equal(why, "contains a control character");
	assert_int_equal(txt_check("a\0b", 3, &why), -1);     /* NUL inside */
	assert_string_equal(why, "contains a control character");
	assert_int_equal(txt_check("\x1f", 1, NULL), -1);
	assert_int_equal(txt_check("\x7f", 1, NULL), -1);
	assert_int_equal(check(" "), 0);

	assert_int_equal(txt_check("\xc1\xbf", 2, &why), -1); /* overlong */
	assert_string_equal(why, "is not valid UTF-8");
	assert_int_equal(check("\xe0\x9f\xbf"), -1);         /* overlong U+07FF */
	assert_int_equal(check("\xf0\x8f\xbf\xbf"), -1);     /* overlong U+FFFF */
	assert_int_equal(check("\xed\xbf\xbf"), -1);         /* surrogate */
	assert_int_equal(check("\xf4\x90\x80\x80"), -1);     /* > U+10FFFF */
	assert_int_equal(check("\xf5\x80\x80\x80"), -1);
	assert_int_equal(check("\xfe"), -1);
	/* a sequence cut by the end of the range, even if bytes follow */
	assert_int_equal(txt_check("\xe6\x97\xa5", 2, NULL), -1);
	assert_int_equal(txt_check("\xe6\x97\xa5", 3, NULL), 0);
}

static void test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(txt_escape(out, sizeof(out), "a\"b\\c\n\xff", 7),
	                    "a\\\"b\\\\c\\x0a\\xff");
	/* n bounds the input, a NUL ends it earlier */
	assert_string_equal(txt_escape(out, sizeof(out), "abcdef", 3), "abc");
	assert_string_equal(txt_escape(out, sizeof(out), "ab\0cd", 5), "ab");
}

/* At every size the result fits, and it is either whole or marked. */
static void test_escape_cut(void **state)
{
	static const char in[] = "0123456789\x01xyz";
	static const char whole[] = "0123456789\\x01xyz";
	char out[32];

	(void)state;
	for (size_t cap = 4; cap <= sizeof(out); cap++) {
		size_t n;

		memset(out, '#', sizeof(out));
		txt_escape(out, cap, in, sizeof(in) - 1);
		n = strlen(out);
		assert_true(n < cap);
		if (cap < sizeof(out))
			assert_int_equal(out[cap], '#');    /* nothing past cap */
		if (cap > sizeof(whole) - 1) {
			assert_string_equal(out, whole);
		} else {
			/* a prefix of the whole, never half an escape, then "..." */
			assert_true(n >= 3);
			assert_string_equal(out + n - 3, "...");
			assert_int_equal(memcmp(out, whole, n - 3), 0);
			assert_true(n - 3 <= 10 || n - 3 >= 14);
		}
	}
	txt_escape(out, 4, "abcdef", 6);
	assert_string_equal(out, "...");
	txt_escape(out, 7, "abcdef", 6);
	assert_string_equal(out, "abcdef");
	txt_escape(out, 6, "abcdef", 6);
	assert_string_equal(out, "ab...");
}

static void test_printf_cut(void **state)
{
	char out[10];

	(void)state;
	assert_int_equal(txt_printf(out, sizeof(out), "%s", "short"), 5);
	assert_string_equal(out, "short");
	assert_int_equal(txt_printf(out, sizeof(out), "%s-%d", "longer text", 42), 14);
	assert_string_equal(out, "longer...");
	assert_int_equal(txt_printf(out, sizeof(out), "%s", "123456789"), 9);
	assert_string_equal(out, "123456789");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_edges),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_printf_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
