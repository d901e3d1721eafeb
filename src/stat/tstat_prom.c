/* tcpeekstat -p: see tstat_prom.h and docs/prometheus.md. */
#include "stat/tstat_prom.h"
#include "common/parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

/* Metric names follow Prometheus' conventions: a counter ends in _total,
 * times are in seconds.  `key` is the name derived from the JSON document
 * (section_key, or the histogram's NAME_seconds), `name` what is exposed;
 * a key not in this table (a field of a newer tcpeek) is exposed as it
 * is, untyped (a histogram: typed, with a generic help). */
struct tstat_meta {
	const char *key;
	const char *name;       /* without the tcpeek_ prefix */
	const char *type;
	const char *help;
};

static const struct tstat_meta tstat_metas[] = {
	{ "success_total", "success_total", "counter", "Handshakes completed." },
	{ "success_dupsyn", "success_dupsyn_total", "counter", "Completed handshakes that saw a retransmitted SYN." },
	{ "success_dupsynack", "success_dupsynack_total", "counter", "Completed handshakes that saw a retransmitted SYN/ACK." },
	{ "failure_total", "failure_total", "counter", "Handshakes failed (timeout, reject or unreachable)." },
	{ "failure_timeout", "failure_timeout_total", "counter", "Handshakes that timed out." },
	{ "failure_reject", "failure_reject_total", "counter", "Handshakes rejected by a reset." },
	{ "failure_unreach", "failure_unreach_total", "counter", "Handshakes failed by an ICMP unreachable." },
	{ "failure_dupsyn", "failure_dupsyn_total", "counter", "Failed handshakes that saw a retransmitted SYN." },
	{ "failure_dupsynack", "failure_dupsynack_total", "counter", "Failed handshakes that saw a retransmitted SYN/ACK." },
	{ "abort", "abort_total", "counter", "Handshakes reset by their initiator before completion." },
	{ "open", "open", "gauge", "Handshakes in progress." },
	{ "untracked", "untracked_total", "counter", "SYNs not followed because the session table was full." },
	{ "handshake_seconds", "handshake_seconds", "histogram", "Time from first SYN to completing ACK of completed handshakes." },
	{ "handshake_seconds_max", "handshake_seconds_max", "gauge", "Longest time from first SYN to completing ACK." },
	{ "conn_fin", "conn_fin_total", "counter", "Connections closed by a FIN from both sides." },
	{ "conn_reset_client_before_data", "conn_reset_client_before_data_total", "counter", "Connections reset by the client before any data." },
	{ "conn_reset_client_after_data", "conn_reset_client_after_data_total", "counter", "Connections reset by the client after data." },
	{ "conn_reset_server_before_data", "conn_reset_server_before_data_total", "counter", "Connections reset by the server before any data." },
	{ "conn_reset_server_after_data", "conn_reset_server_after_data_total", "counter", "Connections reset by the server after data." },
	{ "conn_keepalive", "conn_keepalive_total", "counter", "Connections ended after unanswered keepalive probes." },
	{ "conn_half_open", "conn_half_open_total", "counter", "Connections found half-open (one side had lost them)." },
	{ "conn_idle", "conn_idle_total", "counter", "Connections silent for the idle timeout." },
	{ "conn_open", "conn_open", "gauge", "Connections followed now." },
	{ "conn_overflow", "conn_overflow_total", "counter", "Completed handshakes not followed because the connection table was full." },
	{ "conn_keepalive_probes", "conn_keepalive_probes_total", "counter", "Keepalive probes seen on ended connections." },
	{ "conn_keepalive_unanswered", "conn_keepalive_unanswered_total", "counter", "Keepalive probes left unanswered on ended connections." },
	{ "conn_duration_seconds", "conn_duration_seconds", "histogram", "Time from the completed handshake to the end of ended connections." },
	{ "pcap_conn_tracker_open", "conn_tracker_open", "gauge", "Connections followed." },
	{ "pcap_conn_tracker_peak", "conn_tracker_peak", "gauge", "Peak of connections followed." },
	{ "pcap_conn_tracker_overflow", "conn_tracker_overflow_total", "counter", "Completed handshakes not followed because the connection table was full." },
	{ "pcap_conn_tracker_max_connections", "conn_tracker_max_connections", "gauge", "Connection table capacity." },
	{ "pcap_events_written", "events_written_total", "counter", "Lines written to the --events stream." },
	{ "pcap_events_dropped", "events_dropped_total", "counter", "Lines of the --events stream lost (buffer full, write error, reader gone)." },
	{ "pcap_events_pending", "events_pending", "gauge", "Lines of the --events stream waiting for the reader." },
	{ "pcap_recv", "pcap_recv_total", "counter", "Packets received by the capture." },
	{ "pcap_drop", "pcap_drop_total", "counter", "Packets dropped by the capture buffer." },
	{ "pcap_ifdrop", "pcap_ifdrop_total", "counter", "Packets dropped by the interface." },
	{ "tracker_packets", "tracker_packets_total", "counter", "Frames seen by the tracker." },
	{ "tracker_malformed", "tracker_malformed_total", "counter", "Frames that failed to decode." },
	{ "tracker_untracked", "tracker_untracked_total", "counter", "SYNs not tracked because the session table was full." },
	{ "tracker_open", "tracker_open", "gauge", "Sessions open." },
	{ "tracker_peak", "tracker_peak", "gauge", "Peak of sessions open." },
	{ "tracker_max_sessions", "tracker_max_sessions", "gauge", "Session table capacity." },
};

