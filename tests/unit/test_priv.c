/* Privilege dropping, exercised in forked children so the test runner keeps
 * its own privileges.  Tests needing root are skipped when not root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sys/log.h"
#include "sys/priv.h"

/* Run FN in a child; return its exit status (0 = all its checks passed). */
static int in_child(int (*fn)(void))
{
	int st = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int child_keep_raw(void)
{
	cap_value_t keep[] = { CAP_NET_RAW };

	if (priv_keep_caps(keep, 1) != 0)
		return 10;
	if (!priv_has_cap(CAP_NET_RAW))
		return 11;
	if (priv_has_cap(CAP_NET_ADMIN) || priv_has_cap(CAP_SYS_ADMIN) ||
	    priv_has_cap(CAP_SETUID))
		return 12;
	/* A second call has nothing left to drop and must still succeed. */
	if (priv_keep_caps(keep, 1) != 0)
		return 13;
	return 0;
}

static int child_drop_nobody(void)
{
	struct passwd *pw = getpwnam("nobody");

	if (pw == NULL)
		return 20;
	if (priv_drop_to_user("nobody") != 0)
		return 21;
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getgid() != pw->pw_gid)
		return 22;
	if (setuid(0) == 0)
		return 23;
	if (priv_has_cap(CAP_NET_RAW) || priv_has_cap(CAP_SETUID))
		return 24;
	/* nothing can come back through exec either */
	if (prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0) != 0 ||
	    prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		return 25;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 26;
	return 0;
}

static int child_drop_unknown(void)
{
	/* Must fail and leave us as we were. */
	if (priv_drop_to_user("no-such-user-synscope") != -1)
		return 30;
	return geteuid() == 0 ? 0 : 31;
}

static void test_keep_caps(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(child_keep_raw), 0);
}

static void test_drop_to_nobody(void **state)
{
	(void)state;
	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip();
	assert_int_equal(in_child(child_drop_nobody), 0);
}

static void test_drop_unknown_user(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(child_drop_unknown), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_caps),
		cmocka_unit_test(test_drop_to_nobody),
		cmocka_unit_test(test_drop_unknown_user),
	};

	log_init("test_priv", LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
