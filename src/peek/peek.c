/* tcpeek's runtime: see peek.h. */
#include "peek/peek.h"
#include "common/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peek/events.h"
#include "peek/metrics.h"
#include "peek/output.h"
#include "peek/sesstab.h"
#include "sys/clock.h"
#include "sys/log.h"

/* Frames per pcap_dispatch; a few batches per wake-up keep the socket
 * served under a flood. */
#define PEEK_BATCH 256
#define PEEK_BATCHES_PER_WAKE 16

static volatile sig_atomic_t stop_flag;
static int sig_pipe[2] = { -1, -1 };
/* The signal mask to run with: the one we were started with, less the
 * stop signals (a parent may have blocked them; we act on them). */
static sigset_t run_mask;
static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };
static const int ignored_sigs[] = { SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM };

/* ---- tracker callbacks ------------------------------------------------ */

static uint64_t cb_classify(void *arg, const struct addr *cli_addr, uint16_t cli_port,
                            const struct addr *srv_addr, uint16_t srv_port)
{
	struct peek *p = arg;
	bool rx, tx;

	(void)cli_port;
	local_direction(&p->local, cli_addr, srv_addr, &rx, &tx);
	if (!rx && !tx)
		return 0;       /* transit traffic between two foreign hosts */
	return filt_match(p->fs, rx, tx, cli_addr, srv_addr, srv_port);
}

static void cb_done(void *arg, const struct trk_event *ev)
{
	struct peek *p = arg;

	for (uint64_t m = ev->filters; m; m &= m - 1) {
		int i = __builtin_ctzll(m);

		if (i < p->nfilt)
			stat_record(&p->stats[i], ev);
	}
	if (p->table)
		out_table_line(p->table, ev);
	if (p->evw)
		evw_handshake(p->evw, ev, p->names, p->nfilt);
	if (p->conn)
		conn_handshake(p->conn, ev);
}

static void cb_conn_done(void *arg, const struct conn_event *ev)
{
	struct peek *p = arg;

	for (uint64_t m = ev->filters; m; m &= m - 1) {
		int i = __builtin_ctzll(m);

		if (i < p->nfilt)
			stat_record_conn(&p->stats[i], ev);
	}
	if (p->evw)
		evw_connection(p->evw, ev, p->names, p->nfilt);
}

static void cb_conn_overflow(void *arg, uint64_t filters)
{
	struct peek *p = arg;

	for (uint64_t m = filters; m; m &= m - 1) {
		int i = __builtin_ctzll(m);

		if (i < p->nfilt)
			stat_conn_overflow(&p->stats[i]);
	}
}

static void cb_conn_open(void *arg, uint64_t filters)
{
	struct peek *p = arg;

	for (uint64_t m = filters; m; m &= m - 1) {
		int i = __builtin_ctzll(m);

		if (i < p->nfilt)
			p->conn_open[i]++;
	}
}

static void cb_untracked(void *arg, uint64_t filters)
{
	struct peek *p = arg;

	for (uint64_t m = filters; m; m &= m - 1) {
		int i = __builtin_ctzll(m);

		if (i < p->nfilt)
			stat_untracked(&p->stats[i]);
	}
}

static void cb_open(void *arg, uint64_t filters)
{
	struct peek *p = arg;

	for (uint64_t m = filters; m; m &= m - 1) {
		int i = __builtin_ctzll(m);

		if (i < p->nfilt)
			p->open[i]++;
	}
}

/* ---- setup ------------------------------------------------------------- */

/* The first number after the text key in file path (0 when absent; a
 * word such as "max" reads as no limit). */
static uint64_t file_number(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char line[256];
	uint64_t v = 0;
	size_t kl = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + kl;

		if (strncmp(line, key, kl) != 0)
			continue;
		p += strspn(p, " \t");
		if (parse_u64n(p, strcspn(p, " \t\n"), UINT64_MAX, &v) != 0)
			v = UINT64_MAX;
		break;
	}
	fclose(f);
	return v;
}

/* Room left under the memory limit of our cgroup (v2: the tightest
 * memory.max from ours up; v1: the memory controller's hierarchical
 * limit), UINT64_MAX when there is none or it cannot be read. */