/* What marks a histogram section; the section of the percentiles, of
 * which only the exact max is exposed: a gauge with a quantile label is
 * not what Prometheus expects (promtool says so), and the histogram gives
 * quantiles over any window with histogram_quantile(). */
#define HIST_SUFFIX "_hist_us"
#define QUANT_SECTION "handshake_us"

static const struct tstat_meta *meta_by_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(tstat_metas) / sizeof(tstat_metas[0]); i++)
		if (strcmp(tstat_metas[i].key, key) == 0)
			return &tstat_metas[i];
	return NULL;
}

struct tstat_sample {
	char metric[2 * TSTAT_KEY_MAX + 24];
	char family[2 * TSTAT_KEY_MAX + 24];    /* the group it is printed in */
	const struct tstat_meta *meta;  /* NULL: unknown */
	bool hist;              /* of a histogram (typed so even when unknown) */
	const char *filter;     /* NULL: no filter label */
	const char *xname;      /* "le" or NULL */
	char xval[32];
	char value[32];
};

size_t tstat_prom_escape(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	const char *rep;
	char one[2] = { 0, 0 };

	for (; *in; in++) {
		switch (*in) {
		case '\\': rep = "\\\\"; break;
		case '"': rep = "\\\""; break;
		case '\n': rep = "\\n"; break;
		default: one[0] = *in; rep = one; break;
		}
		for (; *rep; rep++, n++)
			if (cap > 0 && n < cap - 1)
				out[n] = *rep;
	}
	if (cap > 0)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* ---- labels ------------------------------------------------------------ */

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

int tstat_label_add(struct tstat_labels *l, const char *arg, char *err, size_t errlen)
{
	/* quantile: kept for summaries, as Prometheus does */
	static const char *const ours[] = { "filter", "le", "quantile" };
	const char *eq = strchr(arg, '='), *val, *why;
	char q[96], name[TSTAT_LABEL_NAME_MAX], *p;
	size_t nlen, vlen, used, i;

	txt_escape(q, sizeof(q), arg, strlen(arg));
	if (eq == NULL) {
		txt_printf(err, errlen, "--label \"%s\": expected NAME=VALUE", q);
		return -1;
	}
	nlen = (size_t)(eq - arg);
	val = eq + 1;
	vlen = strlen(val);
	if (nlen == 0) {
		txt_printf(err, errlen, "--label \"%s\": empty label name", q);
		return -1;
	}
	if (nlen >= TSTAT_LABEL_NAME_MAX) {
		txt_printf(err, errlen, "--label \"%s\": label name longer than %d bytes",
		           q, TSTAT_LABEL_NAME_MAX - 1);
		return -1;
	}
	for (i = 0; i < nlen; i++) {
		if (!name_char(arg[i], i == 0)) {
			txt_printf(err, errlen, "--label \"%s\": a label name is letters, digits"
			           " and '_', not starting with a digit", q);
			return -1;
		}
	}
	memcpy(name, arg, nlen);
	name[nlen] = '\0';
	if (strncmp(name, "__", 2) == 0) {
		txt_printf(err, errlen, "--label \"%s\": names starting with __ are reserved"
		           " for Prometheus", q);
		return -1;
	}
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		if (strcmp(name, ours[i]) == 0) {
			txt_printf(err, errlen, "--label \"%s\": tcpeekstat sets the label %s itself",
			           q, name);
			return -1;
		}
	}
	for (i = 0; i < l->n; i++) {
		if (strcmp(name, l->name[i]) == 0) {
			txt_printf(err, errlen, "--label \"%s\": label %s given twice", q, name);
			return -1;
		}
	}
	if (l->n == TSTAT_MAX_LABELS) {
		txt_printf(err, errlen, "--label \"%s\": more than %d labels", q, TSTAT_MAX_LABELS);
		return -1;
	}
	if (vlen == 0) {
		txt_printf(err, errlen, "--label \"%s\": empty value (the same as no label)", q);
		return -1;
	}
	if (vlen > TSTAT_LABEL_VALUE_MAX) {
		txt_printf(err, errlen, "--label \"%s\": value longer than %d bytes",
		           q, TSTAT_LABEL_VALUE_MAX);
		return -1;
	}
	if (txt_check(val, vlen, &why) != 0) {
		txt_printf(err, errlen, "--label \"%s\": value %s", q, why);
		return -1;
	}
	/* fits: text is sized for TSTAT_MAX_LABELS of the longest */
	used = strlen(l->text);
	p = l->text + used;
	used += (size_t)snprintf(p, sizeof(l->text) - used, "%s%s=\"", l->n ? "," : "", name);
	used += tstat_prom_escape(l->text + used, sizeof(l->text) - used, val);
	snprintf(l->text + used, sizeof(l->text) - used, "\"");
	memcpy(l->name[l->n++], name, nlen + 1);
	return 0;
}

