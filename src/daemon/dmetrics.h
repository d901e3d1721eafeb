/*
 * synscoped's Prometheus endpoint: GET /metrics over HTTP (libmicrohttpd),
 * served from the daemon's own event loop (libmicrohttpd's epoll
 * descriptor is one more descriptor of the loop), so the text is built
 * from the targets without any lock.  The pattern, the address syntax
 * (A.B.C.D:PORT or [IPv6]:PORT), the routing (404, 405) and the bounds
 * (connections, per address, timeout, request memory) are tcpeek's
 * (peek/metrics.h); only the text differs, and tcpeek's server renders
 * its own document only.
 */
#ifndef SYNSCOPE_DAEMON_DMETRICS_H
#define SYNSCOPE_DAEMON_DMETRICS_H

#include <stddef.h>

#include "daemon/dmn.h"
#include "sys/evloop.h"

struct dmetrics;

/* Listen on LISTEN (tcpeek's --metrics-listen syntax).  NULL on failure
 * (logged). */
struct dmetrics *dmetrics_open(const char *listen, struct evl *loop, struct dmn *d);
void dmetrics_close(struct dmetrics *m);

/* The exposition text (malloc'ed, *LEN bytes). */
char *dmetrics_text(struct dmn *d, size_t *len);

#endif
