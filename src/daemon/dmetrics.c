/* synscoped's /metrics (see metrics.h). */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "daemon/dmetrics.h"
#include "peek/metrics.h"
#include "net/pkt.h"
#include "sys/log.h"

struct dmetrics {
	struct MHD_Daemon *mhd;
	struct evl *loop;
	struct dmn *d;
	struct evl_io io;
	struct evl_timer tm;
};

/* ---- the text ---------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap * 2 + (size_t)n + 1;
			char *np = realloc(b->p, cap);

			if (np == NULL) {
				b->oom = 1;
				return;
			}
			b->p = np;
			b->cap = cap;
		}
	}
}

/* Label values: interface names may hold '"' or '\' (the kernel allows
 * them); Prometheus wants them escaped. */
static void labels(char *out, size_t cap, const struct dtarget *t)
{
	char a[ADDR_STRLEN], v[ADDR_STRLEN], esc[40];
	size_t j = 0;

	for (const char *s = t->et.spec.iface; *s && j + 2 < sizeof(esc); s++) {
		if (*s == '"' || *s == '\\')
			esc[j++] = '\\';
		esc[j++] = *s;
	}
	esc[j] = '\0';
	snprintf(out, cap, "iface=\"%s\",real_server=\"%s\",vip=\"%s\",port=\"%u\"", esc,
	         addr_fmt(a, &t->et.spec.rs_ip), addr_fmt(v, &t->et.spec.vip), t->et.spec.port);
}

char *dmetrics_text(struct dmn *d, size_t *len)
{
	struct sbuf b = { malloc(65536), 0, 65536, 0 };
	size_t n = dmn_count(d);
	char l[256];               /* labels(): at most 38 + 39 + 2 * 45 + 5 */
	const struct dmn_sched_stats *ss = dmn_sched(d);
	const struct eng_stats *es = dmn_eng_stats(d);

	if (b.p == NULL)
		return NULL;
	sb_add(&b, "# HELP synscoped_target_up 1 when the target is UP (rise successes in a row), else 0.\n"
	           "# TYPE synscoped_target_up gauge\n");
	for (size_t i = 0; i < n; i++) {
		const struct dtarget *t = dmn_target(d, i);

		labels(l, sizeof(l), t);
		sb_add(&b, "synscoped_target_up{%s} %d\n", l, t->h.state == TS_UP);
	}
	sb_add(&b, "# HELP synscoped_target_known 0 while the target is UNKNOWN (not yet rise successes nor fall failures in a row), else 1.\n"
	           "# TYPE synscoped_target_known gauge\n");
	for (size_t i = 0; i < n; i++) {
		const struct dtarget *t = dmn_target(d, i);

		labels(l, sizeof(l), t);
		sb_add(&b, "synscoped_target_known{%s} %d\n", l, t->h.state != TS_UNKNOWN);
	}
	sb_add(&b, "# HELP synscoped_checks_total Checks finished, by outcome (check_tcp_raw's outcome names).\n"
	           "# TYPE synscoped_checks_total counter\n");
	for (size_t i = 0; i < n; i++) {
		const struct dtarget *t = dmn_target(d, i);

		labels(l, sizeof(l), t);
		for (int k = 1; k < CHK_OUT_COUNT; k++)
			if (t->counts[k])
				sb_add(&b, "synscoped_checks_total{%s,outcome=\"%s\"} %u\n", l,
				       chk_outcome_str((enum chk_outcome)k), t->counts[k]);
	}
	sb_add(&b, "# HELP synscoped_check_rtt_seconds Handshake round-trip time of checks that got a SYN/ACK (or connected).\n"
	           "# TYPE synscoped_check_rtt_seconds histogram\n");
	for (size_t i = 0; i < n; i++) {
		const struct dtarget *t = dmn_target(d, i);
		uint64_t cum = 0;

		labels(l, sizeof(l), t);
		for (int k = 0; k < DMN_RTT_BUCKETS; k++) {
			cum += t->rtt_hist[k];
			sb_add(&b, "synscoped_check_rtt_seconds_bucket{%s,le=\"%g\"} %llu\n", l,
			       dmn_rtt_le_us[k] / 1e6, (unsigned long long)cum);
		}
		sb_add(&b, "synscoped_check_rtt_seconds_bucket{%s,le=\"+Inf\"} %u\n", l, t->rtt_count);
		sb_add(&b, "synscoped_check_rtt_seconds_sum{%s} %.6f\n", l, t->rtt_sum_us / 1e6);
		sb_add(&b, "synscoped_check_rtt_seconds_count{%s} %u\n", l, t->rtt_count);
	}
	sb_add(&b, "# HELP synscoped_targets Targets in the running configuration.\n"
	           "# TYPE synscoped_targets gauge\nsynscoped_targets %zu\n", n);
	sb_add(&b, "# HELP synscoped_replies_rejected_total Frames dropped before reaching a check: forged (keyed ISN wrong) or stale (no check in flight).\n"
	           "# TYPE synscoped_replies_rejected_total counter\n"
	           "synscoped_replies_rejected_total{reason=\"forged\"} %llu\n"
	           "synscoped_replies_rejected_total{reason=\"stale\"} %llu\n",
	       (unsigned long long)es->rx_forged, (unsigned long long)es->rx_stale);
	sb_add(&b, "# HELP synscoped_checks_overran_total Checks that outlasted their interval (the next one started late).\n"
	           "# TYPE synscoped_checks_overran_total counter\nsynscoped_checks_overran_total %llu\n",
	       (unsigned long long)ss->overran);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/* ---- HTTP -------------------------------------------------------------- */

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **con_cls)
{
	struct dmetrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned int status;
	char *text;
	size_t len = 0;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)con_cls;
	status = metrics_route(method, url);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
		static const char msg[] = "only GET\n";

		r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		if (r != NULL)
			MHD_add_response_header(r, "Allow", "GET, HEAD");
	} else if (status != MHD_HTTP_OK) {
		static const char msg[] = "see /metrics\n";

		r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
	} else if ((text = dmetrics_text(m->d, &len)) == NULL) {
		static const char msg[] = "out of memory\n";

		r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	} else {
		r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		if (r != NULL)
			MHD_add_response_header(r, "Content-Type", METRICS_CONTENT_TYPE);
		else
			free(text);
	}
	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void arm(struct dmetrics *m, uint64_t now)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES)
		(void)evl_timer_set(m->loop, &m->tm, now + (uint64_t)ms * 1000u);
	else
		evl_timer_cancel(m->loop, &m->tm);
}

