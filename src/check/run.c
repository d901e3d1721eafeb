/* The raw check's driver: sockets, time and printing around chk.c. */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check/report.h"
#include "check/run.h"
#include "sys/clock.h"
#include "sys/ifinfo.h"
#include "sys/log.h"
#include "sys/pktsock.h"
#include "sys/priv.h"
#include "sys/rand.h"

void chk_error(struct chk_report *r, enum chk_outcome outcome, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	n = strlen(r->reason);
	if (err != 0 && n < sizeof(r->reason))
		snprintf(r->reason + n, sizeof(r->reason) - n, ": %s", strerror(err));
	r->outcome = outcome;
	log_warnx("%s", r->reason);
}

/* Print one frame at the verbosity it deserves: TCP and ICMP at -v, ARP
 * at -vv; PREFIX marks ignored frames. */
static void show(int verbose, const uint8_t *buf, size_t len, const char *why)
{
	struct pkt_frame f;
	char line[256];
	int need;

	if (verbose < 1)
		return;
	memset(&f, 0, sizeof(f));
	if (pkt_decode(PKT_LINK_EN10MB, buf, len, PKT_CSUM_NONE, &f) != PKT_OK &&
	    !f.has_eth) {
		if (why != NULL)
			fprintf(stderr, "ignored: %s: %zu-byte frame\n", why, len);
		return;
	}
	need = f.has_nbr ? 2 : 1;
	if (verbose < need)
		return;
	chk_fmt_frame(line, sizeof(line), &f);
	if (why != NULL)
		fprintf(stderr, "ignored: %s: %s\n", why, line);
	else
		fprintf(stderr, "%s\n", line);
}

static int send_all(int fd, const struct chk_out *out, int verbose, struct chk_report *r)
{
	for (int i = 0; i < out->ntx; i++) {
		if (pktsock_send(fd, out->tx[i].buf, out->tx[i].len) != 0) {
			chk_error(r, CHK_OUT_SYSTEM, errno, "send on packet socket");
			return -1;
		}
		show(verbose, out->tx[i].buf, out->tx[i].len, NULL);
	}
	return 0;
}

/* Wait for the socket until WAKE (monotonic µs, CHK_NO_WAKE = forever).
 * The remaining time is recomputed by the caller before every wait, so a
 * stream of unrelated frames cannot stretch the deadline. */
static int wait_readable(int fd, uint64_t wake, struct chk_report *r)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts, *tsp = NULL;
	uint64_t now = clock_mono_us();
	int n;

	if (wake != CHK_NO_WAKE) {
		uint64_t left = wake > now ? wake - now : 0;

		ts.tv_sec = (time_t)(left / 1000000u);
		ts.tv_nsec = (long)(left % 1000000u) * 1000;
		tsp = &ts;
	}
	n = ppoll(&pfd, 1, tsp, NULL);
	if (n < 0 && errno != EINTR) {
		chk_error(r, CHK_OUT_SYSTEM, errno, "ppoll on packet socket");
		return -1;
	}
	return 0;
}

/*
 * The source address of the check: --source-ip; else the interface's
 * primary IPv4 address (as ever); for IPv6, the kernel's choice for
 * REAL_SERVER out of SOURCE_IFACE (RFC 6724 as the kernel applies it:
 * preferred over deprecated, the longest matching prefix, link-local for
 * a link-local real server) when it is one of SOURCE_IFACE's own
 * addresses -- the real server asks for its MAC on that link, where only
 * the interface's addresses are answered for -- else the interface's
 * first global IPv6 address.
 */
static int choose_source(const struct chk_opts *o, const struct ifinfo *ifi,
                         const struct addr *rs, struct addr *our, struct chk_report *r)
{
	if (o->source_ip != NULL) {
		*our = o->source_addr;
		return 0;
	}
	*our = *ifinfo_source(ifi, rs);
	if (rs->family == AF_INET6) {
		struct addr k;

		if (ifinfo_route_src(ifi->index, rs, &k) == 0 && ifinfo_has_addr(ifi, &k))
			*our = k;
		if (!addr_is_set(our)) {
			chk_error(r, CHK_OUT_IFACE_NO_IP6, 0, "SOURCE_IFACE '%s': interface has no "
			          "usable IPv6 address (use --source-ip)", o->iface);
			return -1;
		}
		return 0;
	}
	if (!addr_is_set(our)) {
		chk_error(r, CHK_OUT_IFACE_NO_IP4, 0,
		          "SOURCE_IFACE '%s': interface has no IPv4 address (use --source-ip)", o->iface);
		return -1;
	}
	return 0;
}

int chk_run_raw(const struct chk_opts *o, const struct addr *rs, const struct addr *vip,
                struct chk_report *r)
{
	struct ifinfo ifi;
	struct chk_config cfg;
	struct pktsock_filter flt;
	struct addr our;
	static struct chk c;
	static struct chk_out out;
	uint8_t rnd[8], frame[2048];
	uint64_t t0 = clock_mono_us();
	int fd, err, rc = CHK_EXIT_FAIL;

