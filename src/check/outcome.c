/* Outcomes of a check and their names (see outcome.h). */
#include "check/outcome.h"

static const char *const names[CHK_OUT_COUNT] = {
	[CHK_OUT_PENDING] = "pending",
	[CHK_OUT_SYNACK] = "synack",
	[CHK_OUT_CLOSED] = "synack_closed",
	[CHK_OUT_CONNECTED] = "connected",
	[CHK_OUT_REFUSED] = "refused",
	[CHK_OUT_ICMP_UNREACH] = "icmp_unreachable",
	[CHK_OUT_TIMEOUT_ARP] = "timeout_arp",
	[CHK_OUT_TIMEOUT_SYNACK] = "timeout_synack",
	[CHK_OUT_TIMEOUT_FIN] = "timeout_fin",
	[CHK_OUT_RESET_CLOSE] = "reset_during_close",
	[CHK_OUT_WRONG_MAC] = "wrong_mac",
	[CHK_OUT_TIMEOUT_CONNECT] = "timeout_connect",
	[CHK_OUT_CONNECT_FAILED] = "connect_failed",
	[CHK_OUT_USAGE] = "usage",
	[CHK_OUT_NO_IFACE] = "no_such_interface",
	[CHK_OUT_IFACE_DOWN] = "interface_down",
	[CHK_OUT_IFACE_NOT_ETHER] = "interface_not_ethernet",
	[CHK_OUT_IFACE_NO_IP4] = "interface_without_ipv4",
	[CHK_OUT_NO_CAPABILITY] = "no_capability",
	[CHK_OUT_ROLE_FILE] = "role_file_unreadable",
	[CHK_OUT_RESOLVE] = "resolution_failed",
	[CHK_OUT_SYSTEM] = "system_error",
	[CHK_OUT_IFACE_NO_IP6] = "interface_without_ipv6",
};

const char *chk_outcome_str(enum chk_outcome o)
{
	return (unsigned)o < CHK_OUT_COUNT && names[o] != 0 ? names[o] : "unknown";
}

int chk_outcome_is_success(enum chk_outcome o)
{
	return o == CHK_OUT_SYNACK || o == CHK_OUT_CLOSED || o == CHK_OUT_CONNECTED;
}

int chk_outcome_is_error(enum chk_outcome o)
{
	/* A value from beyond the list is a bug of ours, never the server's. */
	return (unsigned)o >= CHK_OUT_USAGE;
}

const char *chk_outcome_verdict(enum chk_outcome o)
{
	if (o == CHK_OUT_PENDING)
		return "pending";
	if (chk_outcome_is_success(o))
		return "success";
	return chk_outcome_is_error(o) ? "error" : "failure";
}