static uint64_t cgroup_room(void)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[512], path[600];
	uint64_t room = UINT64_MAX;

	if (!f)
		return room;
	while (fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *cg = ctl ? strchr(ctl + 1, ':') : NULL;
		uint64_t lim, use;

		if (!cg)
			continue;
		cg[strcspn(cg, "\n")] = '\0';
		*cg++ = '\0';
		ctl++;
		if (*ctl == '\0') {
			/* v2: every level up to the root may limit */
			for (;;) {
				char *slash;

				snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", cg);
				lim = file_number(path, "");
				snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", cg);
				use = file_number(path, "");
				if (lim && lim != UINT64_MAX && lim - (use < lim ? use : lim) < room)
					room = lim - (use < lim ? use : lim);
				slash = strrchr(cg, '/');
				if (!slash || slash == cg)
					break;
				*slash = '\0';
			}
		} else if (strstr(ctl, "memory")) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.stat", cg);
			lim = file_number(path, "hierarchical_memory_limit");
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", cg);
			use = file_number(path, "");
			/* "no limit" is a page-rounded LONG_MAX */
			if (lim && lim < (1ull << 62) && lim - (use < lim ? use : lim) < room)
				room = lim - (use < lim ? use : lim);
		}
	}
	fclose(f);
	return room;
}

/* Memory that can be had without swapping (MemAvailable; the free pages
 * when /proc is not there), or less if our cgroup leaves less, in bytes. */
static uint64_t mem_available(void)
{
	uint64_t kb = file_number("/proc/meminfo", "MemAvailable:"), avail;
	uint64_t room = cgroup_room();

	if (kb == 0 || kb > UINT64_MAX / 1024u) {
		long pages = sysconf(_SC_AVPHYS_PAGES), pg = sysconf(_SC_PAGESIZE);

		avail = pages > 0 && pg > 0 ? (uint64_t)pages * (uint64_t)pg : 0;
	} else {
		avail = kb * 1024u;
	}
	return room < avail ? room : avail;
}

/*
 * Live: the session table is made resident before the capture opens.  A
 * SYN flood fills the table at the packet rate, and left to first touch
 * each new page would be faulted in and zeroed by the kernel right in the
 * capture loop (measured: 40 % of tcpeek's CPU during a 1 M-SYN flood,
 * and dropped frames), at the moment it matters most.  Populating the
 * default 128 MiB takes a few ms with huge pages.  A file needs no hurry
 * (nothing is dropped, and a short file would pay for memory it never
 * uses), nor does a table bigger than half the memory the machine (or
 * our cgroup's limit) leaves available: that one is left to fill as
 * sessions come, rather than push the machine into reclaim or get us
 * killed at start.
 */
static void table_resident(struct peek *p)
{
	struct trk_stats ts;
	uint64_t avail = mem_available();

	trk_get_stats(p->trk, &ts);
	if (ts.memory_bytes > avail / 2) {
		log_warnx("session table of %llu MiB (see --max-sessions): more than half the "
		          "%llu MiB of memory available (host or cgroup), its pages are taken "
		          "as sessions come",
		          (unsigned long long)(ts.memory_bytes >> 20),
		          (unsigned long long)(avail >> 20));
		return;
	}
	if (trk_populate(p->trk) != 0)
		log_warn("making the session table of %llu MiB resident (its pages are taken "
		         "as sessions come)", (unsigned long long)(ts.memory_bytes >> 20));
}

