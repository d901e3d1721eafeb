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
#include "sys/safedir.h"

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
/* Listener rest after an accept error we could not answer, and the
 * shortest interval between two messages about missing descriptors. */
#define CTL_PAUSE_MS 100
#define CTL_FDLOG_MS 60000

enum ctl_cstate { CS_FREE = 0, CS_READ, CS_WRITE };

struct ctl_client {
	int fd;
	enum ctl_cstate st;
	size_t reqlen;
	char req[CTL_MAX_REQUEST];
	char *out;
	size_t outlen, outoff;
	uint64_t since;         /* ms: accepted (READ) or answered (WRITE) */
	uint64_t deadline;      /* ms: dropped when now reaches it */
};

struct ctl {
	int lfd, epfd;
	int dirfd;              /* the socket's directory, for unlinkat */
	int spare;              /* reserve descriptor for EMFILE, or -1 */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *base;       /* last component of path */
	bool bound;
	dev_t dev;              /* identity of the socket file we bound, so */
	ino_t ino;              /* ctl_close never unlinks somebody else's */
	ctl_answer_fn answer;
	void *arg;
	int nclients;
	uint64_t paused_until;  /* ms: listener not watched before, or 0 */
	uint64_t last_fd_log;   /* ms: last descriptor-shortage message */
	unsigned long fd_short; /* shortages since that message */
	struct ctl_client cl[CTL_MAX_CLIENTS];
};

/* ---- opening ---------------------------------------------------------- */

/* Decide what to do with an existing name in the current directory (the
 * socket's, entered by ctl_open): 0 = free (absent, or a stale socket now
 * removed), -1 = refused (message logged). */
static int ctl_clear_stale(const struct sockaddr_un *sa, const char *path)
{
	struct stat st;
	int fd, rc, err;

	if (lstat(sa->sun_path, &st) == -1) {
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
		/* the program serving a socket here is, in practice, another
		 * instance of this one (tcpeek or synscoped) */
		log_warnx("another %s is listening on %s", log_progname(), path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		errno = err;
		log_warn("%s", path);
		return -1;
	}
	if (unlink(sa->sun_path) == -1 && errno != ENOENT) {
		log_warn("%s: cannot remove stale socket", path);
		return -1;
	}
	log_info("%s: removed stale socket", path);
	return 0;
}

/* With the socket's directory as the current directory: clear a stale
 * socket, bind (the umask gives the final mode at creation, so the file is
 * never changed by name afterwards), give it its owner through the
 * directory descriptor without following links, and listen. */
static int ctl_bind_here(struct ctl *c, const struct sockaddr_un *sa, const char *path,
                         mode_t mode, uid_t owner, gid_t group)
{
	struct stat st;
	mode_t old;
	int rc;

	if (ctl_clear_stale(sa, path) == -1)
		return -1;
	old = umask(~mode & 0777);
	rc = bind(c->lfd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc == -1) {
		log_warn("%s: bind", path);
		return -1;
	}
	/* In a directory only root can write, or a sticky one where nobody
	 * else may remove our fresh root-owned file, the name still is ours. */
	if (fstatat(c->dirfd, c->base, &st, AT_SYMLINK_NOFOLLOW) == -1 || !S_ISSOCK(st.st_mode)) {
		log_warnx("%s: replaced while being created", path);
		return -1;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->bound = true;
	if ((owner != (uid_t)-1 || group != (gid_t)-1) &&
	    fchownat(c->dirfd, c->base, owner, group, AT_SYMLINK_NOFOLLOW) == -1) {
		log_warn("%s: chown", path);
		return -1;
	}
	if (listen(c->lfd, SOMAXCONN) == -1) {
		log_warn("%s: listen", path);
		return -1;
	}
	return 0;
}

/* Unlink our socket through the directory descriptor, and only if the
 * name still is the file we bound. */
static void ctl_unlink(struct ctl *c)
{
	struct stat st;

	if (!c->bound)
		return;
	if (fstatat(c->dirfd, c->base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == c->dev && st.st_ino == c->ino &&
	    unlinkat(c->dirfd, c->base, 0) == -1)
		log_warn("%s: unlink", c->path);
	c->bound = false;
}

struct ctl *ctl_open(const char *path, mode_t mode, uid_t owner, gid_t group,
                     ctl_answer_fn answer, void *arg)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char err[SAFEDIR_ERRLEN];
	struct safedir_create mk;
	struct sockaddr_un sa;
	struct epoll_event ev;
	const char *base;
	struct ctl *c;
	bool created;
	int i, cwd, rc;

	if (path == NULL || path[0] == '\0') {
		log_warnx("empty socket path");
		return NULL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("%s: socket path too long (at most %zu bytes)", path,
		          sizeof(sa.sun_path) - 1);
		return NULL;
	}
	if (safedir_split(path, dir, sizeof(dir), &base, err, sizeof(err)) == -1) {
		log_warnx("socket %s", err);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	c->lfd = c->epfd = c->dirfd = c->spare = -1;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	c->answer = answer;
	c->arg = arg;
	memcpy(c->path, path, strlen(path) + 1);
	c->base = c->path + (base - path);

	/*
	 * The directory: a missing one is created for the group that reads
	 * the socket, never given to the -u user.  With -u it is group
	 * writable so the unprivileged tcpeek can remove its socket at exit,
	 * and sticky so no group member can remove or replace another's
	 * file.  As root, a directory that anybody else could change is
	 * refused (see safedir.h).
	 */
	mk.group = group;
	mk.mode = group != (gid_t)-1 ? 01770 : 0755;
	c->dirfd = safedir_open(dir, &mk, geteuid() == 0, &created, err, sizeof(err));
	if (c->dirfd == -1) {
		log_warnx("socket %s: %s", path, err);
		goto fail;
	}
	if (created)
		log_info("%s: created with mode %04o", dir, (unsigned)mk.mode);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->base, strlen(c->base) + 1);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd == -1) {
		log_warn("%s: socket", path);
		goto fail;
	}
	/* Work inside the directory through its descriptor: a name swapped
	 * on the way to it can no longer redirect anything. */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd == -1) {
		log_warn("%s: current directory", path);
		goto fail;
	}
	if (fchdir(c->dirfd) == -1) {
		log_warn("%s: chdir", dir);
		close(cwd);
		goto fail;
	}
	rc = ctl_bind_here(c, &sa, path, mode, owner, group);
	if (fchdir(cwd) == -1) {
		log_warn("returning to the working directory");
		rc = -1;
	}
	close(cwd);
	if (rc == -1)
		goto fail;
	/* one descriptor kept in reserve: with the limit reached it is
	 * given up to accept a client and tell it "busy" */
	c->spare = fcntl(c->lfd, F_DUPFD_CLOEXEC, 0);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd == -1) {
		log_warn("%s: epoll_create1", path);
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = CTL_LISTENER_TAG;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev) == -1) {
		log_warn("%s: epoll_ctl", path);
		goto fail;
	}
	return c;

