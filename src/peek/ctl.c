/*
 * tcpeek's stats socket server (see ctl.h).
 *
 * Everything runs from ctl_run, called by the capture loop whenever the
 * epoll descriptor from ctl_fd is readable or the idle deadline given by
 * ctl_next_timeout has passed.  No call here ever blocks: the listener and
 * every client are non-blocking, answers that do not fit in the socket
 * buffer are continued on EPOLLOUT, and a client that stops making
 * progress is dropped, so one silent or slow client never delays capture
 * nor the other clients.
 */
#include "peek/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sys/log.h"

/* epoll data of the listener; clients carry their slot index. */
#define CTL_LISTENER_TAG UINT64_MAX
/* Bounds per ctl_run so a connection flood cannot starve capture; with
 * level-triggered epoll the rest is picked up on the next call. */
#define CTL_EVENTS 64
#define CTL_ROUNDS 4
#define CTL_ACCEPTS_PER_RUN (2 * CTL_MAX_CLIENTS)
/* Bytes sent by a client after its request line are discarded before
 * close: a UNIX socket closed with unread input makes the peer's final
 * read fail with ECONNRESET instead of a clean EOF. */
#define CTL_DRAIN_MAX 4096

enum ctl_cstate { CS_FREE = 0, CS_READ, CS_WRITE };

struct ctl_client {
	int fd;
	enum ctl_cstate st;
	size_t reqlen;
	char req[CTL_MAX_REQUEST];
	char *out;
	size_t outlen, outoff;
	uint64_t deadline;      /* ms: dropped when now reaches it */
};

struct ctl {
	int lfd, epfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;              /* identity of the socket file we bound, so */
	ino_t ino;              /* ctl_close never unlinks somebody else's */
	ctl_answer_fn answer;
	void *arg;
	int nclients;
	struct ctl_client cl[CTL_MAX_CLIENTS];
};

/* ---- opening ---------------------------------------------------------- */

static int ctl_make_parent(const char *path, uid_t owner, gid_t group)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;       /* relative to cwd, or directly under / */
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			log_warnx("%s: not a directory", dir);
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		log_warn("%s", dir);
		return -1;
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("%s: mkdir", dir);
		return -1;
	}
	/* the umask may have taken bits away: the directory must be
	 * searchable by the group that reads the socket */
	if (chmod(dir, 0755) == -1) {
		log_warn("%s: chmod", dir);
		return -1;
	}
	if ((owner != (uid_t)-1 || group != (gid_t)-1) && chown(dir, owner, group) == -1) {
		log_warn("%s: chown", dir);
		return -1;
	}
	return 0;
}

/* Decide what to do with an existing path: 0 = free (absent, or a stale
 * socket now removed), -1 = refused (message logged). */
static int ctl_clear_stale(const struct sockaddr_un *sa, const char *path)
{
	struct stat st;
	int fd, rc, err;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("%s exists and is not a socket", path);
		return -1;
	}
	/* Non-blocking: a live listener with a full backlog answers EAGAIN
	 * instead of making us wait. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("%s: socket", path);
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN || err == EINPROGRESS) {
		log_warnx("another tcpeek is listening on %s", path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		errno = err;
		log_warn("%s", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("%s: cannot remove stale socket", path);
		return -1;
	}
	log_info("%s: removed stale socket", path);
	return 0;
}

struct ctl *ctl_open(const char *path, mode_t mode, uid_t owner, gid_t group,
                     ctl_answer_fn answer, void *arg)
{
	struct sockaddr_un sa;
	struct epoll_event ev;
	struct stat st;
	struct ctl *c;
	mode_t old;
	int i, rc;

	if (path == NULL || path[0] == '\0') {
		log_warnx("empty socket path");
		return NULL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("%s: socket path too long (at most %zu bytes)", path,
		          sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	if (ctl_make_parent(path, owner, group) == -1)
		return NULL;
	if (ctl_clear_stale(&sa, path) == -1)
		return NULL;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	c->lfd = c->epfd = -1;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	c->answer = answer;
	c->arg = arg;
	memcpy(c->path, path, strlen(path) + 1);

	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd == -1) {
		log_warn("%s: socket", path);
		goto fail;
	}
	/* bind creates the file with the umask applied: make it owner-only
	 * for that instant, so it is never looser than the final mode */
	old = umask(0177);
	rc = bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc == -1) {
		log_warn("%s: bind", path);
		goto fail;
	}
	if (lstat(path, &st) == -1) {
		log_warn("%s", path);
		goto fail_unlink;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (chmod(path, mode & 07777) == -1) {
		log_warn("%s: chmod", path);
		goto fail_unlink;
	}
	if ((owner != (uid_t)-1 || group != (gid_t)-1) && lchown(path, owner, group) == -1) {
		log_warn("%s: chown", path);
		goto fail_unlink;
	}
	if (listen(c->lfd, SOMAXCONN) == -1) {
		log_warn("%s: listen", path);
		goto fail_unlink;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd == -1) {
		log_warn("%s: epoll_create1", path);
		goto fail_unlink;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = CTL_LISTENER_TAG;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev) == -1) {
		log_warn("%s: epoll_ctl", path);
		goto fail_unlink;
	}
	return c;

