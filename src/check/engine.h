/*
 * The many-target check engine: the raw LVS-DR check of check_tcp_raw
 * (chk.c, unchanged in its verdicts) for thousands of targets in one
 * process and one event loop.  Used by `check_tcp_raw --targets` (one
 * round) and by synscoped (a schedule).
 *
 * - One packet socket per interface, one kernel filter for every target
 *   of that interface (ARP replies, TCP and ICMP to the interface's own
 *   address).
 * - Source port and ISN come from a keyed hash (SipHash-2-4 under a
 *   secret drawn at start): the ISN is H(our IP, VIP, port, source port).
 *   A TCP reply must acknowledge that ISN (+1, or +2 once our FIN is
 *   out), an ICMP error must quote it, before anything is looked up; a
 *   forged reply costs one hash.  The source port then finds the check in
 *   flight in O(1) (a 64 K table per interface); a reply to a port with
 *   no check in flight (stale) stops there.  The port is drawn afresh
 *   for every check from H(target, check number), so a late reply to an
 *   earlier check meets another port.
 * - A neighbour cache shared by every target of a real server: resolved
 *   once, kept ENG_NBR_TTL_US, dropped when one of its checks fails, so
 *   the next check asks again.  While it resolves, the checks waiting for
 *   it are ordinary chk machines in their ARP state: the first one's ARP
 *   requests (and their backoff) are sent, the others' are not, and the
 *   ARP reply is given to each of them, so chk.c alone judges ARP.
 * - BACKUP role (role file not starting with '1'): a non-blocking
 *   connect() to the real server, as check_tcp_raw -r does.
 *
 * No static state: everything lives in struct eng.
 */
#ifndef SYNSCOPE_CHECK_ENGINE_H
#define SYNSCOPE_CHECK_ENGINE_H

#include <stdint.h>

#include "check/run.h"
#include "common/addr.h"
#include "sys/evloop.h"

#define ENG_NBR_TTL_US 30000000u    /* a resolved MAC is trusted this long */
#define ENG_ROLE_CACHE_US 100000u   /* a role file is read at most this often */
#define ENG_IF_RETRY_US 1000000u    /* an unusable interface is looked at again */
#define ENG_PORT_MIN 1024u

struct eng;
struct eng_if;
struct eng_nbr;
struct eng_run;
struct eng_role;

/* What to check: filled by the caller, read-only for the engine. */
struct eng_tspec {
	char iface[16];
	struct addr rs_ip, vip;     /* the same family */
	uint16_t port;
	uint32_t timeout_ms;        /* per reply, as check_tcp_raw -t; 0: none */
	int retries;
	int clean_close;
	int any_mac;
	const char *role_file;      /* NULL: always the raw check; must outlive the target */
};

/* One target, embedded in the caller's record.  The engine's fields are
 * set by eng_target_add and must not be touched. */
struct eng_target {
	struct eng_tspec spec;
	/* engine's */
	struct eng_if *ifp;
	struct eng_nbr *nbr;
	struct eng_role *role;
	struct eng_run *run;        /* the check in flight, NULL when idle */
	uint32_t id, gen;
};

/* A check of T finished at NOW with R (never called from inside
 * eng_check_start).  T may be started again or removed from here. */
typedef void (*eng_done_fn)(void *arg, struct eng_target *t, const struct chk_report *r,
                            uint64_t now);

struct eng_stats {
	uint64_t rx_frames;         /* frames the kernel filter let through */
	uint64_t rx_forged;         /* failed the keyed ISN check */
	uint64_t rx_stale;          /* valid key, no check in flight on that port */
	uint64_t rx_ignored;        /* given to a check, which ignored it */
	uint64_t tx_frames, tx_errors;
	uint64_t arp_resolved;      /* neighbour entries filled */
	uint64_t checks_started, checks_done;
};

/* NULL on failure (logged). */
struct eng *eng_new(struct evl *loop, eng_done_fn done, void *arg);
void eng_free(struct eng *e);

/* Attach T (its spec filled) to its interface, neighbour entry and role
 * file.  An interface that cannot be used yet is no failure: its checks
 * report why.  0, or -1 on memory shortage (logged). */
int eng_target_add(struct eng *e, struct eng_target *t);
/* Detach T; a check in flight is abandoned without calling back. */
void eng_target_remove(struct eng *e, struct eng_target *t);

/* Start a check of T at NOW.  -1 if one is already in flight (a check
 * never overlaps itself) or memory ran out. */
int eng_check_start(struct eng *e, struct eng_target *t, uint64_t now);

const struct eng_stats *eng_stats(const struct eng *e);

#endif
