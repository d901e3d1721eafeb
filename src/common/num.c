/* Strict decimal numbers: see num.h. */
#include "common/num.h"

int num_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, d;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = (uint64_t)(*s - '0');
		/* v * 10 + d <= max, asked without overflowing */
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
