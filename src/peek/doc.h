/*
 * The stats JSON document of docs/tcpeek-json.md, built with json-c from
 * plain records: per-filter stats, per-filter open counts, tracker and
 * capture counters.  One builder serves the socket (GET, REFRESH) and -j.
 */
#ifndef SYNSCOPE_PEEK_DOC_H
#define SYNSCOPE_PEEK_DOC_H

#include <stdint.h>

#include "peek/ctl.h"
#include "peek/stats.h"

struct json_object;

/* The section of a filter holding what is neither a success nor a
 * failure: abort, open, untracked (docs/tcpeek-json.md says why). */
#define DOC_OTHER "other"

struct doc_pcap {
	uint64_t recv, drop, ifdrop;
};

struct doc_tracker {
	uint64_t packets, malformed, untracked, open, peak, max_sessions;
};

/* --track-established: the connection table. */
struct doc_conn_tracker {
	uint64_t open, peak, overflow, max_connections;
};

/* --events: the stream's lines. */
struct doc_events {
	uint64_t written, dropped, pending;
};

struct doc_src {
	int nfilt;
	const char *const *names;      /* nfilt filter names: RX, TX, user */
	struct stat_filter *stats;     /* nfilt; REFRESH zeroes their deltas */
	const uint64_t *open;          /* nfilt open-session counts, now */
	struct doc_pcap pcap;
	struct doc_tracker tracker;
	/* with --track-established: every filter gains "conn" and
	 * "conn_duration_hist_us", the pcap element "conn_tracker" */
	int conn;
	const uint64_t *conn_open;     /* nfilt open connections, now */
	struct doc_conn_tracker conn_tracker;
	/* with --events: the pcap element gains "events" */
	int events;
	struct doc_events ev;
};

/* The document for method m, without side effects.  NULL on ENOMEM. */
struct json_object *doc_build(const struct doc_src *s, enum ctl_method m);

/* The compact text of the document (malloc'ed, for ctl_answer_fn); a
 * REFRESH also zeroes the delta views it reported.  NULL on ENOMEM. */
char *doc_text(struct doc_src *s, enum ctl_method m);

#endif
