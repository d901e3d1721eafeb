/*
 * libFuzzer harness: tcpeekstat's input, the stats document it reads from
 * the socket (any bytes a process listening on that path may send), then
 * every output made from a document that parsed: the table, the
 * Prometheus text and the gmetric command lines.
 *
 * The text is copied into an allocation of exactly its size, without a
 * terminating NUL, so a parser reading past the length it was given is
 * caught by ASan.  Beyond the sanitizers: every parsed name and key is
 * NUL-terminated within its bounds, and a refusal comes with a one-line
 * reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat/tstat_doc.h"
#include "stat/tstat_fmt.h"
#include "stat/tstat_gmetric.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tstat_doc doc;
	struct tstat_gcmd *cmds;
	char err[128], esc[64];
	size_t ncmds, i, j;
	uint64_t v;
	char *text;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	text = malloc(size ? size : 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	memset(err, 'x', sizeof(err));
	if (tstat_parse(text, size, &doc, err, sizeof(err)) != 0) {
		/* a reason, one line, terminated */
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0' ||
		    strchr(err, '\n') != NULL)
			abort();
		free(text);
		return 0;
	}
	for (i = 0; i < doc.nelems; i++) {
		const struct tstat_elem *e = &doc.elems[i];
		if (e->name == NULL)
			abort();
		tstat_prom_escape(esc, sizeof(esc), e->name);
		for (j = 0; j < e->nitems; j++) {
			if (memchr(e->items[j].section, '\0', TSTAT_KEY_MAX) == NULL ||
			    memchr(e->items[j].key, '\0', TSTAT_KEY_MAX) == NULL)
				abort();
			if (!tstat_get(e, e->items[j].section, e->items[j].key, &v))
				abort();        /* an item it listed must be found */
		}
		tstat_get(e, "success", "total", &v);
		tstat_get(e, "", "recv", &v);
	}
	tstat_fmt_table(devnull, &doc);
	if (tstat_fmt_prom(devnull, &doc) != 0)
		abort();
	if (tstat_gmetric_cmds(&doc, "/usr/bin/gmetric", &cmds, &ncmds) != 0)
		abort();
	tstat_gmetric_free(cmds, ncmds);
	tstat_doc_free(&doc);
	free(text);
	return 0;
}
