/*
 * tcpeek's /metrics endpoint (--metrics-listen ADDR:PORT): the Prometheus
 * text exposition of `tcpeekstat -p`, served over HTTP with libmicrohttpd
 * so Prometheus can scrape tcpeek directly.
 *
 * One path for the text: the GET document the stats socket would send
 * (the same answer function), parsed by tstat_parse and formatted by
 * tstat_render (tstat_fmt_prom into memory), so a scrape is byte for byte
 * what `tcpeekstat -p` prints for the same state.
 *
 * libmicrohttpd runs in external mode on its own epoll descriptor, driven
 * from tcpeek's poll loop like the stats socket: no thread, so the live
 * state needs no lock and nothing here can stall the capture.  A request
 * is answered from inside metrics_run; however many scrapes arrive in one
 * turn of the loop, the document is built at most once for them.
 *
 * Bounds (libmicrohttpd enforces them): METRICS_MAX_CONN connections at
 * once (newcomers wait in the listen queue of METRICS_BACKLOG until one
 * ends), METRICS_MAX_PER_IP from one address (one more is closed at
 * once); a connection that makes no progress for METRICS_TIMEOUT_S
 * seconds is closed; a request line and headers must fit in
 * METRICS_CONN_MEMORY bytes, else 431.  A body larger than
 * TSTAT_MAX_OUTPUT is refused with 500 (tcpeek's largest document makes
 * about 100 KiB).
 */
#ifndef SYNSCOPE_PEEK_METRICS_H
#define SYNSCOPE_PEEK_METRICS_H

#include <stddef.h>
#include <sys/socket.h>

#include "peek/ctl.h"

#define METRICS_MAX_CONN 16
#define METRICS_MAX_PER_IP 8
#define METRICS_TIMEOUT_S 10
#define METRICS_CONN_MEMORY (16u * 1024u)
#define METRICS_BACKLOG 64
#define METRICS_PATH "/metrics"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_ERRLEN 256

/* A parsed --metrics-listen value; text is the canonical spelling used
 * in messages ("127.0.0.1:9740", "[::1]:9740"). */
struct metrics_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];
};

/*
 * Parse "A.B.C.D:PORT" or "[IPv6]:PORT" (numeric addresses only: nothing
 * is resolved; PORT 1..65535).  0, or -1 with a one-line reason in err
 * that quotes the value.  Pure.
 */
int metrics_parse_listen(const char *s, struct metrics_addr *out, char *err, size_t errlen);

/* The HTTP status for a request (method, path without the query): 200
 * for GET or HEAD of METRICS_PATH, 405 for any other method on it, 404
 * for any other path.  Pure. */
unsigned metrics_route(const char *method, const char *path);

/*
 * The exposition text: the GET answer of answer(arg), parsed and
 * formatted for Prometheus, in a malloc'ed buffer (*out, *len; not
 * NUL-terminated).  0, or -1 with a one-line reason in err.
 */
int metrics_render(ctl_answer_fn answer, void *arg, char **out, size_t *len,
                   char *err, size_t errlen);

struct metrics;

/*
 * Bind and listen on a (privileged ports need root: call it before the
 * privilege drop) and start serving answer's document.  NULL on failure,
 * after logging one line naming the address.
 */
struct metrics *metrics_open(const struct metrics_addr *a, ctl_answer_fn answer, void *arg);

/* A descriptor to poll for POLLIN. */
int metrics_fd(const struct metrics *m);

/* Do all pending HTTP work without blocking.  Call it after every poll,
 * whatever the poll said (libmicrohttpd's external mode wants that). */
void metrics_run(struct metrics *m);

/* Milliseconds until metrics_run must run again, or -1 for no limit. */
int metrics_next_timeout(const struct metrics *m);

/* Close every connection and the listener. */
void metrics_close(struct metrics *m);

#endif
