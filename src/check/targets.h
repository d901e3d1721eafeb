/* check_tcp_raw --targets: one round over a target file (see targets.c). */
#ifndef SYNSCOPE_CHECK_TARGETS_H
#define SYNSCOPE_CHECK_TARGETS_H

#include "check/opts.h"

/* Exit status: 0 when every target succeeded, else 1 (a bad file: the
 * usage status). */
int chk_run_targets(const struct chk_opts *o);

#endif
