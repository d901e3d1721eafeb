/* Drivers of the check: the raw one (AF_PACKET + state machine) and the
 * BACKUP one (an ordinary TCP connect).  They do the I/O and keep the time;
 * the verdict logic of the raw check lives in chk.c. */
#ifndef SYNSCOPE_CHECK_RUN_H
#define SYNSCOPE_CHECK_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "check/chk.h"
#include "check/opts.h"

struct chk_report {
	enum chk_outcome outcome;
	char reason[CHK_REASON_MAX];
	const char *mode;            /* "raw" or "connect" */
	int have_mac;
	uint8_t rs_mac[6];
	struct chk_reply reply;      /* raw mode: the reply the verdict rests on */
	int have_icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t sport;
	int have_rtt;
	uint64_t rtt_us;
	uint64_t elapsed_us;
};

/* We could not check (OUTCOME from the error group): one line on stderr
 * (with strerror(ERR) when ERR is not 0), kept as R's reason for the JSON
 * output. */
void chk_error(struct chk_report *r, enum chk_outcome outcome, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The role file (-r): 1 MASTER, 0 BACKUP, -1 after a runtime error
 * (chk_error) naming PATH.  Anything but a regular file is refused without
 * waiting on it (a FIFO, a device, a socket, a directory); one byte is
 * read. */
int chk_read_role(const char *path, struct chk_report *r);
/* The same judgement without logging (the checker daemon reads role files
 * on every check): 1, 0, or -1 with the message in ERR. */
int chk_role_probe(const char *path, char *err, size_t cap);

/* Addresses given on the command line, literals or host names. */
#define CHK_NAMES_MAX 2
struct chk_name {
	const char *what;            /* "REAL_SERVER", "VIRTUAL_IP" */
	const char *host;
	struct addr addr;            /* the answer */
};

/* Resolve NAMES[0..n-1] (n <= CHK_NAMES_MAX) to addresses of one family:
 * FAMILY if not 0 (--source-ip's), else that of a literal among them,
 * else the first of IPv4 and IPv6 in which every name has an address.
 * Literals without the resolver, the others all at once within
 * TIMEOUT_MS (0: as long as the resolver configuration makes glibc
 * wait).  Returns 0, or 1 after a runtime error (chk_error) naming the
 * first name that failed.  Called at most once per process: an abandoned
 * lookup keeps its request. */
int chk_resolve(struct chk_name *names, int n, int family, uint32_t timeout_ms,
                struct chk_report *r);

/* Each returns 0 when a verdict was reached (R's outcome), or 1 after a
 * runtime error (chk_error) that prevented the check from running at all.
 * The raw check gives up every capability once its packet socket is open;
 * the connect check expects to hold none. */
int chk_run_raw(const struct chk_opts *o, const struct addr *rs, const struct addr *vip,
                struct chk_report *r);
int chk_run_connect(const struct chk_opts *o, const struct addr *rs, struct chk_report *r);
/* The verdict of a connect() that ended with ERR (0: connected after
 * RTT_US; ETIMEDOUT: our deadline of TIMEOUT_MS passed), into R. */
void chk_connect_verdict(struct chk_report *r, int err, uint32_t timeout_ms, uint64_t rtt_us);

#endif
