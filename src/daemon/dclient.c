/* synscoped --status (see dclient.h).  The socket client is tcpeekstat's
 * (one request, the answer read to EOF within a deadline and a size cap). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "daemon/dclient.h"
#include "stat/tstat_client.h"
#include "sys/log.h"

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return "-";
	return json_object_get_string(v);
}

/* Does this row name an IPv6 real server?  (The only thing the table
 * needs to know about families: such rows widen the TARGET column.) */
static int row_is_ip6(json_object *t)
{
	const char *rs = str(t, "real_server");
	struct addr a;

	return parse_addr(rs, strlen(rs), PARSE_IP6, &a) == 0;
}

/* The TARGET column: DCLIENT_TARGET_W wide, as it always was, unless a row
 * is IPv6; then as wide as the longest name (IPv4 rows of that table
 * included, so it stays aligned), at most DCLIENT_TARGET_MAXW: a longer
 * name, which synscoped never writes, overflows its own row only. */
static int target_width(json_object *arr)
{
	size_t n = json_object_array_length(arr), w = DCLIENT_TARGET_W, longest = 0;
	int ip6 = 0;

	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(arr, i);
		size_t len = strlen(str(t, "target"));

		if (len > longest)
			longest = len;
		if (!ip6 && row_is_ip6(t))
			ip6 = 1;
	}
	if (ip6 && longest > w)
		w = longest > DCLIENT_TARGET_MAXW ? DCLIENT_TARGET_MAXW : longest;
	return (int)w;
}

int dclient_table(const char *doc, FILE *out)
{
	json_object *root = json_tokener_parse(doc), *arr;
	size_t n;
	int w;

	if (root == NULL || !json_object_object_get_ex(root, "targets", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		log_warnx("the answer is not synscoped's status document");
		json_object_put(root);
		return -1;
	}
	n = json_object_array_length(arr);
	w = target_width(arr);
	fprintf(out, "%-*s %-7s %-24s %-18s %8s %8s\n", w, "TARGET", "STATE", "SINCE",
	        "LAST", "RTT_US", "CHECKS");
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(arr, i);

		fprintf(out, "%-*s %-7s %-24s %-18s %8s %8s\n", w, str(t, "target"), str(t, "state"),
		        str(t, "since"), str(t, "last_outcome"), str(t, "last_rtt_us"),
		        str(t, "checks"));
	}
	json_object_put(root);
	return 0;
}

int dclient_status(const char *socket_path, int json)
{
	char *doc = NULL;
	size_t len = 0;
	int rc;

	if (tstat_fetch(socket_path, "GET", DCLIENT_TIMEOUT_MS, DCLIENT_MAX_ANSWER, &doc, &len) != 0)
		return 1;
	if (json) {
		fwrite(doc, 1, len, stdout);
		rc = 0;
	} else {
		rc = dclient_table(doc, stdout) == 0 ? 0 : 1;
	}
	free(doc);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
