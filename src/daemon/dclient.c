/* synscoped --status (see dclient.h).  The socket client is tcpeekstat's
 * (one request, the answer read to EOF within a deadline and a size cap). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

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

int dclient_table(const char *doc, FILE *out)
{
	json_object *root = json_tokener_parse(doc), *arr;
	size_t n;

	if (root == NULL || !json_object_object_get_ex(root, "targets", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		log_warnx("the answer is not synscoped's status document");
		json_object_put(root);
		return -1;
	}
	n = json_object_array_length(arr);
	fprintf(out, "%-44s %-7s %-24s %-18s %8s %8s\n", "TARGET", "STATE", "SINCE",
	        "LAST", "RTT_US", "CHECKS");
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(arr, i);

		fprintf(out, "%-44s %-7s %-24s %-18s %8s %8s\n", str(t, "target"), str(t, "state"),
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