fail:
	ctl_unlink(c);
	if (c->lfd != -1)
		close(c->lfd);
	if (c->epfd != -1)
		close(c->epfd);
	if (c->dirfd != -1)
		close(c->dirfd);
	if (c->spare != -1)
		close(c->spare);
	free(c);
	return NULL;
}

int ctl_fd(const struct ctl *c)
{
	return c->epfd;
}

/* ---- clients ---------------------------------------------------------- */

/* Close fd after discarding what the client sent (a UNIX socket closed
 * with unread input makes the peer's final read fail with ECONNRESET
 * instead of a clean EOF). */
static void ctl_close_fd(int fd)
{
	char sink[512];
	size_t drained = 0;
	ssize_t n;

	while (drained < CTL_DRAIN_MAX) {
		n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n <= 0)
			break;
		drained += (size_t)n;
	}
	/* close() also removes it from the epoll set; no EPOLL_CTL_DEL needed */
	close(fd);
}

/* Tell a client we cannot serve it now, and close. */
static void ctl_busy_fd(int fd)
{
	char sink[512];

	/* read what it sent first: the answer must not meet unread input */
	(void)recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
	(void)send(fd, CTL_BUSY, sizeof(CTL_BUSY) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	ctl_close_fd(fd);
}

/* Free k's slot; its descriptor is returned, still open. */
static int ctl_release(struct ctl *c, struct ctl_client *k)
{
	int fd = k->fd;

	free(k->out);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	k->st = CS_FREE;
	c->nclients--;
	return fd;
}

static void ctl_drop(struct ctl *c, struct ctl_client *k)
{
	if (k->st != CS_FREE)
		ctl_close_fd(ctl_release(c, k));
}

/* Make room for a newcomer by sending away the client that has waited
 * longest without completing its request ("busy"); false if every slot is
 * busy sending an answer. */
static bool ctl_evict(struct ctl *c)
{
	struct ctl_client *best = NULL;
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].st == CS_READ && (best == NULL || c->cl[i].since < best->since))
			best = &c->cl[i];
	if (best == NULL)
		return false;
	ctl_busy_fd(ctl_release(c, best));
	return true;
}

