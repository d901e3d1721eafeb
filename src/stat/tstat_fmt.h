/*
 * tcpeekstat's outputs from a parsed document: the original's plain
 * summary, the readable table and the Prometheus text exposition format
 * (0.0.4).
 */
#ifndef SYNSCOPE_STAT_TSTAT_FMT_H
#define SYNSCOPE_STAT_TSTAT_FMT_H

#include <stddef.h>
#include <stdio.h>

#include "stat/tstat_doc.h"
#include "stat/tstat_prom.h"

/* The original tcpeekstat's output (as recorded in
 * tests/data/compat/tcpeekstat-plain.txt): every element in document
 * order, "pcap" included, as a rule, " NAME", a rule, then per section
 * " SECTION" and per counter 5 spaces, the key left-justified in 10
 * columns, a space, the value right-justified in 10; a final rule of '='. */
void tstat_fmt_plain(FILE *f, const struct tstat_doc *doc);

/* One row per filter, then the pcap element's counters. */
void tstat_fmt_table(FILE *f, const struct tstat_doc *doc);

/* The most text tcpeekstat makes from one answer (table or Prometheus):
 * tcpeek's largest document makes about 100 KiB of either. */
#define TSTAT_MAX_OUTPUT (8u << 20)

enum tstat_view { TSTAT_VIEW_TABLE, TSTAT_VIEW_PROM, TSTAT_VIEW_PLAIN };

/* The text of view v for doc in a malloc'ed buffer (*out, *len; not
 * NUL-terminated), built in memory so nothing is printed unless all of it
 * fits in max bytes.  0, or -1 with errno EFBIG (more than max) or ENOMEM. */
int tstat_render(enum tstat_view v, const struct tstat_doc *doc, size_t max,
                 char **out, size_t *len);
/* The same for the Prometheus view with the user's labels (may be NULL). */
int tstat_render_prom(const struct tstat_doc *doc, const struct tstat_labels *labels,
                      size_t max, char **out, size_t *len);

#endif
