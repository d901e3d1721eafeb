#include "stat/tstat_doc.h"

#include "common/text.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The document is 4 levels deep; a little slack, but a bound, so a
 * hostile answer cannot make json-c recurse without limit. */
#define TSTAT_JSON_DEPTH 8

#define TSTAT_STR_(x) #x
#define TSTAT_STR(x) TSTAT_STR_(x)

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

/* Why a filter name is not one tcpeek could have sent, or NULL: it must be
 * 1..TSTAT_NAME_MAX bytes of UTF-8 (shortest form, no surrogates) without
 * control characters (C0, DEL, C1: a C1 byte can start a terminal escape
 * sequence). */
static const char *name_problem(const char *s, size_t n)
{
	const char *why;

	if (n == 0)
		return "empty name";
	if (n > TSTAT_NAME_MAX)
		return "name longer than " TSTAT_STR(TSTAT_NAME_MAX) " bytes";
	/* tcpeek's own rule for filter names (common/text.h) */
	if (txt_check(s, n, &why) == 0)
		return NULL;
	return strstr(why, "UTF-8") ? "name is not valid UTF-8" : "control character in name";
}

/* A name fit for a one-line message (common/text.h's escaping, cut to
 * fit).  buf holds SAFE_LEN bytes. */
#define SAFE_LEN 48
static const char *safe(const char *name, size_t n, char *buf)
{
	return txt_escape(buf, SAFE_LEN, name, n);
}

/* ---- the scan before json-c -------------------------------------------- */

/* One open container of the scan. */
struct scan_level {
	char type;              /* '[' or '{' */
	bool want_key;          /* in an object, before a member's ':' */
	size_t members;
	char key[SAFE_LEN];     /* the last key seen here, for messages */
};

struct scan {
	const char *text;
	size_t len;
	struct scan_level lv[TSTAT_JSON_DEPTH];
	int depth;
	size_t values;
	char *err;
	size_t errlen;
};

/* "element N" or `filter "NAME"` for a message about what is at the
 * current position. */
static const char *scan_where(const struct scan *sc, char *buf, size_t cap)
{
	if (sc->depth == 0 || sc->lv[0].type != '[')
		snprintf(buf, cap, "document");
	else if (sc->depth >= 2 && sc->lv[1].key[0] != '\0' && !sc->lv[1].want_key)
		snprintf(buf, cap, "filter \"%s\"", sc->lv[1].key);
	else
		snprintf(buf, cap, "element %zu", sc->lv[0].members - 1);
	return buf;
}

/* A member starts at offset off in the innermost container: count it
 * against the bounds. */
static int scan_member(struct scan *sc, size_t off)
{
	struct scan_level *l;
	char w[SAFE_LEN + 16];

	if (sc->depth == 0)
		return 0;
	l = &sc->lv[sc->depth - 1];
	l->members++;
	if (sc->depth == 1 && l->type == '[') {
		if (l->members > TSTAT_MAX_ELEMS)
			return perr(sc->err, sc->errlen,
			            "more than %d elements", TSTAT_MAX_ELEMS);
		return 0;
	}
	if (l->members > TSTAT_MAX_ITEMS)
		return perr(sc->err, sc->errlen,
		            "%s: more than %d members in one %s (at offset %zu)",
		            scan_where(sc, w, sizeof(w)), TSTAT_MAX_ITEMS,
		            l->type == '[' ? "array" : "object", off);
	return 0;
}

static int scan_value(struct scan *sc, size_t off)
{
	char w[SAFE_LEN + 16];

	if (++sc->values > TSTAT_MAX_VALUES)
		return perr(sc->err, sc->errlen, "%s: more than %d values in the answer "
		            "(at offset %zu)", scan_where(sc, w, sizeof(w)), TSTAT_MAX_VALUES, off);
	if (sc->depth > 0 && sc->lv[sc->depth - 1].type == '[')
		return scan_member(sc, off);
	return 0;
}