/* ---- histograms -------------------------------------------------------- */

/* N of a key le_N: decimal digits only, within uint64. */
static bool le_bound(const char *key, uint64_t *n)
{
	return strncmp(key, "le_", 3) == 0 && parse_u64(key + 3, UINT64_MAX, n) == 0;
}

static bool is_hist(const char *section)
{
	size_t n = strlen(section), s = strlen(HIST_SUFFIX);

	return n > s && strcmp(section + n - s, HIST_SUFFIX) == 0;
}

/* Is section (a histogram) of e well formed?  If not, a reason in err. */
static bool hist_ok(const struct tstat_elem *e, const char *section, char *err, size_t errlen)
{
	uint64_t bound = 0, n, last = 0;
	bool any = false, has_count = false, has_sum = false;
	char fq[80];
	size_t i;

	txt_escape(fq, sizeof(fq), e->name, strlen(e->name));
	for (i = 0; i < e->nitems; i++) {
		const struct tstat_item *it = &e->items[i];

		if (strcmp(it->section, section) != 0)
			continue;
		if (le_bound(it->key, &n)) {
			if (has_count || (any && n <= bound)) {
				txt_printf(err, errlen, "filter \"%s\": %s.%s: bounds must increase"
				           " and come before count", fq, section, it->key);
				return false;
			}
			if (it->value < last) {
				txt_printf(err, errlen, "filter \"%s\": %s.%s: %" PRIu64 " is less than"
				           " the bucket before (%" PRIu64 "), counts must be cumulative",
				           fq, section, it->key, it->value, last);
				return false;
			}
			any = true;
			bound = n;
			last = it->value;
		} else if (strcmp(it->key, "count") == 0) {
			if (has_count || it->value < last) {
				txt_printf(err, errlen, "filter \"%s\": %s.count: %s", fq, section,
				           has_count ? "given twice" : "less than the last bucket");
				return false;
			}
			has_count = true;
		} else if (strcmp(it->key, "sum") == 0) {
			if (has_sum) {
				txt_printf(err, errlen, "filter \"%s\": %s.sum: given twice", fq, section);
				return false;
			}
			has_sum = true;
		}
		/* any other key: an addition of a newer tcpeek, left out */
	}
	if (!has_count || !has_sum) {
		txt_printf(err, errlen, "filter \"%s\": %s: no %s", fq, section,
		           has_count ? "sum" : "count");
		return false;
	}
	return true;
}

int tstat_prom_check(const struct tstat_doc *doc, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < doc->nelems; i++) {
		const struct tstat_elem *e = &doc->elems[i];
		const char *sect = NULL;

		if (e->is_pcap)
			continue;
		for (j = 0; j < e->nitems; j++) {
			const char *s = e->items[j].section;

			if (!is_hist(s) || (sect != NULL && strcmp(sect, s) == 0))
				continue;
			sect = s;
			if (!hist_ok(e, s, err, errlen))
				return -1;
		}
	}
	return 0;
}

