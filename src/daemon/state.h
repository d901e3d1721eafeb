/* A target's health as a pure function of its results: UNKNOWN at
 * start, UP after RISE successes in a row, DOWN after FALL failures in a
 * row (from UNKNOWN too); a mixed run keeps the current state.  No clock
 * and no I/O: the daemon feeds each result and acts on the change. */
#ifndef SYNSCOPE_DAEMON_STATE_H
#define SYNSCOPE_DAEMON_STATE_H

enum tstate { TS_UNKNOWN = 0, TS_UP, TS_DOWN };

struct thealth {
	enum tstate state;
	int ok_run, fail_run;       /* results in a row */
};

/* "unknown", "up", "down" */
const char *tstate_str(enum tstate s);
/* Feed one result; returns 1 when the state changed. */
int thealth_feed(struct thealth *h, int success, int rise, int fall);

#endif
