#include "stat/tstat_doc.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The document is 4 levels deep; a little slack, but a bound, so a
 * hostile answer cannot make json-c recurse without limit. */
#define TSTAT_JSON_DEPTH 8

static int perr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Keys become metric names (Prometheus, gmetric): keep them to the
 * characters every consumer accepts. */
static bool key_ok(const char *k)
{
	size_t i, n = strlen(k);

	if (n == 0 || n >= TSTAT_KEY_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

/* A filter name fit for a one-line message: control bytes replaced,
 * length bounded (the buffer is 80 bytes). */
static const char *safe(const char *name, char *buf)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i < 76; i++)
		buf[i] = ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) ? '?' : name[i];
	if (name[i] != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static int add_item(struct tstat_elem *e, const char *section, const char *key,
                    struct json_object *v, char *err, size_t errlen)
{
	struct tstat_item *it;

	char sn[80];

	if (!key_ok(key))
		return perr(err, errlen, "unexpected JSON: bad key in filter \"%s\"",
		            safe(e->name, sn));
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return perr(err, errlen,
		            "unexpected JSON: filter \"%s\": %s%s%s is not a non-negative integer",
		            safe(e->name, sn), section, *section ? "." : "", key);
	it = realloc(e->items, (e->nitems + 1) * sizeof(*it));
	if (it == NULL)
		return perr(err, errlen, "out of memory");
	e->items = it;
	it = &e->items[e->nitems++];
	memset(it, 0, sizeof(*it));
	memcpy(it->section, section, strlen(section) + 1);
	memcpy(it->key, key, strlen(key) + 1);
	/* get_int64 clamps at INT64_MAX, get_uint64 does not: the check
	 * above rejected negatives, this reads the full range */
	it->value = json_object_get_uint64(v);
	return 0;
}

static int parse_elem(struct json_object *o, size_t idx, struct tstat_elem *e,
                      char *err, size_t errlen)
{
	struct json_object *val = NULL;
	const char *name = NULL;
	char sn[80];

	if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) != 1)
		return perr(err, errlen,
		            "unexpected JSON: element %zu is not a single-key object", idx);
	json_object_object_foreach(o, k, v) {
		name = k;
		val = v;
	}
	e->name = strdup(name);
	if (e->name == NULL)
		return perr(err, errlen, "out of memory");
	if (name[0] == '\0')
		return perr(err, errlen, "unexpected JSON: element %zu has an empty name", idx);
	e->is_pcap = strcmp(name, "pcap") == 0;
	if (!json_object_is_type(val, json_type_object))
		return perr(err, errlen, "unexpected JSON: filter \"%s\" is not an object",
		            safe(name, sn));
	json_object_object_foreach(val, key, sub) {
		if (json_object_is_type(sub, json_type_object)) {
			if (!key_ok(key))
				return perr(err, errlen, "unexpected JSON: bad key in filter \"%s\"",
				            safe(name, sn));
			json_object_object_foreach(sub, ikey, iv) {
				if (add_item(e, key, ikey, iv, err, errlen) == -1)
					return -1;
			}
		} else if (add_item(e, "", key, sub, err, errlen) == -1) {
			return -1;
		}
	}
	return 0;
}

int tstat_parse(const char *text, size_t len, struct tstat_doc *doc,
                char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t i, end, n;

	memset(doc, 0, sizeof(*doc));
	if (len == 0)
		return perr(err, errlen, "empty answer (tcpeek closed the connection)");
	if (memchr(text, '\0', len) != NULL)
		return perr(err, errlen, "NUL byte in answer");
	if (len > (size_t)INT32_MAX)
		return perr(err, errlen, "answer too large");
	tok = json_tokener_new_ex(TSTAT_JSON_DEPTH);
	if (tok == NULL)
		return perr(err, errlen, "out of memory");
	/* RFC 8259, not json-c's lenient default (trailing commas, single
	 * quotes...); whitespace after the document is checked below */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root == NULL) {
		if (jerr == json_tokener_continue)
			return perr(err, errlen, "invalid JSON: truncated");
		return perr(err, errlen, "invalid JSON: %s at offset %zu",
		            json_tokener_error_desc(jerr), end);
	}
	for (i = end; i < len; i++) {
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') {
			json_object_put(root);
			return perr(err, errlen, "invalid JSON: trailing data at offset %zu", i);
		}
	}
	if (!json_object_is_type(root, json_type_array)) {
		json_object_put(root);
		return perr(err, errlen, "unexpected JSON: not an array");
	}
	n = json_object_array_length(root);
	doc->elems = calloc(n ? n : 1, sizeof(*doc->elems));
	if (doc->elems == NULL) {
		json_object_put(root);
		return perr(err, errlen, "out of memory");
	}
	for (i = 0; i < n; i++) {
		doc->nelems = i + 1;
		if (parse_elem(json_object_array_get_idx(root, i), i, &doc->elems[i],
		               err, errlen) == -1) {
			json_object_put(root);
			tstat_doc_free(doc);
			return -1;
		}
	}
	json_object_put(root);
	return 0;
}

void tstat_doc_free(struct tstat_doc *doc)
{
	size_t i;

	for (i = 0; i < doc->nelems; i++) {
		free(doc->elems[i].name);
		free(doc->elems[i].items);
	}
	free(doc->elems);
	memset(doc, 0, sizeof(*doc));
}

bool tstat_get(const struct tstat_elem *e, const char *section, const char *key,
               uint64_t *value)
{
	size_t i;

	for (i = 0; i < e->nitems; i++) {
		if (strcmp(e->items[i].section, section) == 0 &&
		    strcmp(e->items[i].key, key) == 0) {
			*value = e->items[i].value;
			return true;
		}
	}
	return false;
}
