/* Host names of check_tcp_raw, resolved under the check's deadline.
 *
 * A plain getaddrinfo() waits as long as the resolver configuration says
 * (glibc's defaults: 5 s per try, 2 tries), far beyond keepalived's usual
 * misc_timeout of 3 s, and nothing can interrupt it.  So numeric addresses
 * are parsed without the resolver at all, and the names left are looked
 * up together, each by getaddrinfo() on a detached thread of our own,
 * waited for on a condition variable until the deadline, and abandoned
 * after it: the process exits soon after, which ends the thread.
 * (glibc's getaddrinfo_a() did the same on threads glibc creates
 * internally; the sanitizers never see those, and under ASan a run crashed
 * in about one of six when two names were looked up.)
 *
 * Families: the names take the family of any literal among the arguments
 * (REAL_SERVER, VIRTUAL_IP, --source-ip); without one, the first of IPv4
 * and IPv6 in which every name has an address.  Both are looked up at
 * once (AF_UNSPEC) so that choosing costs no second round trip. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "check/run.h"
#include "common/parse.h"
#include "sys/clock.h"

/* The first address of each family in an answer (family 0: none). */
struct answer {
	struct addr v4, v6;
};

static void take(const struct addrinfo *ai, struct answer *an)
{
	for (; ai != NULL; ai = ai->ai_next) {
		struct addr a;

		if (ai->ai_addr == NULL || addr_from_sockaddr(ai->ai_addr, &a, NULL) != 0)
			continue;
		if (a.family == AF_INET && !addr_is_set(&an->v4))
			an->v4 = a;
		else if (a.family == AF_INET6 && !addr_is_set(&an->v6))
			an->v6 = a;
	}
}

/* One lookup on its own thread.  An abandoned lookup still writes its
 * result when it ends, so these are never on a stack frame and never
 * reused (one resolution per process). */
struct lookup {
	const char *host;            /* the command line's string */
	struct addrinfo hints;
	int rc, err;                 /* getaddrinfo's return, errno */
	struct answer an;
	int done;                    /* under mu */
};
static struct lookup lookups[CHK_NAMES_MAX];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;