/* µs as seconds, exactly (no float rounding); trimmed: "0.00025", "1". */
static void seconds(char *out, size_t cap, uint64_t us, bool trim)
{
	size_t n;

	snprintf(out, cap, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
	if (!trim)
		return;
	n = strlen(out);
	while (out[n - 1] == '0')
		out[--n] = '\0';
	if (out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* ---- samples ----------------------------------------------------------- */

/* Append a sample of the family derived from the document as KEY; SUFFIX
 * ("", "_bucket", "_sum", "_count") names its series.  The array was
 * sized for two samples per item. */
static void add_sample(struct tstat_sample *s, size_t *n, const char *key, bool hist,
                       const char *suffix, const char *filter, const char *xname,
                       const char *xval, const char *value)
{
	const struct tstat_meta *m = meta_by_key(key);
	struct tstat_sample *t = &s[(*n)++];

	t->meta = m;
	t->hist = hist;
	snprintf(t->family, sizeof(t->family), "%s", m ? m->name : key);
	snprintf(t->metric, sizeof(t->metric), "%s%s", t->family, suffix);
	t->filter = filter;
	t->xname = xname;
	snprintf(t->xval, sizeof(t->xval), "%s", xval ? xval : "");
	snprintf(t->value, sizeof(t->value), "%s", value);
}

/* One item of a histogram section (already checked). */
static void hist_sample(struct tstat_sample *s, size_t *n, const struct tstat_item *it,
                        const char *filter)
{
	char family[2 * TSTAT_KEY_MAX + 24], le[32], val[32];
	size_t base = strlen(it->section) - strlen(HIST_SUFFIX);
	uint64_t bound;

	snprintf(family, sizeof(family), "%.*s_seconds", (int)base, it->section);
	snprintf(val, sizeof(val), "%" PRIu64, it->value);
	if (le_bound(it->key, &bound)) {
		seconds(le, sizeof(le), bound, true);
		add_sample(s, n, family, true, "_bucket", filter, "le", le, val);
	} else if (strcmp(it->key, "count") == 0) {
		add_sample(s, n, family, true, "_bucket", filter, "le", "+Inf", val);
		add_sample(s, n, family, true, "_count", filter, NULL, NULL, val);
	} else if (strcmp(it->key, "sum") == 0) {
		seconds(val, sizeof(val), it->value, false);
		add_sample(s, n, family, true, "_sum", filter, NULL, NULL, val);
	}
}

/* The samples of one element, in document order. */
static void elem_samples(const struct tstat_elem *e, struct tstat_sample *s, size_t *n)
{
	char metric[2 * TSTAT_KEY_MAX + 16], val[32], err[8];
	const char *filter = e->is_pcap ? NULL : e->name, *bad = NULL;
	size_t i;

	for (i = 0; i < e->nitems; i++) {
		const struct tstat_item *it = &e->items[i];

		snprintf(val, sizeof(val), "%" PRIu64, it->value);
		if (e->is_pcap) {
			if (strcmp(it->section, "stats") == 0)
				snprintf(metric, sizeof(metric), "pcap_%s", it->key);
			else if (strcmp(it->section, "tracker") == 0)
				snprintf(metric, sizeof(metric), "tracker_%s", it->key);
			else if (*it->section)
				snprintf(metric, sizeof(metric), "pcap_%s_%s", it->section, it->key);
			else
				snprintf(metric, sizeof(metric), "pcap_%s", it->key);
		} else if (is_hist(it->section)) {
			/* a broken histogram is left out (tstat_prom_check says why) */
			if (bad != NULL && strcmp(bad, it->section) == 0)
				continue;
			if (i == 0 || strcmp(e->items[i - 1].section, it->section) != 0) {
				if (!hist_ok(e, it->section, err, sizeof(err))) {
					bad = it->section;
					continue;
				}
			}
			hist_sample(s, n, it, filter);
			continue;
		} else if (strcmp(it->section, QUANT_SECTION) == 0) {
			if (strcmp(it->key, "max") != 0)
				continue;       /* percentiles (see above) */
			seconds(val, sizeof(val), it->value, false);
			snprintf(metric, sizeof(metric), "handshake_seconds_max");
		} else if (*it->section && strcmp(it->section, "other") != 0) {  /* other.X: as bare X was */
			snprintf(metric, sizeof(metric), "%s_%s", it->section, it->key);
		} else {
			snprintf(metric, sizeof(metric), "%s", it->key);
		}
		add_sample(s, n, metric, false, "", filter, NULL, NULL, val);
	}
}

static void put_meta(FILE *f, const struct tstat_sample *s)
{
	if (s->meta != NULL) {
		fprintf(f, "# HELP tcpeek_%s %s\n", s->family, s->meta->help);
		fprintf(f, "# TYPE tcpeek_%s %s\n", s->family, s->meta->type);
		return;
	}
	/* a value this tcpeekstat does not know (newer tcpeek) */
	fprintf(f, "# HELP tcpeek_%s tcpeek value %s.\n", s->family, s->family);
	fprintf(f, "# TYPE tcpeek_%s %s\n", s->family, s->hist ? "histogram" : "untyped");
}

static int put_sample(FILE *f, const struct tstat_sample *s, const struct tstat_labels *l)
{
	const char *sep = "{";
	size_t need;
	char *esc;

	fprintf(f, "tcpeek_%s", s->metric);
	if (s->filter != NULL) {
		need = tstat_prom_escape(NULL, 0, s->filter);
		esc = malloc(need + 1);
		if (esc == NULL)
			return -1;
		tstat_prom_escape(esc, need + 1, s->filter);
		fprintf(f, "%sfilter=\"%s\"", sep, esc);
		free(esc);
		sep = ",";
	}
	if (l != NULL && l->n > 0) {
		fprintf(f, "%s%s", sep, l->text);
		sep = ",";
	}
	if (s->xname != NULL) {
		fprintf(f, "%s%s=\"%s\"", sep, s->xname, s->xval);
		sep = ",";
	}
	fprintf(f, "%s %s\n", *sep == ',' ? "}" : "", s->value);
	return 0;
}

/* Samples in print order: by family, then document order. */
struct tstat_ref {
	const struct tstat_sample *s;
	size_t idx;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct tstat_ref *x = a, *y = b;
	int c = strcmp(x->s->family, y->s->family);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* A family: its samples are refs[first .. first + n). */
struct tstat_group {
	size_t seen;            /* index of its first sample in the document */
	size_t first, n;
};

static int group_cmp(const void *a, const void *b)
{
	const struct tstat_group *x = a, *y = b;

	return x->seen < y->seen ? -1 : x->seen > y->seen;
}

int tstat_fmt_prom(FILE *f, const struct tstat_doc *doc, const struct tstat_labels *labels)
{
	struct tstat_sample *s = NULL;
	struct tstat_ref *refs = NULL;
	struct tstat_group *groups = NULL;
	size_t n = 0, cap = 0, ngroups = 0, i, j;
	int rc = -1;

	/* at most two samples per item (a histogram's count: +Inf, _count) */
	for (i = 0; i < doc->nelems; i++)
		cap += 2 * doc->elems[i].nitems;
	s = calloc(cap ? cap : 1, sizeof(*s));
	if (s == NULL)
		return -1;
	for (i = 0; i < doc->nelems; i++)
		elem_samples(&doc->elems[i], s, &n);
	/* the format wants all samples of a metric in one group: families in
	 * the order first seen, each followed by its samples in order.  Sorted,
	 * not searched, so an answer with many distinct keys costs n log n. */
	refs = calloc(n ? n : 1, sizeof(*refs));
	groups = calloc(n ? n : 1, sizeof(*groups));
	if (refs == NULL || groups == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		refs[i].s = &s[i];
		refs[i].idx = i;
	}
	qsort(refs, n, sizeof(*refs), ref_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(refs[j].s->family, refs[i].s->family) == 0; j++)
			;
		groups[ngroups].seen = refs[i].idx;
		groups[ngroups].first = i;
		groups[ngroups++].n = j - i;
	}
	qsort(groups, ngroups, sizeof(*groups), group_cmp);
	for (i = 0; i < ngroups; i++) {
		put_meta(f, refs[groups[i].first].s);
		for (j = 0; j < groups[i].n; j++)
			if (put_sample(f, refs[groups[i].first + j].s, labels) == -1)
				goto out;
	}
	rc = 0;
out:
	free(groups);
	free(refs);
	free(s);
	return rc;
}
