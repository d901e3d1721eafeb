/* The check state machine (see chk.h).  All state changes happen here. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check/chk.h"

#define TCP_WIN 64240
#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)

/* What each family calls the things the check talks about: the one
 * place here that tells them apart (the protocols differ: ARP and
 * neighbour discovery, ICMP and ICMPv6). */
struct words {
	const char *nbr;          /* the neighbour protocol */
	const char *reply;        /* its answer */
	const char *icmp;
	const char *unreach;      /* the ICMP error the check acts upon */
	const char *(*code_str)(uint8_t code);   /* its codes */
	int nd;                   /* neighbour discovery (hop limit, S flag) */
};
static const struct words words4 = { "ARP", "ARP reply", "ICMP", "ICMP unreachable",
	                              chk_unreach_str, 0 };
static const struct words words6 = { "neighbour discovery", "Neighbor Advertisement", "ICMPv6",
	                              "ICMPv6 unreachable", chk_unreach6_str, 1 };

static const struct words *words_of(const struct addr *a)
{
	return a->family == AF_INET6 ? &words6 : &words4;
}

static void out_reset(struct chk_out *out)
{
	memset(out, 0, sizeof(*out));
}

static void ignore(struct chk_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ignore(struct chk_out *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->ignored, sizeof(out->ignored), fmt, ap);
	va_end(ap);
}

static void finish(struct chk *c, enum chk_outcome o)
{
	c->outcome = o;
	c->state = CHK_ST_DONE;
	c->deadline = CHK_NO_WAKE;
	c->next_retx = CHK_NO_WAKE;
}

static void note_reply(struct chk_reply *r, const struct pkt_frame *f, const char *what)
{
	r->have = 1;
	memcpy(r->mac, f->eth.src, PKT_ETH_ALEN);
	r->ttl = f->ip.ttl;
	r->what = what;
}

/* A reply that validated in every other respect: does it come from the
 * real server's MAC?  In LVS-DR the real server answers the client
 * directly, so its SYN/ACK leaves from the MAC our ARP resolved.  A reply
 * from elsewhere means the SYN was forwarded (a server without the VIP
 * routing it on to one that has it) or the reply routed (policy routing
 * through a gateway): the first must not pass, the second is allowed with
 * -A.  Returns 1 if F may count; else tells why it is ignored and keeps
 * the first such reply for the verdict. */
static int from_real_server(struct chk *c, const struct pkt_frame *f, const char *what,
                            struct chk_out *out)
{
	char got[PKT_MAC_STRLEN], want[PKT_MAC_STRLEN];

	if (c->cfg.any_mac || memcmp(f->eth.src, c->rs_mac, PKT_ETH_ALEN) == 0)
		return 1;
	ignore(out, "reply from MAC %s, not the real server's %s", pkt_fmt_mac(got, f->eth.src),
	       pkt_fmt_mac(want, c->rs_mac));
	if (!c->foreign.have)
		note_reply(&c->foreign, f, what);
	return 0;
}

