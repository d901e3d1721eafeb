/* Host names of check_tcp_raw, resolved under the check's deadline.
 *
 * A plain getaddrinfo() waits as long as the resolver configuration says
 * (glibc's defaults: 5 s per try, 2 tries), far beyond keepalived's usual
 * misc_timeout of 3 s, and nothing can interrupt it.  So numeric addresses
 * are parsed without the resolver at all, and the names left are looked
 * up together with glibc's getaddrinfo_a(), waited for with gai_suspend()
 * until the deadline, and abandoned after it: the process exits soon
 * after, which ends glibc's helper thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "check/run.h"
#include "sys/clock.h"

/* getaddrinfo_a() keeps pointers to these until a request completes; an
 * abandoned request may still write into them, so they are never on a
 * stack frame and never reused. */
static struct gaicb reqs[CHK_NAMES_MAX];
static struct addrinfo hints;

/* First IPv4 address of an answer. */
static int first_ip4(const struct addrinfo *ai, uint32_t *out)
{
	for (; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
			struct sockaddr_in sin;

			memcpy(&sin, ai->ai_addr, sizeof(sin));
			*out = ntohl(sin.sin_addr.s_addr);
			return 0;
		}
	}
	return -1;
}

static int fail(struct chk_report *r, const struct chk_name *nm, const char *why)
{
	chk_error(r, CHK_OUT_RESOLVE, 0, "%s '%s': cannot resolve to an IPv4 address: %s",
	          nm->what, nm->host, why);
	return CHK_EXIT_FAIL;
}

int chk_resolve(struct chk_name *names, int n, uint32_t timeout_ms, struct chk_report *r)
{
	struct addrinfo numeric, *res;
	struct gaicb *list[CHK_NAMES_MAX];
	int pending[CHK_NAMES_MAX], np = 0, rc;
	uint64_t deadline = 0;

	if (n < 0 || n > CHK_NAMES_MAX)
		return fail(r, &names[0], "too many names");
	memset(&numeric, 0, sizeof(numeric));
	numeric.ai_family = AF_INET;
	numeric.ai_socktype = SOCK_STREAM;
	numeric.ai_flags = AI_NUMERICHOST;
	for (int i = 0; i < n; i++) {
		res = NULL;
		rc = getaddrinfo(names[i].host, NULL, &numeric, &res);
		if (rc == 0) {
			rc = first_ip4(res, &names[i].addr);
			freeaddrinfo(res);
			if (rc != 0)
				return fail(r, &names[i], "no IPv4 address");
		} else if (rc == EAI_NONAME) {
			pending[np++] = i;
		} else {
			return fail(r, &names[i], rc == EAI_SYSTEM ? strerror(errno)
			                                           : gai_strerror(rc));
		}
	}
	if (np == 0)
		return 0;

	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	for (int k = 0; k < np; k++) {
		memset(&reqs[k], 0, sizeof(reqs[k]));
		reqs[k].ar_name = names[pending[k]].host;
		reqs[k].ar_request = &hints;
		list[k] = &reqs[k];
	}
	if (timeout_ms != 0)
		deadline = clock_mono_us() + chk_ms_to_us(timeout_ms);
	rc = getaddrinfo_a(GAI_NOWAIT, list, np, NULL);
	if (rc != 0)
		return fail(r, &names[pending[0]], gai_strerror(rc));
	for (;;) {
		struct gaicb *wait[CHK_NAMES_MAX];
		struct timespec ts, *tsp = NULL;
		int busy = 0;

		/* gai_suspend() returns at once while any request it is given
		 * has completed: hand it only the ones still running. */
		for (int k = 0; k < np; k++) {
			wait[k] = gai_error(list[k]) == EAI_INPROGRESS ? list[k] : NULL;
			busy += wait[k] != NULL;
		}
		if (busy == 0)
			break;
		if (deadline != 0) {
			uint64_t now = clock_mono_us(), left;

			if (now >= deadline)
				break;
			left = deadline - now;
			ts.tv_sec = (time_t)(left / 1000000u);
			ts.tv_nsec = (long)(left % 1000000u) * 1000;
			tsp = &ts;
		}
		(void)gai_suspend((const struct gaicb *const *)wait, np, tsp);
	}
	/* Report the first name (in argument order) that failed; take the
	 * answers of the others. */
	rc = 0;
	for (int k = 0; k < np; k++) {
		struct chk_name *nm = &names[pending[k]];
		int err = gai_error(list[k]);

		if (err == EAI_INPROGRESS) {
			char why[80];

			(void)gai_cancel(list[k]);
			snprintf(why, sizeof(why), "no answer from the resolver within %u ms",
			         timeout_ms);
			if (rc == 0)
				rc = fail(r, nm, why);
			continue;
		}
		if (err == 0) {
			int bad = first_ip4(list[k]->ar_result, &nm->addr);

			freeaddrinfo(list[k]->ar_result);
			list[k]->ar_result = NULL;
			if (bad && rc == 0)
				rc = fail(r, nm, "no IPv4 address");
		} else if (rc == 0) {
			rc = fail(r, nm, gai_strerror(err));
		}
	}
	return rc;
}
