/*
 * synscoped's Prometheus endpoint: GET /metrics over HTTP (libmicrohttpd),
 * served from the daemon's own event loop (libmicrohttpd's epoll
 * descriptor is one more descriptor of the loop), so the document is
 * built from the targets without any lock.
 */
#ifndef SYNSCOPE_DAEMON_METRICS_H
#define SYNSCOPE_DAEMON_METRICS_H

#include <stddef.h>

#include "daemon/dmn.h"
#include "sys/evloop.h"

#define METRICS_MAX_CONNECTIONS 32
#define METRICS_TIMEOUT_S 10

struct metrics;

/* Listen on LISTEN ("ADDR:PORT", IPv4).  NULL on failure (logged). */
struct metrics *metrics_open(const char *listen, struct evl *loop, struct dmn *d);
void metrics_close(struct metrics *m);

/* The exposition text (malloc'ed, *LEN bytes). */
char *metrics_text(struct dmn *d, size_t *len);

#endif
