/* The JSON fields of one check's report, shared by check_tcp_raw -j, its
 * --targets lines and synscoped, so the three never drift apart. */
#include <json-c/json.h>

#include "check/report.h"

static json_object *json_mac(int have, const uint8_t *mac)
{
	char s[PKT_MAC_STRLEN];

	return have ? json_object_new_string(pkt_fmt_mac(s, mac)) : NULL;
}

static json_object *json_u8(int have, uint8_t v)
{
	return have ? json_object_new_int(v) : NULL;
}

void chk_report_json(json_object *o, const struct chk_report *r)
{
	json_object_object_add(o, "verdict",
	                       json_object_new_string(chk_outcome_verdict(r->outcome)));
	json_object_object_add(o, "outcome", json_object_new_string(chk_outcome_str(r->outcome)));
	json_object_object_add(o, "reason", json_object_new_string(r->reason));
	json_object_object_add(o, "mode", json_object_new_string(r->mode ? r->mode : "raw"));
	json_object_object_add(o, "real_server_mac", json_mac(r->have_mac, r->rs_mac));
	json_object_object_add(o, "reply_mac", json_mac(r->reply.have, r->reply.mac));
	json_object_object_add(o, "reply_ttl", json_u8(r->reply.have, r->reply.ttl));
	json_object_object_add(o, "icmp_type", json_u8(r->have_icmp, r->icmp_type));
	json_object_object_add(o, "icmp_code", json_u8(r->have_icmp, r->icmp_code));
	json_object_object_add(o, "source_port", json_object_new_int(r->sport));
	json_object_object_add(o, "rtt_us",
	                       r->have_rtt ? json_object_new_int64((int64_t)r->rtt_us) : NULL);
	json_object_object_add(o, "elapsed_us", json_object_new_int64((int64_t)r->elapsed_us));
}

void chk_report_from_chk(struct chk_report *r, const struct chk *c)
{
	r->outcome = c->outcome;
	chk_fmt_reason(r->reason, sizeof(r->reason), c);
	r->have_mac = c->have_rs_mac;
	memcpy(r->rs_mac, c->rs_mac, 6);
	r->reply = c->reply;
	r->have_icmp = c->outcome == CHK_OUT_ICMP_UNREACH;
	r->icmp_type = c->icmp_type;
	r->icmp_code = c->icmp_code;
	r->have_rtt = c->have_rtt;
	r->rtt_us = c->have_rtt ? c->t_synack - c->t_syn : 0;
}
