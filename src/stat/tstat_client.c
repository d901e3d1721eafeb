#include "stat/tstat_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sys/clock.h"
#include "sys/log.h"

static int remaining_ms(uint64_t deadline_us)
{
	uint64_t now = clock_mono_us();

	if (now >= deadline_us)
		return 0;
	return (int)((deadline_us - now + 999) / 1000);
}

static int timed_out(const char *path, int timeout_ms)
{
	log_warnx("%s: timed out after %d.%03d s", path, timeout_ms / 1000, timeout_ms % 1000);
	return -1;
}

/* Wait for ev on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short ev, uint64_t deadline_us)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int ms, rc;

	for (;;) {
		ms = remaining_ms(deadline_us);
		if (ms == 0)
			return 0;
		rc = poll(&p, 1, ms);
		if (rc > 0)
			return 1;
		if (rc == 0)
			continue;       /* re-check: poll may round down */
		if (errno != EINTR)
			return -1;
	}
}

static bool is_busy(const char *buf, size_t n)
{
	return n == sizeof(TSTAT_BUSY) - 1 && memcmp(buf, TSTAT_BUSY, n) == 0;
}

/* One connection: 0 with the answer, 1 if tcpeek said it is busy (nothing
 * logged), -1 after logging why. */
static int fetch_once(const char *path, const struct sockaddr_un *sa, const char *req,
                      size_t reqlen, uint64_t deadline, int timeout_ms, size_t max,
                      char **out, size_t *len)
{
	struct timeval tv;
	size_t n = 0, cap = 4096, sent = 0;
	char *buf = NULL, *t;
	int fd, rc = -1, w, send_errno = 0;
	ssize_t r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("%s: socket", path);
		return -1;
	}
	/* A UNIX connect waits only when the listener's backlog is full (a
	 * stuck tcpeek); the send timeout bounds that wait. */
	w = remaining_ms(deadline);
	tv.tv_sec = w / 1000;
	tv.tv_usec = (w % 1000) * 1000 + (w == 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == -1) {
		if (errno == EAGAIN || errno == EINPROGRESS)
			timed_out(path, timeout_ms);
		else
			log_warn("%s", path);
		goto out;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_warn("%s: fcntl", path);
		goto out;
	}
	buf = malloc(cap + 1);
	if (buf == NULL) {
		log_warn("%s", path);
		goto out;
	}
	while (sent < reqlen) {
		r = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
		if (r > 0) {
			sent += (size_t)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN) {
			w = wait_fd(fd, POLLOUT, deadline);
			if (w == 0) {
				timed_out(path, timeout_ms);
				goto out;
			}
			if (w == 1)
				continue;
		}
		/* a busy tcpeek answers and closes without reading: what it
		 * said is still there to read */
		if (r == -1 && (errno == EPIPE || errno == ECONNRESET)) {
			send_errno = errno;
			break;
		}
		log_warn("%s: send", path);
		goto out;
	}

	for (;;) {
		r = recv(fd, buf + n, cap - n, 0);
		if (r > 0) {
			n += (size_t)r;
			if (n > max) {
				log_warnx("%s: answer larger than %zu bytes", path, max);
				goto out;
			}
			if (n == cap) {
				cap *= 2;
				t = realloc(buf, cap + 1);
				if (t == NULL) {
					log_warn("%s", path);
					goto out;
				}
				buf = t;
			}
			continue;
		}
		if (r == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			w = wait_fd(fd, POLLIN, deadline);
			if (w == 0) {
				timed_out(path, timeout_ms);
				goto out;
			}
			if (w == 1)
				continue;
		}
		/* closed with our request unread: the kernel resets the
		 * connection after the data it had sent */
		if (errno == ECONNRESET && is_busy(buf, n))
			break;
		log_warn("%s: recv", path);
		goto out;
	}
	if (is_busy(buf, n)) {
		rc = 1;
		goto out;
	}
	if (send_errno != 0) {
		errno = send_errno;
		log_warn("%s: send", path);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int tstat_fetch(const char *path, const char *request, int timeout_ms, size_t max,
                char **out, size_t *len)
{
	uint64_t deadline = clock_mono_us() + (uint64_t)timeout_ms * 1000, pause_us;
	struct sockaddr_un sa;
	size_t reqlen;
	char *req;
	int rc, tries;

	*out = NULL;
	*len = 0;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("%s: socket path too long (at most %zu bytes)", path,
		          sizeof(sa.sun_path) - 1);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	reqlen = strlen(request) + 2;
	req = malloc(reqlen + 1);
	if (req == NULL) {
		log_warn("%s", path);
		return -1;
	}
	memcpy(req, request, reqlen - 2);
	memcpy(req + reqlen - 2, "\r\n", 3);

	/* busy: tcpeek did nothing with the request (not even a REFRESH),
	 * so asking again is safe; a few times, backing off, in the deadline */
	pause_us = TSTAT_BUSY_PAUSE_MS * 1000;
	for (tries = 1;; tries++) {
		rc = fetch_once(path, &sa, req, reqlen, deadline, timeout_ms, max, out, len);
		if (rc != 1)
			break;
		if (tries == TSTAT_BUSY_TRIES || clock_mono_us() + pause_us >= deadline) {
			log_warnx("%s: tcpeek is busy (too many clients), try again", path);
			rc = -1;
			break;
		}
		usleep((useconds_t)pause_us);
		pause_us *= 2;
	}
	free(req);
	return rc;
}
