/*
 * tcpeekstat's view of the stats document (docs/tcpeek-json.md): parsed
 * and validated once into plain records, which the formatters then walk.
 * Parsing is generic (every integer of a filter, in document order) so a
 * newer or older tcpeek with more or fewer counters still works; only the
 * shape is enforced: an array of single-key objects whose values are
 * objects of non-negative integers or of sections of them.
 */
#ifndef SYNSCOPE_STAT_TSTAT_DOC_H
#define SYNSCOPE_STAT_TSTAT_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TSTAT_KEY_MAX 32        /* bytes in a key, NUL included */

/* One integer: filter.section.key, or filter.key when section is "". */
struct tstat_item {
	char section[TSTAT_KEY_MAX];
	char key[TSTAT_KEY_MAX];
	uint64_t value;
};

/* One array element: a filter, or the "pcap" element. */
struct tstat_elem {
	char *name;
	bool is_pcap;
	size_t nitems;
	struct tstat_item *items;
};

struct tstat_doc {
	size_t nelems;
	struct tstat_elem *elems;
};

/* Parse len bytes of text.  0, or -1 with a one-line reason in err. */
int tstat_parse(const char *text, size_t len, struct tstat_doc *doc,
                char *err, size_t errlen);
void tstat_doc_free(struct tstat_doc *doc);

/* The value of section.key ("" for a top-level integer); false if absent. */
bool tstat_get(const struct tstat_elem *e, const char *section, const char *key,
               uint64_t *value);

#endif