static void on_io(struct evl_io *io, uint32_t events, uint64_t now)
{
	struct dmetrics *m = (struct dmetrics *)((char *)io - offsetof(struct dmetrics, io));

	(void)events;
	MHD_run(m->mhd);
	arm(m, now);
}

static void on_timer(struct evl_timer *t, uint64_t now)
{
	struct dmetrics *m = (struct dmetrics *)((char *)t - offsetof(struct dmetrics, tm));

	MHD_run(m->mhd);
	arm(m, now);
}

struct dmetrics *dmetrics_open(const char *listen, struct evl *loop, struct dmn *d)
{
	struct metrics_addr addr;
	struct dmetrics *m;
	char err[METRICS_ERRLEN];
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (metrics_parse_listen(listen, &addr, err, sizeof(err)) != 0) {
		log_warnx("--metrics-listen: %s", err);
		return NULL;
	}
	if (addr.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->loop = loop;
	m->d = d;
	m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, m,
	                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr.ss,
	                          MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)METRICS_BACKLOG,
	                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONN,
	                          MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_MAX_PER_IP,
	                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
	                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEMORY,
	                          MHD_OPTION_END);
	if (m->mhd == NULL) {
		log_warnx("--metrics-listen %s: cannot listen (address in use, or not ours?)", addr.text);
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	m->io.fd = info ? info->epoll_fd : -1;
	m->io.fn = on_io;
	m->tm.fn = on_timer;
	if (m->io.fd < 0 || evl_io_add(loop, &m->io, EPOLLIN) != 0) {
		log_warnx("--metrics-listen %s: no epoll descriptor", addr.text);
		MHD_stop_daemon(m->mhd);
		free(m);
		return NULL;
	}
	return m;
}

void dmetrics_close(struct dmetrics *m)
{
	if (m == NULL)
		return;
	evl_timer_cancel(m->loop, &m->tm);
	evl_io_del(m->loop, &m->io);
	MHD_stop_daemon(m->mhd);
	free(m);
}
