/* The many-target check engine (see engine.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check/engine.h"
#include "check/report.h"
#include "sys/ifinfo.h"
#include "sys/log.h"
#include "sys/pktsock.h"
#include "sys/rand.h"
#include "sys/siphash.h"

#define ENG_TXQ 64                 /* frames sent in one sendmmsg */
#define ENG_RX_BURST 256           /* frames read per readable event */
#define ENG_NPORTS 65536u

/* The interface's usable state, or why it is not usable. */
struct eng_if {
	struct eng_if *next;
	struct eng *e;
	char name[16];
	int refs;
	int fd;                        /* -1 while unusable */
	struct ifinfo info;
	enum chk_outcome err;          /* why it is unusable */
	char why[CHK_REASON_MAX];
	uint64_t retry_at;
	uint64_t src_retry_at;         /* if_src_refresh */
	struct evl_io io;
	struct eng_run **owner;        /* source port -> check in flight */
	int ntx;
	uint8_t txbuf[ENG_TXQ][CHK_FRAME_MAX];
	size_t txlen[ENG_TXQ];
};

/* One real server as seen from one interface. */
struct eng_nbr {
	struct eng_nbr *hnext;
	struct eng_if *ifp;
	struct addr ip;
	int refs;
	int valid;
	uint8_t mac[PKT_ETH_ALEN];
	uint64_t expires;
	struct eng_run *waiters;       /* checks in their ARP state; the first sends */
};

struct eng_role {
	struct eng_role *next;
	char *path;
	int refs;
	int val;                       /* 1 MASTER, 0 BACKUP, -1 error (why) */
	char why[CHK_REASON_MAX];
	uint64_t read_at;
	int have;
};

struct eng_run {
	struct eng *e;
	struct eng_target *t;
	struct evl_timer tm;           /* first member of nothing: found by offset */
	struct evl_io io;              /* connect mode */
	int connect;
	int sock;
	uint64_t t0;
	uint16_t sport;
	int owns_port;
	struct eng_run *wnext, **wprev;
	struct chk_report pre;         /* set when the check ended before starting */
	int pre_done;
	struct chk c;
};

struct eng {
	struct evl *loop;
	eng_done_fn done;
	void *arg;
	uint8_t key[SIPHASH_KEYLEN];
	struct eng_if *ifs;
	struct eng_role *roles;
	struct eng_nbr **nbr_tab;
	uint32_t nbr_mask, nbr_count;
	uint32_t next_id;
	struct eng_run *free_runs;
	struct eng_stats st;
};

#define RUN_OF_TIMER(p) ((struct eng_run *)((char *)(p) - offsetof(struct eng_run, tm)))
#define RUN_OF_IO(p) ((struct eng_run *)((char *)(p) - offsetof(struct eng_run, io)))
#define IF_OF_IO(p) ((struct eng_if *)((char *)(p) - offsetof(struct eng_if, io)))

/* ---- keyed values ------------------------------------------------------ */

/* The keyed hash's input, built field by field: an address goes in as its
 * family and its family's bytes (4 or 16), so an IPv4 check hashes as few
 * bytes as before IPv6 (one SipHash block for the ISN) and the encoding
 * stays unambiguous (the family fixes the length). */
struct key_buf {
	size_t n;
	uint8_t b[48];                 /* the longest: 4 + 4 + 17 + 17 + 2 */
};

static void key_put(struct key_buf *k, const void *p, size_t n)
{
	memcpy(k->b + k->n, p, n);
	k->n += n;
}

static void key_addr(struct key_buf *k, const struct addr *a)
{
	k->b[k->n++] = a->family;
	key_put(k, a->u.b, addr_bytes(a->family));
}

/* The ISN of a check from OUR to VIP:PORT from SPORT. */
static uint32_t eng_isn(const struct eng *e, const struct addr *our, const struct addr *vip,
                        uint16_t port, uint16_t sport)
{
	struct key_buf k = { .n = 0 };

	key_addr(&k, our);
	key_addr(&k, vip);
	key_put(&k, &port, sizeof(port));
	key_put(&k, &sport, sizeof(sport));
	return (uint32_t)siphash24(e->key, k.b, k.n);
}

static uint64_t eng_port_hash(const struct eng *e, const struct eng_target *t)
{
	struct key_buf k = { .n = 0 };

	key_put(&k, &t->id, sizeof(t->id));
	key_put(&k, &t->gen, sizeof(t->gen));
	key_addr(&k, &t->spec.rs_ip);
	key_addr(&k, &t->spec.vip);
	key_put(&k, &t->spec.port, sizeof(t->spec.port));
	return siphash24(e->key, k.b, k.n) ^ 0x5a5a5a5a5a5a5a5aull;
}

