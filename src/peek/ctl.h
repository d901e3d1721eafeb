/*
 * tcpeek's stats socket: a UNIX stream socket served by a non-blocking
 * event loop that never blocks capture.
 *
 * Protocol: the client sends a request line, "GET" or "REFRESH", ended by
 * CRLF or LF, or by half-closing its side; the server answers with one
 * JSON document and closes.  A malformed or over-long request (more than
 * CTL_MAX_REQUEST bytes) closes that connection without an answer and
 * never harms the daemon.  A client that makes no progress for
 * CTL_IDLE_MS is dropped.
 */
#ifndef SYNSCOPE_PEEK_CTL_H
#define SYNSCOPE_PEEK_CTL_H

#include <stdint.h>
#include <sys/types.h>

#define CTL_MAX_REQUEST 128
#define CTL_IDLE_MS 1000
#define CTL_MAX_CLIENTS 256

enum ctl_method { CTL_GET, CTL_REFRESH };

/* What a client asked, judged on the first LEN bytes it sent (EOF: it
 * half-closed after them): CTL_GET or CTL_REFRESH for a line "GET" or
 * "REFRESH" ended by LF (CRLF, trailing blanks ignored) or by the
 * half-close; CTL_REQ_MORE while no line end was seen; CTL_REQ_BAD for any
 * other line, for nothing at all before the half-close, and when
 * CTL_MAX_REQUEST bytes hold no line end.  Bytes beyond CTL_MAX_REQUEST
 * are never looked at.  Pure: the server's reader and the fuzzer use it. */
#define CTL_REQ_BAD (-1)
#define CTL_REQ_MORE (-2)
int ctl_request(const char *buf, size_t len, int eof);

/* Produce the answer: a malloc'ed NUL-terminated JSON text (the server
 * frees it), or NULL to close without answering. */
typedef char *(*ctl_answer_fn)(void *arg, enum ctl_method m);

struct ctl;

/*
 * Create, bind and listen on path with the given mode (tcpeek: 0660), its
 * parent directory created (0755) if missing.  If path exists: a socket
 * nobody listens on (stale, left by a dead tcpeek) is replaced; a socket
 * with a live listener is refused ("another tcpeek is running on PATH");
 * anything else is refused.  owner/group (-1 to keep) are applied to the
 * socket and to a directory this call created, so a tcpeek that drops
 * privileges can still unlink it.  NULL on failure, after logging one
 * line naming the path.
 */
struct ctl *ctl_open(const char *path, mode_t mode, uid_t owner, gid_t group,
                     ctl_answer_fn answer, void *arg);

/* A descriptor to poll for POLLIN: readable when ctl_run has work. */
int ctl_fd(const struct ctl *c);

/* Do all pending socket work without blocking; now_ms is the monotonic
 * clock in milliseconds (for dropping idle clients). */
void ctl_run(struct ctl *c, uint64_t now_ms);

/* Milliseconds until ctl_run must run again to drop an idle client, or -1. */
int ctl_next_timeout(const struct ctl *c, uint64_t now_ms);

/* Close every client and the listener, and unlink the socket path. */
void ctl_close(struct ctl *c);

#endif