static const uint8_t bcast_mac[PKT_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The neighbour request for the real server: ARP who-has, broadcast; for
 * IPv6 a Neighbor Solicitation to its solicited-node multicast group
 * (the codec derives the group and its MAC from the target). */
static void emit_arp(struct chk *c, struct chk_out *out)
{
	size_t n;

	if (out->ntx >= CHK_MAX_TX)
		return;
	n = pkt_build_nbr_request(out->tx[out->ntx].buf, CHK_FRAME_MAX, c->cfg.our_mac,
	                          c->cfg.our, c->cfg.rs);
	if (n == 0)
		return;
	out->tx[out->ntx].len = n;
	out->ntx++;
}

static void emit_tcp(struct chk *c, struct chk_out *out, uint8_t flags,
                     uint32_t seq, uint32_t ack, uint16_t mss)
{
	struct pkt_tcp_spec s = {
		.smac = c->cfg.our_mac, .dmac = c->rs_mac,
		.src = c->cfg.our, .dst = c->cfg.vip,
		.sport = c->cfg.sport, .dport = c->cfg.port,
		.seq = seq, .ack = ack, .flags = flags, .win = TCP_WIN,
		.mss = mss, .ip_id = c->ip_id++,
	};
	size_t n;

	if (out->ntx >= CHK_MAX_TX)
		return;
	n = pkt_build_tcp(out->tx[out->ntx].buf, CHK_FRAME_MAX, &s);
	if (n == 0)
		return;
	out->tx[out->ntx].len = n;
	out->ntx++;
}

/* The k-th SYN retransmission (k = 1..retries) is due at k/(retries+1) of
 * the deadline, so all of them fit inside it. */
static uint64_t syn_retx_at(const struct chk *c)
{
	uint64_t t = c->cfg.timeout_us;
	int n = c->cfg.retries;

	if (c->syn_sent > n)
		return CHK_NO_WAKE;
	if (t == 0)	/* no deadline: spread them one second apart */
		return c->stage_start + (uint64_t)c->syn_sent * 1000000u;
	return c->stage_start + t * (uint64_t)c->syn_sent / (uint64_t)(n + 1);
}

/* The first ARP retransmission comes after a quarter of the timeout (at
 * most 200 ms); each gap doubles, up to 1 s, so that an address nobody
 * answers for (with -t 0, forever) costs one request a second. */
static uint64_t arp_first_gap(const struct chk *c)
{
	uint64_t q = c->cfg.timeout_us / 4;

	return (q == 0 || q > CHK_ARP_RETX_US) ? CHK_ARP_RETX_US : q;
}

static uint64_t deadline_from(const struct chk *c, uint64_t now)
{
	return c->cfg.timeout_us ? now + c->cfg.timeout_us : CHK_NO_WAKE;
}

void chk_start(struct chk *c, const struct chk_config *cfg, uint64_t now,
               struct chk_out *out)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->ip_id = cfg->ip_id;
	c->state = CHK_ST_ARP;
	c->stage_start = now;
	c->deadline = deadline_from(c, now);
	c->arp_gap = arp_first_gap(c);
	c->next_retx = now + c->arp_gap;
	out_reset(out);
	emit_arp(c, out);
}

static void send_syn(struct chk *c, const uint8_t *rs_mac, uint64_t now,
                     struct chk_out *out);

void chk_start_resolved(struct chk *c, const struct chk_config *cfg, const uint8_t *rs_mac,
                        uint64_t now, struct chk_out *out)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->ip_id = cfg->ip_id;
	out_reset(out);
	send_syn(c, rs_mac, now, out);
}

uint64_t chk_next_wake(const struct chk *c)
{
	if (c->state == CHK_ST_DONE)
		return CHK_NO_WAKE;
	return c->deadline < c->next_retx ? c->deadline : c->next_retx;
}

static enum chk_outcome timeout_outcome(const struct chk *c)
{
	if (c->state == CHK_ST_ARP)
		return CHK_OUT_TIMEOUT_ARP;
	if (c->foreign.have)
		return CHK_OUT_WRONG_MAC;
	return c->state == CHK_ST_SYN_SENT ? CHK_OUT_TIMEOUT_SYNACK : CHK_OUT_TIMEOUT_FIN;
}

void chk_on_tick(struct chk *c, uint64_t now, struct chk_out *out)
{
	out_reset(out);
	if (c->state == CHK_ST_DONE)
		return;
	if (now >= c->deadline) {
		enum chk_outcome o = timeout_outcome(c);

		/* The verdict is about what came instead. */
		if (o == CHK_OUT_WRONG_MAC)
			c->reply = c->foreign;
		c->timeout_state = c->state;
		finish(c, o);
		return;
	}
	if (now < c->next_retx)
		return;
	if (c->state == CHK_ST_ARP) {
		emit_arp(c, out);
		c->arp_gap *= 2;
		if (c->arp_gap > CHK_ARP_RETX_MAX_US)
			c->arp_gap = CHK_ARP_RETX_MAX_US;
		c->next_retx = now + c->arp_gap;
	} else if (c->state == CHK_ST_SYN_SENT) {
		/* Same port and ISN: a retransmission, not a new attempt. */
		emit_tcp(c, out, PKT_TH_SYN, c->cfg.isn, 0, c->cfg.mss);
		c->syn_sent++;
		c->next_retx = syn_retx_at(c);
	} else {
		c->next_retx = CHK_NO_WAKE;
	}
}

/* The real server's MAC is known: send the SYN, wait for its answer. */
static void send_syn(struct chk *c, const uint8_t *rs_mac, uint64_t now, struct chk_out *out)
{
	memcpy(c->rs_mac, rs_mac, PKT_ETH_ALEN);
	c->have_rs_mac = 1;
	c->state = CHK_ST_SYN_SENT;
	c->stage_start = now;
	c->t_syn = now;
	c->deadline = deadline_from(c, now);
	emit_tcp(c, out, PKT_TH_SYN, c->cfg.isn, 0, c->cfg.mss);
	c->syn_sent = 1;
	c->next_retx = syn_retx_at(c);
}