/* ---- transmission ----------------------------------------------------- */

static void if_flush(struct eng *e, struct eng_if *ifp)
{
	struct mmsghdr msgs[ENG_TXQ];
	struct iovec iov[ENG_TXQ];
	int done = 0, n;

	if (ifp->ntx == 0)
		return;
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < ifp->ntx; i++) {
		iov[i].iov_base = ifp->txbuf[i];
		iov[i].iov_len = ifp->txlen[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < ifp->ntx) {
		n = sendmmsg(ifp->fd, msgs + done, (unsigned)(ifp->ntx - done), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* a full queue or a vanished interface: those frames are
			 * lost, their checks time out as they would on the wire */
			e->st.tx_errors += (uint64_t)(ifp->ntx - done);
			break;
		}
		done += n;
		e->st.tx_frames += (uint64_t)n;
	}
	ifp->ntx = 0;
}

static void eng_flush(void *arg)
{
	struct eng *e = arg;

	for (struct eng_if *ifp = e->ifs; ifp != NULL; ifp = ifp->next)
		if (ifp->fd >= 0)
			if_flush(e, ifp);
}

static void if_queue(struct eng *e, struct eng_if *ifp, const uint8_t *buf, size_t len)
{
	if (ifp->fd < 0 || len == 0 || len > CHK_FRAME_MAX)
		return;
	if (ifp->ntx == ENG_TXQ)
		if_flush(e, ifp);
	memcpy(ifp->txbuf[ifp->ntx], buf, len);
	ifp->txlen[ifp->ntx] = len;
	ifp->ntx++;
}

/* Send what one step of a machine asked for.  A machine that is still
 * resolving after its step sent only neighbour requests (ARP, Neighbor
 * Solicitation): those go out only from the check that speaks for its
 * neighbour entry. */
static void run_send(struct eng_run *r, const struct chk_out *out, int nbr_ok)
{
	if (r->c.state == CHK_ST_ARP && !nbr_ok)
		return;
	for (int i = 0; i < out->ntx; i++)
		if_queue(r->e, r->t->ifp, out->tx[i].buf, out->tx[i].len);
}

/* ---- interfaces --------------------------------------------------------- */

static void if_readable(struct evl_io *io, uint32_t events, uint64_t now);

static void if_close(struct eng *e, struct eng_if *ifp)
{
	if (ifp->fd < 0)
		return;
	evl_io_del(e->loop, &ifp->io);
	close(ifp->fd);
	ifp->fd = -1;
	ifp->ntx = 0;
}

/* Open IFP's socket if it is not open; 0 when usable, else -1 with
 * ifp->err and ifp->why set. */
