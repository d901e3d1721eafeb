/*
 * libFuzzer harness: the handshake tracker and the connection tracker
 * together, as tcpeek --track-established runs them (frame by frame, the
 * handshake tracker first), on segments built from small pools so that
 * handshakes complete and their connections then see data, probes,
 * retransmissions, FINs and RSTs with sequence numbers near the ones that
 * matter; plus clock steps forward and back.
 *
 * Checks beyond the sanitizers:
 *  - every connection event ends at or after it starts, has a known end,
 *    a side only where the end has one, answered <= probes, and its
 *    filters are the ones its handshake had;
 *  - open connections never exceed the cap; after time runs past every
 *    idle deadline none is left open, and every connection opened was
 *    reported once (or counted as overflow);
 *  - each event's --events line builds, and the stats document with the
 *    conn sections parses with tcpeekstat's parser.
 *
 * Input: 3 header bytes: cap (low 3 bits + 1), idle timeout (s, + 1),
 * flags (bit 0: build the documents), then records of 6 bytes:
 *   b0: tuple (bits 0-2), side (bit 3: server), kind (bits 4-7)
 *   b1: sequence pick, b2: length pick, b3-b4: dt, b5: extra flags
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "net/pkt.h"
#include "peek/conn.h"
#include "peek/doc.h"
#include "peek/events.h"
#include "peek/stats.h"
#include "peek/track.h"
#include "stat/tstat_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NTUP 8
static const char *const names[] = { "RX", "TX" };

struct st {
	struct trk *trk;
	struct conn *conn;
	struct stat_filter stats[2];
	uint64_t opened, ended, overflow;
	uint32_t cap;
	int docs;
};

static void conn_done(void *arg, const struct conn_event *ev)
{
	struct st *s = arg;
	json_object *o;

	if (ev->end_us < ev->start_us || ev->end > CONN_IDLE || ev->filters != 1)
		abort();
	if ((ev->end == CONN_FIN || ev->end == CONN_IDLE) != (ev->by == CONN_NOSIDE) &&
	    ev->via != CONN_VIA_NEW_SYN)
		abort();
	for (int i = 0; i < 2; i++)
		if (ev->answered[i] > ev->probes[i])
			abort();
	stat_record_conn(&s->stats[0], ev);
	o = evw_json_connection(ev, names, 2);
	if (!o)
		abort();
	json_object_put(o);
	s->ended++;
}

static void conn_over(void *arg, uint64_t filters)
{
	struct st *s = arg;

	(void)filters;
	s->overflow++;
}

static void hs_done(void *arg, const struct trk_event *ev)
{
	struct st *s = arg;
	json_object *o = evw_json_handshake(ev, names, 2);

	if (!o)
		abort();
	json_object_put(o);
	if (ev->result == TRK_SUCCESS)
		s->opened++;
	conn_handshake(s->conn, ev);
}

static void feed(struct st *s, const struct pkt_frame *f, uint64_t ts)
{
	struct conn_stats cs;

	trk_packet(s->trk, f, ts);
	conn_packet(s->conn, f, ts);
	conn_get_stats(s->conn, &cs);
	if (cs.open > s->cap)
		abort();
}

static void check_doc(struct st *s)
{
	uint64_t open[2] = { 0, 0 };
	struct doc_src d;
	struct tstat_doc td;
	char err[256], *text;

	memset(&d, 0, sizeof(d));
	d.nfilt = 2;
	d.names = names;
	d.stats = s->stats;
	d.open = open;
	d.conn = 1;
	d.conn_open = open;
	d.events = 1;
	text = doc_text(&d, CTL_GET);
	if (!text)
		return;
	if (tstat_parse(text, strlen(text), &td, err, sizeof(err)) != 0)
		abort();
	tstat_doc_free(&td);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t cli_isn[NTUP] = { 1000, 0xfffffff0u, 7, 0x80000000u, 1000, 5, 9, 11 };
	static const uint32_t srv_isn[NTUP] = { 5000, 3, 0xffffffffu, 0x7fffffffu, 6000, 8, 10, 12 };
	struct trk_config tc = { .timeout_us = 3000000, .max_sessions = 16 };
	struct trk_ops to = { .done = hs_done };
	struct conn_ops co = { .done = conn_done, .overflow = conn_over };
	struct conn_config cc;
	struct conn_stats cs;
	struct st s;
	uint64_t ts = 1000000;

	if (size < 3)
		return 0;
	memset(&s, 0, sizeof(s));
	s.cap = (data[0] & 7u) + 1;
	s.docs = data[2] & 1;
	cc.max_conns = s.cap;
	cc.idle_us = ((uint64_t)data[1] + 1) * 1000000u;
	s.trk = trk_new(&tc, &to, &s);
	s.conn = conn_new(&cc, &co, &s);
	if (!s.trk || !s.conn)
		abort();
	for (size_t i = 3; i + 6 <= size; i += 6) {
		const uint8_t *r = data + i;
		int tup = r[0] & 7, srv = (r[0] >> 3) & 1, kind = r[0] >> 4;
		uint32_t dt = (uint32_t)r[3] | (uint32_t)r[4] << 8;
		struct pkt_frame f;
		uint32_t mine = srv ? srv_isn[tup] : cli_isn[tup];
		uint32_t theirs = srv ? cli_isn[tup] : srv_isn[tup];
		static const uint8_t kflags[16] = {
			PKT_TH_SYN, PKT_TH_SYN | PKT_TH_ACK, PKT_TH_ACK, PKT_TH_ACK | PKT_TH_PUSH,
			PKT_TH_ACK, PKT_TH_ACK | PKT_TH_FIN, PKT_TH_RST, PKT_TH_RST | PKT_TH_ACK,
			PKT_TH_ACK, PKT_TH_ACK, PKT_TH_ACK, PKT_TH_ACK | PKT_TH_PUSH,
			PKT_TH_ACK | PKT_TH_FIN, PKT_TH_ACK, 0, PKT_TH_ACK,
		};

		ts += (r[4] & 0x80) ? (uint64_t)(dt & 0x7fff) * 100000u : dt;
		memset(&f, 0, sizeof(f));
		f.has_ip = f.has_tcp = 1;
		f.ip.src = addr_ip4(srv ? 0x0a000001u : 0xc0a80000u + (uint32_t)(tup & 3));
		f.ip.dst = addr_ip4(srv ? 0xc0a80000u + (uint32_t)(tup & 3) : 0x0a000001u);
		if (r[5] & 0x80) {
			/* the same tuple in IPv6: 2001:db8::/96 + the IPv4 bytes */
			struct addr *e[2] = { &f.ip.src, &f.ip.dst };

			for (int k = 0; k < 2; k++) {
				uint32_t w = e[k]->u.w[0];

				memset(e[k], 0, sizeof(*e[k]));
				e[k]->family = AF_INET6;
				e[k]->u.b[0] = 0x20, e[k]->u.b[1] = 0x01;
				e[k]->u.b[2] = 0x0d, e[k]->u.b[3] = 0xb8;
				e[k]->u.w[3] = w;
			}
		}
		f.tcp.sport = srv ? 80 : (uint16_t)(40000 + (tup >> 2));
		f.tcp.dport = srv ? (uint16_t)(40000 + (tup >> 2)) : 80;
		f.tcp.flags = (uint8_t)(kflags[kind] | (r[5] & 0x40 ? r[5] & 0x3f : 0));
		/* near the ISN + small offsets, so probes and retransmissions happen */
		f.tcp.seq = mine + (kind == 0 || kind == 1 ? 0 : (uint32_t)(r[1] & 0x3f) - 1u);
		f.tcp.ack = theirs + 1 + (uint32_t)(r[1] >> 6) * (uint32_t)(r[2] & 0xf);
		f.tcp.payload_len = (r[2] >> 4) == 15 ? 1460 : (uint32_t)(r[2] >> 4);
		if (kind == 14) {
			trk_advance(s.trk, ts);
			conn_advance(s.conn, ts);
			continue;
		}
		feed(&s, &f, ts);
	}
	/* past every deadline: every connection has ended */
	ts += 3000000000ull;
	trk_advance(s.trk, ts);
	conn_advance(s.conn, ts);
	conn_get_stats(s.conn, &cs);
	if (cs.open != 0 || s.ended + s.overflow != s.opened || cs.overflow != s.overflow)
		abort();
	if (s.docs)
		check_doc(&s);
	conn_free(s.conn);
	trk_free(s.trk);
	return 0;
}
