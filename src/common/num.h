/*
 * Strict decimal numbers as users type them in options and files: digits
 * only (no sign, no blank, no trailing junk), checked against a maximum
 * before anything can wrap.  Pure: no I/O.
 */
#ifndef SYNSCOPE_COMMON_NUM_H
#define SYNSCOPE_COMMON_NUM_H

#include <stdint.h>

/* 0 and *out = the value of s if it is 1 or more digits worth at most
 * max; -1 otherwise (*out untouched). */
int num_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
