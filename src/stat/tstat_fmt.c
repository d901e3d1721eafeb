#include "stat/tstat_fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- plain (the original's) ------------------------------------------ */

#define PLAIN_RULE "----------------------------\n"       /* 28 '-' */

void tstat_fmt_plain(FILE *f, const struct tstat_doc *doc)
{
	size_t i, j;

	fputs("====== TCPEEK SUMMARY ======\n", f);
	for (i = 0; i < doc->nelems; i++) {
		const struct tstat_elem *e = &doc->elems[i];
		const char *sect = NULL;

		/* names were checked by tstat_parse: UTF-8, no control character */
		fprintf(f, PLAIN_RULE " %s\n" PLAIN_RULE, e->name);
		for (j = 0; j < e->nitems; j++) {
			const struct tstat_item *it = &e->items[j];

			/* a bare integer (an older document) sits under no header */
			if (*it->section && (sect == NULL || strcmp(sect, it->section) != 0))
				fprintf(f, " %s\n", it->section);
			sect = it->section;
			fprintf(f, "     %-10s %10" PRIu64 "\n", it->key, it->value);
		}
	}
	fputs("============================\n", f);                /* 28 '=' */
}

/* ---- table ------------------------------------------------------------ */

struct tstat_col {
	const char *title;
	const char *section;
	const char *key;
	bool ms;                /* µs value shown as milliseconds */
};

static const struct tstat_col tstat_cols[] = {
	{ "SUCCESS", "success", "total", false },
	{ "DUPSYN", "success", "dupsyn", false },
	{ "DUPSYNACK", "success", "dupsynack", false },
	{ "FAILURE", "failure", "total", false },
	{ "TIMEOUT", "failure", "timeout", false },
	{ "REJECT", "failure", "reject", false },
	{ "UNREACH", "failure", "unreach", false },
	{ "ABORT", "other", "abort", false },
	{ "OPEN", "other", "open", false },
	{ "P50(ms)", "handshake_us", "p50", true },
	{ "P99(ms)", "handshake_us", "p99", true },
};
#define TSTAT_NCOLS (sizeof(tstat_cols) / sizeof(tstat_cols[0]))

/* Filter names are shown as given, except bytes that would break the
 * line (control characters). */
static void put_name(FILE *f, const char *name, int width)
{
	int n = 0;

	for (; *name; name++, n++)
		fputc((unsigned char)*name < 0x20 || *name == 0x7f ? '?' : *name, f);
	for (; n < width; n++)
		fputc(' ', f);
}

void tstat_fmt_table(FILE *f, const struct tstat_doc *doc)
{
	char cell[32];
	int width = 6;
	size_t i, c, j;
	uint64_t v;

	for (i = 0; i < doc->nelems; i++)
		if (!doc->elems[i].is_pcap && (int)strlen(doc->elems[i].name) > width)
			width = (int)strlen(doc->elems[i].name);
	fprintf(f, "%-*s", width, "FILTER");
	for (c = 0; c < TSTAT_NCOLS; c++)
		fprintf(f, " %10s", tstat_cols[c].title);
	fputc('\n', f);
	for (i = 0; i < doc->nelems; i++) {
		const struct tstat_elem *e = &doc->elems[i];

		if (e->is_pcap)
			continue;
		put_name(f, e->name, width);
		for (c = 0; c < TSTAT_NCOLS; c++) {
			const struct tstat_col *col = &tstat_cols[c];

			if (!tstat_get(e, col->section, col->key, &v))
				snprintf(cell, sizeof(cell), "-");     /* older tcpeek */
			else if (col->ms)
				snprintf(cell, sizeof(cell), "%" PRIu64 ".%03" PRIu64,
				         v / 1000, v % 1000);
			else
				snprintf(cell, sizeof(cell), "%" PRIu64, v);
			fprintf(f, " %10s", cell);
		}
		fputc('\n', f);
	}
	for (i = 0; i < doc->nelems; i++) {
		const struct tstat_elem *e = &doc->elems[i];
		const char *sect = NULL;

		if (!e->is_pcap)
			continue;
		for (j = 0; j < e->nitems; j++) {
			if (sect == NULL || strcmp(sect, e->items[j].section) != 0) {
				if (sect != NULL)
					fputc('\n', f);
				sect = e->items[j].section;
				fprintf(f, "pcap%s%s:", *sect ? " " : "", sect);
			}
			fprintf(f, " %s %" PRIu64, e->items[j].key, e->items[j].value);
		}
		if (sect != NULL)
			fputc('\n', f);
	}
}

