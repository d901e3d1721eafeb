/*
 * tcpeekstat's outputs from a parsed document: the readable table and the
 * Prometheus text exposition format (0.0.4).
 */
#ifndef SYNSCOPE_STAT_TSTAT_FMT_H
#define SYNSCOPE_STAT_TSTAT_FMT_H

#include <stddef.h>
#include <stdio.h>

#include "stat/tstat_doc.h"

/* One row per filter, then the pcap element's counters. */
void tstat_fmt_table(FILE *f, const struct tstat_doc *doc);

/* Every counter, HELP and TYPE once per metric, samples of one metric
 * together.  0, or -1 if out of memory. */
int tstat_fmt_prom(FILE *f, const struct tstat_doc *doc);

/* Escape a Prometheus label value (backslash, double quote, newline) into
 * out (NUL-terminated, truncated to cap); returns the full escaped length. */
size_t tstat_prom_escape(char *out, size_t cap, const char *in);

#endif
