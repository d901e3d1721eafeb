/*
 * tcpeek's per-event stream (--events=FILE): one JSON object per line for
 * every finished handshake ("type":"handshake") and, with
 * --track-established, every ended connection ("type":"connection").
 * Fields: docs/tcpeek-json.md.  Objects are built with json-c (the one
 * JSON path); the builders are pure, the writer does the I/O.
 *
 * The writer never blocks the capture: the file is opened (or standard
 * output re-opened) non-blocking, lines wait in a buffer of at most
 * EVW_BUF_MAX bytes, and each event and each turn of the main loop write
 * what the reader takes.  A line that does not fit in the buffer, or that
 * a write error (full disk, closed reader) loses, is counted as dropped;
 * after EPIPE (the reader is gone for good) nothing more is written and
 * every later event is dropped (reading a file, there is no capture to
 * starve: a full buffer then waits for the reader, see evw_set_wait).
 * A line cut by an error is never glued to
 * the next one: the next write starts with a newline.
 */
#ifndef SYNSCOPE_PEEK_EVENTS_H
#define SYNSCOPE_PEEK_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "peek/conn.h"
#include "peek/track.h"

struct json_object;

#define EVW_BUF_MAX (1u << 20)      /* bytes of lines waiting for the reader */
#define EVW_ERRLEN 256

struct evw_stats {
	uint64_t written;        /* lines the reader (or the file) took whole */
	uint64_t dropped;        /* lines lost: buffer full, write error, reader gone */
	uint64_t pending;        /* lines in the buffer now */
};

/* Pure builders (names: the nfilt filter names; the event's filter bits
 * beyond nfilt are ignored).  NULL on ENOMEM. */
struct json_object *evw_json_handshake(const struct trk_event *ev, const char *const *names,
                                       int nfilt);
struct json_object *evw_json_connection(const struct conn_event *ev, const char *const *names,
                                        int nfilt);

struct evw;

/* Open path for appending ("-": standard output), non-blocking.  NULL
 * with a one-line reason naming the file in err. */
struct evw *evw_open(const char *path, char *err, size_t errlen);
/* Write what is pending (one last non-blocking try) and close. */
void evw_close(struct evw *w);

void evw_handshake(struct evw *w, const struct trk_event *ev, const char *const *names, int nfilt);
void evw_connection(struct evw *w, const struct conn_event *ev, const char *const *names,
                    int nfilt);

/* With wait set (reading a file: no capture to starve), a full buffer
 * waits for the reader instead of dropping, and closing drains it. */
void evw_set_wait(struct evw *w, int wait);

/* Write what the reader takes now, without blocking. */
void evw_flush(struct evw *w);

void evw_get_stats(const struct evw *w, struct evw_stats *out);

#endif
