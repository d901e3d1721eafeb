/*
 * The one list of outcomes of a check, with one machine-readable name
 * each.  Two groups: the server's answer (success, or it answered badly
 * or not at all) and our own inability to check (bad usage, unusable
 * interface, missing privilege, unreadable role file, failed lookup, a
 * failed system call).  Only the first group says anything about the real
 * server; metrics and alerting should keep the second apart.
 *
 * The names are an interface (check_tcp_raw -j "outcome", the man page's
 * JSON schema, the future checker daemon): append new values, never
 * rename or reuse one.
 */
#ifndef SYNSCOPE_CHECK_OUTCOME_H
#define SYNSCOPE_CHECK_OUTCOME_H

enum chk_outcome {
	CHK_OUT_PENDING = 0,       /* the check is still running */
	/* success */
	CHK_OUT_SYNACK,            /* raw: SYN/ACK, then closed with RST */
	CHK_OUT_CLOSED,            /* raw: SYN/ACK, then a clean FIN close (-c) */
	CHK_OUT_CONNECTED,         /* BACKUP: connect() completed */
	/* the server answered badly or not at all */
	CHK_OUT_REFUSED,           /* RST acknowledging the SYN (or ECONNREFUSED) */
	CHK_OUT_ICMP_UNREACH,      /* ICMP destination unreachable quoting the SYN */
	CHK_OUT_TIMEOUT_ARP,       /* no ARP reply (IPv6: Neighbor Advertisement)
	                            * from the real server */
	CHK_OUT_TIMEOUT_SYNACK,    /* no valid SYN/ACK */
	CHK_OUT_TIMEOUT_FIN,       /* -c: the server's FIN or ACK never came */
	CHK_OUT_RESET_CLOSE,       /* -c: reset during the clean close */
	CHK_OUT_WRONG_MAC,         /* only replies from another MAC than the real server's */
	CHK_OUT_TIMEOUT_CONNECT,   /* BACKUP: connect() did not complete in time */
	CHK_OUT_CONNECT_FAILED,    /* BACKUP: connect() failed otherwise (unreachable...) */
	/* we could not check */
	CHK_OUT_USAGE,             /* bad option or argument */
	CHK_OUT_NO_IFACE,          /* no such interface */
	CHK_OUT_IFACE_DOWN,        /* interface down */
	CHK_OUT_IFACE_NOT_ETHER,   /* not an Ethernet interface */
	CHK_OUT_IFACE_NO_IP4,      /* interface without IPv4 address, no -s */
	CHK_OUT_NO_CAPABILITY,     /* no CAP_NET_RAW for the packet socket */
	CHK_OUT_ROLE_FILE,         /* role file unreadable or not a regular file */
	CHK_OUT_RESOLVE,           /* a host name did not resolve (in time) */
	CHK_OUT_SYSTEM,            /* a system call failed (socket, send, poll...) */
	CHK_OUT_IFACE_NO_IP6,      /* interface without a usable IPv6 address, no -s */
	CHK_OUT_COUNT
};

/* "timeout_synack", "no_such_interface"...; "unknown" out of range. */
const char *chk_outcome_str(enum chk_outcome o);
/* 1 for the successes. */
int chk_outcome_is_success(enum chk_outcome o);
/* 1 when we could not check (the second group): says nothing of the server. */
int chk_outcome_is_error(enum chk_outcome o);
/* "success", "failure" or "error" ("pending" while running). */
const char *chk_outcome_verdict(enum chk_outcome o);

#endif
