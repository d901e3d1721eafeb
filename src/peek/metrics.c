/* tcpeek's /metrics endpoint: see metrics.h. */
#include "peek/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/parse.h"
#include "common/text.h"
#include "stat/tstat_doc.h"
#include "stat/tstat_fmt.h"
#include "sys/log.h"

#define METRICS_QUOTE 96

static const char body_404[] = "not found: tcpeek serves " METRICS_PATH " only\n";
static const char body_405[] = "method not allowed: use GET or HEAD\n";
static const char body_500[] = "tcpeek could not build the metrics (see its log)\n";

struct metrics {
	struct MHD_Daemon *d;
	int epfd;
	ctl_answer_fn answer;
	void *arg;
	/* the 200 response of the current metrics_run, shared by every
	 * request answered in it (libmicrohttpd counts its references) */
	struct MHD_Response *cur;
	struct MHD_Response *r404, *r405;
	char text[sizeof(((struct metrics_addr *)0)->text)];
};

/* ---- pure parts ------------------------------------------------------- */

static int bad_listen(char *err, size_t errlen, const char *s, const char *why)
{
	char q[METRICS_QUOTE];

	txt_escape(q, sizeof(q), s, strlen(s));
	txt_printf(err, errlen, "invalid --metrics-listen value '%s': %s", q, why);
	return -1;
}

/* Strict decimal port 1..65535: no sign, no blank, no trailing junk. */
static int parse_port(const char *s, uint16_t *out)
{
	uint64_t v;

	if (parse_u64(s, 65535, &v) != 0 || v == 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int metrics_parse_listen(const char *s, struct metrics_addr *out, char *err, size_t errlen)
{
	static const char want[] = "expected A.B.C.D:PORT or [IPv6]:PORT";
	const char *host, *port;
	struct addr a;
	uint16_t pn;
	size_t hl;
	int v6;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0')
		return bad_listen(err, errlen, "", want);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL)
			return bad_listen(err, errlen, s, "no ']' after the IPv6 address");
		if (close[1] != ':')
			return bad_listen(err, errlen, s, "no ':PORT' after ']'");
		v6 = 1;
		host = s + 1;
		hl = (size_t)(close - host);
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (colon == NULL)
			return bad_listen(err, errlen, s, want);
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return bad_listen(err, errlen, s, "an IPv6 address goes in brackets: [ADDR]:PORT");
		v6 = 0;
		host = s;
		hl = (size_t)(colon - s);
		port = colon + 1;
	}
	if (hl == 0)
		return bad_listen(err, errlen, s, "no address before the port (use 0.0.0.0 or [::] for every address)");
	if (parse_port(port, &pn) != 0)
		return bad_listen(err, errlen, s, "PORT must be a number from 1 to 65535");
	/* the one address parser (common/parse.h): brackets hold IPv6 only */
	if (parse_addr(host, hl, v6 ? PARSE_IP6 : PARSE_IP4, &a) != 0)
		return bad_listen(err, errlen, s, v6 ? "not a numeric IPv6 address" :
		                  "not a numeric IPv4 address (A.B.C.D; names are not resolved)");
	out->len = addr_to_sockaddr(&a, pn, &out->ss);
	if (out->len == 0)
		return bad_listen(err, errlen, s, want);
	_Static_assert(sizeof(out->text) >= ADDR_PORT_STRLEN, "metrics_addr.text too short");
	addr_fmt_port(out->text, &a, pn);
	return 0;
}

unsigned metrics_route(const char *method, const char *path)
{
	if (path == NULL || strcmp(path, METRICS_PATH) != 0)
		return 404;
	if (method != NULL && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
		return 200;
	return 405;
}

int metrics_render(ctl_answer_fn answer, void *arg, char **out, size_t *len,
                   char *err, size_t errlen)
{
	struct tstat_doc doc;
	char perr[256];
	char *text;
	int rc;

	*out = NULL;
	*len = 0;
	text = answer(arg, CTL_GET);
	if (text == NULL) {
		snprintf(err, errlen, "building the document: out of memory");
		return -1;
	}
	rc = tstat_parse(text, strlen(text), &doc, perr, sizeof(perr));
	free(text);
	if (rc != 0) {
		txt_printf(err, errlen, "the document: %s", perr);
		return -1;
	}
	rc = tstat_render(TSTAT_VIEW_PROM, &doc, TSTAT_MAX_OUTPUT, out, len);
	if (rc != 0) {
		if (errno == EFBIG)
			snprintf(err, errlen, "the exposition of %zu elements is larger than %u bytes",
			         doc.nelems, TSTAT_MAX_OUTPUT);
		else
			snprintf(err, errlen, "formatting: %s", strerror(errno));
	}
	tstat_doc_free(&doc);
	return rc;
}

/* ---- the server ------------------------------------------------------- */

/* libmicrohttpd's own messages (a client over the connection limit, a
 * failed accept): only worth reading when looking for trouble. */
__attribute__((format(printf, 2, 0)))
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_info("metrics: %s", line);
}

/* The 200 response for this metrics_run, built on its first request. */
static struct MHD_Response *current(struct metrics *m)
{
	char err[METRICS_ERRLEN];
	struct MHD_Response *r;
	size_t len;
	char *body;