int peek_init(struct peek *p, const struct peek_config *cfg, char *err, size_t errlen)
{
	static const struct trk_ops ops = {
		.classify = cb_classify,
		.done = cb_done,
		.untracked = cb_untracked,
	};
	struct trk_config tc;

	memset(p, 0, sizeof(*p));
	p->fs = cfg->filters;
	p->local = *cfg->local;
	p->csum = cfg->csum;
	p->live = cfg->live;
	p->table = cfg->table;
	p->link = PKT_LINK_EN10MB;
	p->nfilt = filt_count(cfg->filters);
	if (p->nfilt > FILT_MAX)
		p->nfilt = FILT_MAX;
	for (int i = 0; i < p->nfilt; i++)
		p->names[i] = filt_name(cfg->filters, i);
	p->stats = calloc((size_t)(p->nfilt ? p->nfilt : 1), sizeof(*p->stats));
	if (!p->stats) {
		snprintf(err, errlen, "per-filter stats: %s", strerror(errno));
		return -1;
	}
	tc.timeout_us = cfg->timeout_us;
	tc.icmp = cfg->icmp;
	tc.max_sessions = cfg->max_sessions;
	if (tc.max_sessions == 0) {
		size_t per = trk_session_size();
		uint64_t n = PEEK_DEFAULT_TABLE_BYTES / (per ? per : 1);

		tc.max_sessions = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
	p->trk = trk_new(&tc, &ops, p);
	if (!p->trk) {
		snprintf(err, errlen, "session table for %u sessions (see --max-sessions): %s",
		         (unsigned)tc.max_sessions, strerror(errno ? errno : ENOMEM));
		free(p->stats);
		p->stats = NULL;
		return -1;
	}
	if (cfg->track_established) {
		static const struct conn_ops cops = {
			.done = cb_conn_done,
			.overflow = cb_conn_overflow,
		};
		struct conn_config cc = { .idle_us = cfg->idle_us, .max_conns = cfg->max_conns };

		if (cc.max_conns == 0) {
			uint64_t n = PEEK_DEFAULT_TABLE_BYTES / conn_size();

			cc.max_conns = n > SESS_MAX_CAP ? SESS_MAX_CAP : (uint32_t)n;
		}
		p->conn = conn_new(&cc, &cops, p);
		if (!p->conn) {
			snprintf(err, errlen, "connection table for %u connections (see "
			         "--max-connections): %s", (unsigned)cc.max_conns,
			         strerror(errno ? errno : ENOMEM));
			trk_free(p->trk);
			p->trk = NULL;
			free(p->stats);
			p->stats = NULL;
			return -1;
		}
	}
	p->evw = cfg->events;
	if (cfg->live)
		table_resident(p);
	p->timeout_us = cfg->timeout_us;
	p->start_wall = clock_wall_us();
	p->anchor_ts = p->start_wall;
	p->anchor_mono = clock_mono_us();
	return 0;
}

void peek_fini(struct peek *p)
{
	conn_free(p->conn);
	p->conn = NULL;
	trk_free(p->trk);
	free(p->stats);
	p->trk = NULL;
	p->stats = NULL;
}

/* Re-read the host's addresses (first: at start, when every failure is
 * worth a line; later ones are logged only when the outcome changes). */
static void host_refresh(struct peek *p, int first)
{
	int left = local_set_host_addrs(&p->local), last = p->host_left;

	if (left < 0 && (first || last >= 0))
		log_warn("listing the host's addresses (kept as they were)");
	else if (left > 0 && (first || left != last))
		log_warnx("the host has more than %d addresses: %d of them do not count "
		          "as local (give them with -L)", LOCAL_HOST_MAX, left);
	p->host_left = left;
}

void peek_local_live(struct peek *p, const char *dev)
{
	int own = local_count_interface(dev);

	if (own < 0) {
		log_warn("listing the addresses of %s", dev);
		return;
	}
	if (own == 0 && local_empty(&p->local)) {
		log_warnx("%s has no address (but IPv6 link-local ones) and no -L was given: "
		          "every handshake "
		          "counts as RX", dev);
		return;
	}
	p->host_addrs = 1;
	host_refresh(p, 1);
	p->host_next_mono = clock_mono_us() + PEEK_HOST_REFRESH_US;
}

void peek_set_capture(struct peek *p, struct cap *cap)
{
	p->cap = cap;
	if (cap)
		p->link = cap_link(cap);
}

void peek_set_link(struct peek *p, enum pkt_link link)
{
	p->link = link;
}

/* ---- per frame --------------------------------------------------------- */

/* Jumps logged one by one; the summary gives the total. */
#define PEEK_JUMPS_LOGGED 10

/* A packet's time: its capture timestamp shifted by what backward jumps
 * have added (see hold_resolve), never below 0. */
static inline uint64_t map_ts(const struct peek *p, uint64_t ts_us)
{
	int64_t t;

	if (ts_us > (uint64_t)INT64_MAX)
		ts_us = (uint64_t)INT64_MAX;
	t = (int64_t)ts_us + p->offset;
	return t < 0 ? 0 : (uint64_t)t;
}

/* Queue batch[nbatch], decoded, to reach the tracker at time ts. */
static inline void queue_frame(struct peek *p, uint64_t ts)
{
	if (ts > p->pkt_us)
		p->pkt_us = ts;
	if (p->pkt_us > p->now_us)
		p->now_us = p->pkt_us;
	/* Every frame goes to the tracker, even one it cannot use: any frame
	 * is a tick of the clock, so a handshake's timeout fires at the first
	 * frame after its deadline, whatever that frame is.  Frames are
	 * handed over in batches so the tracker can prefetch its table. */
	p->batch_ts[p->nbatch++] = ts;
	if (p->nbatch == PEEK_TRK_BATCH)
		peek_flush(p);
}

static void log_jump(const struct peek *p, uint64_t ts, const char *what)
{
	double d = ((double)ts - (double)p->now_us) / 1e6;

	if (p->jumps <= PEEK_JUMPS_LOGGED)
		log_warnx("packet %llu: timestamp %+.6f s from the capture's time so far "
		          "(more than the -t timeout): %s%s",
		          (unsigned long long)p->packets, d, what,
		          p->jumps == PEEK_JUMPS_LOGGED ? " (further jumps counted, not logged)" : "");
}

/*
 * A frame stamped more than the timeout after or before the time so far
 * is held until the next frame (or the end, or a live idle tick, when
 * there is no next frame: have_next 0) says what happened:
 *  - forward, and the next frame is not back before the jump: a quiet
 *    period; time moves on (timers fire), as with any gap;
 *  - backward, and the next frame is near it: the clock really went back
 *    (a clock step, files concatenated out of order); the frame is
 *    handled at the time so far and every later timestamp is shifted by
 *    the same amount, so time goes on from here instead of freezing;
 *  - otherwise the frame alone is off (a corrupt timestamp): it is
 *    handled at the time so far and changes nothing.
 * Both of the last two count as a jump.
 */
static void hold_resolve(struct peek *p, int have_next, uint64_t next)
{
	uint64_t h = p->held_ts, ts;
	int confirmed;

	if (!have_next)
		confirmed = 1;
	else if (p->held_back)
		confirmed = next + p->timeout_us >= h && next <= h + p->timeout_us;
	else
		confirmed = next + p->timeout_us >= h;
	if (confirmed && !p->held_back) {
		ts = h;
	} else {
		ts = p->now_us;
		p->jumps++;
		if (confirmed) {
			p->offset += (int64_t)(p->now_us - h);
			log_jump(p, h, "the clock went back; later timestamps are shifted to follow on");
		} else {
			log_jump(p, h, "a lone bad timestamp; the frame is handled at the time so far");
		}
	}
	p->held = 0;
	p->batch[p->nbatch] = p->held_frame;
	queue_frame(p, ts);
}

/* One captured frame (peek_frame; inline in the capture callback, where
 * it runs for every frame: no clock is read here). */
static inline void frame_in(struct peek *p, const uint8_t *data, size_t caplen, uint64_t ts_us)
{
	uint64_t ts = map_ts(p, ts_us);
	struct pkt_frame *f;
	enum pkt_err e;
	int hold;

	if (p->held) {
		hold_resolve(p, 1, ts);
		ts = map_ts(p, ts_us);          /* the offset may have moved */
	}
	hold = p->packets != 0 &&
	       (ts > p->now_us + p->timeout_us || ts + p->timeout_us < p->now_us);
	if (p->packets == 0)
		p->first_us = ts;
	p->packets++;
	f = hold ? &p->held_frame : &p->batch[p->nbatch];
	e = pkt_decode_fast(p->link, data, caplen, p->csum, f);
	if (e != PKT_OK) {
		/* other protocols (ARP...) are not errors, only not ours */
		if (e != PKT_UNSUPPORTED)
			p->malformed++;
		f->has_tcp = f->has_icmp = 0;
	}
	if (hold) {
		p->held = 1;
		p->held_back = ts < p->now_us;
		p->held_ts = ts;
		return;
	}
	queue_frame(p, ts);
}

void peek_frame(struct peek *p, const uint8_t *data, size_t caplen, uint64_t ts_us)
{
	frame_in(p, data, caplen, ts_us);
}

void peek_flush(struct peek *p)
{
	if (p->nbatch == 0)
		return;
	if (p->conn) {
		/* frame by frame: a handshake the tracker completes opens its
		 * connection before the next frame reaches either tracker */
		for (size_t i = 0; i < p->nbatch; i++) {
			trk_packet(p->trk, &p->batch[i], p->batch_ts[i]);
			conn_packet(p->conn, &p->batch[i], p->batch_ts[i]);
		}
	} else {
		trk_packet_batch(p->trk, p->batch, p->batch_ts, p->nbatch);
	}
	p->nbatch = 0;
}

void peek_anchor(struct peek *p, uint64_t mono_us)
{
	p->anchor_ts = p->pkt_us;
	p->anchor_mono = mono_us;
}

void peek_idle(struct peek *p, uint64_t mono_us)
{
	uint64_t now;

	evw_flush(p->evw);
	if (mono_us < p->anchor_mono + PEEK_IDLE_TICK_US) {
		peek_flush(p);
		return;
	}
	if (p->held) {
		hold_resolve(p, 0, 0);
		p->anchor_ts = p->pkt_us;
	}
	peek_flush(p);
	now = p->anchor_ts + (mono_us - p->anchor_mono);
	if (now <= p->now_us)
		return;
	p->now_us = now;
	trk_advance(p->trk, now);
	if (p->conn)
		conn_advance(p->conn, now);
}

void peek_end(struct peek *p)
{
	if (p->held)
		hold_resolve(p, 0, 0);
	peek_flush(p);
}

/* ---- reports ----------------------------------------------------------- */

static void count_open(struct peek *p)
{
	peek_flush(p);
	memset(p->open, 0, sizeof(p->open));
	trk_foreach_open(p->trk, cb_open, p);
	memset(p->conn_open, 0, sizeof(p->conn_open));
	if (p->conn)
		conn_foreach_open(p->conn, cb_conn_open, p);
}

void peek_doc_src(struct peek *p, struct doc_src *s)
{
	struct trk_stats ts;
	struct cap_stats cs = { 0, 0, 0 };

	count_open(p);
	trk_get_stats(p->trk, &ts);
	if (p->cap)
		cap_get_stats(p->cap, &cs);
	else
		cs.recv = p->packets;
	memset(s, 0, sizeof(*s));
	s->nfilt = p->nfilt;
	s->names = p->names;
	s->stats = p->stats;
	s->open = p->open;
	s->pcap.recv = cs.recv;
	s->pcap.drop = cs.drop;
	s->pcap.ifdrop = cs.ifdrop;
	s->tracker.packets = p->packets;
	s->tracker.malformed = p->malformed;
	s->tracker.untracked = ts.untracked;
	s->tracker.open = ts.open;
	s->tracker.peak = ts.peak;
	s->tracker.max_sessions = ts.max_sessions;
	if (p->conn) {
		struct conn_stats cst;

		conn_get_stats(p->conn, &cst);
		s->conn = 1;
		s->conn_open = p->conn_open;
		s->conn_tracker.open = cst.open;
		s->conn_tracker.peak = cst.peak;
		s->conn_tracker.overflow = cst.overflow;
		s->conn_tracker.max_connections = cst.max_conns;
	}
	if (p->evw) {
		struct evw_stats es;

		evw_get_stats(p->evw, &es);
		s->events = 1;
		s->ev.written = es.written;
		s->ev.dropped = es.dropped;
		s->ev.pending = es.pending;
	}
}

char *peek_answer(void *arg, enum ctl_method m)
{
	struct peek *p = arg;
	struct doc_src s;

	peek_doc_src(p, &s);
	return doc_text(&s, m);
}

void peek_summary(struct peek *p, FILE *f)
{
	struct out_filter flt[FILT_MAX];
	struct out_time tm = { 0, 0, 0, 0, 0, 0, 0 };
	struct cap_stats cs = { 0, 0, 0 };

	count_open(p);
	for (int i = 0; i < p->nfilt; i++) {
		flt[i].name = p->names[i];
		flt[i].c = &p->stats[i].total;
		flt[i].open = p->open[i];
		flt[i].conn = p->conn ? &p->stats[i].total.conn : NULL;
		flt[i].conn_open = p->conn_open[i];
	}
	if (p->live) {
		tm.from_us = p->start_wall;
		tm.to_us = clock_wall_us();
	} else {
		/* packet times only grow (see hold_resolve): from <= to */
		tm.from_us = p->first_us;
		tm.to_us = p->pkt_us;
	}
	tm.jumps = p->jumps;
	if (p->cap)
		cap_get_stats(p->cap, &cs);
	else
		cs.recv = p->packets;
	if (p->evw) {
		struct evw_stats es;

		evw_get_stats(p->evw, &es);
		tm.events = 1;
		tm.ev_written = es.written;
		tm.ev_dropped = es.dropped;
		tm.ev_pending = es.pending;
	}
	out_summary(f, &tm, flt, p->nfilt, cs.recv, cs.drop, cs.ifdrop);
}

/* ---- signals ----------------------------------------------------------- */

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	stop_flag = 1;
	/* wake poll(); a full pipe already holds a wake-up */
	if (sig_pipe[1] >= 0 && write(sig_pipe[1], &c, 1) < 0) {
		/* nothing to do: the flag is set */
	}
	errno = saved;
}

