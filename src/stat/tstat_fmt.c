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

/* Added when a filter has a "conn" section (tcpeek --track-established);
 * a reset column is the sum of its four kinds. */
static const struct tstat_col tstat_conn_cols[] = {
	{ "FIN", "conn", "fin", false },
	{ "RESET", "conn", "reset_", false },
	{ "KEEPALIVE", "conn", "keepalive", false },
	{ "HALFOPEN", "conn", "half_open", false },
	{ "IDLE", "conn", "idle", false },
	{ "CONNOPEN", "conn", "open", false },
};
#define TSTAT_NCONN (sizeof(tstat_conn_cols) / sizeof(tstat_conn_cols[0]))

/* The value of a column; a key ending in '_' sums the section's keys
 * that start with it. */
static bool col_get(const struct tstat_elem *e, const struct tstat_col *col, uint64_t *v)
{
	size_t n = strlen(col->key), i;
	bool any = false;

	if (n == 0 || col->key[n - 1] != '_')
		return tstat_get(e, col->section, col->key, v);
	*v = 0;
	for (i = 0; i < e->nitems; i++)
		if (strcmp(e->items[i].section, col->section) == 0 &&
		    strncmp(e->items[i].key, col->key, n) == 0) {
			*v += e->items[i].value;
			any = true;
		}
	return any;
}

/* Filter names are shown as given: the document's scan admitted only
 * clean UTF-8 names without control characters (txt_check). */
static void put_name(FILE *f, const char *name, int width)
{
	fprintf(f, "%-*s", width, name);
}

void tstat_fmt_table(FILE *f, const struct tstat_doc *doc)
{
	char cell[32];
	int width = 6;
	size_t i, c, j, ncols = TSTAT_NCOLS;
	uint64_t v;
	const struct tstat_col *cols[TSTAT_NCOLS + TSTAT_NCONN];

	for (c = 0; c < TSTAT_NCOLS; c++)
		cols[c] = &tstat_cols[c];
	for (i = 0; i < doc->nelems; i++) {
		if (!doc->elems[i].is_pcap && (int)strlen(doc->elems[i].name) > width)
			width = (int)strlen(doc->elems[i].name);
		if (ncols == TSTAT_NCOLS && !doc->elems[i].is_pcap &&
		    tstat_get(&doc->elems[i], "conn", "fin", &v))
			for (c = 0; c < TSTAT_NCONN; c++)
				cols[ncols++] = &tstat_conn_cols[c];
	}
	fprintf(f, "%-*s", width, "FILTER");
	for (c = 0; c < ncols; c++)
		fprintf(f, " %10s", cols[c]->title);
	fputc('\n', f);
	for (i = 0; i < doc->nelems; i++) {
		const struct tstat_elem *e = &doc->elems[i];

		if (e->is_pcap)
			continue;
		put_name(f, e->name, width);
		for (c = 0; c < ncols; c++) {
			const struct tstat_col *col = cols[c];

			if (!col_get(e, col, &v))
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

static int render(enum tstat_view v, const struct tstat_doc *doc,
                  const struct tstat_labels *labels, size_t max, char **out, size_t *len)
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
		rc = tstat_fmt_prom(f, doc, labels);
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

int tstat_render(enum tstat_view v, const struct tstat_doc *doc, size_t max,
                 char **out, size_t *len)
{
	return render(v, doc, NULL, max, out, len);
}

int tstat_render_prom(const struct tstat_doc *doc, const struct tstat_labels *labels,
                      size_t max, char **out, size_t *len)
{
	return render(TSTAT_VIEW_PROM, doc, labels, max, out, len);
}
