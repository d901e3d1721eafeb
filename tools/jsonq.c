/*
 * jsonq: print one value of a tcpeek stats document (tests and scripts).
 *
 *   jsonq FILE PATH        FILE "-" reads standard input
 *
 * PATH is dot-separated.  Its first element selects the array element
 * whose single key it is (a filter name, or "pcap"); filter names may hold
 * dots, so the longest leading run of elements naming a filter wins.  The
 * rest are object keys.  A string prints bare, anything else as compact
 * JSON.  Exit 0 found, 1 not found, 2 usage or unreadable/invalid JSON.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 32

static char *slurp(FILE *f)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (;;) {
		size_t n;

		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* The value of the array element whose only key is name, or NULL. */
static json_object *by_filter(json_object *arr, const char *name)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(arr, i), *v;

		if (json_object_is_type(el, json_type_object) &&
		    json_object_object_length(el) == 1 &&
		    json_object_object_get_ex(el, name, &v))
			return v;
	}
	return NULL;
}

static json_object *walk(json_object *v, char **parts, int from, int n)
{
	for (int i = from; i < n && v; i++) {
		json_object *next;

		if (!json_object_is_type(v, json_type_object) ||
		    !json_object_object_get_ex(v, parts[i], &next))
			return NULL;
		v = next;
	}
	return v;
}

int main(int argc, char **argv)
{
	char *text, *path, *parts[MAX_PARTS];
	int nparts = 0, rc = 1;
	json_object *doc, *v = NULL;
	enum json_tokener_error jerr;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: jsonq FILE PATH   (e.g. jsonq out.json RX.success.total)\n");
		return 2;
	}
	f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "jsonq: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	text = slurp(f);
	if (f != stdin)
		fclose(f);
	if (!text) {
		fprintf(stderr, "jsonq: %s: read failed\n", argv[1]);
		return 2;
	}
	doc = json_tokener_parse_verbose(text, &jerr);
	free(text);
	if (!doc) {
		fprintf(stderr, "jsonq: %s: invalid JSON: %s\n", argv[1],
		        json_tokener_error_desc(jerr));
		return 2;
	}
	if (!json_object_is_type(doc, json_type_array)) {
		fprintf(stderr, "jsonq: %s: not a tcpeek document (no top-level array)\n", argv[1]);
		json_object_put(doc);
		return 2;
	}
	path = strdup(argv[2]);
	if (!path) {
		json_object_put(doc);
		return 2;
	}
	for (char *save = NULL, *t = strtok_r(path, ".", &save); t && nparts < MAX_PARTS;
	     t = strtok_r(NULL, ".", &save))
		parts[nparts++] = t;
	/* longest filter name first: "a.b" beats "a" when both exist */
	for (int k = nparts; k >= 1 && !v; k--) {
		char name[512] = "";
		json_object *el;

		for (int i = 0; i < k; i++) {
			if (i)
				strncat(name, ".", sizeof(name) - strlen(name) - 1);
			strncat(name, parts[i], sizeof(name) - strlen(name) - 1);
		}
		el = by_filter(doc, name);
		if (el)
			v = walk(el, parts, k, nparts);
	}
	if (v) {
		if (json_object_is_type(v, json_type_string))
			puts(json_object_get_string(v));
		else
			puts(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		rc = 0;
	} else {
		fprintf(stderr, "jsonq: %s: no value at %s\n", argv[1], argv[2]);
	}
	free(path);
	json_object_put(doc);
	return rc;
}
