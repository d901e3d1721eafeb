/*
 * Text checks and quoting for what users type: filter names must be
 * clean UTF-8 (they become JSON strings and Prometheus label values), and
 * an error message quoting user input must stay one printable line of a
 * bounded length that says when it was cut.  Pure: no I/O.
 */
#ifndef SYNSCOPE_COMMON_TEXT_H
#define SYNSCOPE_COMMON_TEXT_H

#include <stddef.h>

/* The longest name a user gives a thing that ends up in the JSON document
 * and in Prometheus labels (a tcpeek filter), in bytes. */
#define TXT_NAME_MAX 63

/* What marks a cut text. */
#define TXT_CUT "..."

/*
 * 0 when the n bytes at s are valid UTF-8 (shortest forms only, no
 * surrogates, nothing above U+10FFFF) with no control character (C0,
 * DEL, C1: U+0000..U+001F, U+007F..U+009F).  Otherwise -1, with *why
 * (if why is not NULL) "is not valid UTF-8" or "contains a control
 * character", whichever comes first in s.
 */
int txt_check(const char *s, size_t n, const char **why);

/*
 * Write the first n bytes of s (fewer if a NUL comes first) into out, of
 * size cap (at least 4), as one printable ASCII line: bytes below 0x20 or
 * from 0x7f up as \xNN, '"' and '\\' as \" and \\.  If that does not fit,
 * as much as fits followed by TXT_CUT.  Returns out.
 */
char *txt_escape(char *out, size_t cap, const char *s, size_t n);

/* snprintf that ends a cut result with TXT_CUT (cap at least 4).
 * Returns snprintf's value. */
int txt_printf(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
