/*
 * libFuzzer harness: tcpeek's filter expressions (command-line text an
 * operator writes, the -f/--filter arguments), then matching.
 *
 * Input: expressions, one a line (each copied into an exact-size string,
 * so a read past its NUL is caught by ASan); a line starting with a TAB
 * gives 11 bytes of handshake to match instead: cli_addr(4) srv_addr(4)
 * srv_port(2) direction(1); direction bit 2 makes both addresses IPv6
 * (2001:db8::/96 with those 4 bytes at the end; bit 3: fe80::/96).  Beyond the sanitizers: a refusal comes with
 * a one-line, terminated message naming the expression, even in a small
 * buffer; names are at most FILT_NAME_MAX bytes; at most FILT_MAX named
 * filters; a match only sets bits of existing filters.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peek/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct addr probe_addr(const uint8_t *p, uint8_t dir)
{
	struct addr a = addr_ip4(be32(p));

	if (dir & 4) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET6;
		a.u.b[0] = dir & 8 ? 0xfe : 0x20;
		a.u.b[1] = dir & 8 ? 0x80 : 0x01;
		a.u.b[2] = dir & 8 ? 0 : 0x0d;
		a.u.b[3] = dir & 8 ? 0 : 0xb8;
		memcpy(&a.u.b[12], p, 4);
	}
	return a;
}

static void match(const struct filt_set *fs, const uint8_t *p)
{
	int n = filt_count(fs);
	struct addr c = probe_addr(p, p[10]), s = probe_addr(p + 4, p[10]);
	uint64_t m = filt_match(fs, p[10] & 1, p[10] & 2, &c, &s, (uint16_t)(p[8] << 8 | p[9]));

	if (n < 64 && (m >> n) != 0)
		abort();                /* a bit for a filter that does not exist */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t probes[5][11] = {
		{ 10, 0, 0, 1, 192, 168, 1, 1, 0, 80, 1 },
		{ 192, 168, 1, 9, 10, 0, 0, 1, 1, 187, 2 },
		{ 127, 0, 0, 1, 127, 0, 0, 1, 0, 22, 3 },
		{ 0, 0, 0, 1, 0, 0, 0, 2, 1, 187, 5 },
		{ 0, 0, 0, 1, 0, 0, 0, 2, 0, 80, 14 },
	};
	struct filt_set *fs = filt_new();
	size_t off = 0, errlen;
	char err[256];
	int i;

	if (fs == NULL)
		abort();
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) : size - off;

		if (len >= 12 && data[off] == '\t') {
			match(fs, data + off + 1);
		} else {
			char *expr = malloc(len + 1);
			if (expr == NULL)
				abort();
			memcpy(expr, data + off, len);
			expr[len] = '\0';
			/* sometimes a tight buffer, to check truncation */
			errlen = (len & 1) ? 17 : sizeof(err);
			memset(err, 'x', sizeof(err));
			if (filt_add(fs, expr, err, errlen) != 0) {
				if (memchr(err, '\0', errlen) == NULL || err[0] == '\0' ||
				    strchr(err, '\n') != NULL)
					abort();
			}
			free(expr);
		}
		off += len + 1;
	}
	if (filt_count(fs) < 2 || filt_count(fs) > FILT_MAX)
		abort();
	for (i = 0; i < filt_count(fs); i++) {
		const char *name = filt_name(fs, i);
		if (name == NULL || strlen(name) > FILT_NAME_MAX)
			abort();
	}
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		match(fs, probes[i]);
	filt_free(fs);
	return 0;
}
