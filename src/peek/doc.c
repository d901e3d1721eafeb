/* The stats JSON document: see doc.h and docs/tcpeek-json.md. */
#include "peek/doc.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Add key: uint64 to obj; returns 0 or -1 (allocation failed). */
static int put_u64(json_object *obj, const char *key, uint64_t v)
{
	json_object *n = json_object_new_uint64(v);

	if (!n)
		return -1;
	if (json_object_object_add(obj, key, n) != 0) {
		json_object_put(n);
		return -1;
	}
	return 0;
}

static int put_obj(json_object *obj, const char *key, json_object *child)
{
	if (!child)
		return -1;
	if (json_object_object_add(obj, key, child) != 0) {
		json_object_put(child);
		return -1;
	}
	return 0;
}

static json_object *filter_obj(const struct stat_counts *c, uint64_t open, int refresh)
{
	json_object *f = json_object_new_object();
	json_object *succ = json_object_new_object();
	json_object *fail = json_object_new_object();
	json_object *other = json_object_new_object();
	json_object *hs = json_object_new_object();
	/* REFRESH folds unreach into reject, as the original did for Ganglia */
	uint64_t reject = refresh ? c->reject + c->unreach : c->reject;
	uint64_t unreach = refresh ? 0 : c->unreach;
	int rc = 0;

	if (!f || !succ || !fail || !other || !hs) {
		json_object_put(f);
		json_object_put(succ);
		json_object_put(fail);
		json_object_put(other);
		json_object_put(hs);
		return NULL;
	}
	rc |= put_u64(succ, "total", c->success);
	rc |= put_u64(succ, "dupsyn", c->success_dupsyn);
	rc |= put_u64(succ, "dupsynack", c->success_dupsynack);
	rc |= put_u64(fail, "total", stat_failures(c));
	rc |= put_u64(fail, "timeout", c->timeout);
	rc |= put_u64(fail, "reject", reject);
	rc |= put_u64(fail, "unreach", unreach);
	rc |= put_u64(fail, "dupsyn", c->failure_dupsyn);
	rc |= put_u64(fail, "dupsynack", c->failure_dupsynack);
	rc |= put_u64(other, "abort", c->abort);
	rc |= put_u64(other, "open", open);
	rc |= put_u64(other, "untracked", c->untracked);
	rc |= put_u64(hs, "p50", hist_quantile(&c->hs, 0.50));
	rc |= put_u64(hs, "p90", hist_quantile(&c->hs, 0.90));
	rc |= put_u64(hs, "p99", hist_quantile(&c->hs, 0.99));
	rc |= put_u64(hs, "max", c->hs.max);
	rc |= put_obj(f, "success", succ);
	rc |= put_obj(f, "failure", fail);
	/* every member an object of integers: clients in the original's
	 * style walk filter -> section -> item and fail on a bare value */
	rc |= put_obj(f, DOC_OTHER, other);
	rc |= put_obj(f, "handshake_us", hs);
	if (rc) {
		json_object_put(f);
		return NULL;
	}
	return f;
}

/* The handshake times as cumulative counts at the fixed bounds (the shape
 * of a Prometheus histogram): "le_N" = successes that took <= N µs, then
 * "count" (all of them, the +Inf bucket) and "sum" (µs). */
static json_object *hist_obj(const struct stat_counts *c)
{
	json_object *h = json_object_new_object();
	uint64_t cum = 0;
	char key[32];
	int rc = 0;

	if (!h)
		return NULL;
	for (unsigned i = 0; i < STAT_HS_NLE; i++) {
		cum += c->hs_le[i];
		snprintf(key, sizeof(key), "le_%" PRIu64, stat_hs_le_us[i]);
		rc |= put_u64(h, key, cum);
	}
	rc |= put_u64(h, "count", c->success);
	rc |= put_u64(h, "sum", c->hs_sum);
	if (rc) {
		json_object_put(h);
		return NULL;
	}
	return h;
}