/* An integer token [i, j): refused above 2^64-1, which json-c would
 * silently saturate to 18446744073709551615. */
static int scan_number(struct scan *sc, size_t i, size_t j)
{
	static const char max[] = "18446744073709551615";
	const char *t = sc->text;
	char w[SAFE_LEN + 16], path[2 * SAFE_LEN + 2] = "";
	size_t k, nd;
	int d;

	for (k = i; k < j; k++)
		if (t[k] == '-' || t[k] == '.' || t[k] == 'e' || t[k] == 'E')
			return 0;       /* negative or not an integer: refused later */
	while (i < j - 1 && t[i] == '0')
		i++;
	nd = j - i;
	if (nd < sizeof(max) - 1 || (nd == sizeof(max) - 1 && memcmp(t + i, max, nd) <= 0))
		return 0;
	for (d = 2; d < sc->depth; d++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s%s",
		         d > 2 ? "." : "", sc->lv[d].key);
	return perr(sc->err, sc->errlen, "%s: counter %s is above %s (at offset %zu)",
	            scan_where(sc, w, sizeof(w)), path[0] ? path : "?", max, i);
}

/* The string starting at t[i] == '"': returns the offset of its closing
 * quote (len if unterminated), or SIZE_MAX after a refusal. */
static size_t scan_string(struct scan *sc, size_t i)
{
	const char *t = sc->text;
	struct scan_level *l = sc->depth ? &sc->lv[sc->depth - 1] : NULL;
	bool is_key = l != NULL && l->type == '{' && l->want_key;
	char w[SAFE_LEN + 16];
	size_t j;

	if (is_key ? scan_member(sc, i) == -1 : scan_value(sc, i) == -1)
		return SIZE_MAX;
	for (j = i + 1; j < sc->len && t[j] != '"'; j++) {
		if (t[j] != '\\')
			continue;
		/* json-c would keep the NUL in a value but cut a key at it:
		 * two names "a\u0000x" and "a\u0000y" would both become "a" */
		if (sc->len - j > 5 && memcmp(t + j + 1, "u0000", 5) == 0) {
			perr(sc->err, sc->errlen, "%s: %s contains an escaped NUL (at offset %zu)",
			     scan_where(sc, w, sizeof(w)),
			     is_key && sc->depth == 2 ? "name" : "string", j);
			return SIZE_MAX;
		}
		j++;
	}
	if (is_key)
		safe(t + i + 1, (j < sc->len ? j : sc->len) - i - 1, l->key);
	return j;
}

/* Linear, constant memory: bounds what json-c may build from the text.
 * Syntax is left to json-c; a malformed text only has to stay bounded. */
static int scan_text(const char *text, size_t len, char *err, size_t errlen)
{
	struct scan sc = { .text = text, .len = len, .err = err, .errlen = errlen };
	struct scan_level *l;
	size_t i, j;
	char c;

	for (i = 0; i < len; i++) {
		c = text[i];
		l = sc.depth ? &sc.lv[sc.depth - 1] : NULL;
		switch (c) {
		case '"':
			i = scan_string(&sc, i);
			if (i == SIZE_MAX)
				return -1;
			break;
		case '[':
		case '{':
			if (scan_value(&sc, i) == -1)
				return -1;
			if (sc.depth == TSTAT_JSON_DEPTH)
				return perr(err, errlen, "invalid JSON: nested deeper than %d "
				            "(at offset %zu)", TSTAT_JSON_DEPTH, i);
			l = &sc.lv[sc.depth++];
			memset(l, 0, sizeof(*l));
			l->type = c;
			l->want_key = c == '{';
			break;
		case ']':
		case '}':
			if (sc.depth > 0)
				sc.depth--;
			break;
		case ',':
			if (l != NULL && l->type == '{')
				l->want_key = true;
			break;
		case ':':
			if (l != NULL)
				l->want_key = false;
			break;
		default:
			if ((c >= '0' && c <= '9') || c == '-') {
				for (j = i + 1; j < len && ((text[j] >= '0' && text[j] <= '9') ||
				     text[j] == '.' || text[j] == 'e' || text[j] == 'E' ||
				     text[j] == '+' || text[j] == '-'); j++)
					;
				if (scan_value(&sc, i) == -1 || scan_number(&sc, i, j) == -1)
					return -1;
				i = j - 1;
			} else if (c >= 'a' && c <= 'z') {
				for (j = i + 1; j < len && text[j] >= 'a' && text[j] <= 'z'; j++)
					;
				if (scan_value(&sc, i) == -1)
					return -1;
				i = j - 1;
			}
			break;
		}
	}
	return 0;
}