	r->mode = "raw";
	switch (ifinfo_get(o->iface, &ifi)) {
	case IFINFO_OK: break;
	case IFINFO_NO_SUCH:
		chk_error(r, CHK_OUT_NO_IFACE, 0, "SOURCE_IFACE '%s': no such interface", o->iface);
		return CHK_EXIT_FAIL;
	case IFINFO_NOT_ETHER:
		chk_error(r, CHK_OUT_IFACE_NOT_ETHER, 0, "SOURCE_IFACE '%s': not an Ethernet interface",
		          o->iface);
		return CHK_EXIT_FAIL;
	default:
		chk_error(r, CHK_OUT_SYSTEM, errno, "SOURCE_IFACE '%s'", o->iface);
		return CHK_EXIT_FAIL;
	}
	if (!ifi.up) {
		chk_error(r, CHK_OUT_IFACE_DOWN, 0, "SOURCE_IFACE '%s': interface is down", o->iface);
		return CHK_EXIT_FAIL;
	}
	if (choose_source(o, &ifi, rs, &our, r) != 0)
		return CHK_EXIT_FAIL;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.our_mac, ifi.mac, 6);
	cfg.our = our;
	cfg.rs = *rs;
	cfg.vip = *vip;
	cfg.port = o->port;
	/* Fresh, unpredictable port, ISN and IP ID for every check: a stale
	 * or forged reply must not be able to guess them. */
	if (rand_bytes(rnd, sizeof(rnd)) != 0) {
		/* rand_bytes() logged why */
		r->outcome = CHK_OUT_SYSTEM;
		snprintf(r->reason, sizeof(r->reason), "getrandom failed");
		return CHK_EXIT_FAIL;
	}
	cfg.sport = (uint16_t)(1024 + ((uint32_t)rnd[0] << 8 | rnd[1]) % (65536 - 1024));
	memcpy(&cfg.isn, rnd + 2, 4);
	memcpy(&cfg.ip_id, rnd + 6, 2);
	cfg.mss = pkt_mss_for_mtu(ifi.mtu, rs->family);
	cfg.timeout_us = chk_ms_to_us(o->timeout_ms);
	cfg.retries = o->retries;
	cfg.clean_close = o->clean_close;
	cfg.any_mac = o->any_mac;

	rc = pktsock_check_filter(&flt, &our, vip, cfg.port, cfg.sport);
	if (o->verbose >= 1 && flt.expr[0] != '\0')
		fprintf(stderr, "[FILTER] %s\n", flt.expr);
	if (rc != 0) {
		chk_error(r, CHK_OUT_SYSTEM, 0, "kernel filter: %s", flt.err);
		return CHK_EXIT_FAIL;
	}
	rc = CHK_EXIT_FAIL;
	fd = pktsock_open(ifi.index, flt.prog, flt.len);
	err = errno;
	pktsock_filter_free(&flt);
	if (fd < 0) {
		errno = err;
		if (errno == EPERM || errno == EACCES)
			chk_error(r, CHK_OUT_NO_CAPABILITY, 0,
			          "opening a packet socket needs CAP_NET_RAW: run as root, or "
			          "grant it once with 'setcap cap_net_raw+ep check_tcp_raw'");
		else
			chk_error(r, CHK_OUT_SYSTEM, errno, "opening a packet socket on '%s'", o->iface);
		return CHK_EXIT_FAIL;
	}
	/* The socket is all we needed a privilege for: an open, bound packet
	 * socket sends and receives without any capability (the kernel checks
	 * CAP_NET_RAW when it is created), so keep none while replies from
	 * the network are parsed. */
	if (priv_keep_caps(NULL, 0) != 0) {
		chk_error(r, CHK_OUT_SYSTEM, 0, "could not drop capabilities after opening the "
		          "packet socket");
		goto out;
	}

	r->sport = cfg.sport;
	chk_start(&c, &cfg, clock_mono_us(), &out);
	if (send_all(fd, &out, o->verbose, r) != 0)
		goto out;
	while (c.state != CHK_ST_DONE) {
		uint64_t now;
		ssize_t n;

		if (wait_readable(fd, chk_next_wake(&c), r) != 0)
			goto out;
		/* Drain what is queued, then let time act; a queue that never
		 * empties (a flood) is left as soon as a deadline is due. */
		while (c.state != CHK_ST_DONE &&
		       (n = pktsock_recv(fd, frame, sizeof(frame))) != 0) {
			if (n < 0) {
				chk_error(r, CHK_OUT_SYSTEM, errno, "receive on packet socket");
				goto out;
			}
			now = clock_mono_us();
			chk_on_frame(&c, frame, (size_t)n, now, &out);
			if (out.accepted)
				show(o->verbose, frame, (size_t)n, NULL);
			else if (out.ignored[0] && (!out.is_arp || o->verbose >= 2))
				show(o->verbose, frame, (size_t)n, out.ignored);
			if (send_all(fd, &out, o->verbose, r) != 0)
				goto out;
			if (now >= chk_next_wake(&c))
				break;
		}
		now = clock_mono_us();
		if (c.state != CHK_ST_DONE && now >= chk_next_wake(&c)) {
			chk_on_tick(&c, now, &out);
			if (send_all(fd, &out, o->verbose, r) != 0)
				goto out;
		}
	}
	chk_report_from_chk(r, &c);
	rc = 0;
out:
	r->elapsed_us = clock_mono_us() - t0;
	pktsock_close_deferred(fd);
	return rc;
}