int peek_signals_install(void)
{
	struct sigaction sa;
	sigset_t stop;

	sigemptyset(&stop);
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(&stop, stop_sigs[i]);
	if (sigprocmask(SIG_BLOCK, &stop, &run_mask) != 0) {
		log_warn("sigprocmask");
		return -1;
	}
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigdelset(&run_mask, stop_sigs[i]);
	if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		log_warn("pipe2");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;        /* no SA_RESTART: poll must return EINTR */
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		if (sigaction(stop_sigs[i], &sa, NULL) != 0) {
			log_warn("sigaction(%d)", stop_sigs[i]);
			return -1;
		}
	/* Ignored, as the original tcpeek did: a stats client that hangs up
	 * (SIGPIPE) must not kill the daemon, and neither must a stray
	 * SIGUSR1, SIGUSR2 or SIGALRM (log rotation scripts and monitoring
	 * agents send those to whatever they find). */
	sa.sa_handler = SIG_IGN;
	for (size_t i = 0; i < sizeof(ignored_sigs) / sizeof(ignored_sigs[0]); i++)
		if (sigaction(ignored_sigs[i], &sa, NULL) != 0) {
			log_warn("sigaction(%d)", ignored_sigs[i]);
			return -1;
		}
	return 0;
}

/* From here on a stop signal is acted on where it lands: any pending one
 * is delivered now, and sets the flag the loops test. */