/* A neighbour reply: an ARP reply, or a Neighbor Advertisement validated
 * as RFC 4861 7.1.2 and 7.2.5 ask (hop limit 255: nothing routed can
 * forge it; solicited; for the real server; to us). */
static void on_nbr(struct chk *c, const struct pkt_frame *f, uint64_t now,
                   struct chk_out *out)
{
	char a[ADDR_STRLEN];
	const struct pkt_nbr *nb = &f->nbr;
	const struct words *w = words_of(&c->cfg.rs);
	const uint8_t *lladdr;

	out->is_arp = 1;
	if (c->state != CHK_ST_ARP) {
		ignore(out, "%s after the real server was resolved", w->nbr);
		return;
	}
	if (nb->spa.family != c->cfg.rs.family) {
		ignore(out, "%s while the check is over %s", words_of(&nb->spa)->nbr,
		       addr_family_name(c->cfg.rs.family));
		return;
	}
	if (nb->op != PKT_NBR_REPLY) {
		if (w->nd)
			ignore(out, "Neighbor Solicitation, not an advertisement");
		else
			ignore(out, "ARP op %u is not a reply", nb->op);
		return;
	}
	if (w->nd && nb->hlim != 255) {
		ignore(out, "Neighbor Advertisement with hop limit %u, not 255", nb->hlim);
		return;
	}
	if (!addr_eq(&nb->spa, &c->cfg.rs)) {
		ignore(out, "%s %s %s, not the real server", w->reply, w->nd ? "for" : "from",
		       addr_fmt(a, &nb->spa));
		return;
	}
	if (!addr_eq(&nb->tpa, &c->cfg.our)) {
		ignore(out, "%s to %s, not our address", w->reply, addr_fmt(a, &nb->tpa));
		return;
	}
	if (w->nd && !(nb->nd_flags & PKT_ND_SOLICITED)) {
		ignore(out, "unsolicited Neighbor Advertisement");
		return;
	}
	/* Some stacks and appliances broadcast their ARP replies; the
	 * addresses inside (sender = the real server, target = us) are what
	 * counts.  A solicited advertisement is unicast to us. */
	if (memcmp(f->eth.dst, c->cfg.our_mac, PKT_ETH_ALEN) != 0 &&
	    (w->nd || memcmp(f->eth.dst, bcast_mac, PKT_ETH_ALEN) != 0)) {
		ignore(out, "%s not sent to our MAC%s", w->reply, w->nd ? "" : " nor to broadcast");
		return;
	}
	/* Every reply is validated against this MAC: it must be the one
	 * that actually put the reply on the wire, or a station could name
	 * another's address (or an unused one) and choose whose replies
	 * count.  An advertisement without a target link-layer address
	 * option names none: its Ethernet source is the address. */
	lladdr = (w->nd && !nb->has_sha) ? f->eth.src : nb->sha;
	if (memcmp(f->eth.src, lladdr, PKT_ETH_ALEN) != 0) {
		if (w->nd)
			ignore(out, "Neighbor Advertisement whose Ethernet source differs from its "
			       "target link-layer address");
		else
			ignore(out, "ARP reply whose Ethernet source differs from its sender address");
		return;
	}
	out->accepted = 1;
	send_syn(c, lladdr, now, out);
}

static void on_icmp(struct chk *c, const struct pkt_frame *f, struct chk_out *out)
{
	const struct pkt_icmp *ic = &f->icmp;
	const struct words *w = words_of(&c->cfg.vip);

	if (!addr_eq(&f->ip.dst, &c->cfg.our)) {
		ignore(out, "%s not addressed to us", w->icmp);
		return;
	}
	if (!ic->unreach) {
		ignore(out, "%s type %u is not destination unreachable", w->icmp, ic->type);
		return;
	}
	if (!ic->has_quote || !addr_eq(&ic->q_ip.src, &c->cfg.our) ||
	    !addr_eq(&ic->q_ip.dst, &c->cfg.vip) ||
	    ic->q_sport != c->cfg.sport || ic->q_dport != c->cfg.port ||
	    ic->q_seq != c->cfg.isn) {
		ignore(out, "%s unreachable does not quote our SYN", w->icmp);
		return;
	}
	if (c->state != CHK_ST_SYN_SENT) {
		ignore(out, "%s unreachable after the handshake", w->icmp);
		return;
	}
	if (!from_real_server(c, f, w->unreach, out))
		return;
	out->accepted = 1;
	note_reply(&c->reply, f, w->unreach);
	c->icmp_type = ic->type;
	c->icmp_code = ic->code;
	finish(c, CHK_OUT_ICMP_UNREACH);
}

