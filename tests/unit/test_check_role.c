/* check_tcp_raw's role file: regular files keep their meaning, anything
 * else is refused at once (a FIFO would block fopen()/fgetc() forever). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "check/run.h"
#include "sys/log.h"

static char dir[] = "/tmp/test_check_role.XXXXXX";
static char path[256];

static void put(const char *name, const char *content, size_t len)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_regular(void **state)
{
	struct chk_report r;

	(void)state;
	memset(&r, 0, sizeof(r));
	put("m", "1\n", 2);
	assert_int_equal(chk_read_role(path, &r), 1);
	put("m1", "1", 1);
	assert_int_equal(chk_read_role(path, &r), 1);
	put("b", "0\n", 2);
	assert_int_equal(chk_read_role(path, &r), 0);
	put("e", "", 0);
	assert_int_equal(chk_read_role(path, &r), 0);
	put("n", "\0" "1", 2);
	assert_int_equal(chk_read_role(path, &r), 0);
	put("s", " 1", 2);
	assert_int_equal(chk_read_role(path, &r), 0);
	assert_string_equal(r.reason, "");
}

static void refused(const char *p, const char *what)
{
	struct chk_report r;
	char want[400];

	memset(&r, 0, sizeof(r));
	r.outcome = CHK_OUT_SYNACK;
	assert_int_equal(chk_read_role(p, &r), -1);
	assert_int_equal(r.outcome, CHK_OUT_ROLE_FILE);
	assert_true(chk_outcome_is_error(r.outcome));
	snprintf(want, sizeof(want), "role file '%s': %s", p, what);
	assert_string_equal(r.reason, want);
}

static void test_refused(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	refused(path, "not a regular file (a FIFO)");   /* no writer: no wait */
	refused(dir, "not a regular file (a directory)");
	refused("/dev/null", "not a regular file (a character device)");
	snprintf(path, sizeof(path), "%s/missing", dir);
	refused(path, "No such file or directory");
}

static int setup(void **state)
{
	(void)state;
	log_init("test_check_role", LOG_LVL_ERR);
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
