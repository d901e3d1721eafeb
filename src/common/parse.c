/* Numbers, addresses and prefixes from text: see parse.h. */
#include "common/parse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

int parse_u64n(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, d;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (uint64_t)(s[i] - '0');
		/* v * 10 + d <= max, asked without overflowing */
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	return parse_u64n(s, strlen(s), max, out);
}

int parse_addr(const char *s, size_t n, enum parse_family fam, struct addr *out)
{
	char buf[ADDR_STRLEN];
	uint8_t raw[ADDR_MAXLEN];

	if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* inet_pton takes only the strict dotted quad for AF_INET */
	if (fam != PARSE_IP6 && memchr(buf, ':', n) == NULL) {
		if (inet_pton(AF_INET, buf, raw) != 1)
			return -1;
		*out = addr_from_bytes(AF_INET, raw);
		return 0;
	}
	if (fam == PARSE_IP4 || inet_pton(AF_INET6, buf, raw) != 1)
		return -1;
	*out = addr_from_bytes(AF_INET6, raw);
	return 0;
}

int parse_prefix(const char *s, size_t n, enum parse_family fam, struct prefix *out,
                 const char **why)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash != NULL ? (size_t)(slash - s) : n;
	struct prefix p;
	uint64_t len;

	if (parse_addr(s, alen, fam, &p.a) != 0) {
		if (why)
			*why = "address";
		return -1;
	}
	len = addr_bits(p.a.family);
	if (slash != NULL) {
		size_t llen = n - alen - 1;
		size_t maxdig = p.a.family == AF_INET6 ? 3 : 2;
		if (llen > maxdig || parse_u64n(slash + 1, llen, addr_bits(p.a.family), &len) != 0) {
			if (why)
				*why = "prefix length";
			return -1;
		}
	}
	p.len = (uint8_t)len;
	prefix_mask(&p);
	*out = p;
	return 0;
}

int parse_addr_bracketed(const char *s, size_t n, enum parse_family fam, struct addr *out)
{
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (fam == PARSE_IP4)
			return -1;
		return parse_addr(s + 1, n - 2, PARSE_IP6, out);
	}
	return parse_addr(s, n, fam, out);
}
