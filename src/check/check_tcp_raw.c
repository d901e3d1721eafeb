/* check_tcp_raw: wires options, the role file, name resolution and the two
 * check drivers together, then reports the verdict. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "check/opts.h"
#include "check/report.h"
#include "check/run.h"
#include "check/targets.h"
#include "net/pkt.h"
#include "sys/clock.h"
#include "sys/log.h"
#include "sys/priv.h"

static void print_json(const struct chk_report *r)
{
	json_object *o = json_object_new_object();

	chk_report_json(o, r);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
}

/* The one way out once the options are known: -j prints its object for
 * every outcome, runtime errors (already logged as one line) included. */
static int finish(const struct chk_opts *o, struct chk_report *r, int rc, uint64_t t0)
{
	if (r->elapsed_us == 0)
		r->elapsed_us = clock_mono_us() - t0;
	if (rc != 0 && !chk_outcome_is_error(r->outcome))
		r->outcome = CHK_OUT_SYSTEM;    /* a runtime error is never the server's */
	if (o->json)
		print_json(r);
	if (rc != 0)
		return CHK_EXIT_FAIL;
	/* -A: say where the reply came from, for it may not be the real
	 * server's own MAC (seed: "send a packet and see where it goes"). */
	if (o->any_mac && r->reply.have) {
		char got[PKT_MAC_STRLEN], want[PKT_MAC_STRLEN];

		pkt_fmt_mac(got, r->reply.mac);
		pkt_fmt_mac(want, r->rs_mac);
		if (strcmp(got, want) == 0)
			log_warnx("%s from the real server's MAC %s, TTL %u", r->reply.what, got,
			          r->reply.ttl);
		else
			log_warnx("%s from MAC %s, not the real server's %s, TTL %u", r->reply.what,
			          got, want, r->reply.ttl);
	}
	if (!chk_outcome_is_success(r->outcome)) {
		log_warnx("failure: %s", r->reason);
		return CHK_EXIT_FAIL;
	}
	if (o->verbose >= 1)
		log_warnx("success: %s", r->reason);
	return CHK_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct chk_opts o;
	struct chk_report r;
	struct chk_name names[CHK_NAMES_MAX];
	uint64_t t0 = clock_mono_us();
	int rc = 0, master = 1, caps_ok;
	cap_value_t keep[] = { CAP_NET_RAW };

	log_init(argv[0], LOG_LVL_NOTICE);
	/* Only the packet socket needs a privilege: give up every other one
	 * before parsing arguments, resolving names (DNS answers come from
	 * the network) or reading the role file.  A failure (logged) is
	 * reported once -j is known, and nothing else is done. */
	caps_ok = priv_keep_caps(keep, 1) == 0;
	chk_opts_parse(argc, argv, &o);
	memset(&r, 0, sizeof(r));
	r.mode = "raw";
	if (!caps_ok) {
		r.outcome = CHK_OUT_SYSTEM;
		snprintf(r.reason, sizeof(r.reason), "could not drop capabilities");
		return finish(&o, &r, CHK_EXIT_FAIL, t0);
	}
	if (o.targets != NULL)
		return chk_run_targets(&o);
	if (o.verbose >= 1)
		fprintf(stderr,
		        "[PARAMS] iface: %s, real_server: %s, virtual_ip: %s, port: %u, "
		        "role_file: %s, timeout: %ums, verbosity: %d\n",
		        o.iface, o.real_server, o.virtual_ip, o.port,
		        o.role_file ? o.role_file : "(none)", o.timeout_ms, o.verbose);
	/* The role first: it never waits, and it sets the mode -j reports. */
	if (o.role_file != NULL) {
		master = chk_read_role(o.role_file, &r);
		if (master < 0)
			return finish(&o, &r, CHK_EXIT_FAIL, t0);
		if (!master) {
			/* An ordinary connect() needs no privilege at all. */
			r.mode = "connect";
			if (priv_keep_caps(NULL, 0) != 0) {
				r.outcome = CHK_OUT_SYSTEM;
				snprintf(r.reason, sizeof(r.reason), "could not drop capabilities");
				return finish(&o, &r, CHK_EXIT_FAIL, t0);
			}
		}
	}
	names[0] = (struct chk_name){ .what = "REAL_SERVER", .host = o.real_server };
	names[1] = (struct chk_name){ .what = "VIRTUAL_IP", .host = o.virtual_ip };
	if ((rc = chk_resolve(names, CHK_NAMES_MAX, o.source_addr.family, o.timeout_ms,
	                      &r)) != 0)
		return finish(&o, &r, rc, t0);
	rc = master ? chk_run_raw(&o, &names[0].addr, &names[1].addr, &r)
	            : chk_run_connect(&o, &names[0].addr, &r);
	return finish(&o, &r, rc, t0);
}