static void on_syn_sent(struct chk *c, const struct pkt_frame *f, uint64_t now,
                        struct chk_out *out)
{
	const struct pkt_tcp *t = &f->tcp;
	uint32_t want = c->cfg.isn + 1;

	if ((t->flags & PKT_TH_RST) != 0) {
		if ((t->flags & PKT_TH_ACK) == 0 || t->ack != want) {
			ignore(out, "RST does not acknowledge our SYN (ack %u, expected %u)",
			       t->ack, want);
			return;
		}
		if (!from_real_server(c, f, "RST", out))
			return;
		out->accepted = 1;
		note_reply(&c->reply, f, "RST");
		finish(c, CHK_OUT_REFUSED);
		return;
	}
	if ((t->flags & (PKT_TH_SYN | PKT_TH_ACK)) != (PKT_TH_SYN | PKT_TH_ACK)) {
		ignore(out, "not a SYN/ACK");
		return;
	}
	if (t->ack != want) {
		ignore(out, "SYN/ACK acknowledges %u, expected %u (stale or forged)",
		       t->ack, want);
		return;
	}
	if (!from_real_server(c, f, "SYN/ACK", out))
		return;
	out->accepted = 1;
	note_reply(&c->reply, f, "SYN/ACK");
	c->t_synack = now;
	c->have_rtt = 1;
	c->srv_isn = t->seq;
	c->rcv_nxt = t->seq + 1;
	emit_tcp(c, out, PKT_TH_ACK, want, c->rcv_nxt, 0);
	if (!c->cfg.clean_close) {
		emit_tcp(c, out, PKT_TH_RST | PKT_TH_ACK, want, c->rcv_nxt, 0);
		finish(c, CHK_OUT_SYNACK);
		return;
	}
	emit_tcp(c, out, PKT_TH_FIN | PKT_TH_ACK, want, c->rcv_nxt, 0);
	c->state = CHK_ST_FIN_WAIT;
	c->stage_start = now;
	c->deadline = deadline_from(c, now);
	c->next_retx = CHK_NO_WAKE;
}

/* Our FIN occupies ISN+1; the peer's FIN may come before, with or after
 * the ACK of ours, and data may precede it: acknowledge what arrives in
 * order, finish when both FINs are acknowledged. */
static void on_fin_wait(struct chk *c, const struct pkt_frame *f, struct chk_out *out)
{
	const struct pkt_tcp *t = &f->tcp;
	uint32_t fin_seq = c->cfg.isn + 1, after_fin = c->cfg.isn + 2;
	int ack_it = 0;

	if ((t->flags & PKT_TH_SYN) != 0) {
		/* The server did not get our ACK yet; it will get the FIN's. */
		ignore(out, "SYN/ACK retransmission during close");
		return;
	}
	/* An RST is judged by its sequence number alone (RFC 5961 §3: exactly
	 * the next expected one), as a server may reset without an ACK. */
	if ((t->flags & PKT_TH_RST) != 0) {
		if (t->seq != c->rcv_nxt) {
			ignore(out, "RST with sequence %u, expected %u", t->seq, c->rcv_nxt);
			return;
		}
		if (!from_real_server(c, f, "RST", out))
			return;
		out->accepted = 1;
		note_reply(&c->reply, f, "RST");
		finish(c, CHK_OUT_RESET_CLOSE);
		return;
	}
	if ((t->flags & PKT_TH_ACK) == 0 || SEQ_LT(t->ack, fin_seq) ||
	    SEQ_LT(after_fin, t->ack)) {
		ignore(out, "segment acknowledges %u, outside %u..%u", t->ack, fin_seq, after_fin);
		return;
	}
	if (!from_real_server(c, f, (t->flags & PKT_TH_FIN) ? "FIN" : "segment", out))
		return;
	if (t->seq != c->rcv_nxt) {
		/* Out of order or a duplicate: repeat our ACK so it resends. */
		ignore(out, "segment with sequence %u, expected %u", t->seq, c->rcv_nxt);
		emit_tcp(c, out, PKT_TH_ACK, after_fin, c->rcv_nxt, 0);
		return;
	}
	out->accepted = 1;
	if (t->ack == after_fin)
		c->fin_acked = 1;
	if (t->payload_len > 0) {
		c->rcv_nxt += t->payload_len;
		ack_it = 1;
	}
	if ((t->flags & PKT_TH_FIN) != 0 && !c->peer_fin) {
		c->rcv_nxt += 1;
		c->peer_fin = 1;
		ack_it = 1;
	}
	if (ack_it)
		emit_tcp(c, out, PKT_TH_ACK, after_fin, c->rcv_nxt, 0);
	if (c->peer_fin && c->fin_acked)
		finish(c, CHK_OUT_CLOSED);
}

