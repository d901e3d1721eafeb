/* Text checks and quoting: see text.h. */
#include "common/text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int txt_check(const char *s, size_t n, const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len;

		if (u[i] < 0x80) {
			cp = u[i];
			len = 1;
		} else if (u[i] >= 0xc2 && u[i] <= 0xdf) {
			cp = u[i] & 0x1fu;
			len = 2;
		} else if (u[i] >= 0xe0 && u[i] <= 0xef) {
			cp = u[i] & 0x0fu;
			len = 3;
		} else if (u[i] >= 0xf0 && u[i] <= 0xf4) {
			cp = u[i] & 0x07u;
			len = 4;
		} else {
			goto bad_utf8;      /* continuation byte, 0xc0/0xc1, 0xf5.. */
		}
		if (len > n - i)
			goto bad_utf8;
		for (size_t k = 1; k < len; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				goto bad_utf8;
			cp = cp << 6 | (u[i + k] & 0x3fu);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			goto bad_utf8;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			if (why)
				*why = "contains a control character";
			return -1;
		}
		i += len;
	}
	return 0;
bad_utf8:
	if (why)
		*why = "is not valid UTF-8";
	return -1;
}

/* The escaped form of byte c into buf (at least 5 bytes); its length. */
static size_t esc1(char *buf, unsigned char c)
{
	if (c == '"' || c == '\\') {
		buf[0] = '\\';
		buf[1] = (char)c;
		return 2;
	}
	if (c < 0x20 || c >= 0x7f) {
		snprintf(buf, 5, "\\x%02x", c);
		return 4;
	}
	buf[0] = (char)c;
	return 1;
}

char *txt_escape(char *out, size_t cap, const char *s, size_t n)
{
	const size_t cut = sizeof(TXT_CUT) - 1;
	size_t o = 0, need = 0, i;
	char e[5];

	for (i = 0; i < n && s[i] != '\0'; i++)
		need += esc1(e, (unsigned char)s[i]);
	n = i;
	for (i = 0; i < n; i++) {
		size_t k = esc1(e, (unsigned char)s[i]);

		/* room for this unit, and for the marker unless all fits */
		if (o + k + (need < cap ? 0 : cut) > cap - 1)
			break;
		memcpy(out + o, e, k);
		o += k;
	}
	if (i < n) {
		memcpy(out + o, TXT_CUT, cut);
		o += cut;
	}
	out[o] = '\0';
	return out;
}

int txt_printf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= cap && cap > sizeof(TXT_CUT))
		memcpy(out + cap - sizeof(TXT_CUT), TXT_CUT, sizeof(TXT_CUT));
	return n;
}