static void *lookup_run(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo *res = NULL;
	struct answer an = { { 0 }, { 0 } };
	int rc = getaddrinfo(l->host, NULL, &l->hints, &res), err = errno;

	if (rc == 0) {
		take(res, &an);
		freeaddrinfo(res);
	}
	pthread_mutex_lock(&mu);
	l->rc = rc;
	l->err = err;
	l->an = an;
	l->done = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* Start the lookup of host on a detached thread; 0 or an errno. */
static int lookup_start(struct lookup *l, const char *host, int family)
{
	pthread_attr_t at;
	pthread_t th;
	int rc;

	memset(l, 0, sizeof(*l));
	l->host = host;
	l->hints.ai_family = family != 0 ? family : AF_UNSPEC;
	l->hints.ai_socktype = SOCK_STREAM;
	if ((rc = pthread_attr_init(&at)) != 0)
		return rc;
	rc = pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (rc == 0)
		rc = pthread_create(&th, &at, lookup_run, l);
	pthread_attr_destroy(&at);
	return rc;
}

/* Wait until every lookup of the np first is done or deadline (monotonic
 * microseconds, 0: none) passes. */
static void lookups_wait(int np, uint64_t deadline)
{
	pthread_mutex_lock(&mu);
	for (;;) {
		int busy = 0;
		struct timespec ts;

		for (int k = 0; k < np; k++)
			busy += !lookups[k].done;
		if (busy == 0)
			break;
		if (deadline == 0) {
			pthread_cond_wait(&cv, &mu);
			continue;
		}
		ts.tv_sec = (time_t)(deadline / 1000000u);
		ts.tv_nsec = (long)(deadline % 1000000u) * 1000;
		if (pthread_cond_timedwait(&cv, &mu, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&mu);
}

static int fail(struct chk_report *r, const struct chk_name *nm, int family, const char *why)
{
	if (family != 0)
		chk_error(r, CHK_OUT_RESOLVE, 0, "%s '%s': cannot resolve to an %s address: %s",
		          nm->what, nm->host, addr_family_name(family), why);
	else
		chk_error(r, CHK_OUT_RESOLVE, 0, "%s '%s': cannot resolve: %s", nm->what, nm->host,
		          why);
	return CHK_EXIT_FAIL;
}

/* A numeric address: ours first (strict forms), then the forms glibc has
 * always taken on this command line (inet_aton's "10.1", a zone), without
 * the resolver.  0, 1 for "not numeric", -1 after an error. */
static int numeric(struct chk_name *nm, struct chk_report *r)
{
	struct addrinfo h, *res = NULL;
	struct answer an = { { 0 }, { 0 } };
	int rc;

	if (parse_addr(nm->host, strlen(nm->host), PARSE_ANY, &nm->addr) == 0)
		return 0;
	memset(&h, 0, sizeof(h));
	h.ai_family = AF_UNSPEC;
	h.ai_socktype = SOCK_STREAM;
	h.ai_flags = AI_NUMERICHOST;
	rc = getaddrinfo(nm->host, NULL, &h, &res);
	if (rc == EAI_NONAME)
		return 1;
	if (rc != 0) {
		fail(r, nm, 0, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	take(res, &an);
	freeaddrinfo(res);
	nm->addr = addr_is_set(&an.v4) ? an.v4 : an.v6;
	if (!addr_is_set(&nm->addr)) {
		fail(r, nm, 0, "no IPv4 or IPv6 address");
		return -1;
	}
	return 0;
}

int chk_resolve(struct chk_name *names, int n, int family, uint32_t timeout_ms,
                struct chk_report *r)
{
	struct answer ans[CHK_NAMES_MAX];
	int pending[CHK_NAMES_MAX], np = 0, rc;
	uint64_t deadline = 0;

	if (n < 1 || n > CHK_NAMES_MAX)
		return fail(r, &names[0], 0, "too many names");
	for (int i = 0; i < n; i++) {
		rc = numeric(&names[i], r);
		if (rc < 0)
			return CHK_EXIT_FAIL;
		if (rc > 0) {
			pending[np++] = i;
			continue;
		}
		/* A literal decides the family of the names (and the other
		 * literal must agree: the options refused two that do not). */
		if (family == 0)
			family = names[i].addr.family;
		if (names[i].addr.family != family) {
			chk_error(r, CHK_OUT_USAGE, 0, "%s '%s' is not an %s address like the other "
			          "addresses of the check", names[i].what, names[i].host,
			          addr_family_name(family));
			return CHK_EXIT_FAIL;
		}
	}
	if (np == 0)
		return 0;

	{
		pthread_condattr_t ca;

		/* the deadline is on the monotonic clock, as the check's */
		if (pthread_condattr_init(&ca) != 0 ||
		    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
		    pthread_cond_init(&cv, &ca) != 0)
			return fail(r, &names[pending[0]], family, "cannot set up the lookup");
		pthread_condattr_destroy(&ca);
	}
	if (timeout_ms != 0)
		deadline = clock_mono_us() + chk_ms_to_us(timeout_ms);
	for (int k = 0; k < np; k++) {
		rc = lookup_start(&lookups[k], names[pending[k]].host, family);
		if (rc != 0) {
			/* the ones started are abandoned: they end with the process */
			return fail(r, &names[pending[k]], family, strerror(rc));
		}
	}
	lookups_wait(np, deadline);
	/* Report the first name (in argument order) that failed; take the
	 * answers of the others. */
	rc = 0;
	memset(ans, 0, sizeof(ans));
	pthread_mutex_lock(&mu);
	for (int k = 0; k < np; k++) {
		struct chk_name *nm = &names[pending[k]];
		const struct lookup *l = &lookups[k];

		if (!l->done) {
			char why[80];

			snprintf(why, sizeof(why), "no answer from the resolver within %u ms",
			         timeout_ms);
			if (rc == 0)
				rc = fail(r, nm, family, why);
			continue;
		}
		if (l->rc == 0) {
			ans[k] = l->an;
			if (!addr_is_set(&ans[k].v4) && !addr_is_set(&ans[k].v6) && rc == 0)
				rc = fail(r, nm, family, "no address");
		} else if (rc == 0) {
			rc = fail(r, nm, family, l->rc == EAI_SYSTEM ? strerror(l->err)
			                                             : gai_strerror(l->rc));
		}
	}
	pthread_mutex_unlock(&mu);
	if (rc != 0)
		return rc;
	/* No literal and no -s: the first family, IPv4 then IPv6, in which
	 * every name has an address. */
	if (family == 0) {
		int all4 = 1, all6 = 1;

		for (int k = 0; k < np; k++) {
			all4 &= addr_is_set(&ans[k].v4);
			all6 &= addr_is_set(&ans[k].v6);
		}
		if (!all4 && !all6) {
			chk_error(r, CHK_OUT_RESOLVE, 0, "%s '%s' and %s '%s' have no address family in "
			          "common (one resolves to IPv4 only, the other to IPv6 only)",
			          names[0].what, names[0].host, names[1].what, names[1].host);
			return CHK_EXIT_FAIL;
		}
		family = all4 ? AF_INET : AF_INET6;
	}
	for (int k = 0; k < np; k++) {
		struct chk_name *nm = &names[pending[k]];

		nm->addr = family == AF_INET ? ans[k].v4 : ans[k].v6;
		if (!addr_is_set(&nm->addr))
			return fail(r, nm, family, family == AF_INET ? "no IPv4 address"
			                                             : "no IPv6 address");
	}
	return 0;
}