void chk_on_frame(struct chk *c, const uint8_t *buf, size_t len, uint64_t now,
                  struct chk_out *out)
{
	struct pkt_frame f;
	enum pkt_err e;
	const struct words *w = words_of(&c->cfg.vip);
	char a[ADDR_PORT_STRLEN], b[ADDR_PORT_STRLEN];

	out_reset(out);
	e = pkt_decode(PKT_LINK_EN10MB, buf, len, PKT_CSUM_NONE, &f);
	if (e != PKT_OK) {
		ignore(out, "undecodable frame: %s", pkt_strerror(e));
		return;
	}
	if (c->state == CHK_ST_DONE) {
		ignore(out, "check already finished");
		return;
	}
	if (f.has_nbr) {
		on_nbr(c, &f, now, out);
		return;
	}
	if (!f.has_ip) {
		ignore(out, "neither %s nor %s", w->nbr, addr_family_name(c->cfg.vip.family));
		return;
	}
	if (f.ip.src.family != c->cfg.vip.family) {
		ignore(out, "%s packet while the check is over %s", addr_family_name(f.ip.src.family),
		       addr_family_name(c->cfg.vip.family));
		return;
	}
	if (f.has_icmp) {
		on_icmp(c, &f, out);
		return;
	}
	if (!f.has_tcp) {
		ignore(out, "%s protocol %u", addr_family_name(f.ip.src.family), f.ip.proto);
		return;
	}
	if (!addr_eq(&f.ip.src, &c->cfg.vip) || !addr_eq(&f.ip.dst, &c->cfg.our) ||
	    f.tcp.sport != c->cfg.port || f.tcp.dport != c->cfg.sport) {
		ignore(out, "%s > %s is not our connection", addr_fmt_port(a, &f.ip.src, f.tcp.sport),
		       addr_fmt_port(b, &f.ip.dst, f.tcp.dport));
		return;
	}
	if (c->state == CHK_ST_SYN_SENT)
		on_syn_sent(c, &f, now, out);
	else if (c->state == CHK_ST_FIN_WAIT)
		on_fin_wait(c, &f, out);
	else
		ignore(out, "TCP segment before the real server was resolved");
}

static const char *waiting_for(const struct chk *c, enum chk_state st)
{
	switch (st) {
	case CHK_ST_ARP: return words_of(&c->cfg.rs)->reply;
	case CHK_ST_SYN_SENT: return "SYN/ACK";
	case CHK_ST_FIN_WAIT: return "FIN";
	default: return "nothing";
	}
}

char *chk_fmt_reason(char *out, size_t cap, const struct chk *c)
{
	char got[PKT_MAC_STRLEN], want[PKT_MAC_STRLEN];
	unsigned long long ms = (unsigned long long)(c->cfg.timeout_us / 1000);
	const struct words *w = words_of(&c->cfg.vip);

	switch (c->outcome) {
	case CHK_OUT_SYNACK:
		snprintf(out, cap, "SYN/ACK received");
		break;
	case CHK_OUT_CLOSED:
		snprintf(out, cap, "SYN/ACK received, connection closed with FIN");
		break;
	case CHK_OUT_REFUSED:
		snprintf(out, cap, "connection refused");
		break;
	case CHK_OUT_ICMP_UNREACH:
		snprintf(out, cap, "%s destination unreachable: %s (type %u code %u)", w->icmp,
		         w->code_str(c->icmp_code),
		         c->icmp_type, c->icmp_code);
		break;
	case CHK_OUT_RESET_CLOSE:
		snprintf(out, cap, "connection reset by the server during clean close");
		break;
	case CHK_OUT_TIMEOUT_ARP:
	case CHK_OUT_TIMEOUT_SYNACK:
	case CHK_OUT_TIMEOUT_FIN:
		snprintf(out, cap, "timeout after %llu ms waiting for %s", ms,
		         waiting_for(c, c->timeout_state));
		break;
	case CHK_OUT_WRONG_MAC:
		snprintf(out, cap, "timeout after %llu ms waiting for %s: the %s came from MAC %s, "
		         "not the real server's %s (%s %u)", ms, waiting_for(c, c->timeout_state),
		         c->reply.what, pkt_fmt_mac(got, c->reply.mac), pkt_fmt_mac(want, c->rs_mac),
		         w->nd ? "hop limit" : "TTL", c->reply.ttl);
		break;
	default:
		snprintf(out, cap, "%s", chk_outcome_str(c->outcome));
		break;
	}
	return out;
}

