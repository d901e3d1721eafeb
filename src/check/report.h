/* A check's report as JSON fields, and filled from a finished machine. */
#ifndef SYNSCOPE_CHECK_REPORT_H
#define SYNSCOPE_CHECK_REPORT_H

#include <json-c/json.h>
#include <string.h>

#include "check/run.h"

/* Add verdict, outcome, reason, mode, real_server_mac, reply_mac,
 * reply_ttl, icmp_type, icmp_code, source_port, rtt_us, elapsed_us (in
 * that order; null where unknown) to O. */
void chk_report_json(json_object *o, const struct chk_report *r);
/* Outcome, reason, MACs, reply, ICMP and RTT of the finished machine C. */
void chk_report_from_chk(struct chk_report *r, const struct chk *c);

#endif
