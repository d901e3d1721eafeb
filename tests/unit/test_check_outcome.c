/* The outcome list of the check: every value has its own stable name, and
 * the split between "the server answered badly" and "we could not check". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "check/outcome.h"

/* The names are an interface (-j, the daemon to come): pinned here. */
static const struct {
	enum chk_outcome o;
	const char *name, *verdict;
} table[] = {
	{ CHK_OUT_PENDING, "pending", "pending" },
	{ CHK_OUT_SYNACK, "synack", "success" },
	{ CHK_OUT_CLOSED, "synack_closed", "success" },
	{ CHK_OUT_CONNECTED, "connected", "success" },
	{ CHK_OUT_REFUSED, "refused", "failure" },
	{ CHK_OUT_ICMP_UNREACH, "icmp_unreachable", "failure" },
	{ CHK_OUT_TIMEOUT_ARP, "timeout_arp", "failure" },
	{ CHK_OUT_TIMEOUT_SYNACK, "timeout_synack", "failure" },
	{ CHK_OUT_TIMEOUT_FIN, "timeout_fin", "failure" },
	{ CHK_OUT_RESET_CLOSE, "reset_during_close", "failure" },
	{ CHK_OUT_WRONG_MAC, "wrong_mac", "failure" },
	{ CHK_OUT_TIMEOUT_CONNECT, "timeout_connect", "failure" },
	{ CHK_OUT_CONNECT_FAILED, "connect_failed", "failure" },
	{ CHK_OUT_USAGE, "usage", "error" },
	{ CHK_OUT_NO_IFACE, "no_such_interface", "error" },
	{ CHK_OUT_IFACE_DOWN, "interface_down", "error" },
	{ CHK_OUT_IFACE_NOT_ETHER, "interface_not_ethernet", "error" },
	{ CHK_OUT_IFACE_NO_IP4, "interface_without_ipv4", "error" },
	{ CHK_OUT_NO_CAPABILITY, "no_capability", "error" },
	{ CHK_OUT_ROLE_FILE, "role_file_unreadable", "error" },
	{ CHK_OUT_RESOLVE, "resolution_failed", "error" },
	{ CHK_OUT_SYSTEM, "system_error", "error" },
	{ CHK_OUT_IFACE_NO_IP6, "interface_without_ipv6", "error" },
};
#define N (sizeof(table) / sizeof(table[0]))

static void test_every_value_named(void **state)
{
	(void)state;
	/* the table covers the whole enum, in order */
	assert_int_equal(N, CHK_OUT_COUNT);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(table[i].o, (int)i);
		assert_string_equal(chk_outcome_str(table[i].o), table[i].name);
		assert_string_equal(chk_outcome_verdict(table[i].o), table[i].verdict);
	}
}

static void test_names_distinct_and_plain(void **state)
{
	(void)state;
	for (int i = 0; i < CHK_OUT_COUNT; i++) {
		const char *a = chk_outcome_str((enum chk_outcome)i);

		assert_true(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(a));
		for (int j = i + 1; j < CHK_OUT_COUNT; j++)
			assert_string_not_equal(a, chk_outcome_str((enum chk_outcome)j));
	}
}

static void test_groups(void **state)
{
	(void)state;
	for (size_t i = 0; i < N; i++) {
		enum chk_outcome o = table[i].o;
		int succ = strcmp(table[i].verdict, "success") == 0;
		int err = strcmp(table[i].verdict, "error") == 0;

		assert_int_equal(chk_outcome_is_success(o), succ);
		assert_int_equal(chk_outcome_is_error(o), err);
		assert_false(succ && err);
	}
	/* pending is neither */
	assert_false(chk_outcome_is_success(CHK_OUT_PENDING));
	assert_false(chk_outcome_is_error(CHK_OUT_PENDING));
}

/* A value from outside the list (memory corruption, a newer peer) is
 * never taken for the server's doing, nor for a success. */
static void test_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(chk_outcome_str(CHK_OUT_COUNT), "unknown");
	assert_string_equal(chk_outcome_str((enum chk_outcome)-1), "unknown");
	assert_string_equal(chk_outcome_str((enum chk_outcome)1000), "unknown");
	assert_true(chk_outcome_is_error(CHK_OUT_COUNT));
	assert_true(chk_outcome_is_error((enum chk_outcome)-1));
	assert_false(chk_outcome_is_success((enum chk_outcome)1000));
	assert_string_equal(chk_outcome_verdict((enum chk_outcome)1000), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_value_named),
		cmocka_unit_test(test_names_distinct_and_plain),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