const char *chk_unreach_str(uint8_t code)
{
	static const char *const names[] = {
		"net unreachable", "host unreachable", "protocol unreachable",
		"port unreachable", "fragmentation needed", "source route failed",
		"destination network unknown", "destination host unknown",
		"source host isolated", "network administratively prohibited",
		"host administratively prohibited", "network unreachable for TOS",
		"host unreachable for TOS", "communication administratively prohibited",
		"host precedence violation", "precedence cutoff in effect",
	};

	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "unknown code";
}

const char *chk_unreach6_str(uint8_t code)
{
	/* RFC 4443 3.1 and RFC 6550 */
	static const char *const names[] = {
		"no route to destination", "communication administratively prohibited",
		"beyond scope of source address", "address unreachable", "port unreachable",
		"source address failed ingress/egress policy", "reject route to destination",
		"error in source routing header",
	};

	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "unknown code";
}

char *chk_fmt_frame(char *out, size_t cap, const struct pkt_frame *f)
{
	char sm[PKT_MAC_STRLEN], dm[PKT_MAC_STRLEN], si[ADDR_PORT_STRLEN], di[ADDR_PORT_STRLEN];
	char fl[PKT_FLAGS_STRLEN];

	pkt_fmt_mac(sm, f->eth.src);
	pkt_fmt_mac(dm, f->eth.dst);
	if (f->has_nbr) {
		const struct pkt_nbr *nb = &f->nbr;

		addr_fmt(si, &nb->spa);
		addr_fmt(di, &nb->tpa);
		if (words_of(&nb->spa)->nd)
			snprintf(out, cap, nb->op == PKT_NBR_REQUEST
			         ? "(%s) %s Neighbor Solicitation who has %s (%s)"
			         : "(%s) %s Neighbor Advertisement to %s (%s)", sm, si, di, dm);
		else if (nb->op == PKT_NBR_REQUEST)
			snprintf(out, cap, "(%s) %s ARP request who has %s (%s)", sm, si, di, dm);
		else if (nb->op == PKT_NBR_REPLY)
			snprintf(out, cap, "(%s) %s ARP reply to %s (%s)", sm, si, di, dm);
		else
			snprintf(out, cap, "(%s) %s ARP op %u to %s (%s)", sm, si, nb->op, di, dm);
	} else if (f->has_tcp) {
		snprintf(out, cap, "(%s) %s > %s (%s) Flags [%s], seq %u, ack %u", sm,
		         addr_fmt_port(si, &f->ip.src, f->tcp.sport),
		         addr_fmt_port(di, &f->ip.dst, f->tcp.dport), dm,
		         pkt_fmt_tcpflags(fl, f->tcp.flags), f->tcp.seq, f->tcp.ack);
	} else if (f->has_icmp) {
		char qs[ADDR_PORT_STRLEN], qd[ADDR_PORT_STRLEN];

		snprintf(out, cap, "(%s) %s > %s (%s) %s type %u code %u, quoting %s > %s seq %u",
		         sm, addr_fmt(si, &f->ip.src), addr_fmt(di, &f->ip.dst), dm,
		         words_of(&f->ip.src)->icmp, f->icmp.type, f->icmp.code,
		         addr_fmt_port(qs, &f->icmp.q_ip.src, f->icmp.q_sport),
		         addr_fmt_port(qd, &f->icmp.q_ip.dst, f->icmp.q_dport), f->icmp.q_seq);
	} else if (f->has_ip) {
		snprintf(out, cap, "(%s) %s > %s (%s) %s protocol %u", sm, addr_fmt(si, &f->ip.src),
		         addr_fmt(di, &f->ip.dst), dm, addr_family_name(f->ip.src.family), f->ip.proto);
	} else {
		snprintf(out, cap, "(%s) > (%s) ethertype 0x%04x", sm, dm, f->eth.type);
	}
	return out;
}