/* ---- records ----------------------------------------------------------- */

static int add_item(struct tstat_elem *e, const char *section, const char *key,
                    struct json_object *v, char *err, size_t errlen)
{
	struct tstat_item *it;
	char sn[SAFE_LEN];

	if (!key_ok(key))
		return perr(err, errlen, "unexpected JSON: bad key in filter \"%s\"",
		            safe(e->name, strlen(e->name), sn));
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return perr(err, errlen,
		            "unexpected JSON: filter \"%s\": %s%s%s is not a non-negative integer",
		            safe(e->name, strlen(e->name), sn), section, *section ? "." : "", key);
	it = &e->items[e->nitems++];
	memset(it, 0, sizeof(*it));
	memcpy(it->section, section, strlen(section) + 1);
	memcpy(it->key, key, strlen(key) + 1);
	/* get_int64 clamps at INT64_MAX, get_uint64 does not: the check
	 * above rejected negatives, this reads the full range (the scan
	 * refused anything above it) */
	it->value = json_object_get_uint64(v);
	return 0;
}

static int parse_elem(struct json_object *o, size_t idx, struct tstat_elem *e,
                      char *err, size_t errlen)
{
	struct json_object *val = NULL;
	const char *name = NULL, *why;
	size_t count = 0, namelen;
	char sn[SAFE_LEN];

	if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) != 1)
		return perr(err, errlen,
		            "unexpected JSON: element %zu is not a single-key object", idx);
	json_object_object_foreach(o, k, v) {
		name = k;
		val = v;
	}
	namelen = strlen(name);
	why = name_problem(name, namelen);
	if (why != NULL) {
		if (namelen > TSTAT_NAME_MAX)
			return perr(err, errlen, "element %zu: %s (%zu): \"%s\"", idx, why,
			            namelen, safe(name, namelen, sn));
		return perr(err, errlen, "element %zu: %s: \"%s\"", idx, why,
		            safe(name, namelen, sn));
	}
	e->name = strdup(name);
	if (e->name == NULL)
		return perr(err, errlen, "out of memory");
	e->is_pcap = strcmp(name, "pcap") == 0;
	if (!json_object_is_type(val, json_type_object))
		return perr(err, errlen, "unexpected JSON: filter \"%s\" is not an object",
		            safe(name, namelen, sn));
	/* sized once: the counters of a filter are counted, then stored */
	json_object_object_foreach(val, ck, cv) {
		(void)ck;
		count += json_object_is_type(cv, json_type_object) ?
		         (size_t)json_object_object_length(cv) : 1;
	}
	if (count > TSTAT_MAX_ITEMS)
		return perr(err, errlen, "filter \"%s\": %zu counters, more than %d",
		            safe(name, namelen, sn), count, TSTAT_MAX_ITEMS);
	e->items = calloc(count ? count : 1, sizeof(*e->items));
	if (e->items == NULL)
		return perr(err, errlen, "out of memory");
	json_object_object_foreach(val, key, sub) {
		if (json_object_is_type(sub, json_type_object)) {
			if (!key_ok(key))
				return perr(err, errlen, "unexpected JSON: bad key in filter \"%s\"",
				            safe(name, namelen, sn));
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
	if (scan_text(text, len, err, errlen) == -1)
		return -1;
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