/* ---- Prometheus ------------------------------------------------------- */

/* Metric names follow Prometheus' conventions: a counter ends in _total,
 * the handshake-time quantiles are a summary whose _count is the number of
 * completed handshakes.  `key` is the name derived from the JSON document
 * (section_key), `name` what is exposed; a key not in this table (a field
 * of a newer tcpeek) is exposed as it is, untyped. */
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
	{ "handshake_seconds", "handshake_seconds", "summary", "Time from first SYN to completing ACK of completed handshakes." },
	{ "handshake_seconds_max", "handshake_seconds_max", "gauge", "Longest time from first SYN to completing ACK." },
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

static const struct tstat_meta *meta_by_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(tstat_metas) / sizeof(tstat_metas[0]); i++)
		if (strcmp(tstat_metas[i].key, key) == 0)
			return &tstat_metas[i];
	return NULL;
}

struct tstat_sample {
	char metric[2 * 32 + 24];
	char family[2 * 32 + 24];       /* the group it is printed in */
	const struct tstat_meta *meta;  /* NULL: unknown, untyped */
	const char *filter;     /* NULL: no filter label */
	char quantile[24];      /* "" when none */
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

/* The percentile keys of handshake_us and their quantile labels. */
static bool quantile_of(const char *key, char *q, size_t qcap)
{
	static const char *const map[][2] = {
		{ "p50", "0.5" }, { "p90", "0.9" }, { "p99", "0.99" }, { "p999", "0.999" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(key, map[i][0]) == 0) {
			snprintf(q, qcap, "%s", map[i][1]);
			return true;
		}
	}
	return false;
}

/* Append a sample of the metric derived from the document as KEY; SUFFIX
 * ("" or "_count") names a series of the same family.  The array was sized
 * for every item plus one _count per element. */
static int add_sample(struct tstat_sample **s, size_t *n, const char *key,
                      const char *suffix, const char *filter, const char *quantile,
                      const char *value)
{
	const struct tstat_meta *m = meta_by_key(key);
	struct tstat_sample *t = &(*s)[(*n)++];

	t->meta = m;
	snprintf(t->family, sizeof(t->family), "%s", m ? m->name : key);
	snprintf(t->metric, sizeof(t->metric), "%s%s", t->family, suffix);
	t->filter = filter;
	snprintf(t->quantile, sizeof(t->quantile), "%s", quantile);
	snprintf(t->value, sizeof(t->value), "%s", value);
	return 0;
}

/* The samples of one element, in document order. */
static int elem_samples(const struct tstat_elem *e, struct tstat_sample **s, size_t *n)
{
	char metric[2 * 32 + 16], val[32], q[24];
	size_t successes = SIZE_MAX;    /* sample of success.total: the summary's _count */
	bool quantiles = false;
	size_t i;

	for (i = 0; i < e->nitems; i++) {
		const struct tstat_item *it = &e->items[i];
		const char *filter = e->is_pcap ? NULL : e->name;

		snprintf(val, sizeof(val), "%" PRIu64, it->value);
		q[0] = '\0';
		if (e->is_pcap) {
			if (strcmp(it->section, "stats") == 0)
				snprintf(metric, sizeof(metric), "pcap_%s", it->key);
			else if (strcmp(it->section, "tracker") == 0)
				snprintf(metric, sizeof(metric), "tracker_%s", it->key);
			else if (*it->section)
				snprintf(metric, sizeof(metric), "pcap_%s_%s", it->section, it->key);
			else
				snprintf(metric, sizeof(metric), "pcap_%s", it->key);
		} else if (strcmp(it->section, "handshake_us") == 0) {
			/* microseconds to seconds, exactly, without float rounding */
			snprintf(val, sizeof(val), "%" PRIu64 ".%06" PRIu64,
			         it->value / 1000000, it->value % 1000000);
			if (strcmp(it->key, "max") == 0) {
				snprintf(metric, sizeof(metric), "handshake_seconds_max");
			} else if (quantile_of(it->key, q, sizeof(q))) {
				snprintf(metric, sizeof(metric), "handshake_seconds");
				quantiles = true;
			} else {
				continue;       /* an addition we do not know */
			}
		} else if (*it->section && strcmp(it->section, "other") != 0) {  /* other.X: as bare X was */
			snprintf(metric, sizeof(metric), "%s_%s", it->section, it->key);
		} else {
			snprintf(metric, sizeof(metric), "%s", it->key);
		}
		if (add_sample(s, n, metric, "", filter, q, val) == -1)
			return -1;
		if (!e->is_pcap && strcmp(metric, "success_total") == 0)
			successes = *n - 1;
	}
	/* The quantiles describe the completed handshakes: say how many. */
	if (quantiles && successes != SIZE_MAX) {
		snprintf(val, sizeof(val), "%s", (*s)[successes].value);
		if (add_sample(s, n, "handshake_seconds", "_count", e->name, "", val) == -1)
			return -1;
	}
	return 0;
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
	fprintf(f, "# TYPE tcpeek_%s untyped\n", s->family);
}

static int put_sample(FILE *f, const struct tstat_sample *s)
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
	if (s->quantile[0] != '\0') {
		fprintf(f, "%squantile=\"%s\"", sep, s->quantile);
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

int tstat_fmt_prom(FILE *f, const struct tstat_doc *doc)
{
	struct tstat_sample *s = NULL;
	struct tstat_ref *refs = NULL;
	struct tstat_group *groups = NULL;
	size_t n = 0, cap = 0, ngroups = 0, i, j;
	int rc = -1;

	for (i = 0; i < doc->nelems; i++)
		cap += doc->elems[i].nitems + 1;
	s = calloc(cap ? cap : 1, sizeof(*s));
	if (s == NULL)
		return -1;
	for (i = 0; i < doc->nelems; i++)
		if (elem_samples(&doc->elems[i], &s, &n) == -1)
			goto out;
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
			if (put_sample(f, refs[groups[i].first + j].s) == -1)
				goto out;
	}
	rc = 0;
out:
	free(groups);
	free(refs);
	free(s);
	return rc;
}

/* ---- bounded output ---------------------------------------------------- */

/* A memory stream that stops at max bytes. */
struct tstat_buf {
	char *data;
	size_t len, cap, max;
	bool full;              /* a write went past max */
};

static ssize_t buf_write(void *cookie, const char *data, size_t size)
{
	struct tstat_buf *b = cookie;
	size_t cap;
	char *t;

	if (b->full || size > b->max - b->len) {
		b->full = true;
		return 0;       /* an error: the stream stops taking text */
	}
	if (b->len + size > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + size)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		t = realloc(b->data, cap);
		if (t == NULL)
			return 0;
		b->data = t;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, size);
	b->len += size;
	return (ssize_t)size;
}

static int buf_close(void *cookie)
{
	(void)cookie;
	return 0;
}

int tstat_render(enum tstat_view v, const struct tstat_doc *doc, size_t max,
                 char **out, size_t *len)
{
	static const cookie_io_functions_t io = { .write = buf_write, .close = buf_close };
	struct tstat_buf b = { .max = max };
	FILE *f = fopencookie(&b, "w", io);
	int rc = 0;

	*out = NULL;
	*len = 0;
	if (f == NULL)
		return -1;
	if (v == TSTAT_VIEW_PROM)
		rc = tstat_fmt_prom(f, doc);
	else if (v == TSTAT_VIEW_PLAIN)
		tstat_fmt_plain(f, doc);
	else
		tstat_fmt_table(f, doc);
	if (fclose(f) != 0 || rc != 0 || b.full) {
		free(b.data);
		errno = b.full ? EFBIG : ENOMEM;
		return -1;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}
