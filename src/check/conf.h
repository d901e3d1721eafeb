/*
 * The target file of synscoped and check_tcp_raw --targets:
 *
 *   # comment; blank lines ignored
 *   defaults interval=1s timeout=500ms rise=2 fall=3 role-file=/run/lvs.role
 *   eth0 10.0.0.42 10.0.0.100 80
 *   eth0 10.0.0.43 10.0.0.100 80 clean-close timeout=300ms retries=1
 *   eth0 2001:db8::42 2001:db8::100 80
 *
 * A "defaults" line changes the options it names for every target line
 * after it (the others keep their current value); a target line is IFACE
 * REAL_SERVER VIRTUAL_IP PORT [option[=value]...].  Options: interval,
 * timeout (durations with "ms" or "s"), retries, rise, fall, clean-close
 * and any-mac (flags; =0 or =1 also), role-file (a path; empty: none).
 * '#' starts a comment anywhere a word may start.  Addresses are IPv4 or
 * IPv6 literals (fields are separated by blanks, so an IPv6 address needs
 * no brackets; "[2001:db8::1]" is taken too); the real server and the
 * VIP of one line are of the same family.  A target listed again with the same options is checked once;
 * with other options it is an error.  Errors read "FILE:LINE: message".
 */
#ifndef SYNSCOPE_CHECK_CONF_H
#define SYNSCOPE_CHECK_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "check/engine.h"

#define CONF_LINE_MAX 1024
#define CONF_FILE_MAX (16u << 20)
#define CONF_TARGETS_MAX 50000
#define CONF_ERRORS_MAX 20
#define CONF_INTERVAL_MIN_MS 100u
#define CONF_INTERVAL_MAX_MS 86400000u
#define CONF_TIMEOUT_MAX_MS 3600000u
#define CONF_RISEFALL_MAX 1000
/* IFACE_REALSERVER_VIP_PORT + NUL: 15 + 1 + 2 * (45 + 1) + 5 + 1 */
#define CONF_NAME_MAX 128

/* Built-in defaults, before any "defaults" line. */
#define CONF_DEF_INTERVAL_MS 2000u
#define CONF_DEF_TIMEOUT_MS 1000u
#define CONF_DEF_RISE 2
#define CONF_DEF_FALL 2

struct conf_opts {
	uint32_t interval_ms, timeout_ms;
	int retries, rise, fall, clean_close, any_mac;
	const char *role_file;         /* interned in struct conf, or NULL */
};

struct conf_target {
	struct eng_tspec spec;         /* spec.role_file points into struct conf */
	uint32_t interval_ms;
	int rise, fall;
	int line;
	char name[CONF_NAME_MAX];      /* "eth0_10.0.0.42_10.0.0.100_80",
	                                * "eth0_2001:db8::42_2001:db8::100_80" */
};

struct conf {
	struct conf_target *t;
	size_t n, cap;
	char **paths;                  /* interned role-file paths */
	size_t npaths;
	int errors;
};

/* The options a target gets when no "defaults" line changed them;
 * check_tcp_raw --targets starts from its command line's instead. */
void conf_opts_builtin(struct conf_opts *o);

/* Parse TEXT (LEN bytes, need not be NUL-terminated) named FILE in
 * messages, starting from the options BASE (NULL: built in).  Every
 * error (up to CONF_ERRORS_MAX) is a line "FILE:LINE: message\n"
 * appended to ERR (always NUL-terminated).  Returns 0, or -1 with
 * C->errors > 0 (C then holds nothing). */
int conf_parse(const char *file, const char *text, size_t len, const struct conf_opts *base,
               struct conf *c, char *err, size_t errlen);
/* Read FILE (a regular file, at most CONF_FILE_MAX bytes) and parse it. */
int conf_load(const char *file, const struct conf_opts *base, struct conf *c, char *err,
              size_t errlen);
void conf_free(struct conf *c);

/* 1 when A and B check the same thing the same way (for reloads). */
int conf_target_same(const struct conf_target *a, const struct conf_target *b);

#endif
