#include "stat/tstat_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

int tstat_fetch(const char *path, const char *request, int timeout_ms, size_t max,
                char **out, size_t *len)
{
	uint64_t deadline = clock_mono_us() + (uint64_t)timeout_ms * 1000;
	struct sockaddr_un sa;
	struct timeval tv;
	size_t n = 0, cap = 4096, reqlen, sent = 0;
	char *buf = NULL, *req = NULL, *t;
	int fd, rc = -1, w;
	ssize_t r;

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

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("%s: socket", path);
		return -1;
	}
	/* A UNIX connect waits only when the listener's backlog is full (a
	 * stuck tcpeek); the send timeout bounds that wait. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
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

	reqlen = strlen(request) + 2;
	req = malloc(reqlen + 1);
	buf = malloc(cap + 1);
	if (req == NULL || buf == NULL) {
		log_warn("%s", path);
		goto out;
	}
	memcpy(req, request, reqlen - 2);
	memcpy(req + reqlen - 2, "\r\n", 3);
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
		log_warn("%s: recv", path);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	free(req);
	close(fd);
	return rc;
}
