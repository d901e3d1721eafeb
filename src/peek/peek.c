/* tcpeek's runtime: see peek.h. */
#include "peek/peek.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peek/metrics.h"
#include "peek/output.h"
#include "sys/clock.h"
#include "sys/log.h"

/* How long the link may stay quiet before time is advanced from the
 * clock; also the longest poll, so timeouts fire at most this late. */
#define PEEK_IDLE_TICK_US 100000u
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

/* ---- tracker callbacks ------------------------------------------------ */

static uint64_t cb_classify(void *arg, uint32_t cli_addr, uint16_t cli_port,
                            uint32_t srv_addr, uint16_t srv_port)
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
	p->start_wall = clock_wall_us();
	p->anchor_ts = p->start_wall;
	p->anchor_mono = clock_mono_us();
	return 0;
}

void peek_fini(struct peek *p)
{
	trk_free(p->trk);
	free(p->stats);
	p->trk = NULL;
	p->stats = NULL;
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

/* One captured frame (peek_frame; inline in the capture callback, where
 * it runs for every frame). */
static inline void frame_in(struct peek *p, const uint8_t *data, size_t caplen, uint64_t ts_us)
{
	struct pkt_frame *f = &p->batch[p->nbatch];
	enum pkt_err e;

	if (p->packets == 0)
		p->first_ts = ts_us;
	p->packets++;
	p->last_ts = ts_us;
	/* The tracker's time never goes back: a live packet stamped just
	 * before an idle tick, or a reordered file, is handled "now". */
	if (ts_us < p->now_us)
		ts_us = p->now_us;
	p->now_us = ts_us;
	if (p->live) {
		p->anchor_ts = ts_us;
		p->anchor_mono = clock_mono_us();
	}
	e = pkt_decode_fast(p->link, data, caplen, p->csum, f);
	if (e != PKT_OK) {
		/* other protocols (IPv6, ARP...) are not errors, only not ours */
		if (e != PKT_UNSUPPORTED)
			p->malformed++;
		f->has_tcp = f->has_icmp = 0;
	}
	/* Every frame goes to the tracker, even one it cannot use: any frame
	 * is a tick of the clock, so a handshake's timeout fires at the first
	 * frame after its deadline, whatever that frame is.  Frames are
	 * handed over in batches so the tracker can prefetch its table. */
	p->batch_ts[p->nbatch++] = ts_us;
	if (p->nbatch == PEEK_TRK_BATCH)
		peek_flush(p);
}

void peek_frame(struct peek *p, const uint8_t *data, size_t caplen, uint64_t ts_us)
{
	frame_in(p, data, caplen, ts_us);
}

void peek_flush(struct peek *p)
{
	if (p->nbatch == 0)
		return;
	trk_packet_batch(p->trk, p->batch, p->batch_ts, p->nbatch);
	p->nbatch = 0;
}

void peek_idle(struct peek *p, uint64_t mono_us)
{
	uint64_t now;

	peek_flush(p);
	if (mono_us < p->anchor_mono + PEEK_IDLE_TICK_US)
		return;
	now = p->anchor_ts + (mono_us - p->anchor_mono);
	if (now <= p->now_us)
		return;
	p->now_us = now;
	trk_advance(p->trk, now);
}

/* ---- reports ----------------------------------------------------------- */

static void count_open(struct peek *p)
{
	peek_flush(p);
	memset(p->open, 0, sizeof(p->open));
	trk_foreach_open(p->trk, cb_open, p);
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
	uint64_t from, to;

	count_open(p);
	for (int i = 0; i < p->nfilt; i++) {
		flt[i].name = p->names[i];
		flt[i].c = &p->stats[i].total;
		flt[i].open = p->open[i];
	}
	if (p->live) {
		from = p->start_wall;
		to = clock_wall_us();
	} else {
		from = p->first_ts;
		to = p->last_ts;
	}
	out_summary(f, from, to, flt, p->nfilt);
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
	/* a stats client that hangs up must not kill the daemon */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0) {
		log_warn("sigaction(SIGPIPE)");
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
		peek_idle(p, mono);
		if (ctl)
			ctl_run(ctl, mono / 1000u);
		if (p->metrics)
			metrics_run(p->metrics);
	}
	return 0;
}

int peek_run(struct peek *p, struct cap *cap, struct ctl *ctl)
{
	peek_set_capture(p, cap);
	p->ctl = ctl;
	if (signals_unblock() != 0)
		return -1;
	return cap_is_file(cap) ? run_file(p, cap, ctl) : run_live(p, cap, ctl);
}
