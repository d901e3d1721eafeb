/*
 * tcpeekstat's socket client: one request, one answer read to EOF, all
 * within a deadline, so a stuck or dead tcpeek never hangs a cron job or
 * a monitoring agent.
 */
#ifndef SYNSCOPE_STAT_TSTAT_CLIENT_H
#define SYNSCOPE_STAT_TSTAT_CLIENT_H

#include <stddef.h>

#define TSTAT_DEFAULT_SOCKET "/var/run/tcpeek/tcpeek.sock"
#define TSTAT_TIMEOUT_MS 3000
#define TSTAT_MAX_ANSWER (16u << 20)
/* What tcpeek answers, and closes, when all its client slots are taken. */
#define TSTAT_BUSY "busy\n"
#define TSTAT_BUSY_TRIES 4      /* connections in all, while "busy" */
#define TSTAT_BUSY_PAUSE_MS 100 /* before the second; doubled each time */

/*
 * Connect to path, send request followed by CRLF and read the answer
 * until the server closes, all within timeout_ms.  0 with a malloc'ed,
 * NUL-terminated answer in *out and its length in *len; -1 after logging
 * one line "PATH: reason" (missing socket, refused, permission denied,
 * timed out, answer larger than max, tcpeek busy).  A "busy" answer is
 * retried up to TSTAT_BUSY_TRIES connections in all, after 100, 200, 400 ms,
 * while the deadline allows.
 */
int tstat_fetch(const char *path, const char *request, int timeout_ms, size_t max,
                char **out, size_t *len);

#endif
