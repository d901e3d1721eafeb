/*
 * libFuzzer harness: tcpeekstat's path from a hostile answer to its
 * output, as tcpeekstat's main takes it after the socket read: the stats
 * document (any bytes a process listening on that path may send) through
 * tstat_parse, then every output made from a document that parsed: the
 * plain summary, the table and the Prometheus text through tstat_render
 * with the real cap, the gmetric count against its cap and the command
 * lines.
 *
 * Input: the answer itself; or, to reach sizes where a cost that is not
 * linear shows, a "stretch": byte 0 is 0x00, byte 1 (mod 16) is R, and the
 * rest is HEAD 0x00 BODY 0x00 TAIL, giving HEAD + BODY x 2^R + TAIL (at
 * most 256 KiB; e.g. "[" + "{\"a\":{}}," x 32768 + "{\"a\":{}}]").
 *
 * The text is copied into an allocation of exactly its size, without a
 * terminating NUL, so a parser reading past the length it was given is
 * caught by ASan.  Oracles beyond the sanitizers:
 *   - a refusal is one terminated line;
 *   - a document that parsed keeps every bound: elements, counters per
 *     element, values, names (1..63 bytes, no control byte), NUL-terminated
 *     keys, every listed item found again;
 *   - output size: each output at most TSTAT_MAX_OUTPUT and at most
 *     64 bytes per input byte + 4 KiB (a filter name is printed once per
 *     counter, a counter costs at least 6 input bytes); past the cap the
 *     render must say EFBIG, never fail otherwise;
 *   - time: the whole path within 1 s + 4 us per input byte (the linear
 *     budget; a quadratic step on a stretched input blows it).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat/tstat_doc.h"
#include "stat/tstat_fmt.h"
#include "stat/tstat_gmetric.h"
#include "sys/clock.h"

#define STRETCH_MAX (256u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The answer the input stands for, malloc'ed to exactly its size; NULL
 * when a stretch is malformed or too large. */
static char *answer(const uint8_t *data, size_t size, size_t *len)
{
	const uint8_t *head, *body, *tail, *end = data + size;
	size_t hn, bn, tn, copies, i;
	char *t, *p;

	if (size == 0 || data[0] != 0x00) {
		t = malloc(size ? size : 1);
		if (t == NULL)
			abort();
		memcpy(t, data, size);
		*len = size;
		return t;
	}
	if (size < 2)
		return NULL;
	copies = (size_t)1 << (data[1] % 16);
	head = data + 2;
	body = memchr(head, 0, (size_t)(end - head));
	if (body == NULL)
		return NULL;
	hn = (size_t)(body - head);
	body++;
	tail = memchr(body, 0, (size_t)(end - body));
	if (tail == NULL)
		return NULL;
	bn = (size_t)(tail - body);
	tail++;
	tn = (size_t)(end - tail);
	if (bn != 0 && copies > (STRETCH_MAX - hn - tn) / bn)
		return NULL;
	*len = hn + bn * copies + tn;
	if (*len > STRETCH_MAX)
		return NULL;
	t = malloc(*len ? *len : 1);
	if (t == NULL)
		abort();
	p = t;
	memcpy(p, head, hn);
	p += hn;
	for (i = 0; i < copies; i++, p += bn)
		memcpy(p, body, bn);
	memcpy(p, tail, tn);
	return t;
}

static void check_bounds(const struct tstat_doc *doc)
{
	size_t i, j, k, total = 0;
	uint64_t v;

	if (doc->nelems > TSTAT_MAX_ELEMS)
		abort();
	for (i = 0; i < doc->nelems; i++) {
		const struct tstat_elem *e = &doc->elems[i];
		size_t n;

		if (e->name == NULL)
			abort();
		n = strlen(e->name);
		if (n == 0 || n > TSTAT_NAME_MAX)
			abort();
		for (k = 0; k < n; k++)
			if ((unsigned char)e->name[k] < 0x20 || e->name[k] == 0x7f)
				abort();
		if (e->nitems > TSTAT_MAX_ITEMS)
			abort();
		total += e->nitems;
		for (j = 0; j < e->nitems; j++) {
			if (memchr(e->items[j].section, '\0', TSTAT_KEY_MAX) == NULL ||
			    memchr(e->items[j].key, '\0', TSTAT_KEY_MAX) == NULL)
				abort();
			if (!tstat_get(e, e->items[j].section, e->items[j].key, &v))
				abort();        /* an item it listed must be found */
		}
	}
	if (total > TSTAT_MAX_VALUES)
		abort();
}

/* One output of the path: bounded by the cap and linearly by the input. */
static void check_render(enum tstat_view view, const struct tstat_doc *doc, size_t len)
{
	size_t outlen, lin = 64 * len + 4096;
	char *out;

	if (tstat_render(view, doc, TSTAT_MAX_OUTPUT, &out, &outlen) != 0) {
		if (errno != EFBIG)
			abort();
		return;
	}
	if (outlen > TSTAT_MAX_OUTPUT || outlen > lin)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t t0 = clock_mono_us();
	struct tstat_doc doc;
	struct tstat_gcmd *cmds;
	size_t ncmds, len, i, argbytes = 0;
	char err[128];
	char *text;
	int k;

	text = answer(data, size, &len);
	if (text == NULL)
		return 0;
	memset(err, 'x', sizeof(err));
	if (tstat_parse(text, len, &doc, err, sizeof(err)) != 0) {
		/* a reason, one line, terminated */
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0' ||
		    strchr(err, '\n') != NULL)
			abort();
		free(text);
		return 0;
	}
	check_bounds(&doc);
	check_render(TSTAT_VIEW_PLAIN, &doc, len);
	check_render(TSTAT_VIEW_TABLE, &doc, len);
	check_render(TSTAT_VIEW_PROM, &doc, len);
	ncmds = tstat_gmetric_count(&doc);
	if (ncmds <= TSTAT_MAX_GMETRIC) {
		if (tstat_gmetric_cmds(&doc, "/usr/bin/gmetric", &cmds, &i) != 0 || i != ncmds)
			abort();
		for (i = 0; i < ncmds; i++)
			for (k = 0; cmds[i].argv[k] != NULL; k++)
				argbytes += strlen(cmds[i].argv[k]) + 1;
		if (argbytes > 64 * len + 4096)
			abort();
		tstat_gmetric_free(cmds, ncmds);
	}
	tstat_doc_free(&doc);
	free(text);
	if (clock_mono_us() - t0 > 1000000 + 4 * (uint64_t)len)
		abort();
	return 0;
}