/* Out of descriptors: say so now and then, never on every try. */
static void ctl_fd_shortage(struct ctl *c, int err, uint64_t now_ms)
{
	c->fd_short++;
	if (c->last_fd_log != 0 && now_ms - c->last_fd_log < CTL_FDLOG_MS)
		return;
	log_warnx("%s: accept: %s: clients are told \"busy\" (%lu time%s); raise the "
	          "descriptor limit (ulimit -n, LimitNOFILE=)", c->path, strerror(err),
	          c->fd_short, c->fd_short == 1 ? "" : "s");
	c->last_fd_log = now_ms ? now_ms : 1;
	c->fd_short = 0;
}

static void ctl_read(struct ctl *c, struct ctl_client *k, uint64_t now_ms);

/* Stop watching the listener for a moment (level-triggered epoll would
 * otherwise report the waiting connection again at once, forever). */
static void ctl_pause(struct ctl *c, uint64_t now_ms)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.data.u64 = CTL_LISTENER_TAG;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->lfd, &ev) == 0)
		c->paused_until = now_ms + CTL_PAUSE_MS;
}

static void ctl_resume(struct ctl *c, uint64_t now_ms)
{
	struct epoll_event ev;

	if (c->paused_until == 0 || now_ms < c->paused_until)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = CTL_LISTENER_TAG;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->lfd, &ev) == 0)
		c->paused_until = 0;
}

/* accept4 failed with err for lack of descriptors or memory: free one
 * (an unfinished client, else the reserve) to answer the newcomer, or
 * pause.  True if accepting may go on. */
static bool ctl_accept_short(struct ctl *c, int err, uint64_t now_ms)
{
	int fd;

	ctl_fd_shortage(c, err, now_ms);
	if ((err == EMFILE || err == ENFILE) && ctl_evict(c))
		return true;
	if (err == EMFILE && c->spare != -1) {
		close(c->spare);
		fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1)
			ctl_busy_fd(fd);
		c->spare = fcntl(c->lfd, F_DUPFD_CLOEXEC, 0);
		if (fd != -1 && c->spare != -1)
			return true;
	}
	ctl_pause(c, now_ms);
	return false;
}

static void ctl_accept(struct ctl *c, uint64_t now_ms)
{
	struct epoll_event ev;
	struct ctl_client *k;
	int n, fd, i;

	for (n = 0; n < CTL_ACCEPTS_PER_RUN; n++) {
		fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				if (ctl_accept_short(c, errno, now_ms))
					continue;
				return;
			}
			log_warn("%s: accept", c->path);
			ctl_pause(c, now_ms);
			return;
		}
		if (c->nclients >= CTL_MAX_CLIENTS && !ctl_evict(c)) {
			ctl_busy_fd(fd);        /* every slot is sending an answer */
			continue;
		}
		for (i = 0; i < CTL_MAX_CLIENTS && c->cl[i].st != CS_FREE; i++)
			;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.u64 = (uint64_t)i;
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			ctl_busy_fd(fd);
			continue;
		}
		k = &c->cl[i];
		k->fd = fd;
		k->st = CS_READ;
		k->reqlen = 0;
		k->since = now_ms;
		/* from accept to a complete request line: never extended */
		k->deadline = now_ms + CTL_REQUEST_MS;
		c->nclients++;
		/* a client that wrote its request before we accepted it is
		 * served now, before a flood of newcomers could evict it */
		ctl_read(c, k, now_ms);
	}
}

/* The method asked by a complete request line: REFRESH, or else GET (as
 * the original tcpeek answered any other line). */
static int ctl_parse(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
	                   line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 7 && memcmp(line, "REFRESH", 7) == 0)
		return CTL_REFRESH;
	return CTL_GET;
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
			/* progress moves the deadline, up to a total bound */
			k->deadline = now_ms + CTL_IDLE_MS;
			if (k->deadline > k->since + CTL_ANSWER_MS)
				k->deadline = k->since + CTL_ANSWER_MS;
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
	k->since = now_ms;
	k->deadline = now_ms + CTL_IDLE_MS;
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
		if (n > 0)
			k->reqlen += (size_t)n;
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

	ctl_resume(c, now_ms);
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
	uint64_t best = c->paused_until ? c->paused_until : UINT64_MAX;
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS && c->nclients > 0; i++)
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
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl_drop(c, &c->cl[i]);
	close(c->epfd);
	close(c->lfd);
	if (c->spare != -1)
		close(c->spare);
	/* only our own socket: a file put there since is somebody else's */
	ctl_unlink(c);
	close(c->dirfd);
	free(c);
}