/* How connections ended (--track-established). */
static json_object *conn_obj(const struct stat_conn *c, uint64_t open)
{
	json_object *o = json_object_new_object();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= put_u64(o, "fin", c->fin);
	rc |= put_u64(o, "reset_client_before_data", c->reset[0][0]);
	rc |= put_u64(o, "reset_client_after_data", c->reset[0][1]);
	rc |= put_u64(o, "reset_server_before_data", c->reset[1][0]);
	rc |= put_u64(o, "reset_server_after_data", c->reset[1][1]);
	rc |= put_u64(o, "keepalive", c->keepalive);
	rc |= put_u64(o, "half_open", c->half_open);
	rc |= put_u64(o, "idle", c->idle);
	rc |= put_u64(o, "open", open);
	rc |= put_u64(o, "overflow", c->overflow);
	rc |= put_u64(o, "keepalive_probes", c->probes);
	rc |= put_u64(o, "keepalive_unanswered", c->unanswered);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Connection durations, in the shape of hist_obj. */
static json_object *conn_hist_obj(const struct stat_conn *c)
{
	json_object *h = json_object_new_object();
	uint64_t cum = 0;
	char key[32];
	int rc = 0;

	if (!h)
		return NULL;
	for (unsigned i = 0; i < STAT_CONN_NLE; i++) {
		cum += c->le[i];
		snprintf(key, sizeof(key), "le_%" PRIu64, stat_conn_le_us[i]);
		rc |= put_u64(h, key, cum);
	}
	rc |= put_u64(h, "count", c->count);
	rc |= put_u64(h, "sum", c->sum_us);
	if (rc) {
		json_object_put(h);
		return NULL;
	}
	return h;
}

static json_object *pcap_obj(const struct doc_src *s)
{
	json_object *outer = json_object_new_object();
	json_object *pcap = json_object_new_object();
	json_object *st = json_object_new_object();
	json_object *tr = json_object_new_object();
	int rc = 0;

	if (!outer || !pcap || !st || !tr) {
		json_object_put(outer);
		json_object_put(pcap);
		json_object_put(st);
		json_object_put(tr);
		return NULL;
	}
	rc |= put_u64(st, "recv", s->pcap.recv);
	rc |= put_u64(st, "drop", s->pcap.drop);
	rc |= put_u64(st, "ifdrop", s->pcap.ifdrop);
	rc |= put_u64(tr, "packets", s->tracker.packets);
	rc |= put_u64(tr, "malformed", s->tracker.malformed);
	rc |= put_u64(tr, "untracked", s->tracker.untracked);
	rc |= put_u64(tr, "open", s->tracker.open);
	rc |= put_u64(tr, "peak", s->tracker.peak);
	rc |= put_u64(tr, "max_sessions", s->tracker.max_sessions);
	rc |= put_obj(pcap, "stats", st);
	rc |= put_obj(pcap, "tracker", tr);
	if (s->conn) {
		json_object *ct = json_object_new_object();

		if (ct) {
			rc |= put_u64(ct, "open", s->conn_tracker.open);
			rc |= put_u64(ct, "peak", s->conn_tracker.peak);
			rc |= put_u64(ct, "overflow", s->conn_tracker.overflow);
			rc |= put_u64(ct, "max_connections", s->conn_tracker.max_connections);
		}
		rc |= put_obj(pcap, "conn_tracker", ct);
	}
	if (s->events) {
		json_object *ev = json_object_new_object();

		if (ev) {
			rc |= put_u64(ev, "written", s->ev.written);
			rc |= put_u64(ev, "dropped", s->ev.dropped);
			rc |= put_u64(ev, "pending", s->ev.pending);
		}
		rc |= put_obj(pcap, "events", ev);
	}
	rc |= put_obj(outer, "pcap", pcap);
	if (rc) {
		json_object_put(outer);
		return NULL;
	}
	return outer;
}

json_object *doc_build(const struct doc_src *s, enum ctl_method m)
{
	json_object *arr = json_object_new_array();
	int refresh = m == CTL_REFRESH;

	if (!arr)
		return NULL;
	for (int i = 0; i < s->nfilt; i++) {
		const struct stat_counts *c = refresh ? &s->stats[i].delta : &s->stats[i].total;
		json_object *one = json_object_new_object();
		json_object *f = filter_obj(c, s->open[i], refresh);

		/* the histogram last: an addition, kept apart from the rest */
		if (f && (put_obj(f, "handshake_hist_us", hist_obj(c)) != 0 ||
		          (s->conn && (put_obj(f, "conn", conn_obj(&c->conn, s->conn_open[i])) != 0 ||
		                       put_obj(f, "conn_duration_hist_us", conn_hist_obj(&c->conn)) != 0)))) {
			json_object_put(f);
			json_object_put(one);
			json_object_put(arr);
			return NULL;
		}
		if (!one || put_obj(one, s->names[i], f) != 0 ||
		    json_object_array_add(arr, one) != 0) {
			json_object_put(one);
			json_object_put(arr);
			return NULL;
		}
	}
	if (!refresh) {
		json_object *p = pcap_obj(s);

		if (!p || json_object_array_add(arr, p) != 0) {
			json_object_put(p);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

char *doc_text(struct doc_src *s, enum ctl_method m)
{
	json_object *doc = doc_build(s, m);
	char *text;

	if (!doc)
		return NULL;
	/* '/' needs no escaping in JSON; names like "a/b" stay readable */
	text = (char *)json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
	                                              JSON_C_TO_STRING_NOSLASHESCAPE);
	text = text ? strdup(text) : NULL;
	json_object_put(doc);
	/* only once the answer exists: a failed REFRESH must lose nothing */
	if (text && m == CTL_REFRESH)
		for (int i = 0; i < s->nfilt; i++)
			stat_reset_delta(&s->stats[i]);
	return text;
}
