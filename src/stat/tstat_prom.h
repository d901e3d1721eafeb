/*
 * tcpeekstat -p: the stats document in Prometheus' text exposition format
 * (0.0.4), generic over the document's sections and keys (a field of a
 * newer tcpeek shows up untyped), with the labels the user adds to every
 * series (--label) to tell tcpeek instances apart.
 *
 * A section named NAME_hist_us whose keys are le_N (cumulative count of
 * values <= N µs, N increasing), "count" and "sum" (µs) is a histogram:
 * tcpeek_NAME_seconds_bucket{le=...}, _sum and _count.
 */
#ifndef SYNSCOPE_STAT_TSTAT_PROM_H
#define SYNSCOPE_STAT_TSTAT_PROM_H

#include <stddef.h>
#include <stdio.h>

#include "stat/tstat_doc.h"

#define TSTAT_MAX_LABELS 16          /* --label options */
#define TSTAT_LABEL_NAME_MAX 64      /* bytes in a label name, NUL included */
#define TSTAT_LABEL_VALUE_MAX 255    /* bytes in a label value */

/* The user's labels, already rendered as `,name="escaped value"...`. */
struct tstat_labels {
	size_t n;
	char name[TSTAT_MAX_LABELS][TSTAT_LABEL_NAME_MAX];
	char text[TSTAT_MAX_LABELS * (TSTAT_LABEL_NAME_MAX + 2 * TSTAT_LABEL_VALUE_MAX + 4) + 1];
};

/* Add one NAME=VALUE (a --label argument).  The name follows Prometheus'
 * rules ([a-zA-Z_][a-zA-Z0-9_]*), may not start with "__" (reserved), nor
 * be one tcpeekstat sets itself (filter, le, quantile) or one given
 * before; the value is non-empty UTF-8 without control characters.
 * 0, or -1 with a one-line reason in err naming the argument. */
int tstat_label_add(struct tstat_labels *l, const char *arg, char *err, size_t errlen);

/* 0 when every histogram section of doc is well formed (bounds increasing,
 * counts cumulative, count and sum present); otherwise -1 with a one-line
 * reason naming the filter and key.  tstat_fmt_prom leaves out a histogram
 * that fails this. */
int tstat_prom_check(const struct tstat_doc *doc, char *err, size_t errlen);

/* Every value, HELP and TYPE once per metric, samples of one metric
 * together; labels may be NULL.  0, or -1 if out of memory. */
int tstat_fmt_prom(FILE *f, const struct tstat_doc *doc, const struct tstat_labels *labels);

/* Escape a Prometheus label value (backslash, double quote, newline) into
 * out (NUL-terminated, truncated to cap); returns the full escaped length. */
size_t tstat_prom_escape(char *out, size_t cap, const char *in);

#endif
