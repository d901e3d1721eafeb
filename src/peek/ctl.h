/*
 * tcpeek's stats socket: a UNIX stream socket served by a non-blocking
 * event loop that never blocks capture.
 *
 * Protocol: the client sends a request line, "GET" or "REFRESH", ended by
 * CRLF or LF, or by half-closing its side; the server answers with one
 * JSON document and closes.  Any other line is answered as GET (as the
 * original tcpeek did; clients depend on it).  An over-long request (no
 * line end in CTL_MAX_REQUEST bytes), or none at all before the
 * half-close, closes that connection without an answer and never harms
 * the daemon.
 *
 * Bounds, so that no client can keep the others out: a request line must
 * be complete CTL_REQUEST_MS after accept (bytes trickled in do not extend
 * it); an answer must be taken at least every CTL_IDLE_MS and completely
 * within CTL_ANSWER_MS.  With CTL_MAX_CLIENTS connected, a newcomer takes
 * the slot of the client that has waited longest without completing its
 * request; that one (or the newcomer, when every slot is sending an
 * answer, or when descriptors run out) gets the answer CTL_BUSY and is
 * closed.
 */
#ifndef SYNSCOPE_PEEK_CTL_H
#define SYNSCOPE_PEEK_CTL_H

#include <stdint.h>
#include <sys/types.h>

#define CTL_MAX_REQUEST 128
#define CTL_REQUEST_MS 1000
#define CTL_IDLE_MS 1000
#define CTL_ANSWER_MS 10000
#define CTL_MAX_CLIENTS 256
#define CTL_BUSY "busy\n"

enum ctl_method { CTL_GET, CTL_REFRESH };

/* What a client asked, judged on the first LEN bytes it sent (EOF: it
 * half-closed after them): CTL_REFRESH for a line "REFRESH" ended by LF
 * (CRLF, trailing blanks ignored) or by the half-close, CTL_GET for any
 * other such line; CTL_REQ_MORE while no line end was seen; CTL_REQ_BAD
 * for nothing at all before the half-close, and when CTL_MAX_REQUEST bytes
 * hold no line end.  Bytes beyond CTL_MAX_REQUEST
 * are never looked at.  Pure: the server's reader and the fuzzer use it. */
#define CTL_REQ_BAD (-1)
#define CTL_REQ_MORE (-2)
int ctl_request(const char *buf, size_t len, int eof);

/* Produce the answer: a malloc'ed NUL-terminated JSON text (the server
 * frees it), or NULL to close without answering. */
typedef char *(*ctl_answer_fn)(void *arg, enum ctl_method m);

struct ctl;

/*
 * Create, bind and listen on path, created with exactly the given mode
 * (tcpeek: 0660).  The directory is reached without following any link
 * an unprivileged user could place (sys/safedir.h); running as root, a
 * directory that anyone but root could change is refused.  A missing
 * directory (one level) is created: 0755, or with a group given, owned
 * by root and that group with mode 01770, so a tcpeek that dropped to a
 * user of that group can remove its own socket at exit and nobody can
 * remove anyone else's file.  If path exists: a socket nobody listens on
 * (stale, left by a dead tcpeek) is replaced; a socket with a live
 * listener is refused ("another PROGRAM is listening on PATH"); anything
 * else is refused.  owner/group (-1 to keep) are given to the socket only,
 * through the directory's descriptor.  NULL on failure, after logging one
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
