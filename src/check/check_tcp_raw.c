/* check_tcp_raw: wires options, name resolution, the role file and the two
 * check drivers together, then reports the verdict. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "check/opts.h"
#include "check/run.h"
#include "net/pkt.h"
#include "sys/log.h"
#include "sys/priv.h"

/* 1 MASTER, 0 BACKUP, -1 unreadable (logged). */
static int read_role(const char *path, struct chk_report *r)
{
	FILE *f = fopen(path, "r");
	int ch;

	if (f == NULL) {
		chk_error(r, errno, "role file '%s'", path);
		return -1;
	}
	ch = fgetc(f);
	if (ch == EOF && ferror(f)) {
		chk_error(r, errno, "reading role file '%s'", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return ch == '1';
}

static void print_json(const struct chk_report *r)
{
	json_object *o = json_object_new_object();
	char mac[PKT_MAC_STRLEN];

	json_object_object_add(o, "verdict",
	                       json_object_new_string(r->success ? "success" : "failure"));
	json_object_object_add(o, "reason", json_object_new_string(r->reason));
	json_object_object_add(o, "mode", json_object_new_string(r->mode));
	json_object_object_add(o, "real_server_mac",
	                       r->have_mac ? json_object_new_string(pkt_fmt_mac(mac, r->rs_mac))
	                                   : NULL);
	json_object_object_add(o, "source_port", json_object_new_int(r->sport));
	json_object_object_add(o, "rtt_us",
	                       r->have_rtt ? json_object_new_int64((int64_t)r->rtt_us) : NULL);
	json_object_object_add(o, "elapsed_us", json_object_new_int64((int64_t)r->elapsed_us));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
}

int main(int argc, char **argv)
{
	struct chk_opts o;
	struct chk_report r;
	uint32_t rs_ip = 0, vip = 0;
	int rc, master = 1;
	cap_value_t keep[] = { CAP_NET_RAW };

	log_init(argv[0], LOG_LVL_NOTICE);
	/* Only the packet socket needs a privilege: give up every other one
	 * before parsing arguments, resolving names (DNS answers come from
	 * the network) or reading the role file. */
	if (priv_keep_caps(keep, 1) != 0) {
		log_warnx("could not drop capabilities");
		return CHK_EXIT_FAIL;
	}
	chk_opts_parse(argc, argv, &o);
	if (o.verbose >= 1)
		fprintf(stderr,
		        "[PARAMS] iface: %s, real_server: %s, virtual_ip: %s, port: %u, "
		        "role_file: %s, timeout: %ums, verbosity: %d\n",
		        o.iface, o.real_server, o.virtual_ip, o.port,
		        o.role_file ? o.role_file : "(none)", o.timeout_ms, o.verbose);
	if ((rc = chk_resolve("REAL_SERVER", o.real_server, &rs_ip)) != 0 ||
	    (rc = chk_resolve("VIRTUAL_IP", o.virtual_ip, &vip)) != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	r.mode = "raw";
	if (o.role_file != NULL) {
		master = read_role(o.role_file, &r);
		if (master < 0)
			rc = CHK_EXIT_FAIL;
	}
	if (rc == 0)
		rc = master ? chk_run_raw(&o, rs_ip, vip, &r) : chk_run_connect(&o, rs_ip, &r);
	/* A runtime error was reported already; -j still gets its object. */
	if (o.json)
		print_json(&r);
	if (rc != 0)
		return rc;
	if (!r.success) {
		log_warnx("failure: %s", r.reason);
		return CHK_EXIT_FAIL;
	}
	if (o.verbose >= 1)
		log_warnx("success: %s", r.reason);
	return CHK_EXIT_OK;
}
