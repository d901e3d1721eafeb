/*
 * The one place where text users type becomes numbers, addresses and
 * prefixes, for every program: strict forms only (no sign, no blank, no
 * trailing junk, no "10.1" or hex quads), checked against their bounds
 * before anything can wrap.  Each takes a length so that callers can parse
 * a part of a larger string without copying it.  Pure: no I/O.
 */
#ifndef SYNSCOPE_COMMON_PARSE_H
#define SYNSCOPE_COMMON_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

/* 0 and *out = the value of the n bytes at s if they are 1 or more
 * decimal digits worth at most max; -1 otherwise (*out untouched). */
int parse_u64n(const char *s, size_t n, uint64_t max, uint64_t *out);
/* The same for a NUL-terminated string. */
int parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Which families an address or prefix may be in. */
enum parse_family {
	PARSE_ANY = 0,
	PARSE_IP4 = 4,
	PARSE_IP6 = 6,
};

/*
 * An address: a strict dotted quad, or an IPv6 address in any of
 * RFC 4291's text forms (a dotted quad tail included), without brackets,
 * zone or prefix.  0 or -1 (*out untouched).
 */
int parse_addr(const char *s, size_t n, enum parse_family fam, struct addr *out);

/*
 * A prefix "ADDR" or "ADDR/LEN" (LEN 0..32 in at most 2 digits, or
 * 0..128 in at most 3, by the address's family).  Bits past LEN are cleared (10.1.2.3/8
 * means 10.0.0.0/8).  0, or -1 with *why (if not NULL) saying which part
 * is wrong: "address" or "prefix length".
 */
int parse_prefix(const char *s, size_t n, enum parse_family fam, struct prefix *out,
                 const char **why);

/*
 * An address that may be written in brackets: "[2001:db8::1]" is an IPv6
 * address, as is the bare form.  Used where a ':' follows (addr:port).
 */
int parse_addr_bracketed(const char *s, size_t n, enum parse_family fam, struct addr *out);

#endif
