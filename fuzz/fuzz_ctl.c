/*
 * libFuzzer harness: the stats socket's request reader, driven through
 * its public API over a real UNIX socket (ctl.h exposes no pure parser).
 *
 * One server is opened in a temporary directory for the whole run; each
 * input is one client connection that sends the fuzz bytes in chunks,
 * with ctl_run between them, optionally half-closes, and reads until the
 * server closes.  Time is fake, so an idle client is dropped at once when
 * the harness jumps the clock.
 *
 * Oracle (ctl.h's protocol): the client gets the answer of METHOD exactly
 * when the first line (ended by LF within the first CTL_MAX_REQUEST bytes,
 * or by the half-close when shorter) is GET or REFRESH with optional
 * trailing CR, space or tab; otherwise the connection closes with nothing.
 * Afterwards the server holds no client.
 *
 * Input: byte 0 = options: chunk size - 1 (low 6 bits), half-close
 * (0x40), big answer (0x80, with 'B' as byte 1, so the answer outgrows the
 * socket buffer and is continued on EPOLLOUT); the rest is the stream.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "peek/ctl.h"
#include "sys/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BIG (256u << 10)

static struct ctl *srv;
static char dir[64], path[128];
static uint64_t now_ms = 1000;
static bool big;
static char *big_get, *big_refresh;

static char *answer(void *arg, enum ctl_method m)
{
	(void)arg;
	if (big)
		return strdup(m == CTL_GET ? big_get : big_refresh);
	return strdup(m == CTL_GET ? "{\"m\":\"GET\"}" : "{\"m\":\"REFRESH\"}");
}

static void cleanup(void)
{
	ctl_close(srv);
	rmdir(dir);
}

static void setup(void)
{
	log_init("fuzz_ctl", LOG_LVL_WARN);
	snprintf(dir, sizeof(dir), "/tmp/fuzz_ctl.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/s", dir);
	srv = ctl_open(path, 0600, (uid_t)-1, (gid_t)-1, answer, NULL);
	if (srv == NULL)
		abort();
	atexit(cleanup);
	big_get = malloc(BIG + 1);
	big_refresh = malloc(BIG + 1);
	if (big_get == NULL || big_refresh == NULL)
		abort();
	memset(big_get, 'g', BIG);
	memset(big_refresh, 'r', BIG);
	big_get[BIG] = big_refresh[BIG] = '\0';
}

/* What the protocol promises for this stream: -1 no answer, else the method. */
static int expected(const uint8_t *s, size_t n, bool halfclose)
{
	size_t len;
	const uint8_t *nl = memchr(s, '\n', n < CTL_MAX_REQUEST ? n : CTL_MAX_REQUEST);

	if (nl != NULL)
		len = (size_t)(nl - s);
	else if (halfclose && n > 0 && n < CTL_MAX_REQUEST)
		len = n;
	else
		return -1;
	while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n' || s[len - 1] == ' ' ||
	                   s[len - 1] == '\t'))
		len--;
	if (len == 7 && memcmp(s, "REFRESH", 7) == 0)
		return CTL_REFRESH;
	return CTL_GET;         /* any other line, as the original answered */
}

/* Read what is there; true at EOF or error (the server closed). */
static bool drain(int fd, char **buf, size_t *len, size_t *cap)
{
	for (;;) {
		if (*cap - *len < 65536) {
			*cap = *cap * 2 + 65536;
			*buf = realloc(*buf, *cap);
			if (*buf == NULL)
				abort();
		}
		ssize_t n = recv(fd, *buf + *len, *cap - *len, MSG_DONTWAIT);
		if (n > 0) {
			*len += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		return true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa;
	char *got = NULL;
	size_t gotlen = 0, gotcap = 0, chunk, off, i;
	bool halfclose, closed = false;
	int fd, want;

	if (srv == NULL)
		setup();
	if (size < 1)
		return 0;
	chunk = 1 + (data[0] & 0x3f);
	halfclose = data[0] & 0x40;
	big = (data[0] & 0x80) && size > 1 && data[1] == 'B';
	data += big ? 2 : 1;
	size -= big ? 2 : 1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		abort();
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		abort();
	ctl_run(srv, now_ms);
	/* Never block: once the request line is in, the server stops reading
	 * (it answers, then closes), so the rest may not fit in the socket
	 * buffer (tiny sends cost far more than their bytes).  The answer
	 * depends only on what was sent. */
	for (off = 0; off < size;) {
		size_t n = size - off < chunk ? size - off : chunk;
		ssize_t w = send(fd, data + off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		/* after the server closed, sends fail (EPIPE): that is fine */
		if (w <= 0)
			break;
		off += (size_t)w;
		ctl_run(srv, now_ms);
	}
	want = expected(data, off, halfclose);
	if (halfclose)
		shutdown(fd, SHUT_WR);
	for (i = 0; i < 10000 && !closed; i++) {
		ctl_run(srv, now_ms);
		closed = drain(fd, &got, &gotlen, &gotcap);
		if (!closed && i > 4 && !big)
			break;          /* a client waiting for more: let it idle out */
	}
	if (!closed) {
		now_ms += (CTL_IDLE_MS > CTL_REQUEST_MS ? CTL_IDLE_MS : CTL_REQUEST_MS) + 1;
		ctl_run(srv, now_ms);
		closed = drain(fd, &got, &gotlen, &gotcap);
	}
	now_ms += 1;
	close(fd);
	ctl_run(srv, now_ms);
	if (!closed) {
		fprintf(stderr, "the server kept an idle client past its deadline\n");
		abort();
	}
	if (ctl_next_timeout(srv, now_ms) != -1) {
		fprintf(stderr, "a finished client is still held\n");
		abort();
	}
	const char *exp = want == CTL_GET     ? (big ? big_get : "{\"m\":\"GET\"}")
	                  : want == CTL_REFRESH ? (big ? big_refresh : "{\"m\":\"REFRESH\"}")
	                                        : "";
	if (gotlen != strlen(exp) || memcmp(got, exp, gotlen) != 0) {
		fprintf(stderr, "answer of %zu bytes, expected %zu (method %d)\n", gotlen,
		        strlen(exp), want);
		abort();
	}
	free(got);
	return 0;
}
