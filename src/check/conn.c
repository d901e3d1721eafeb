/* BACKUP mode: an ordinary TCP connection to the real server's own
 * address.  Non-blocking connect + poll so that --timeout holds (the
 * original blocked for the kernel's SYN retry budget, minutes). */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check/run.h"
#include "sys/clock.h"
#include "sys/log.h"

void chk_connect_verdict(struct chk_report *r, int err, uint32_t timeout_ms, uint64_t rtt_us)
{
	if (err == 0) {
		r->outcome = CHK_OUT_CONNECTED;
		r->have_rtt = 1;
		r->rtt_us = rtt_us;
		snprintf(r->reason, sizeof(r->reason), "connected");
	} else if (err == ECONNREFUSED) {
		r->outcome = CHK_OUT_REFUSED;
		snprintf(r->reason, sizeof(r->reason), "connection refused");
	} else if (err == ETIMEDOUT) {
		r->outcome = CHK_OUT_TIMEOUT_CONNECT;
		snprintf(r->reason, sizeof(r->reason), "timeout after %u ms waiting for connect",
		         timeout_ms);
	} else {
		/* EHOSTUNREACH (no ARP answer, ICMP), ENETUNREACH...: about
		 * the path to the server, not about us. */
		r->outcome = CHK_OUT_CONNECT_FAILED;
		snprintf(r->reason, sizeof(r->reason), "connect: %s", strerror(err));
	}
}

int chk_run_connect(const struct chk_opts *o, const struct addr *rs, struct chk_report *r)
{
	struct sockaddr_storage ss, me;
	socklen_t sl, ml = sizeof(me);
	uint64_t t0 = clock_mono_us();
	uint64_t deadline = o->timeout_ms ? t0 + chk_ms_to_us(o->timeout_ms) : 0;
	int fd, err = 0, rc = CHK_EXIT_FAIL;
	socklen_t el = sizeof(err);
	struct addr mine;
	uint16_t myport;

	r->mode = "connect";
	fd = socket(rs->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		chk_error(r, CHK_OUT_SYSTEM, errno, "socket(%s, SOCK_STREAM)",
		          rs->family == AF_INET6 ? "AF_INET6" : "AF_INET");
		return CHK_EXIT_FAIL;
	}
	if (o->source_ip != NULL) {
		sl = addr_to_sockaddr(&o->source_addr, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
			chk_error(r, CHK_OUT_SYSTEM, errno, "bind to --source-ip %s", o->source_ip);
			goto out;
		}
	}
	sl = addr_to_sockaddr(rs, o->port, &ss);
	/* A link-local real server is on SOURCE_IFACE's link. */
	if (addr_is_linklocal(rs))
		((struct sockaddr_in6 *)&ss)->sin6_scope_id = if_nametoindex(o->iface);
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto verdict;
		}
		for (;;) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			uint64_t now = clock_mono_us();
			int ms = -1, n;

			if (deadline) {
				if (now >= deadline) {
					err = ETIMEDOUT;
					goto verdict;
				}
				ms = (int)((deadline - now + 999) / 1000);
			}
			n = poll(&pfd, 1, ms);
			if (n < 0 && errno != EINTR) {
				chk_error(r, CHK_OUT_SYSTEM, errno, "poll on TCP socket");
				goto out;
			}
			if (n > 0)
				break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) {
			chk_error(r, CHK_OUT_SYSTEM, errno, "getsockopt(SO_ERROR)");
			goto out;
		}
	}
verdict:
	if (getsockname(fd, (struct sockaddr *)&me, &ml) == 0 &&
	    addr_from_sockaddr((struct sockaddr *)&me, &mine, &myport) == 0)
		r->sport = myport;
	chk_connect_verdict(r, err, o->timeout_ms, clock_mono_us() - t0);
	if (err == 0 && !o->clean_close) {
		/* Linger 0: close() sends RST, leaving no TIME_WAIT. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) != 0)
			log_warn("setsockopt(SO_LINGER) on the TCP socket");
	}
	if (o->verbose >= 1) {
		char a[ADDR_PORT_STRLEN];

		fprintf(stderr, "connect to %s from port %u: %s\n", addr_fmt_port(a, rs, o->port),
		        r->sport, r->reason);
	}
	rc = 0;
out:
	r->elapsed_us = clock_mono_us() - t0;
	close(fd);
	return rc;
}
