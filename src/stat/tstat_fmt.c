#include "stat/tstat_fmt.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
	{ "ABORT", "", "abort", false },
	{ "OPEN", "", "open", false },
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
 * ("" or "_count") names a series of the same family. */
static int add_sample(struct tstat_sample **s, size_t *n, const char *key,
                      const char *suffix, const char *filter, const char *quantile,
                      const char *value)
{
	struct tstat_sample *t = realloc(*s, (*n + 1) * sizeof(**s));
	const struct tstat_meta *m = meta_by_key(key);

	if (t == NULL)
		return -1;
	*s = t;
	t = &t[(*n)++];
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
		} else if (*it->section) {
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

int tstat_fmt_prom(FILE *f, const struct tstat_doc *doc)
{
	struct tstat_sample *s = NULL;
	size_t n = 0, i, j, k;

	for (i = 0; i < doc->nelems; i++) {
		if (elem_samples(&doc->elems[i], &s, &n) == -1) {
			free(s);
			return -1;
		}
	}
	/* the format wants all samples of a metric in one group: families in
	 * the order first seen, each followed by its samples in order */
	for (i = 0; i < n; i++) {
		for (k = 0; k < i && strcmp(s[k].family, s[i].family) != 0; k++)
			;
		if (k < i)
			continue;       /* already printed with its group */
		put_meta(f, &s[i]);
		for (j = i; j < n; j++)
			if (strcmp(s[j].family, s[i].family) == 0 && put_sample(f, &s[j]) == -1) {
				free(s);
				return -1;
			}
	}
	free(s);
	return 0;
}