static int signals_unblock(void)
{
	if (sigprocmask(SIG_SETMASK, &run_mask, NULL) != 0) {
		log_warn("sigprocmask");
		return -1;
	}
	return 0;
}

int peek_stop_requested(void)
{
	return stop_flag != 0;
}

/* ---- main loop --------------------------------------------------------- */

static void on_frame(void *arg, const struct cap_frame *f)
{
	frame_in(arg, f->data, f->caplen, f->ts_us);
}

int peek_stream_wait(void *arg, int fd)
{
	struct peek *p = arg;
	struct pollfd in = { .fd = fd, .events = POLLIN };

	/* Bytes ready: read on (a busy stream costs one poll per read). */
	if (!stop_flag && poll(&in, 1, 0) > 0)
		return 0;
	/* Idle: what was read so far goes to the tracker now, so its table
	 * lines and the socket's counts do not wait for the next batch. */
	peek_flush(p);
	while (!stop_flag) {
		struct pollfd pfd[4];
		struct timespec ts, *tsp = NULL;
		uint64_t now_ms = clock_mono_us() / 1000u;
		nfds_t nfd = 0;
		int rc, ctl_i = -1;

		pfd[nfd].fd = fd;
		pfd[nfd++].events = POLLIN;
		pfd[nfd].fd = sig_pipe[0];
		pfd[nfd++].events = POLLIN;
		if (p->ctl) {
			int t = ctl_next_timeout(p->ctl, now_ms);

			ctl_i = (int)nfd;
			pfd[nfd].fd = ctl_fd(p->ctl);
			pfd[nfd++].events = POLLIN;
			if (t >= 0) {
				ts.tv_sec = t / 1000;
				ts.tv_nsec = (long)(t % 1000) * 1000000L;
				tsp = &ts;
			}
		}
		if (p->metrics) {
			int t = metrics_next_timeout(p->metrics);

			pfd[nfd].fd = metrics_fd(p->metrics);
			pfd[nfd++].events = POLLIN;
			if (t >= 0 && (!tsp || t < ts.tv_sec * 1000 + ts.tv_nsec / 1000000L)) {
				ts.tv_sec = t / 1000;
				ts.tv_nsec = (long)(t % 1000) * 1000000L;
				tsp = &ts;
			}
		}
		/* the stop signals are unblocked only while waiting here, also
		 * before peek_run (reading a stream's header) */
		rc = ppoll(pfd, nfd, tsp, &run_mask);
		if (rc < 0 && errno != EINTR) {
			log_warn("poll");
			return -1;
		}
		if (stop_flag)
			break;
		if (ctl_i >= 0 && (rc == 0 || (rc > 0 && pfd[ctl_i].revents)))
			ctl_run(p->ctl, clock_mono_us() / 1000u);
		if (p->metrics)
			metrics_run(p->metrics);
		/* readable, or hung up / failed: the read will tell */
		if (rc > 0 && pfd[0].revents)
			return 0;
	}
	return -1;
}

