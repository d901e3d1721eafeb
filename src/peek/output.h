/*
 * tcpeek's human output: the capture header, the table of finished
 * handshakes and the summary block, in the original's layout (byte for
 * byte for the lines it had).  Pure formatting from records onto a FILE*.
 * Times are shown in local time (TZ applies).
 */
#ifndef SYNSCOPE_PEEK_OUTPUT_H
#define SYNSCOPE_PEEK_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "peek/stats.h"
#include "peek/track.h"

#define OUT_TABLE_WIDTH 118

/* The 17-character RESULTS column text of a result. */
const char *out_result_str(enum trk_result r);

/* "listening on DEV, link-type NAME (DESC), capture size N bytes" (live)
 * or "reading from file F, ..." (file), then a blank line. */
void out_header(FILE *f, int is_file, const char *source, const char *link_name,
                const char *link_desc, int snaplen);

/* The column titles and the line of dashes. */
void out_table_header(FILE *f);

/* One finished handshake. */
void out_table_line(FILE *f, const struct trk_event *ev);

/* One filter of the summary. */
struct out_filter {
	const char *name;
	const struct stat_counts *c;   /* the since-start view */
	uint64_t open;                 /* sessions still open at the end */
	const struct stat_conn *conn;  /* --track-established, else NULL */
	uint64_t conn_open;            /* connections still open */
};

/* The span the summary covers, in µs since the epoch, and how many
 * timestamps jumped (a line of its own, only when some did). */
struct out_time {
	uint64_t from_us, to_us;
	uint64_t jumps;
	int events;                    /* --events: its counters, a block of their own */
	uint64_t ev_written, ev_dropped, ev_pending;
};

/* The summary block: the span, every filter, then the original's `pcap
 * stats` part with the capture's counters (recv, drop, ifdrop). */
void out_summary(FILE *f, const struct out_time *tm, const struct out_filter *flt, int n,
                 uint64_t recv, uint64_t drop, uint64_t ifdrop);

#endif
