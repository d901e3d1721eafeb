/* tcpeek's per-event stream: see events.h. */
#include "peek/events.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/text.h"
#include "sys/log.h"

/* ---- builders ---------------------------------------------------------- */

static int put(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int put_u64(json_object *o, const char *key, uint64_t v)
{
	return put(o, key, json_object_new_uint64(v));
}

static int put_str(json_object *o, const char *key, const char *v)
{
	return put(o, key, json_object_new_string(v));
}

/* The address alone (its port is a member of its own): no brackets. */
static int put_ip(json_object *o, const char *key, const struct addr *a)
{
	char b[ADDR_STRLEN];

	return put_str(o, key, addr_fmt(b, a));
}

static int put_filters(json_object *o, uint64_t filters, const char *const *names, int nfilt)
{
	json_object *a = json_object_new_array();

	if (!a)
		return -1;
	for (uint64_t m = filters; m; m &= m - 1) {
		int i = __builtin_ctzll(m);
		json_object *n;

		if (i >= nfilt)
			break;
		n = json_object_new_string(names[i]);
		if (!n || json_object_array_add(a, n) != 0) {
			json_object_put(n);
			json_object_put(a);
			return -1;
		}
	}
	return put(o, "filters", a);
}

/* The members both kinds share, in the table line's order. */
static int put_tuple(json_object *o, const char *type, uint64_t start, uint64_t end,
                     const struct addr *ca, uint16_t cp, const struct addr *sa, uint16_t sp)
{
	int rc = 0;

	rc |= put_str(o, "type", type);
	rc |= put_u64(o, "start_us", start);
	rc |= put_u64(o, "end_us", end);
	rc |= put_ip(o, "cli_addr", ca);
	rc |= put_u64(o, "cli_port", cp);
	rc |= put_ip(o, "srv_addr", sa);
	rc |= put_u64(o, "srv_port", sp);
	return rc;
}

json_object *evw_json_handshake(const struct trk_event *ev, const char *const *names, int nfilt)
{
	json_object *o = json_object_new_object();
	int rc;

	if (!o)
		return NULL;
	rc = put_tuple(o, "handshake", ev->start_us, ev->end_us,
	               &ev->cli_addr, ev->cli_port, &ev->srv_addr, ev->srv_port);
	rc |= put_u64(o, "handshake_us", ev->end_us >= ev->start_us ? ev->end_us - ev->start_us : 0);
	rc |= put_str(o, "result", trk_result_name(ev->result));
	rc |= put_u64(o, "dupsyn", ev->dupsyn);
	rc |= put_u64(o, "dupsynack", ev->dupsynack);
	rc |= put_filters(o, ev->filters, names, nfilt);
	if (ev->result == TRK_UNREACH) {
		rc |= put_u64(o, "icmp_type", ev->icmp_type);
		rc |= put_u64(o, "icmp_code", ev->icmp_code);
	}
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

json_object *evw_json_connection(const struct conn_event *ev, const char *const *names, int nfilt)
{
	static const char *const side[2] = { "cli", "srv" };
	json_object *o = json_object_new_object();
	const char *by = conn_side_name(ev->by);
	char key[32];
	int rc;

	if (!o)
		return NULL;
	rc = put_tuple(o, "connection", ev->start_us, ev->end_us,
	               &ev->cli_addr, ev->cli_port, &ev->srv_addr, ev->srv_port);
	rc |= put_u64(o, "duration_us", ev->end_us >= ev->start_us ? ev->end_us - ev->start_us : 0);
	rc |= put_str(o, "end", conn_end_name(ev->end));
	rc |= put_str(o, "via", conn_via_name(ev->via));
	if (by)
		rc |= put_str(o, "by", by);
	if (ev->end == CONN_RESET)
		rc |= put_str(o, "stage", ev->after_data ? "after_data" : "before_data");
	for (int i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s_bytes", side[i]);
		rc |= put_u64(o, key, ev->bytes[i]);
		snprintf(key, sizeof(key), "%s_probes", side[i]);
		rc |= put_u64(o, key, ev->probes[i]);
		snprintf(key, sizeof(key), "%s_probes_answered", side[i]);
		rc |= put_u64(o, key, ev->answered[i]);
		snprintf(key, sizeof(key), "%s_retrans", side[i]);
		rc |= put_u64(o, key, ev->retrans[i]);
	}
	rc |= put_filters(o, ev->filters, names, nfilt);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* ---- writer ------------------------------------------------------------ */

struct evw {
	int fd;
	char *name;              /* for messages */
	char *buf;
	size_t len;
	uint64_t pending;        /* lines in buf */
	uint64_t written, dropped;
	int wait;                /* may wait for the reader (file input) */
	int gone;                /* EPIPE: the reader is gone, write no more */
	int mid;                 /* buf starts with the rest of a line partly out */
	int torn;                /* a line was cut: start the next with '\n' */
	int last_errno;          /* logged once per change */
};

static size_t count_nl(const char *p, size_t n)
{
	size_t k = 0;
	const char *e = p + n;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/* A write failed with err: what is buffered is lost. */
static void write_failed(struct evw *w, int err)
{
	if (err != w->last_errno) {
		errno = err;
		log_warn("events to %s: %llu line(s) dropped, and every line that "
		         "cannot be written from now on (counted in pcap.events.dropped)",
		         w->name, (unsigned long long)w->pending);
		w->last_errno = err;
	}
	w->dropped += w->pending;
	if (w->mid)
		w->torn = 1;
	w->mid = 0;
	w->pending = 0;
	w->len = 0;
	if (err == EPIPE)
		w->gone = 1;
}

/* One write(2) of what can go; 1 progress, 0 would block, -1 failed. */
static int write_some(struct evw *w)
{
	ssize_t n;

	if (w->torn) {
		n = write(w->fd, "\n", 1);
		if (n == 1) {
			w->torn = 0;
			return 1;
		}
	} else {
		n = write(w->fd, w->buf, w->len);
		if (n > 0) {
			size_t k = count_nl(w->buf, (size_t)n);

			w->written += k;
			w->pending -= k;
			w->mid = w->buf[n - 1] != '\n';
			memmove(w->buf, w->buf + n, w->len - (size_t)n);
			w->len -= (size_t)n;
			w->last_errno = 0;
			return 1;
		}
	}
	if (n < 0 && errno == EINTR)
		return 1;
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		write_failed(w, errno);
		return -1;
	}
	return 0;
}

void evw_flush(struct evw *w)
{
	if (!w || w->gone)
		return;
	while (w->len && write_some(w) > 0)
		;
}

/* File input: wait (poll) until the reader has taken what is pending. */
static void drain(struct evw *w)
{
	while (w->len && !w->gone) {
		struct pollfd p = { .fd = w->fd, .events = POLLOUT };
		int rc = write_some(w);

		if (rc < 0)
			return;
		if (rc == 0 && poll(&p, 1, -1) < 0 && errno != EINTR)
			return;
	}
}

void evw_set_wait(struct evw *w, int wait)
{
	if (w)
		w->wait = wait;
}

/* Queue one object as a line, then write. */
static void emit(struct evw *w, json_object *o)
{
	const char *text;
	size_t n;

	if (!o) {
		w->dropped++;
		return;
	}
	if (w->gone) {
		w->dropped++;
		json_object_put(o);
		return;
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	n = text ? strlen(text) : 0;
	if (text && n + 1 > EVW_BUF_MAX - w->len && w->wait)
		drain(w);
	if (!text || n + 1 > EVW_BUF_MAX - w->len || w->gone) {
		w->dropped++;
	} else {
		memcpy(w->buf + w->len, text, n);
		w->buf[w->len + n] = '\n';
		w->len += n + 1;
		w->pending++;
	}
	json_object_put(o);
	evw_flush(w);
}

void evw_handshake(struct evw *w, const struct trk_event *ev, const char *const *names, int nfilt)
{
	emit(w, evw_json_handshake(ev, names, nfilt));
}

void evw_connection(struct evw *w, const struct conn_event *ev, const char *const *names,
                    int nfilt)
{
	emit(w, evw_json_connection(ev, names, nfilt));
}

/* Standard output on a file description of our own, so that making it
 * non-blocking does not change the terminal or pipe a parent shares; if
 * that cannot be had (a socket), fd 1 itself is made non-blocking. */
static int open_stdout(void)
{
	int fd = open("/proc/self/fd/1", O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	int fl;

	if (fd >= 0)
		return fd;
	fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct evw *evw_open(const char *path, char *err, size_t errlen)
{
	struct evw *w = calloc(1, sizeof(*w));
	char q[96];

	txt_escape(q, sizeof(q), path, strlen(path));
	if (!w || !(w->buf = malloc(EVW_BUF_MAX)) || !(w->name = strdup(q))) {
		txt_printf(err, errlen, "--events %s: out of memory", q);
		if (w)
			free(w->buf);
		free(w);
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		free(w->name);
		w->name = strdup("standard output");
		w->fd = open_stdout();
	} else {
		w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		             0644);
	}
	if (w->fd < 0 || !w->name) {
		txt_printf(err, errlen, "--events '%s': %s", q, strerror(w->name ? errno : ENOMEM));
		if (w->fd >= 0)
			close(w->fd);
		free(w->name);
		free(w->buf);
		free(w);
		return NULL;
	}
	return w;
}

void evw_close(struct evw *w)
{
	if (!w)
		return;
	if (w->wait)
		drain(w);
	else
		evw_flush(w);
	w->dropped += w->pending;
	close(w->fd);
	free(w->buf);
	free(w->name);
	free(w);
}

void evw_get_stats(const struct evw *w, struct evw_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!w)
		return;
	out->written = w->written;
	out->dropped = w->dropped;
	out->pending = w->pending;
}