static int run_file(struct peek *p, struct cap *cap, struct ctl *ctl)
{
	char err[CAP_ERRLEN];

	while (!stop_flag) {
		int n = cap_dispatch(cap, PEEK_BATCH, on_frame, p, err, sizeof(err));

		peek_flush(p);
		evw_flush(p->evw);
		if (n == -2)
			return 0;
		if (n < 0) {
			/* a stop while a stream was waiting for its next bytes
			 * ends the read with an error: it is a normal stop */
			if (stop_flag)
				return 0;
			log_warnx("%s", err);
			return -1;
		}
		if (ctl)
			ctl_run(ctl, clock_mono_us() / 1000u);
		if (p->metrics)
			metrics_run(p->metrics);
	}
	return 0;
}

static int run_live(struct peek *p, struct cap *cap, struct ctl *ctl)
{
	char err[CAP_ERRLEN];
	struct pollfd pfd[4];

	while (!stop_flag) {
		uint64_t mono = clock_mono_us();
		int timeout = (int)(PEEK_IDLE_TICK_US / 1000u);
		int nfd = 0, rc;
		uint64_t seen;

		pfd[nfd].fd = cap_fd(cap);
		pfd[nfd++].events = POLLIN;
		pfd[nfd].fd = sig_pipe[0];
		pfd[nfd++].events = POLLIN;
		if (ctl) {
			int t = ctl_next_timeout(ctl, mono / 1000u);

			pfd[nfd].fd = ctl_fd(ctl);
			pfd[nfd++].events = POLLIN;
			if (t >= 0 && t < timeout)
				timeout = t;
		}
		if (p->metrics) {
			int t = metrics_next_timeout(p->metrics);

			pfd[nfd].fd = metrics_fd(p->metrics);
			pfd[nfd++].events = POLLIN;
			if (t >= 0 && t < timeout)
				timeout = t;
		}
		rc = poll(pfd, (nfds_t)nfd, timeout);
		if (rc < 0 && errno != EINTR) {
			log_warn("poll");
			return -1;
		}
		if (stop_flag)
			break;
		seen = p->packets;
		if (rc > 0 && (pfd[0].revents & (POLLIN | POLLERR | POLLHUP))) {
			for (int b = 0; b < PEEK_BATCHES_PER_WAKE; b++) {
				int n = cap_dispatch(cap, PEEK_BATCH, on_frame, p, err, sizeof(err));

				peek_flush(p);
				if (n < 0) {
					log_warnx("%s", err);
					return -1;
				}
				if (n < PEEK_BATCH)
					break;
			}
		}
		mono = clock_mono_us();
		if (p->packets != seen)
			peek_anchor(p, mono);
		peek_idle(p, mono);
		if (p->host_addrs && mono >= p->host_next_mono) {
			host_refresh(p, 0);
			p->host_next_mono = mono + PEEK_HOST_REFRESH_US;
		}
		if (ctl)
			ctl_run(ctl, mono / 1000u);
		if (p->metrics)
			metrics_run(p->metrics);
	}
	return 0;
}

int peek_run(struct peek *p, struct cap *cap, struct ctl *ctl)
{
	int rc;

	peek_set_capture(p, cap);
	p->ctl = ctl;
	if (signals_unblock() != 0)
		return -1;
	rc = cap_is_file(cap) ? run_file(p, cap, ctl) : run_live(p, cap, ctl);
	peek_end(p);
	return rc;
}
