/* check_tcp_raw --targets FILE: one round of the many-target engine over
 * every target of a synscoped configuration file, one JSON line each. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/engine.h"
#include "check/report.h"
#include "check/targets.h"
#include "check/conf.h"
#include "net/pkt.h"
#include "sys/clock.h"
#include "sys/evloop.h"
#include "sys/log.h"
#include "sys/priv.h"

struct round {
	struct eng_target *et;
	struct chk_report *rep;
	size_t left;
};

static void round_done(void *arg, struct eng_target *t, const struct chk_report *r, uint64_t now)
{
	struct round *rd = arg;

	(void)now;
	rd->rep[t - rd->et] = *r;
	rd->left--;
}

static void print_line(const struct eng_tspec *s, const struct chk_report *r)
{
	json_object *o = json_object_new_object();
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	json_object_object_add(o, "iface", json_object_new_string(s->iface));
	json_object_object_add(o, "real_server", json_object_new_string(addr_fmt(a, &s->rs_ip)));
	json_object_object_add(o, "vip", json_object_new_string(addr_fmt(b, &s->vip)));
	json_object_object_add(o, "port", json_object_new_int(s->port));
	chk_report_json(o, r);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int chk_run_targets(const struct chk_opts *o)
{
	struct conf_opts base;
	struct conf c;
	struct round rd = { NULL, NULL, 0 };
	struct evl *loop = NULL;
	struct eng *e = NULL;
	char *err;
	size_t errcap = 8192, ok = 0;
	int rc = CHK_EXIT_FAIL;
	uint64_t now;

	conf_opts_builtin(&base);
	base.timeout_ms = o->timeout_ms;
	base.retries = o->retries;
	base.clean_close = o->clean_close;
	base.any_mac = o->any_mac;
	base.role_file = o->role_file;
	if (o->timeout_ms == 0) {
		/* one round must end: every target needs a deadline */
		log_warnx("--targets needs a timeout: -t 0 would wait forever");
		return o->usage_exit;
	}
	err = malloc(errcap);
	if (err == NULL) {
		log_warn("--targets");
		return CHK_EXIT_FAIL;
	}
	if (conf_load(o->targets, &base, &c, err, errcap) != 0) {
		fputs(err, stderr);
		free(err);
		return o->usage_exit;
	}
	free(err);
	if (c.n == 0) {
		log_warnx("%s: no targets", o->targets);
		conf_free(&c);
		return CHK_EXIT_FAIL;
	}
	rd.et = calloc(c.n, sizeof(*rd.et));
	rd.rep = calloc(c.n, sizeof(*rd.rep));
	loop = evl_new();
	if (rd.et == NULL || rd.rep == NULL || loop == NULL) {
		log_warn("--targets");
		goto out;
	}
	e = eng_new(loop, round_done, &rd);
	if (e == NULL)
		goto out;
	for (size_t i = 0; i < c.n; i++) {
		rd.et[i].spec = c.t[i].spec;
		if (eng_target_add(e, &rd.et[i]) != 0)
			goto out;
	}
	/* Every packet socket is open: as check_tcp_raw alone, keep no
	 * capability while replies from the network are parsed. */
	if (priv_keep_caps(NULL, 0) != 0) {
		log_warnx("could not drop capabilities after opening the packet sockets");
		goto out;
	}
	now = clock_mono_us();
	for (size_t i = 0; i < c.n; i++) {
		if (eng_check_start(e, &rd.et[i], now) != 0) {
			log_warnx("out of memory starting checks");
			goto out;
		}
		rd.left++;
	}
	while (rd.left > 0)
		if (evl_run_once(loop, 1000000) != 0) {
			log_warn("epoll");
			goto out;
		}
	for (size_t i = 0; i < c.n; i++) {
		print_line(&c.t[i].spec, &rd.rep[i]);
		ok += chk_outcome_is_success(rd.rep[i].outcome);
	}
	fflush(stdout);
	rc = ok == c.n ? CHK_EXIT_OK : CHK_EXIT_FAIL;
out:
	if (e != NULL && rd.et != NULL)
		for (size_t i = 0; i < c.n; i++)
			eng_target_remove(e, &rd.et[i]);
	eng_free(e);
	evl_free(loop);
	free(rd.et);
	free(rd.rep);
	conf_free(&c);
	return rc;
}
