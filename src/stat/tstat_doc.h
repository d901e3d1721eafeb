/*
 * tcpeekstat's view of the stats document (docs/tcpeek-json.md): parsed
 * and validated once into plain records, which the formatters then walk.
 * Parsing is generic (every integer of a filter, in document order) so a
 * newer or older tcpeek with more or fewer counters still works; only the
 * shape is enforced: an array of single-key objects whose values are
 * objects of non-negative integers or of sections of them.
 *
 * The answer comes from whatever listens on the socket path, so the work
 * it may cause is bounded before json-c builds anything: a linear scan of
 * the text refuses too many elements, members or values, nesting, escaped
 * NULs and integers above 2^64-1; the records then refuse names tcpeek
 * would never send (empty, longer than its 63 bytes, not UTF-8, control
 * characters).  The numbers below are generous multiples of what tcpeek
 * itself can send (at most FILT_MAX filters of 16 counters, plus "pcap").
 */
#ifndef SYNSCOPE_STAT_TSTAT_DOC_H
#define SYNSCOPE_STAT_TSTAT_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/text.h"

#define TSTAT_KEY_MAX 32        /* bytes in a key, NUL included */
#define TSTAT_MAX_ELEMS 1024    /* array elements (tcpeek: FILT_MAX + 1) */
#define TSTAT_MAX_ITEMS 256     /* counters of one element, members of one object (tcpeek: 16) */
#define TSTAT_MAX_VALUES 16384  /* values of any kind in the document (tcpeek: < 1,500) */
#define TSTAT_NAME_MAX TXT_NAME_MAX     /* bytes in a filter name (63) */

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

/* Parse len bytes of text.  0, or -1 with a one-line reason in err that
 * names the culprit (element, filter, counter, offset). */
int tstat_parse(const char *text, size_t len, struct tstat_doc *doc,
                char *err, size_t errlen);
void tstat_doc_free(struct tstat_doc *doc);

/* The value of section.key ("" for a top-level integer); false if absent. */
bool tstat_get(const struct tstat_elem *e, const char *section, const char *key,
               uint64_t *value);

#endif
