/*
 * synscoped's core: the targets of a configuration, their schedule, their
 * health (state.h), the keepalived FILE_CHECK files, the JSON line per
 * state change and the status document.
 *
 * Schedule: a target's first check starts at a random point of its first
 * interval (no thundering herd at start); every later one is due one
 * interval after the previous due time, moved by a random jitter of up to
 * +-DMN_JITTER_PCT percent.  A check never overlaps itself: when one
 * lasts past the next due time, the next starts when it ends.  How late
 * each check starts against its due time is kept in a histogram.
 *
 * Files: one per target in the state directory, named
 * IFACE_REALSERVER_VIP_PORT, holding "0\n" when UP and "1\n" when DOWN,
 * or when the target is still UNKNOWN (mixed results) DMN_START_INTERVALS
 * intervals after it was added (keepalived's track_file with weight 0:
 * 0 up, anything else down).  Written to a temporary name and renamed
 * over, and only when the content changes (a file left by an earlier run
 * with the right content is not rewritten).
 */
#ifndef SYNSCOPE_DAEMON_DMN_H
#define SYNSCOPE_DAEMON_DMN_H

#include <stdint.h>
#include <stdio.h>

#include "check/engine.h"
#include "check/conf.h"
#include "daemon/state.h"
#include "sys/evloop.h"

#define DMN_JITTER_PCT 5
#define DMN_START_INTERVALS_EXTRA 1  /* UNKNOWN for rise+fall+this intervals: file "1" */
#define DMN_RTT_BUCKETS 8
#define DMN_LATE_BUCKETS 24

extern const uint32_t dmn_rtt_le_us[DMN_RTT_BUCKETS];

struct dmn;

struct dtarget {
	struct eng_target et;
	struct dmn *d;
	char name[CONF_NAME_MAX];
	uint32_t interval_ms;
	int rise, fall;
	struct thealth h;
	uint64_t since_wall_us;       /* last state change (or start) */
	uint64_t unknown_until;       /* mono: file says down if still UNKNOWN then */
	enum chk_outcome last;
	uint32_t last_rtt_us;
	uint8_t have_last, have_rtt;
	int8_t file;                  /* what the file says: -1 nothing known, 0, 1 */
	uint64_t checks;
	uint32_t counts[CHK_OUT_COUNT];
	uint64_t rtt_sum_us;
	uint32_t rtt_count;
	uint32_t rtt_hist[DMN_RTT_BUCKETS];  /* cumulative at read time, not here */
	struct evl_timer tm;
	uint64_t due;
};

struct dmn_sched_stats {
	uint64_t started;             /* checks started by the schedule */
	uint64_t overran;             /* a check outlasted its interval */
	uint64_t late_hist[DMN_LATE_BUCKETS]; /* [0]: < 1 us, [k]: < 2^k us, last: beyond */
	uint64_t late_max_us;
	uint64_t state_changes, file_writes, file_errors;
};

/* NULL on failure (logged).  STATE_DIR is opened (created, one level,
 * when missing); EVENTS receives the JSON lines (stdout). */
struct dmn *dmn_new(struct evl *loop, const char *state_dir, FILE *events);
void dmn_free(struct dmn *d);

/* Take the targets of C (which must stay alive until the next
 * dmn_apply or dmn_free; the daemon keeps it).  Targets equal to a
 * running one (conf_target_same) keep their state, schedule and files;
 * the others start UNKNOWN, their first check spread over their
 * interval; targets no longer listed stop (their files stay).  0 or -1
 * (out of memory; logged, the running set unchanged). */
int dmn_apply(struct dmn *d, struct conf *c);

/* The status document (malloc'ed JSON text). */
char *dmn_status_json(struct dmn *d);

size_t dmn_count(const struct dmn *d);
struct dtarget *dmn_target(struct dmn *d, size_t i);
const struct dmn_sched_stats *dmn_sched(const struct dmn *d);
const struct eng_stats *dmn_eng_stats(const struct dmn *d);

#endif
