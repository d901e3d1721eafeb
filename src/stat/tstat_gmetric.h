/*
 * tcpeekstat -g: one Ganglia gmetric call per success/failure counter of
 * every filter, run with fork/execv (no shell, so filter names are never
 * interpreted).  Building the argument vectors is separate from running
 * them, so tests check the commands without executing anything.  gmetric
 * takes one metric per run, so the runs are bounded by count
 * (TSTAT_MAX_GMETRIC, checked by the caller before any runs) and by the
 * caller's deadline, which also ends a gmetric that does not.
 */
#ifndef SYNSCOPE_STAT_TSTAT_GMETRIC_H
#define SYNSCOPE_STAT_TSTAT_GMETRIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stat/tstat_doc.h"

#define TSTAT_GMETRIC_PATH "/usr/bin/gmetric"
#define TSTAT_MAX_GMETRIC 1024  /* runs per call (tcpeek: at most 64 x 9 = 576) */

struct tstat_gcmd {
	char *name;             /* tcpeek_<filter>_<section>_<item> */
	char value[24];
	char *argv[8];          /* gmetric -n NAME -v VALUE -t uint32 NULL */
};

/* How many commands doc makes. */
size_t tstat_gmetric_count(const struct tstat_doc *doc);

/* The commands for doc, in document order; 0, or -1 if out of memory. */
int tstat_gmetric_cmds(const struct tstat_doc *doc, const char *gmetric,
                       struct tstat_gcmd **cmds, size_t *n);
void tstat_gmetric_free(struct tstat_gcmd *cmds, size_t n);

/* Print each command line to out and run it, one at a time, until
 * deadline_us (CLOCK_MONOTONIC, as clock_mono_us): a run still going then
 * is killed, the rest are not started.  Returns how many failed or were
 * not run (reported on stderr). */
size_t tstat_gmetric_run(const struct tstat_gcmd *cmds, size_t n, FILE *out,
                         uint64_t deadline_us);

#endif
