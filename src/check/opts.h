/* check_tcp_raw's command line: argp parsing plus pure value parsers. */
#ifndef SYNSCOPE_CHECK_OPTS_H
#define SYNSCOPE_CHECK_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

/* Every outcome but success exits 1, usage errors included: keepalived's
 * MISC_CHECK with misc_dynamic reads 2..255 as "up, with weight status-2",
 * so a 64 for a typo would put the real server in service.  Those who
 * want sysexits' EX_USAGE ask for it with --usage-exit=64. */
#define CHK_EXIT_OK 0
#define CHK_EXIT_FAIL 1
#define CHK_EXIT_USAGE_DEFAULT CHK_EXIT_FAIL
#define CHK_TIMEOUT_MAX_MS 3600000u
#define CHK_RETRIES_MAX 100

struct chk_opts {
	const char *iface, *real_server, *virtual_ip, *port_str;
	uint16_t port;
	const char *role_file;     /* NULL (or -r ''): always the raw check */
	uint32_t timeout_ms;       /* 0: no deadline */
	int verbose;
	int clean_close;
	int json;
	int retries;
	int any_mac;               /* -A: accept replies from any Ethernet source */
	int usage_exit;            /* exit status of usage errors (--usage-exit) */
	const char *source_ip;     /* NULL: the interface's primary address */
	struct addr source_addr;   /* parsed source_ip, either family */
	const char *targets;       /* --targets FILE: one round over every target */
};

/* Every option value in milliseconds becomes microseconds here, in 64
 * bits: 3600000 ms is 3.6e9 us, beyond an int, and the -R spreading
 * multiplies it by up to 100. */
static inline uint64_t chk_ms_to_us(uint32_t ms)
{
	return (uint64_t)ms * 1000u;
}

/* Pure parsers.  Each returns 0, or -1 after writing a one-line reason to
 * ERR (which names the value).  No wrap-around, no trailing junk. */
int chk_parse_port(const char *s, uint16_t *out, char *err, size_t errlen);
int chk_parse_timeout(const char *s, uint32_t *out, char *err, size_t errlen);
int chk_parse_retries(const char *s, int *out, char *err, size_t errlen);
/* An IPv4 or IPv6 literal (for -s). */
int chk_parse_source(const char *s, struct addr *out, char *err, size_t errlen);
/* AF_INET or AF_INET6 if S is an address literal, else 0 (a name). */
int chk_literal_family(const char *s);
/* -1 (reason in ERR) if REAL_SERVER, VIRTUAL_IP and --source-ip, where
 * given as literals, are not all of one family. */
int chk_check_families(const struct chk_opts *o, char *err, size_t errlen);
/* --usage-exit's value: 1 to 255 (0 would make a usage error a success). */
int chk_parse_usage_exit(const char *s, int *out, char *err, size_t errlen);
/* The usage-error status asked for anywhere on the command line (before
 * "--"), so that it holds for an error met before the option itself:
 * the last valid --usage-exit=N or --usage-exit N, else 1. */
int chk_usage_exit_scan(int argc, char *const *argv);

/* Parse argv with argp.  Usage errors (argp's own included) print one
 * line and exit with o->usage_exit (1 unless --usage-exit); --help,
 * --usage and --version print and exit 0. */
void chk_opts_parse(int argc, char **argv, struct chk_opts *o);

#endif
