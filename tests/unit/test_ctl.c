/*
 * Stats socket server: real UNIX sockets in a temporary directory, one
 * process.  The test is the client (non-blocking sockets) and drives
 * ctl_run itself with a fake clock, so idle drops need no sleeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "peek/ctl.h"
#include "sys/log.h"

struct fake {
	int calls_get, calls_refresh;
	size_t big;             /* > 0: GET answers this many bytes */
	int give_null;
};

static char tmpdir[48];
static char sockpath[96];

static char *answer(void *arg, enum ctl_method m)
{
	struct fake *f = arg;
	char *s;

	if (f->give_null)
		return NULL;
	if (m == CTL_GET) {
		f->calls_get++;
		if (f->big) {
			s = malloc(f->big + 1);
			memset(s, 'x', f->big);
			s[f->big] = '\0';
			return s;
		}
		return strdup("[{\"answer\":\"GET\"}]");
	}
	f->calls_refresh++;
	return strdup("[{\"answer\":\"REFRESH\"}]");
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_ctl.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(sockpath, sizeof(sockpath), "%s/run/tcpeek.sock", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int cli_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void cli_send(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Drive the server until the client sees EOF (or an error); returns what
 * it received, malloc'ed, and its length in *len. */
static char *cli_collect(struct ctl *c, int fd, uint64_t now, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	int spins;
	ssize_t r;

	for (spins = 0; spins < 100000; spins++) {
		ctl_run(c, now);
		r = recv(fd, buf + n, cap - n, MSG_DONTWAIT);
		if (r > 0) {
			n += (size_t)r;
			if (n == cap) {
				cap *= 2;
				buf = realloc(buf, cap + 1);
			}
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			break;
	}
	assert_true(spins < 100000);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* One request, one answer (or none): returns the answer text. */
static char *roundtrip(struct ctl *c, const char *req, int half_close)
{
	size_t len;
	char *out;
	int fd = cli_connect(sockpath);

	cli_send(fd, req);
	if (half_close)
		shutdown(fd, SHUT_WR);
	out = cli_collect(c, fd, 1000, &len);
	close(fd);
	return out;
}

static struct ctl *open_ok(struct fake *f)
{
	struct ctl *c = ctl_open(sockpath, 0660, (uid_t)-1, (gid_t)-1, answer, f);

	assert_non_null(c);
	return c;
}

static void test_get_refresh(void **state)
{
	struct fake f = { 0 };
	struct ctl *c;
	char *s;
	int fds0 = count_fds();

	(void)state;
	c = open_ok(&f);
	s = roundtrip(c, "GET\n", 0);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	s = roundtrip(c, "REFRESH\r\n", 0);
	assert_string_equal(s, "[{\"answer\":\"REFRESH\"}]");
	free(s);
	s = roundtrip(c, "GET\r\n", 0);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	/* trailing blanks are tolerated, as are bytes after the line */
	s = roundtrip(c, "REFRESH \t\r\nGARBAGE AFTER", 0);
	assert_string_equal(s, "[{\"answer\":\"REFRESH\"}]");
	free(s);
	assert_int_equal(f.calls_get, 2);
	assert_int_equal(f.calls_refresh, 2);
	ctl_close(c);
	assert_int_equal(count_fds(), fds0);
}

static void test_half_close(void **state)
{
	struct fake f = { 0 };
	struct ctl *c;
	char *s;

	(void)state;
	c = open_ok(&f);
	s = roundtrip(c, "GET", 1);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	s = roundtrip(c, "REFRESH", 1);
	assert_string_equal(s, "[{\"answer\":\"REFRESH\"}]");
	free(s);
	/* an empty request is no request */
	s = roundtrip(c, "", 1);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(f.calls_get + f.calls_refresh, 2);
	ctl_close(c);
}

static void test_request_split(void **state)
{
	struct fake f = { 0 };
	struct ctl *c;
	size_t len;
	char *s;
	int fd;

	(void)state;
	c = open_ok(&f);
	fd = cli_connect(sockpath);
	cli_send(fd, "RE");
	ctl_run(c, 1000);
	cli_send(fd, "FRE");
	ctl_run(c, 1000);
	cli_send(fd, "SH\n");
	s = cli_collect(c, fd, 1000, &len);
	assert_string_equal(s, "[{\"answer\":\"REFRESH\"}]");
	free(s);
	close(fd);
	ctl_close(c);
}

static void test_bad_requests(void **state)
{
	/* lines the original answered as GET; only "REFRESH" resets */
	static const char *other[] = { "get\n", "PUT\n", "GETX\n", " GET\n", "GET REFRESH\n",
	                               "\n", "\r\n", "GE", "refresh\n" };
	struct fake f = { 0 };
	char longreq[300];
	struct ctl *c;
	size_t i;
	char *s;
	int fds0 = count_fds();

	(void)state;
	c = open_ok(&f);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		s = roundtrip(c, other[i], 1);
		assert_string_equal(s, "[{\"answer\":\"GET\"}]");
		free(s);
	}
	assert_int_equal(f.calls_get, (int)i);
	assert_int_equal(f.calls_refresh, 0);
	f.calls_get = 0;
	/* nothing at all before the half-close: no request, no answer */
	s = roundtrip(c, "", 1);
	assert_string_equal(s, "");
	free(s);
	/* over-long line: no newline in the first CTL_MAX_REQUEST bytes */
	memset(longreq, 'A', sizeof(longreq) - 1);
	longreq[sizeof(longreq) - 1] = '\0';
	s = roundtrip(c, longreq, 0);
	assert_string_equal(s, "");
	free(s);
	/* the longest line accepted is CTL_MAX_REQUEST bytes, terminator included */
	memset(longreq, ' ', CTL_MAX_REQUEST);
	memcpy(longreq, "GET", 3);
	longreq[CTL_MAX_REQUEST - 1] = '\n';
	longreq[CTL_MAX_REQUEST] = '\0';
	s = roundtrip(c, longreq, 0);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	longreq[CTL_MAX_REQUEST - 1] = ' ';
	longreq[CTL_MAX_REQUEST] = '\n';
	longreq[CTL_MAX_REQUEST + 1] = '\0';
	s = roundtrip(c, longreq, 0);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(f.calls_get, 1);
	assert_int_equal(f.calls_refresh, 0);
	/* an embedded NUL is not part of any method: another line, a GET */
	{
		int fd = cli_connect(sockpath);
		size_t len;

		assert_int_equal(send(fd, "REFRESH\0\n", 9, 0), 9);
		s = cli_collect(c, fd, 1000, &len);
		assert_string_equal(s, "[{\"answer\":\"GET\"}]");
		free(s);
		close(fd);
	}
	/* the server still works after all that */
	s = roundtrip(c, "GET\n", 0);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	ctl_close(c);
	assert_int_equal(count_fds(), fds0);
}

static void test_answer_null(void **state)
{
	struct fake f = { .give_null = 1 };
	struct ctl *c;
	char *s;

	(void)state;
	c = open_ok(&f);
	s = roundtrip(c, "GET\n", 0);
	assert_string_equal(s, "");
	free(s);
	ctl_close(c);
}

static void test_fifty_clients(void **state)
{
	struct fake f = { 0 };
	int fd[50], done[50] = { 0 }, ndone = 0, i, spins;
	char buf[50][64];
	size_t got[50] = { 0 };
	struct ctl *c;
	ssize_t r;

	(void)state;
	c = open_ok(&f);
	for (i = 0; i < 50; i++)
		fd[i] = cli_connect(sockpath);
	for (i = 0; i < 50; i++)
		cli_send(fd[i], i % 2 ? "GET\r\n" : "REFRESH\n");
	for (spins = 0; spins < 1000 && ndone < 50; spins++) {
		ctl_run(c, 1000);
		for (i = 0; i < 50; i++) {
			if (done[i])
				continue;
			r = recv(fd[i], buf[i] + got[i], sizeof(buf[i]) - 1 - got[i], MSG_DONTWAIT);
			if (r > 0)
				got[i] += (size_t)r;
			else if (r == 0 || errno != EAGAIN) {
				done[i] = 1;
				ndone++;
				buf[i][got[i]] = '\0';
			}
		}
	}
	assert_int_equal(ndone, 50);
	for (i = 0; i < 50; i++) {
		assert_string_equal(buf[i], i % 2 ? "[{\"answer\":\"GET\"}]"
		                                  : "[{\"answer\":\"REFRESH\"}]");
		close(fd[i]);
	}
	assert_int_equal(f.calls_get, 25);
	assert_int_equal(f.calls_refresh, 25);
	ctl_close(c);
}

/* From accept to a complete request line a client has CTL_REQUEST_MS,
 * however it trickles its bytes. */
static void test_request_deadline(void **state)
{
	struct fake f = { 0 };
	struct ctl *c;
	char b[8];
	int fd, fd2;

	(void)state;
	c = open_ok(&f);
	assert_int_equal(ctl_next_timeout(c, 5000), -1);
	fd = cli_connect(sockpath);
	ctl_run(c, 5000);                       /* accepted at t=5000 */
	assert_int_equal(ctl_next_timeout(c, 5000), CTL_REQUEST_MS);
	assert_int_equal(ctl_next_timeout(c, 5400), CTL_REQUEST_MS - 400);
	/* a partial request does not move the deadline */
	cli_send(fd, "GE");
	ctl_run(c, 5500);
	assert_int_equal(ctl_next_timeout(c, 5500), CTL_REQUEST_MS - 500);
	cli_send(fd, "T");
	ctl_run(c, 5900);
	assert_int_equal(ctl_next_timeout(c, 5900), CTL_REQUEST_MS - 900);
	fd2 = cli_connect(sockpath);
	ctl_run(c, 5950);
	ctl_run(c, 5999);
	assert_int_equal(recv(fd, b, sizeof(b), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	ctl_run(c, 6000);                       /* deadline of the first */
	assert_int_equal(recv(fd, b, sizeof(b), MSG_DONTWAIT), 0);
	assert_int_equal(recv(fd2, b, sizeof(b), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(ctl_next_timeout(c, 6000), 950);
	assert_int_equal(ctl_next_timeout(c, 9000), 0);
	ctl_run(c, 6950);
	assert_int_equal(recv(fd2, b, sizeof(b), MSG_DONTWAIT), 0);
	assert_int_equal(ctl_next_timeout(c, 6950), -1);
	assert_int_equal(f.calls_get, 0);
	close(fd);
	close(fd2);
	ctl_close(c);
}

/* Read what a closed connection received (at most cap-1 bytes). */
static char *cli_read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < cap && (r = recv(fd, buf + n, cap - 1 - n, MSG_DONTWAIT)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return buf;
}

static void test_slow_reader(void **state)
{
	struct fake f = { .big = 4u << 20 };
	struct ctl *c;
	size_t len, total = 0;
	char *s, buf[4096];
	int slow, fd;
	ssize_t r;

	(void)state;
	c = open_ok(&f);
	slow = cli_connect(sockpath);
	cli_send(slow, "GET\n");
	ctl_run(c, 1000);                       /* part of 4 MiB sent, rest pending */
	ctl_run(c, 1000);
	/* a second client is served while the first never reads */
	f.big = 0;
	fd = cli_connect(sockpath);
	cli_send(fd, "GET\n");
	s = cli_collect(c, fd, 1500, &len);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	close(fd);
	/* the stalled writer is dropped after CTL_IDLE_MS without progress */
	ctl_run(c, 1999);
	assert_int_equal(ctl_next_timeout(c, 1999), 1);
	ctl_run(c, 2000);
	assert_int_equal(ctl_next_timeout(c, 2000), -1);
	while ((r = recv(slow, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += (size_t)r;
	assert_int_equal(r, 0);                 /* EOF, never the whole answer */
	assert_true(total > 0 && total < (4u << 20));
	close(slow);
	ctl_close(c);
}

static void test_slow_reader_completes(void **state)
{
	struct fake f = { .big = 1u << 20 };
	struct ctl *c;
	size_t len;
	char *s;
	int fd;

	(void)state;
	c = open_ok(&f);
	fd = cli_connect(sockpath);
	cli_send(fd, "GET\n");
	s = cli_collect(c, fd, 1000, &len);     /* continued on EPOLLOUT */
	assert_int_equal(len, 1u << 20);
	assert_true(s[0] == 'x' && s[len - 1] == 'x');
	free(s);
	close(fd);
	ctl_close(c);
}

static void test_client_vanishes(void **state)
{
	struct fake f = { .big = 4u << 20 };
	struct ctl *c;
	char *s;
	int fd;

	(void)state;
	c = open_ok(&f);
	fd = cli_connect(sockpath);
	cli_send(fd, "GET\n");
	ctl_run(c, 1000);
	close(fd);                              /* EPIPE must not kill us */
	ctl_run(c, 1000);
	ctl_run(c, 1000);
	assert_int_equal(ctl_next_timeout(c, 1000), -1);
	f.big = 0;
	s = roundtrip(c, "GET\n", 0);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	ctl_close(c);
}

/* Full: a newcomer takes the slot of the client that has waited longest
 * without a request, which is told "busy"; the newcomer is served. */
static void test_max_clients(void **state)
{
	struct fake f = { 0 };
	int fd[CTL_MAX_CLIENTS], extra, i;
	struct ctl *c;
	char b[64];

	(void)state;
	c = open_ok(&f);
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		fd[i] = cli_connect(sockpath);
		ctl_run(c, 1000 + (uint64_t)i);         /* accepted in this order */
	}
	extra = cli_connect(sockpath);
	cli_send(extra, "GET\n");
	ctl_run(c, 1500);
	assert_string_equal(cli_read_all(fd[0], b, sizeof(b)), CTL_BUSY);
	assert_int_equal(recv(fd[0], b, sizeof(b), MSG_DONTWAIT), 0);
	assert_string_equal(cli_read_all(extra, b, sizeof(b)), "[{\"answer\":\"GET\"}]");
	assert_int_equal(recv(extra, b, sizeof(b), MSG_DONTWAIT), 0);
	close(extra);
	/* the next oldest is still there and still served */
	assert_int_equal(recv(fd[1], b, sizeof(b), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	cli_send(fd[1], "GET\n");
	ctl_run(c, 1500);
	assert_int_equal(recv(fd[1], b, 2, MSG_DONTWAIT), 2);
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		close(fd[i]);
	ctl_run(c, 1500);
	assert_int_equal(ctl_next_timeout(c, 1500), -1);
	ctl_close(c);
}

/* Every slot sending an answer: a newcomer is told "busy" at once. */
static void test_busy_when_all_answering(void **state)
{
	struct fake f = { .big = 1u << 20 };
	int fd[CTL_MAX_CLIENTS], extra, i;
	struct ctl *c;
	char b[64];

	(void)state;
	c = open_ok(&f);
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		fd[i] = cli_connect(sockpath);
		cli_send(fd[i], "GET\n");
		ctl_run(c, 1000);               /* 1 MiB answers: stuck in writing */
	}
	assert_int_equal(f.calls_get, CTL_MAX_CLIENTS);
	extra = cli_connect(sockpath);
	cli_send(extra, "GET\n");
	ctl_run(c, 1000);
	assert_string_equal(cli_read_all(extra, b, sizeof(b)), CTL_BUSY);
	assert_int_equal(recv(extra, b, sizeof(b), MSG_DONTWAIT), 0);
	assert_int_equal(f.calls_get, CTL_MAX_CLIENTS);
	close(extra);
	/* nobody reads: every writer is dropped after CTL_IDLE_MS */
	ctl_run(c, 1000 + CTL_IDLE_MS);
	assert_int_equal(ctl_next_timeout(c, 1000 + CTL_IDLE_MS), -1);
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		close(fd[i]);
	ctl_close(c);
}

/* A reader taking a byte now and then cannot hold its slot beyond
 * CTL_ANSWER_MS. */
static void test_answer_total_deadline(void **state)
{
	struct fake f = { .big = 4u << 20 };
	uint64_t now = 1000;
	struct ctl *c;
	char b[4096];
	int fd, rounds = 0;

	(void)state;
	c = open_ok(&f);
	fd = cli_connect(sockpath);
	cli_send(fd, "GET\n");
	ctl_run(c, now);
	/* take a little now and then: progress, but far too slow */
	while (ctl_next_timeout(c, now) != -1) {
		size_t got = 0;
		ssize_t r;

		while (got < (96u << 10) && (r = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
			got += (size_t)r;
		assert_true(got > 0);
		now += CTL_IDLE_MS / 2;
		ctl_run(c, now);
		assert_true(++rounds < 1000);
	}
	assert_true(now <= 1000 + CTL_ANSWER_MS + CTL_IDLE_MS / 2);
	assert_true(now >= 1000 + CTL_ANSWER_MS);
	close(fd);
	ctl_close(c);
}

/* Out of descriptors: no spinning, clients told "busy" or served. */
static void test_out_of_descriptors(void **state)
{
	struct fake f = { 0 };
	struct rlimit old, low;
	int fd[16], i, busy = 0, served = 0;
	struct ctl *c;
	char b[64];

	(void)state;
	c = open_ok(&f);
	for (i = 0; i < 16; i++) {
		fd[i] = cli_connect(sockpath);
		cli_send(fd[i], "GET\n");
	}
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	i = dup(0);                             /* the lowest free number */
	close(i);
	low.rlim_cur = (rlim_t)i;               /* not one more descriptor */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	ctl_run(c, 1000);
	ctl_run(c, 1000);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	for (i = 0; i < 16; i++) {
		cli_read_all(fd[i], b, sizeof(b));
		if (strcmp(b, CTL_BUSY) == 0)
			busy++;
		else if (strcmp(b, "[{\"answer\":\"GET\"}]") == 0)
			served++;
	}
	/* the reserve descriptor lets every client be told */
	assert_int_equal(busy + served, 16);
	assert_true(busy > 0);
	for (i = 0; i < 16; i++)
		close(fd[i]);
	ctl_close(c);
}

static void test_mode_and_unlink(void **state)
{
	static const mode_t masks[] = { 0, 022, 077, 0777 };
	struct fake f = { 0 };
	struct stat st;
	struct ctl *c;
	char dir[128];
	mode_t old;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		old = umask(masks[i]);
		c = open_ok(&f);
		umask(old);
		assert_int_equal(lstat(sockpath, &st), 0);
		assert_true(S_ISSOCK(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0660);
		ctl_close(c);
		assert_int_equal(lstat(sockpath, &st), -1);
		assert_int_equal(errno, ENOENT);
	}
	/* the parent directory was created 0755 */
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
}

static void test_stale_replaced(void **state)
{
	struct sockaddr_un sa;
	struct fake f = { 0 };
	struct stat st;
	struct ctl *c;
	char dir[128];
	char *s;
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	mkdir(dir, 0755);
	/* a socket file nobody listens on, as left by a killed tcpeek */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	chmod(sockpath, 0777);
	assert_int_equal(lstat(sockpath, &st), 0);
	c = open_ok(&f);
	assert_int_equal(lstat(sockpath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	s = roundtrip(c, "GET\n", 0);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	ctl_close(c);
}

static void test_live_refused(void **state)
{
	struct fake f = { 0 };
	struct ctl *c, *c2;
	struct stat st1, st2;
	char *s;

	(void)state;
	c = open_ok(&f);
	assert_int_equal(lstat(sockpath, &st1), 0);
	c2 = ctl_open(sockpath, 0660, (uid_t)-1, (gid_t)-1, answer, &f);
	assert_null(c2);
	assert_int_equal(lstat(sockpath, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);       /* left alone */
	s = roundtrip(c, "GET\n", 0);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	ctl_close(c);
}

static void test_not_a_socket(void **state)
{
	struct fake f = { 0 };
	char dir[128], longpath[200];
	struct stat st;
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	mkdir(dir, 0755);
	fd = open(sockpath, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_null(ctl_open(sockpath, 0660, (uid_t)-1, (gid_t)-1, answer, &f));
	assert_int_equal(stat(sockpath, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 4);
	unlink(sockpath);

	/* parent is a regular file */
	snprintf(longpath, sizeof(longpath), "%s/run/tcpeek.sock/x.sock", tmpdir);
	fd = open(sockpath, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_null(ctl_open(longpath, 0660, (uid_t)-1, (gid_t)-1, answer, &f));
	unlink(sockpath);

	/* longer than sun_path */
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_null(ctl_open(longpath, 0660, (uid_t)-1, (gid_t)-1, answer, &f));
	assert_null(ctl_open("", 0660, (uid_t)-1, (gid_t)-1, answer, &f));
}

/* -u: the socket belongs to the user tcpeek will run as; a directory
 * ctl_open created stays root's, group-writable for that user's group and
 * sticky, so the user can remove its own socket and nobody else's file. */
static void test_owner(void **state)
{
	struct fake f = { 0 };
	struct stat st;
	struct ctl *c;
	char dir[128], deep[160];

	(void)state;
	if (geteuid() != 0)
		skip();         /* chown to another user needs root */
	c = ctl_open(sockpath, 0660, 65534, 65534, answer, &f);
	assert_non_null(c);
	assert_int_equal(lstat(sockpath, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 07777, 0660);
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	assert_int_equal(lstat(dir, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 07777, 01770);
	ctl_close(c);
	assert_int_equal(lstat(sockpath, &st), -1);
	/* only one missing level is created */
	snprintf(deep, sizeof(deep), "%s/a/b/tcpeek.sock", tmpdir);
	assert_null(ctl_open(deep, 0660, (uid_t)-1, (gid_t)-1, answer, &f));
}

/* As root: a directory others could change is refused, a root-owned
 * sticky one and a link placed by root are fine; nothing is touched. */
static void test_unsafe_directory(void **state)
{
	struct fake f = { 0 };
	struct stat st;
	struct ctl *c;
	char dir[128], path[160], link[128];

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_null(ctl_open(sockpath, 0660, (uid_t)-1, (gid_t)-1, answer, &f));
	assert_int_equal(lstat(sockpath, &st), -1);
	/* writable by others one level up: a missing directory is not made */
	snprintf(path, sizeof(path), "%s/run/sub/tcpeek.sock", tmpdir);
	assert_null(ctl_open(path, 0660, (uid_t)-1, (gid_t)-1, answer, &f));
	snprintf(link, sizeof(link), "%s/run/sub", tmpdir);
	assert_int_equal(lstat(link, &st), -1);
	/* owned by another user */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(dir, 65534, 0), 0);
	assert_null(ctl_open(sockpath, 0660, (uid_t)-1, (gid_t)-1, answer, &f));
	/* root-owned and sticky: fine */
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_int_equal(chmod(dir, 01777), 0);
	c = ctl_open(sockpath, 0660, (uid_t)-1, (gid_t)-1, answer, &f);
	assert_non_null(c);
	ctl_close(c);
	/* a symbolic link only root could have made is followed */
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	assert_int_equal(symlink("run", link), 0);
	snprintf(path, sizeof(path), "%s/tcpeek.sock", link);
	c = ctl_open(path, 0660, (uid_t)-1, (gid_t)-1, answer, &f);
	assert_non_null(c);
	assert_int_equal(lstat(sockpath, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	ctl_close(c);
	assert_int_equal(lstat(sockpath, &st), -1);
}

/* A relative path is created in the working directory, which is the
 * same again afterwards. */
static void test_relative_path(void **state)
{
	struct fake f = { 0 };
	char before[256], after[256], *s;
	struct stat st;
	struct ctl *c;
	int fd;

	(void)state;
	assert_non_null(getcwd(before, sizeof(before)));
	fd = open(".", O_PATH | O_DIRECTORY);
	assert_int_equal(chdir(tmpdir), 0);
	c = ctl_open("rel.sock", 0600, (uid_t)-1, (gid_t)-1, answer, &f);
	assert_non_null(c);
	assert_int_equal(lstat("rel.sock", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(sockpath, sizeof(sockpath), "%s/rel.sock", tmpdir);
	s = roundtrip(c, "GET\n", 0);
	assert_string_equal(s, "[{\"answer\":\"GET\"}]");
	free(s);
	ctl_close(c);
	assert_int_equal(lstat("rel.sock", &st), -1);
	assert_int_equal(fchdir(fd), 0);
	close(fd);
	assert_non_null(getcwd(after, sizeof(after)));
	assert_string_equal(before, after);
	assert_null(ctl_open("run/", 0600, (uid_t)-1, (gid_t)-1, answer, &f));
}

static void test_close_keeps_foreign_file(void **state)
{
	struct fake f = { 0 };
	struct stat st;
	struct ctl *c;
	int fd;

	(void)state;
	c = open_ok(&f);
	/* someone replaced our socket file: ctl_close must not remove theirs */
	unlink(sockpath);
	fd = open(sockpath, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ctl_close(c);
	assert_int_equal(stat(sockpath, &st), 0);
	unlink(sockpath);
	ctl_close(NULL);
}

/* The pure request judge, case by case. */
static void test_request_judge(void **state)
{
	char big[CTL_MAX_REQUEST + 8];

	(void)state;
	assert_int_equal(ctl_request("GET\r\n", 5, 0), CTL_GET);
	assert_int_equal(ctl_request("GET\n", 4, 0), CTL_GET);
	assert_int_equal(ctl_request("REFRESH \t\r\n", 12, 0), CTL_REFRESH);
	assert_int_equal(ctl_request("GET\nREFRESH\n", 12, 0), CTL_GET);
	assert_int_equal(ctl_request("GE", 2, 0), CTL_REQ_MORE);
	assert_int_equal(ctl_request("GET", 3, 0), CTL_REQ_MORE);
	assert_int_equal(ctl_request("GET", 3, 1), CTL_GET);
	assert_int_equal(ctl_request("REFRESH\r", 8, 1), CTL_REFRESH);
	assert_int_equal(ctl_request("", 0, 0), CTL_REQ_MORE);
	assert_int_equal(ctl_request("", 0, 1), CTL_REQ_BAD);
	/* any other line is a GET, as the original answered it */
	assert_int_equal(ctl_request("get\n", 4, 0), CTL_GET);
	assert_int_equal(ctl_request(" GET\n", 5, 0), CTL_GET);
	assert_int_equal(ctl_request("GETS\n", 5, 0), CTL_GET);
	assert_int_equal(ctl_request("GET\0\n", 5, 0), CTL_GET);
	assert_int_equal(ctl_request("\n", 1, 0), CTL_GET);
	assert_int_equal(ctl_request("refresh\n", 8, 0), CTL_GET);
	assert_int_equal(ctl_request("REFRESH!\n", 9, 0), CTL_GET);
	/* a full buffer without a line end is refused, even if blanks would
	 * trim to a method; bytes beyond the limit are not looked at */
	memset(big, ' ', sizeof(big));
	memcpy(big, "GET", 3);
	assert_int_equal(ctl_request(big, CTL_MAX_REQUEST - 1, 0), CTL_REQ_MORE);
	assert_int_equal(ctl_request(big, CTL_MAX_REQUEST - 1, 1), CTL_GET);
	assert_int_equal(ctl_request(big, CTL_MAX_REQUEST, 0), CTL_REQ_BAD);
	big[CTL_MAX_REQUEST - 1] = '\n';
	assert_int_equal(ctl_request(big, CTL_MAX_REQUEST, 0), CTL_GET);
	big[CTL_MAX_REQUEST - 1] = ' ';
	big[CTL_MAX_REQUEST] = '\n';
	assert_int_equal(ctl_request(big, sizeof(big), 0), CTL_REQ_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_judge),
		cmocka_unit_test_setup_teardown(test_get_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifty_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_when_all_answering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_total_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader_completes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_vanishes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_and_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_keeps_foreign_file, setup, teardown),
	};

	log_init("test_ctl", LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
