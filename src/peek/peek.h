/*
 * tcpeek's runtime: ties capture -> decode -> tracker -> per-filter stats
 * -> outputs (table, summary, JSON document, stats socket).  The main
 * file only parses options and opens resources; everything between a
 * captured frame and a printed line lives here.
 */
#ifndef SYNSCOPE_PEEK_PEEK_H
#define SYNSCOPE_PEEK_PEEK_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "net/pkt.h"
#include "peek/conn.h"
#include "peek/ctl.h"
#include "peek/doc.h"
#include "peek/filter.h"
#include "peek/local.h"
#include "peek/stats.h"
#include "peek/track.h"
#include "sys/capture.h"

struct metrics;
struct evw;

#define PEEK_ERRLEN 256
/* The default cap on open sessions: as many as fit in this much table. */
#define PEEK_DEFAULT_TABLE_BYTES (128u * 1024u * 1024u)

struct peek_config {
	const struct filt_set *filters;
	const struct local_set *local;   /* copied */
	enum pkt_csum_mode csum;
	uint64_t timeout_us;
	uint32_t max_sessions;           /* 0: PEEK_DEFAULT_TABLE_BYTES worth */
	int icmp;
	FILE *table;                     /* per-handshake lines, NULL: none */
	int live;                        /* time also advances on a quiet link */
	struct evw *events;              /* --events stream (owned by the caller), or NULL */
	int track_established;           /* follow connections after the handshake */
	uint64_t idle_us;                /* ... their idle timeout */
	uint32_t max_conns;              /* ... the cap, 0: PEEK_DEFAULT_TABLE_BYTES worth */
};

#define PEEK_TRK_BATCH 256

struct peek {
	const struct filt_set *fs;
	struct local_set local;
	enum pkt_link link;
	enum pkt_csum_mode csum;
	int live;
	FILE *table;
	struct trk *trk;
	struct conn *conn;               /* --track-established, else NULL */
	struct evw *evw;                 /* --events, else NULL */
	int nfilt;
	const char *names[FILT_MAX];
	struct stat_filter *stats;       /* nfilt */
	uint64_t open[FILT_MAX];         /* filled at answer time */
	uint64_t conn_open[FILT_MAX];    /* the same for connections */
	struct cap *cap;                 /* for pcap stats, may be NULL */
	struct ctl *ctl;                 /* served while a stream is idle */
	struct metrics *metrics;         /* /metrics, served like ctl; may be NULL */
	uint64_t packets, malformed;
	/* Time (see "Time" in tcpeek(8)).  A packet's time is its capture
	 * timestamp plus offset (non-zero only after a backward jump).  */
	uint64_t timeout_us;
	int64_t offset;
	uint64_t first_us;               /* the first packet's time */
	uint64_t pkt_us;                 /* the latest packet time handed over */
	uint64_t now_us;                 /* the timers' time: pkt_us or later */
	uint64_t jumps;                  /* timestamps found off by > timeout */
	/* a frame stamped more than the timeout away from now_us, held until
	 * the next one tells whether time really moved (see hold_resolve) */
	int held;
	int held_back;                   /* it jumped backwards */
	uint64_t held_ts;
	struct pkt_frame held_frame;
	/* live idle ticks: the latest packet time when the last dispatch that
	 * delivered frames ended, and the monotonic time then */
	uint64_t anchor_ts, anchor_mono;
	uint64_t start_wall;
	/* live: the host's addresses are local and re-read now and then */
	int host_addrs;
	int host_left;                   /* the last refresh's outcome */
	uint64_t host_next_mono;
	/* decoded frames waiting to go to the tracker (see peek_flush) */
	size_t nbatch;
	struct pkt_frame batch[PEEK_TRK_BATCH];
	uint64_t batch_ts[PEEK_TRK_BATCH];
};

/* 0, or -1 with a one-line reason in err (table allocation). */
int peek_init(struct peek *p, const struct peek_config *cfg, char *err, size_t errlen);
void peek_fini(struct peek *p);

/* The capture the frames come from (link type, pcap stats). */
void peek_set_capture(struct peek *p, struct cap *cap);
void peek_set_link(struct peek *p, enum pkt_link link);

/*
 * Live mode: every address of the host, IPv4 and IPv6 (every interface,
 * lo included) counts as local, beside -L, re-read every
 * PEEK_HOST_REFRESH_US (a VIP keepalived adds on failover counts from
 * then on).  Except when dev itself has no address (IPv6 link-local ones
 * aside) and no -L was
 * given (a mirror port watching other hosts): nothing is known then, and
 * every handshake counts as RX (logged).
 */
#define PEEK_HOST_REFRESH_US 5000000u
void peek_local_live(struct peek *p, const char *dev);

/* Handle one captured frame (decode, track, count). */
void peek_frame(struct peek *p, const uint8_t *data, size_t caplen, uint64_t ts_us);

/* Hand the frames peek_frame has queued to the tracker.  Called after
 * every capture dispatch and before anything reads the counts. */
void peek_flush(struct peek *p);

/* Live mode: the frames handed over so far were handled by mono_us (the
 * monotonic time after a capture dispatch; one clock read per dispatch,
 * none per frame).  Idle ticks count from there. */
void peek_anchor(struct peek *p, uint64_t mono_us);

/* Live mode without packets: once PEEK_IDLE_TICK_US have passed since the
 * anchor, the timers' time follows the monotonic clock from the anchor's
 * packet time (timeouts fire on a quiet link); packet times never do.  A
 * held frame is resolved first (no next frame came to contradict it). */
#define PEEK_IDLE_TICK_US 100000u
void peek_idle(struct peek *p, uint64_t mono_us);

/* The end of the input: resolve a held frame and hand every frame to the
 * tracker.  peek_run calls it before returning. */
void peek_end(struct peek *p);

/* Fill a document source (computes the per-filter open counts now). */
void peek_doc_src(struct peek *p, struct doc_src *s);

/* The ctl_answer_fn: arg is the struct peek. */
char *peek_answer(void *arg, enum ctl_method m);

/* The summary block on f: from/to are the first/latest packet time
 * (file) or start/now (live); then the capture's counters. */
void peek_summary(struct peek *p, FILE *f);

/*
 * Block SIGINT, SIGTERM and SIGHUP, then install handlers for them that
 * request a clean stop, and ignore SIGPIPE, SIGUSR1, SIGUSR2 and SIGALRM.  Called first thing in main,
 * before anything exists that an exit would have to clean up: a stop
 * signal sent at any later moment stays pending until peek_run (or a
 * peek_stream_wait) can act on it, and is never lost.  0 or -1 (logged).
 */
int peek_signals_install(void);
int peek_stop_requested(void);

/*
 * The capture's wait function (cap_wait_fn) for a stream input, arg the
 * struct peek: wait until fd is readable while serving the stats socket
 * (p->ctl, once set) and watching for a stop signal, which is unblocked
 * during the wait.  0 when fd is readable, -1 when a stop was requested
 * (or poll failed, logged).
 */
int peek_stream_wait(void *arg, int fd);

/*
 * The main loop until a stop signal, the end of a file or a capture
 * error: unblock the stop signals, poll the capture and the socket (ctl
 * may be NULL), dispatch frames in batches, tick idle time in live mode,
 * serve the socket (for a stream input, also between packets, through
 * peek_stream_wait).  Returns 0 (stopped or end of file) or -1 (capture
 * error, logged).
 */
int peek_run(struct peek *p, struct cap *cap, struct ctl *ctl);

#endif