fail_unlink:
	unlink(path);
fail:
	if (c->lfd != -1)
		close(c->lfd);
	if (c->epfd != -1)
		close(c->epfd);
	free(c);
	return NULL;
}

int ctl_fd(const struct ctl *c)
{
	return c->epfd;
}

/* ---- clients ---------------------------------------------------------- */

static void ctl_drop(struct ctl *c, struct ctl_client *k)
{
	char sink[512];
	size_t drained = 0;
	ssize_t n;

	if (k->st == CS_FREE)
		return;
	while (drained < CTL_DRAIN_MAX) {
		n = recv(k->fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n <= 0)
			break;
		drained += (size_t)n;
	}
	/* close() also removes it from the epoll set; no EPOLL_CTL_DEL needed */
	close(k->fd);
	free(k->out);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	k->st = CS_FREE;
	c->nclients--;
}

static void ctl_accept(struct ctl *c, uint64_t now_ms)
{
	struct epoll_event ev;
	int n, fd, i;

	for (n = 0; n < CTL_ACCEPTS_PER_RUN; n++) {
		fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("%s: accept", c->path);
			/* EMFILE and friends: stop for now; level triggering
			 * retries on the next run */
			return;
		}
		if (c->nclients >= CTL_MAX_CLIENTS) {
			close(fd);      /* full: refuse without an answer */
			continue;
		}
		for (i = 0; i < CTL_MAX_CLIENTS && c->cl[i].st != CS_FREE; i++)
			;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.u64 = (uint64_t)i;
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			log_warn("%s: epoll_ctl", c->path);
			close(fd);
			continue;
		}
		c->cl[i].fd = fd;
		c->cl[i].st = CS_READ;
		c->cl[i].reqlen = 0;
		c->cl[i].deadline = now_ms + CTL_IDLE_MS;
		c->nclients++;
	}
}

/* The method named by a complete request line, or CTL_REQ_BAD. */
static int ctl_parse(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
	                   line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 3 && memcmp(line, "GET", 3) == 0)
		return CTL_GET;
	if (len == 7 && memcmp(line, "REFRESH", 7) == 0)
		return CTL_REFRESH;
	return CTL_REQ_BAD;
}

int ctl_request(const char *buf, size_t len, int eof)
{
	const char *nl;

	if (len > CTL_MAX_REQUEST)
		len = CTL_MAX_REQUEST;
	nl = memchr(buf, '\n', len);
	if (nl != NULL)
		return ctl_parse(buf, (size_t)(nl - buf));
	if (len == CTL_MAX_REQUEST)
		return CTL_REQ_BAD;     /* over-long request line */
	if (!eof)
		return CTL_REQ_MORE;
	/* half-close ends the request; nothing at all is no request */
	return len > 0 ? ctl_parse(buf, len) : CTL_REQ_BAD;
}

/* Send what is left of the answer; true when the client is finished
 * (fully answered or failed) and must be dropped. */
