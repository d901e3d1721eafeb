/*
 * tcpeek's command line, parsed into a plain configuration.  Pure: no
 * I/O, no exit; the caller prints the message and picks the exit status.
 */
#ifndef SYNSCOPE_PEEK_OPTS_H
#define SYNSCOPE_PEEK_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "peek/local.h"
#include "peek/metrics.h"
#include "sys/log.h"

#define OPTS_DEFAULT_SOCKET "/var/run/tcpeek/tcpeek.sock"
#define OPTS_ERRLEN 256
#define OPTS_IDLE_DEFAULT 7800     /* Linux's keepalive time (7200 s) + 10 minutes */
#define OPTS_IDLE_MAX 604800       /* a week */

struct peek_opts {
	const char *user;          /* -u: drop to this user, NULL to stay */
	const char *dev;           /* -i: NULL = pick the first interface */
	const char *socket_path;   /* -U */
	int socket_given;          /* -U was on the command line */
	int csum_mode;             /* -c 0|1|2 */
	uint32_t timeout_sec;      /* -t 1..86400 */
	int buffer_mb;             /* -B 1..2048 */
	enum log_level log_level;  /* -l */
	int quiet;                 /* -q */
	int promisc;               /* --promisc */
	int icmp;                  /* --icmp */
	const char *read_file;     /* -r */
	struct local_set local;    /* -L, each one parsed */
	int json;                  /* -j */
	int snaplen;               /* -s 64..262144 */
	uint32_t max_sessions;     /* --max-sessions 1..SESS_MAX_CAP, 0 = default (sized) */
	const char *events;        /* --events: FILE or "-", NULL for none */
	int track_established;     /* --track-established */
	uint32_t max_conns;        /* --max-connections 1..SESS_MAX_CAP, 0 = default (sized) */
	uint32_t idle_sec;         /* --idle-timeout 1..OPTS_IDLE_MAX */
	int idle_given;            /* ... was on the command line */
	int metrics_given;         /* --metrics-listen was on the command line */
	struct metrics_addr metrics_listen;   /* ... and its address */
	int nfilters;              /* positional filter expressions */
	char **filters;            /* pointers into argv */
};

enum opts_result {
	OPTS_RUN = 0,              /* run with the configuration */
	OPTS_HELP,                 /* -h: print the help, exit 0 */
	OPTS_VERSION,              /* -v: print the version, exit 0 */
	OPTS_ERROR,                /* err holds one line, exit 64 */
};

void opts_defaults(struct peek_opts *o);

/* Parse argv (argv[0] is the program).  May reorder argv (GNU getopt
 * permutation); filters points into it. */
enum opts_result opts_parse(int argc, char **argv, struct peek_opts *o,
                            char *err, size_t errlen);

/* "emerg".."debug" or 0..7 into our levels; -1 if neither. */
int opts_parse_level(const char *s, enum log_level *out);

/* The help text (what -h prints). */
const char *opts_help(void);

#endif