static int if_open(struct eng *e, struct eng_if *ifp, uint64_t now)
{
	struct pktsock_filter flt;
	struct addr src[2];
	const char *n = ifp->name;

	if (ifp->fd >= 0)
		return 0;
	if (now < ifp->retry_at)
		return -1;
	ifp->retry_at = now + ENG_IF_RETRY_US;
	switch (ifinfo_get(n, &ifp->info)) {
	case IFINFO_OK:
		break;
	case IFINFO_NO_SUCH:
		ifp->err = CHK_OUT_NO_IFACE;
		snprintf(ifp->why, sizeof(ifp->why), "SOURCE_IFACE '%s': no such interface", n);
		return -1;
	case IFINFO_NOT_ETHER:
		ifp->err = CHK_OUT_IFACE_NOT_ETHER;
		snprintf(ifp->why, sizeof(ifp->why), "SOURCE_IFACE '%s': not an Ethernet interface", n);
		return -1;
	default:
		ifp->err = CHK_OUT_SYSTEM;
		snprintf(ifp->why, sizeof(ifp->why), "SOURCE_IFACE '%s': %s", n, strerror(errno));
		return -1;
	}
	if (!ifp->info.up) {
		ifp->err = CHK_OUT_IFACE_DOWN;
		snprintf(ifp->why, sizeof(ifp->why), "SOURCE_IFACE '%s': interface is down", n);
		return -1;
	}
	/* replies come to the source address of either family */
	src[0] = ifp->info.ip4;
	src[1] = ifp->info.ip6;
	if (!addr_is_set(&src[0]) && !addr_is_set(&src[1])) {
		ifp->err = CHK_OUT_IFACE_NO_IP4;
		snprintf(ifp->why, sizeof(ifp->why), "SOURCE_IFACE '%s': interface has no IPv4 address", n);
		return -1;
	}
	if (pktsock_engine_filter(&flt, src, 2) != 0) {
		ifp->err = CHK_OUT_SYSTEM;
		snprintf(ifp->why, sizeof(ifp->why), "SOURCE_IFACE '%s': kernel filter: %.80s", n,
		         flt.err);
		return -1;
	}
	ifp->fd = pktsock_open(ifp->info.index, flt.prog, flt.len);
	pktsock_filter_free(&flt);
	if (ifp->fd < 0) {
		if (errno == EPERM || errno == EACCES) {
			ifp->err = CHK_OUT_NO_CAPABILITY;
			snprintf(ifp->why, sizeof(ifp->why), "opening a packet socket needs CAP_NET_RAW");
		} else {
			ifp->err = CHK_OUT_SYSTEM;
			snprintf(ifp->why, sizeof(ifp->why), "opening a packet socket on '%s': %s", n,
			         strerror(errno));
		}
		return -1;
	}
	{
		/* room for a burst of replies from thousands of targets */
		int sz = 4 << 20;

		(void)setsockopt(ifp->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	ifp->io.fd = ifp->fd;
	ifp->io.fn = if_readable;
	if (evl_io_add(e->loop, &ifp->io, EPOLLIN) != 0) {
		ifp->err = CHK_OUT_SYSTEM;
		snprintf(ifp->why, sizeof(ifp->why), "epoll on '%s': %s", n, strerror(errno));
		close(ifp->fd);
		ifp->fd = -1;
		return -1;
	}
	return 0;
}

/* The interface's source address for talking to PEER (its family):
 * the primary IPv4 address, the first global IPv6 one; family 0 if none. */
static const struct addr *if_src(const struct eng_if *ifp, const struct addr *peer)
{
	return ifinfo_source(&ifp->info, peer);
}

/* The interface has no source in PEER's family: if it has gained one
 * since its socket was opened (an IPv6 address after DAD), reopen it
 * with a filter for the new address, at most every ENG_IF_RETRY_US.
 * 0 when there is a source now. */
static int if_src_refresh(struct eng *e, struct eng_if *ifp, const struct addr *peer,
                          uint64_t now)
{
	struct ifinfo fresh;

	if (now < ifp->src_retry_at)
		return -1;
	ifp->src_retry_at = now + ENG_IF_RETRY_US;
	if (ifinfo_get(ifp->name, &fresh) != IFINFO_OK || !addr_is_set(ifinfo_source(&fresh, peer)))
		return -1;
	if_flush(e, ifp);
	if_close(e, ifp);
	ifp->retry_at = 0;
	return if_open(e, ifp, now) == 0 && addr_is_set(if_src(ifp, peer)) ? 0 : -1;
}

static struct eng_if *if_get(struct eng *e, const char *name)
{
	struct eng_if *ifp;

	for (ifp = e->ifs; ifp != NULL; ifp = ifp->next)
		if (strcmp(ifp->name, name) == 0)
			return ifp;
	ifp = calloc(1, sizeof(*ifp));
	if (ifp == NULL)
		return NULL;
	ifp->owner = calloc(ENG_NPORTS, sizeof(*ifp->owner));
	if (ifp->owner == NULL) {
		free(ifp);
		return NULL;
	}
	ifp->e = e;
	ifp->fd = -1;
	snprintf(ifp->name, sizeof(ifp->name), "%s", name);
	ifp->next = e->ifs;
	e->ifs = ifp;
	return ifp;
}

static void if_put(struct eng *e, struct eng_if *ifp)
{
	struct eng_if **pp;

	if (--ifp->refs > 0)
		return;
	if_close(e, ifp);
	for (pp = &e->ifs; *pp != ifp; pp = &(*pp)->next)
		;
	*pp = ifp->next;
	free(ifp->owner);
	free(ifp);
}

/* ---- neighbour cache -------------------------------------------------- */

static uint32_t nbr_hash(const struct eng *e, const struct eng_if *ifp, const struct addr *ip)
{
	uint64_t h = (uint64_t)(uintptr_t)ifp * 0x9e3779b97f4a7c15ull ^ ip->family;

	for (int i = 0; i < ADDR_MAXLEN / 4; i++)
		h = (h ^ ip->u.w[i]) * 0xc2b2ae3d27d4eb4full;
	return (uint32_t)(h >> 32) & e->nbr_mask;
}

static struct eng_nbr *nbr_find(const struct eng *e, const struct eng_if *ifp,
                                const struct addr *ip)
{
	struct eng_nbr *n;

	if (e->nbr_tab == NULL)
		return NULL;
	for (n = e->nbr_tab[nbr_hash(e, ifp, ip)]; n != NULL; n = n->hnext)
		if (n->ifp == ifp && addr_eq(&n->ip, ip))
			return n;
	return NULL;
}

static int nbr_grow(struct eng *e)
{
	uint32_t size = e->nbr_tab ? (e->nbr_mask + 1) * 2 : 256, old = e->nbr_mask + 1;
	struct eng_nbr **tab = calloc(size, sizeof(*tab)), **otab = e->nbr_tab;

	if (tab == NULL)
		return -1;
	e->nbr_tab = tab;
	e->nbr_mask = size - 1;
	if (otab != NULL) {
		for (uint32_t i = 0; i < old; i++) {
			struct eng_nbr *n = otab[i], *nx;

			for (; n != NULL; n = nx) {
				uint32_t h = nbr_hash(e, n->ifp, &n->ip);

				nx = n->hnext;
				n->hnext = tab[h];
				tab[h] = n;
			}
		}
		free(otab);
	}
	return 0;
}

static struct eng_nbr *nbr_get(struct eng *e, struct eng_if *ifp, const struct addr *ip)
{
	struct eng_nbr *n = nbr_find(e, ifp, ip);
	uint32_t h;

	if (n != NULL)
		return n;
	if ((e->nbr_tab == NULL || e->nbr_count >= e->nbr_mask + 1) && nbr_grow(e) != 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->ifp = ifp;
	n->ip = *ip;
	h = nbr_hash(e, ifp, ip);
	n->hnext = e->nbr_tab[h];
	e->nbr_tab[h] = n;
	e->nbr_count++;
	return n;
}

static void nbr_put(struct eng *e, struct eng_nbr *n)
{
	struct eng_nbr **pp;

	if (--n->refs > 0)
		return;
	for (pp = &e->nbr_tab[nbr_hash(e, n->ifp, &n->ip)]; *pp != n; pp = &(*pp)->hnext)
		;
	*pp = n->hnext;
	e->nbr_count--;
	free(n);
}

static void wait_add(struct eng_nbr *n, struct eng_run *r)
{
	struct eng_run **pp = &n->waiters;

	while (*pp != NULL)              /* at the tail: the first keeps speaking */
		pp = &(*pp)->wnext;
	r->wnext = NULL;
	r->wprev = pp;
	*pp = r;
}

static void wait_del(struct eng_run *r)
{
	if (r->wprev == NULL)
		return;
	*r->wprev = r->wnext;
	if (r->wnext != NULL)
		r->wnext->wprev = r->wprev;
	r->wnext = NULL;
	r->wprev = NULL;
}

/* ---- role files ------------------------------------------------------- */

static struct eng_role *role_get(struct eng *e, const char *path)
{
	struct eng_role *ro;

	for (ro = e->roles; ro != NULL; ro = ro->next)
		if (strcmp(ro->path, path) == 0)
			return ro;
	ro = calloc(1, sizeof(*ro));
	if (ro == NULL || (ro->path = strdup(path)) == NULL) {
		free(ro);
		return NULL;
	}
	ro->next = e->roles;
	e->roles = ro;
	return ro;
}

static void role_put(struct eng *e, struct eng_role *ro)
{
	struct eng_role **pp;

	if (--ro->refs > 0)
		return;
	for (pp = &e->roles; *pp != ro; pp = &(*pp)->next)
		;
	*pp = ro->next;
	free(ro->path);
	free(ro);
}

static int role_now(struct eng_role *ro, uint64_t now)
{
	if (!ro->have || now - ro->read_at >= ENG_ROLE_CACHE_US) {
		ro->val = chk_role_probe(ro->path, ro->why, sizeof(ro->why));
		ro->read_at = now;
		ro->have = 1;
	}
	return ro->val;
}

/* ---- checks ------------------------------------------------------------- */

static void run_timer(struct evl_timer *tm, uint64_t now);

static struct eng_run *run_new(struct eng *e, struct eng_target *t, uint64_t now)
{
	struct eng_run *r = e->free_runs;

	if (r != NULL)
		e->free_runs = r->wnext;
	else if ((r = malloc(sizeof(*r))) == NULL)
		return NULL;
	memset(r, 0, offsetof(struct eng_run, c));
	r->e = e;
	r->t = t;
	r->t0 = now;
	r->sock = -1;
	r->tm.fn = run_timer;
	return r;
}

static void run_release(struct eng_run *r)
{
	struct eng *e = r->e;
	struct eng_target *t = r->t;

	evl_timer_cancel(e->loop, &r->tm);
	wait_del(r);
	if (r->owns_port && t->ifp->owner[r->sport] == r)
		t->ifp->owner[r->sport] = NULL;
	if (r->sock >= 0) {
		evl_io_del(e->loop, &r->io);
		close(r->sock);
	}
	t->run = NULL;
	r->wnext = e->free_runs;
	e->free_runs = r;
}

static void run_finish(struct eng_run *r, uint64_t now)
{
	struct eng *e = r->e;
	struct eng_target *t = r->t;
	struct chk_report rep;

	memset(&rep, 0, sizeof(rep));
	if (r->pre_done) {
		rep = r->pre;
	} else if (r->connect) {
		rep = r->pre;               /* filled by the connect handler */
	} else {
		rep.mode = "raw";
		chk_report_from_chk(&rep, &r->c);
		rep.sport = r->sport;
		/* the server failed us: its MAC may have changed, ask again */
		if (!chk_outcome_is_success(rep.outcome) && t->nbr != NULL)
			t->nbr->valid = 0;
	}
	rep.elapsed_us = now - r->t0;
	run_release(r);
	e->st.checks_done++;
	e->done(e->arg, t, &rep, now);
}

static void run_arm(struct eng_run *r)
{
	uint64_t w = chk_next_wake(&r->c);

	if (w == CHK_NO_WAKE)
		evl_timer_cancel(r->e->loop, &r->tm);
	else
		(void)evl_timer_set(r->e->loop, &r->tm, w);
}

/* After a step of the machine: send, then finish or wait again. */
static void run_after(struct eng_run *r, const struct chk_out *out, int nbr_ok, uint64_t now)
{
	run_send(r, out, nbr_ok);
	if (r->c.state == CHK_ST_DONE)
		run_finish(r, now);
	else
		run_arm(r);
}

static void connect_done(struct eng_run *r, int err, uint64_t now)
{
	struct eng_target *t = r->t;

	r->pre.mode = "connect";
	chk_connect_verdict(&r->pre, err, t->spec.timeout_ms, now - r->t0);
	if (err == 0 && !t->spec.clean_close) {
		/* linger 0: close() resets, leaving no TIME_WAIT */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(r->sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	run_finish(r, now);
}

static void run_timer(struct evl_timer *tm, uint64_t now)
{
	struct eng_run *r = RUN_OF_TIMER(tm);
	struct chk_out out;

	if (r->pre_done) {
		run_finish(r, now);
		return;
	}
	if (r->connect) {
		connect_done(r, ETIMEDOUT, now);
		return;
	}
	chk_on_tick(&r->c, now, &out);
	/* only the first waiter speaks for the neighbour entry */
	run_after(r, &out, r->t->nbr->waiters == r, now);
}

static void connect_ready(struct evl_io *io, uint32_t events, uint64_t now)
{
	struct eng_run *r = RUN_OF_IO(io);
	int err = 0;
	socklen_t el = sizeof(err);

	(void)events;
	if (getsockopt(r->sock, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
		err = errno;
	connect_done(r, err, now);
}

/* The check ends before it started (interface, role file...): reported
 * from the loop, never from inside eng_check_start. */
static void run_fail_early(struct eng_run *r, const char *mode, enum chk_outcome o,
                           const char *why, uint64_t now)
{
	r->pre_done = 1;
	r->pre.mode = mode;
	r->pre.outcome = o;
	snprintf(r->pre.reason, sizeof(r->pre.reason), "%s", why);
	(void)evl_timer_set(r->e->loop, &r->tm, now);
}

static void start_connect(struct eng_run *r, uint64_t now)
{
	struct eng_target *t = r->t;
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&t->spec.rs_ip, t->spec.port, &ss);
	char why[CHK_REASON_MAX];

	r->connect = 1;
	r->sock = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->sock < 0) {
		snprintf(why, sizeof(why), "TCP socket: %s", strerror(errno));
		r->connect = 0;
		run_fail_early(r, "connect", CHK_OUT_SYSTEM, why, now);
		return;
	}
	r->io.fd = r->sock;
	r->io.fn = connect_ready;
	if (connect(r->sock, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		r->pre.mode = "connect";
		chk_connect_verdict(&r->pre, errno, t->spec.timeout_ms, 0);
		r->pre_done = 1;
		(void)evl_timer_set(r->e->loop, &r->tm, now);
		return;
	}
	if (evl_io_add(r->e->loop, &r->io, EPOLLOUT) != 0) {
		snprintf(why, sizeof(why), "epoll on a TCP socket: %s", strerror(errno));
		close(r->sock);
		r->sock = -1;
		r->connect = 0;
		run_fail_early(r, "connect", CHK_OUT_SYSTEM, why, now);
		return;
	}
	if (t->spec.timeout_ms)
		(void)evl_timer_set(r->e->loop, &r->tm, now + chk_ms_to_us(t->spec.timeout_ms));
}

/* The interface has no source address in the target's family (the
 * outcomes name the family). */
static void run_no_source(struct eng_run *r, const struct eng_if *ifp, uint64_t now)
{
	char why[CHK_REASON_MAX];

	if (r->t->spec.vip.family == AF_INET6) {
		snprintf(why, sizeof(why), "SOURCE_IFACE '%s': interface has no usable IPv6 address",
		         ifp->name);
		run_fail_early(r, "raw", CHK_OUT_IFACE_NO_IP6, why, now);
	} else {
		snprintf(why, sizeof(why), "SOURCE_IFACE '%s': interface has no IPv4 address",
		         ifp->name);
		run_fail_early(r, "raw", CHK_OUT_IFACE_NO_IP4, why, now);
	}
}

static void start_raw(struct eng *e, struct eng_run *r, uint64_t now)
{
	struct eng_target *t = r->t;
	struct eng_if *ifp = t->ifp;
	struct eng_nbr *n = t->nbr;
	const struct addr *src;
	struct chk_config cfg;
	struct chk_out out;
	uint64_t h;
	uint32_t p;

	if (if_open(e, ifp, now) != 0) {
		if (ifp->err == CHK_OUT_IFACE_NO_IP4)   /* no address at all */
			run_no_source(r, ifp, now);
		else
			run_fail_early(r, "raw", ifp->err, ifp->why, now);
		return;
	}
	src = if_src(ifp, &t->spec.vip);
	if (!addr_is_set(src) && if_src_refresh(e, ifp, &t->spec.vip, now) != 0) {
		run_no_source(r, ifp, now);
		return;
	}
	src = if_src(ifp, &t->spec.vip);
	/* a fresh port for every check; a free one near the hashed value
	 * (at most one check per target is in flight, so there is one) */
	h = eng_port_hash(e, t);
	p = (uint32_t)(h % (ENG_NPORTS - ENG_PORT_MIN));
	for (uint32_t i = 0; i < ENG_NPORTS - ENG_PORT_MIN; i++) {
		uint32_t sp = ENG_PORT_MIN + (p + i) % (ENG_NPORTS - ENG_PORT_MIN);

		if (ifp->owner[sp] == NULL) {
			r->sport = (uint16_t)sp;
			break;
		}
	}
	if (r->sport == 0) {
		run_fail_early(r, "raw", CHK_OUT_SYSTEM, "no free source port", now);
		return;
	}
	ifp->owner[r->sport] = r;
	r->owns_port = 1;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.our_mac, ifp->info.mac, PKT_ETH_ALEN);
	cfg.our = *src;
	cfg.rs = t->spec.rs_ip;
	cfg.vip = t->spec.vip;
	cfg.port = t->spec.port;
	cfg.sport = r->sport;
	cfg.isn = eng_isn(e, src, &t->spec.vip, cfg.port, cfg.sport);
	cfg.ip_id = (uint16_t)(h >> 48);
	cfg.mss = pkt_mss_for_mtu(ifp->info.mtu, t->spec.vip.family);
	cfg.timeout_us = chk_ms_to_us(t->spec.timeout_ms);
	cfg.retries = t->spec.retries;
	cfg.clean_close = t->spec.clean_close;
	cfg.any_mac = t->spec.any_mac;
	if (n->valid && now < n->expires) {
		chk_start_resolved(&r->c, &cfg, n->mac, now, &out);
		run_after(r, &out, 0, now);
		return;
	}
	n->valid = 0;
	chk_start(&r->c, &cfg, now, &out);
	wait_add(n, r);
	run_after(r, &out, n->waiters == r, now);
}

int eng_check_start(struct eng *e, struct eng_target *t, uint64_t now)
{
	struct eng_run *r;
	int master = 1;

	if (t->run != NULL)
		return -1;
	r = run_new(e, t, now);
	if (r == NULL)
		return -1;
	t->run = r;
	t->gen++;
	e->st.checks_started++;
	if (t->role != NULL) {
		master = role_now(t->role, now);
		if (master < 0) {
			run_fail_early(r, "raw", CHK_OUT_ROLE_FILE, t->role->why, now);
			return 0;
		}
	}
	if (master)
		start_raw(e, r, now);
	else
		start_connect(r, now);
	return 0;
}

/* ---- received frames ---------------------------------------------------- */

/* Two waiting checks judge a neighbour reply alike when they speak from
 * the same address and MAC: chk.c's neighbour rules read nothing else of
 * a check in its neighbour state (the real server is the entry's). */
static int same_judge(const struct eng_run *a, const struct eng_run *b)
{
	return addr_eq(&a->c.cfg.our, &b->c.cfg.our) &&
	       memcmp(a->c.cfg.our_mac, b->c.cfg.our_mac, PKT_ETH_ALEN) == 0;
}

/* Give a neighbour reply (ARP reply, Neighbor Advertisement) to every
 * check waiting for its neighbour; chk.c judges it.  The first check that
 * accepts it fills the cache.  A reply one check rejected is not judged
 * again for the checks that would judge it alike: a flood of forged
 * replies for a silent real server then costs one judgement a frame, not
 * one per check waiting for that server. */
static void on_nbr(struct eng *e, struct eng_if *ifp, const struct pkt_frame *f,
                   const uint8_t *buf, size_t len, uint64_t now)
{
	struct eng_nbr *n;
	struct eng_run *r, *next, *rejected = NULL;
	struct chk_out out;
	int taken = 0;

	if (f->nbr.op != PKT_NBR_REPLY || !addr_eq(&f->nbr.tpa, if_src(ifp, &f->nbr.tpa)) ||
	    (n = nbr_find(e, ifp, &f->nbr.spa)) == NULL || n->waiters == NULL) {
		e->st.rx_stale++;
		return;
	}
	for (r = n->waiters; r != NULL; r = next) {
		next = r->wnext;
		if (rejected != NULL && same_judge(r, rejected)) {
			e->st.rx_ignored++;
			continue;
		}
		chk_on_frame(&r->c, buf, len, now, &out);
		if (!out.accepted) {
			e->st.rx_ignored++;
			if (rejected == NULL)
				rejected = r;
			continue;
		}
		if (!taken) {
			memcpy(n->mac, r->c.rs_mac, PKT_ETH_ALEN);
			n->valid = 1;
			n->expires = now + ENG_NBR_TTL_US;
			e->st.arp_resolved++;
			taken = 1;
		}
		wait_del(r);
		run_after(r, &out, 0, now);
	}
}

/* The keyed check, before any lookup: the check in flight that this
 * frame answers, or NULL (counted as forged or stale). */
static struct eng_run *validate(struct eng *e, struct eng_if *ifp, const struct pkt_frame *f)
{
	const struct addr *our = if_src(ifp, &f->ip.dst);
	uint32_t isn;
	uint16_t sport;
	struct eng_run *r;

	if (f->has_tcp) {
		const struct pkt_tcp *tc = &f->tcp;

		if (!addr_eq(&f->ip.dst, our))
			goto forged;
		isn = eng_isn(e, our, &f->ip.src, tc->sport, tc->dport);
		/* an RST without ACK is judged by its sequence number, by the
		 * machine, and only in the clean close */
		if ((tc->flags & PKT_TH_ACK) != 0) {
			uint32_t d = tc->ack - isn;

			if (d != 1 && d != 2)
				goto forged;
		} else if ((tc->flags & PKT_TH_RST) == 0) {
			goto forged;
		}
		sport = tc->dport;
	} else if (f->has_icmp) {
		const struct pkt_icmp *ic = &f->icmp;

		if (!ic->has_quote || !addr_eq(&ic->q_ip.src, our) ||
		    ic->q_seq != eng_isn(e, our, &ic->q_ip.dst, ic->q_dport, ic->q_sport))
			goto forged;
		sport = ic->q_sport;
	} else {
		goto forged;
	}
	r = ifp->owner[sport];
	if (r == NULL || r->connect || r->pre_done) {
		e->st.rx_stale++;
		return NULL;
	}
	return r;
forged:
	e->st.rx_forged++;
	return NULL;
}

static void if_readable(struct evl_io *io, uint32_t events, uint64_t now)
{
	struct eng_if *ifp = IF_OF_IO(io);
	struct eng *e = ifp->e;
	uint8_t buf[2048];
	struct pkt_frame f;
	struct chk_out out;
	struct eng_run *r;
	ssize_t n;

	(void)events;
	for (int i = 0; i < ENG_RX_BURST; i++) {
		n = pktsock_recv(ifp->fd, buf, sizeof(buf));
		if (n < 0)
			log_warn("receive on packet socket of '%s'", ifp->name);
		/* 0: empty (or one of ours, which the kernel already skips):
		 * epoll is level-triggered, anything left wakes us again */
		if (n <= 0)
			break;
		e->st.rx_frames++;
		if (pkt_decode(PKT_LINK_EN10MB, buf, (size_t)n, PKT_CSUM_NONE, &f) != PKT_OK) {
			e->st.rx_forged++;
			continue;
		}
		if (f.has_nbr) {
			on_nbr(e, ifp, &f, buf, (size_t)n, now);
			continue;
		}
		if (!f.has_ip || (r = validate(e, ifp, &f)) == NULL)
			continue;
		chk_on_frame(&r->c, buf, (size_t)n, now, &out);
		if (!out.accepted)
			e->st.rx_ignored++;
		run_after(r, &out, 0, now);
	}
}

/* ---- targets ------------------------------------------------------------ */

int eng_target_add(struct eng *e, struct eng_target *t)
{
	t->ifp = NULL;
	t->nbr = NULL;
	t->role = NULL;
	t->run = NULL;
	t->gen = 0;
	t->id = e->next_id++;
	t->ifp = if_get(e, t->spec.iface);
	if (t->ifp == NULL)
		goto nomem;
	t->ifp->refs++;
	t->nbr = nbr_get(e, t->ifp, &t->spec.rs_ip);
	if (t->nbr == NULL)
		goto nomem;
	t->nbr->refs++;
	if (t->spec.role_file != NULL) {
		t->role = role_get(e, t->spec.role_file);
		if (t->role == NULL)
			goto nomem;
		t->role->refs++;
	}
	(void)if_open(e, t->ifp, 0);
	return 0;
nomem:
	log_warnx("out of memory adding a target");
	eng_target_remove(e, t);
	return -1;
}

void eng_target_remove(struct eng *e, struct eng_target *t)
{
	if (t->run != NULL)
		run_release(t->run);
	if (t->role != NULL)
		role_put(e, t->role);
	if (t->nbr != NULL)
		nbr_put(e, t->nbr);
	if (t->ifp != NULL)
		if_put(e, t->ifp);
	t->role = NULL;
	t->nbr = NULL;
	t->ifp = NULL;
}

struct eng *eng_new(struct evl *loop, eng_done_fn done, void *arg)
{
	struct eng *e = calloc(1, sizeof(*e));

	if (e == NULL) {
		log_warn("engine");
		return NULL;
	}
	e->loop = loop;
	e->done = done;
	e->arg = arg;
	if (rand_bytes(e->key, sizeof(e->key)) != 0) {
		free(e);
		return NULL;
	}
	evl_set_flush(loop, eng_flush, e);
	return e;
}

void eng_free(struct eng *e)
{
	struct eng_run *r, *nx;

	if (e == NULL)
		return;
	for (r = e->free_runs; r != NULL; r = nx) {
		nx = r->wnext;
		free(r);
	}
	/* targets must have been removed; what is left is freed anyway */
	while (e->ifs != NULL) {
		struct eng_if *ifp = e->ifs;

		e->ifs = ifp->next;
		if_close(e, ifp);
		free(ifp->owner);
		free(ifp);
	}
	while (e->roles != NULL) {
		struct eng_role *ro = e->roles;

		e->roles = ro->next;
		free(ro->path);
		free(ro);
	}
	if (e->nbr_tab != NULL) {
		for (uint32_t i = 0; i <= e->nbr_mask; i++) {
			struct eng_nbr *n, *nx2;

			for (n = e->nbr_tab[i]; n != NULL; n = nx2) {
				nx2 = n->hnext;
				free(n);
			}
		}
		free(e->nbr_tab);
	}
	explicit_bzero(e->key, sizeof(e->key));
	free(e);
}

const struct eng_stats *eng_stats(const struct eng *e)
{
	return &e->st;
}