static bool ctl_write(struct ctl *c, struct ctl_client *k, uint64_t now_ms)
{
	struct epoll_event ev;
	ssize_t n;

	while (k->outoff < k->outlen) {
		n = send(k->fd, k->out + k->outoff, k->outlen - k->outoff,
		         MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			k->outoff += (size_t)n;
			k->deadline = now_ms + CTL_IDLE_MS;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (k->st != CS_WRITE) {
				k->st = CS_WRITE;
				memset(&ev, 0, sizeof(ev));
				ev.events = EPOLLOUT;
				ev.data.u64 = (uint64_t)(k - c->cl);
				if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, k->fd, &ev) == -1)
					return true;
			}
			return false;
		}
		return true;    /* EPIPE, ECONNRESET: the client went away */
	}
	return true;
}

static void ctl_answer(struct ctl *c, struct ctl_client *k, int method, uint64_t now_ms)
{
	if (method < 0 || c->answer == NULL) {
		ctl_drop(c, k);
		return;
	}
	k->out = c->answer(c->arg, (enum ctl_method)method);
	if (k->out == NULL) {
		ctl_drop(c, k);
		return;
	}
	k->outlen = strlen(k->out);
	k->outoff = 0;
	if (ctl_write(c, k, now_ms))
		ctl_drop(c, k);
}

static void ctl_read(struct ctl *c, struct ctl_client *k, uint64_t now_ms)
{
	ssize_t n;
	int r;

	for (;;) {
		/* ctl_request refuses a full buffer without a line end, so
		 * this only guards recv against a zero-length read */
		if (k->reqlen == sizeof(k->req)) {
			ctl_drop(c, k);
			return;
		}
		n = recv(k->fd, k->req + k->reqlen, sizeof(k->req) - k->reqlen, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {
			ctl_drop(c, k);
			return;
		}
		if (n > 0) {
			k->deadline = now_ms + CTL_IDLE_MS;
			k->reqlen += (size_t)n;
		}
		r = ctl_request(k->req, k->reqlen, n == 0);
		if (r == CTL_REQ_MORE)
			continue;
		ctl_answer(c, k, r, now_ms);    /* CTL_REQ_BAD: dropped */
		return;
	}
}

void ctl_run(struct ctl *c, uint64_t now_ms)
{
	struct epoll_event evs[CTL_EVENTS];
	struct ctl_client *k;
	int round, n, i;

	for (round = 0; round < CTL_ROUNDS; round++) {
		n = epoll_wait(c->epfd, evs, CTL_EVENTS, 0);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == CTL_LISTENER_TAG) {
				ctl_accept(c, now_ms);
				continue;
			}
			if (evs[i].data.u64 >= CTL_MAX_CLIENTS)
				continue;
			k = &c->cl[evs[i].data.u64];
			/* a slot freed earlier in this batch may have been
			 * reused by accept: its event is stale but harmless,
			 * since both handlers stop at EAGAIN */
			if (k->st == CS_READ)
				ctl_read(c, k, now_ms);
			else if (k->st == CS_WRITE && ctl_write(c, k, now_ms))
				ctl_drop(c, k);
		}
		if (n < CTL_EVENTS)
			break;
	}
	for (i = 0; i < CTL_MAX_CLIENTS && c->nclients > 0; i++) {
		k = &c->cl[i];
		if (k->st != CS_FREE && now_ms >= k->deadline)
			ctl_drop(c, k);
	}
}

int ctl_next_timeout(const struct ctl *c, uint64_t now_ms)
{
	uint64_t best = UINT64_MAX;
	int i;

	if (c->nclients == 0)
		return -1;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].st != CS_FREE && c->cl[i].deadline < best)
			best = c->cl[i].deadline;
	if (best == UINT64_MAX)
		return -1;
	if (best <= now_ms)
		return 0;
	if (best - now_ms > INT_MAX)
		return INT_MAX;
	return (int)(best - now_ms);
}

void ctl_close(struct ctl *c)
{
	struct stat st;
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl_drop(c, &c->cl[i]);
	close(c->epfd);
	close(c->lfd);
	/* only our own socket: a file put there since is somebody else's */
	if (lstat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino &&
	    unlink(c->path) == -1)
		log_warn("%s: unlink", c->path);
	free(c);
}