	if (m->cur != NULL)
		return m->cur;
	if (metrics_render(m->answer, m->arg, &body, &len, err, sizeof(err)) != 0) {
		log_warnx("%s: %s", m->text, err);
		return NULL;
	}
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		log_warnx("%s: response: out of memory", m->text);
		return NULL;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE) != MHD_YES) {
		MHD_destroy_response(r);
		log_warnx("%s: response header: out of memory", m->text);
		return NULL;
	}
	m->cur = r;
	return r;
}

/* libmicrohttpd calls this once the headers are in (*req_cls NULL), then
 * with each piece of a request body, then once the request is complete.
 * 404 and 405 are answered at once, without reading any body (the
 * connection is then closed); /metrics is answered once the request is
 * complete, so the connection can be kept alive for the next scrape.  A
 * GET or HEAD carrying a body is closed without an answer. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
	struct metrics *m = cls;
	struct MHD_Response *r, *tmp = NULL;
	unsigned st = metrics_route(method, url);
	enum MHD_Result rc;

	(void)version;
	(void)upload_data;
	if (st == 200 && *req_cls == NULL) {
		*req_cls = m;           /* headers in: wait for the end */
		return MHD_YES;
	}
	if (st == 200 && *upload_data_size != 0)
		return MHD_NO;
	if (st == 404) {
		r = m->r404;
	} else if (st == 405) {
		r = m->r405;
	} else {
		r = current(m);
		if (r == NULL) {
			st = 500;
			r = tmp = MHD_create_response_from_buffer(sizeof(body_500) - 1, (void *)body_500,
			                                          MHD_RESPMEM_PERSISTENT);
			if (r == NULL)
				return MHD_NO;  /* closes the connection */
		}
	}
	rc = MHD_queue_response(conn, st, r);
	if (tmp != NULL)
		MHD_destroy_response(tmp);
	return rc;
}

static struct MHD_Response *fixed(const char *body, size_t len, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	                                                         MHD_RESPMEM_PERSISTENT);

	if (r == NULL)
		return NULL;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") != MHD_YES ||
	    (allow != NULL && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

static int listen_socket(const struct metrics_addr *a)
{
	int fd, one = 1;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("--metrics-listen %s: socket", a->text);
		return -1;
	}
	/* a restart must not wait for the last run's TIME_WAIT connections */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1) {
		log_warn("--metrics-listen %s: SO_REUSEADDR", a->text);
		close(fd);
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1) {
		log_warn("--metrics-listen %s: bind", a->text);
		close(fd);
		return -1;
	}
	if (listen(fd, METRICS_BACKLOG) == -1) {
		log_warn("--metrics-listen %s: listen", a->text);
		close(fd);
		return -1;
	}
	return fd;
}

struct metrics *metrics_open(const struct metrics_addr *a, ctl_answer_fn answer, void *arg)
{
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct metrics *m;
	int fd;

	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES) {
		log_warnx("--metrics-listen %s: this libmicrohttpd has no epoll support", a->text);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		log_warn("--metrics-listen %s", a->text);
		return NULL;
	}
	m->answer = answer;
	m->arg = arg;
	m->epfd = -1;
	snprintf(m->text, sizeof(m->text), "%s", a->text);
	m->r404 = fixed(body_404, sizeof(body_404) - 1, NULL);
	m->r405 = fixed(body_405, sizeof(body_405) - 1, "GET, HEAD");
	if (m->r404 == NULL || m->r405 == NULL) {
		log_warnx("--metrics-listen %s: out of memory", a->text);
		goto fail;
	}
	fd = listen_socket(a);
	if (fd == -1)
		goto fail;
	if (a->ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* external mode (no MHD_USE_INTERNAL_POLLING_THREAD): metrics_run
	 * does the work, from tcpeek's loop */
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m,
	                        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, (void *)m,
	                        MHD_OPTION_LISTEN_SOCKET, fd,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONN,
	                        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_MAX_PER_IP,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEMORY,
	                        MHD_OPTION_END);
	if (m->d == NULL) {
		log_warnx("--metrics-listen %s: libmicrohttpd did not start", a->text);
		close(fd);
		goto fail;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || info->epoll_fd < 0) {
		log_warnx("--metrics-listen %s: no epoll descriptor from libmicrohttpd", a->text);
		goto fail;
	}
	m->epfd = info->epoll_fd;
	log_info("serving %s on http://%s%s", METRICS_PATH, a->text, METRICS_PATH);
	return m;

fail:
	metrics_close(m);
	return NULL;
}

int metrics_fd(const struct metrics *m)
{
	return m->epfd;
}

void metrics_run(struct metrics *m)
{
	MHD_run(m->d);
	/* the next turn sees new counts: drop our hold on this one's text
	 * (connections still sending it keep their own) */
	if (m->cur != NULL) {
		MHD_destroy_response(m->cur);
		m->cur = NULL;
	}
}

int metrics_next_timeout(const struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(m->d, &t) != MHD_YES)
		return -1;
	return t > INT_MAX ? INT_MAX : (int)t;
}

void metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	/* also closes the listening socket and every connection */
	if (m->d != NULL)
		MHD_stop_daemon(m->d);
	if (m->cur != NULL)
		MHD_destroy_response(m->cur);
	if (m->r404 != NULL)
		MHD_destroy_response(m->r404);
	if (m->r405 != NULL)
		MHD_destroy_response(m->r405);
	free(m);
}
