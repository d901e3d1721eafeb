/*
 * pcapgen: deterministic pcap files for tcpeek's golden tests and
 * benchmarks.
 *
 *   pcapgen --list
 *   pcapgen SCENARIO OUT.pcap                 (test scenarios)
 *   pcapgen bench-NAME OUT.pcap [N [K]]       (benchmark scenarios)
 *
 * Exit status: 0 written, 1 cannot write, 64 usage (unknown scenario, bad
 * count).
 * Everything is fixed: timestamps start at 2024-01-01 00:00:00 UTC, ISNs and
 * addresses come from a seeded generator, so every run writes the same
 * bytes (tests/data/regen.sh --check relies on it).  A test scenario also
 * writes OUT.truth beside the pcap: the counters tcpeek must report, known
 * from construction rather than from running tcpeek, as FILTER.path=value
 * lines with the paths of docs/tcpeek-json.md; and OUT.args when tcpeek
 * needs options for it.
 *
 * Only frames are written here; what the counters mean is the tracker's
 * contract (src/peek/track.h), which the truth follows:
 *  - a handshake that must time out gets a later unrelated frame (ARP)
 *    more than 60 s (the default -t) after its last SYN, added
 *    automatically, so the timer fires before the end of the file;
 *  - a handshake that must stay open ends the file less than 55 s after
 *    its last SYN, and generation fails if a scenario breaks that.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/pkt.h"

#define EPOCH_US (UINT64_C(1704067200) * 1000000)   /* 2024-01-01 00:00:00 UTC */
#define SEC (UINT64_C(1000000))
#define MS (UINT64_C(1000))
#define TIMEOUT_US (60 * SEC)
#define TIMEOUT_MARGIN (5 * SEC)
#define SNAPLEN 65535
#define FRAME_MAX 8192
#define NFILT_MAX 8

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const char *progname = "pcapgen";

/* The family of the scenario being built: an IPv6 twin of an IPv4
 * scenario maps each of its IPv4 addresses with A(). */
static bool v6;

/*
 * The IPv6 twin of an IPv4 address a.b.c.d: 2001:db8:A:B:C::D, each part
 * written in hex with the decimal's digits (192.168.1.20 becomes
 * 2001:db8:192:168:1::20), so a reader sees the IPv4 address in it and an
 * IPv4 /8, /16, /24 becomes an IPv6 /48, /64, /80.
 */
static uint16_t dec_hex(uint32_t v)
{
	v &= 0xff;
	return (uint16_t)((v / 100) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static struct addr ip6_twin(uint32_t v4)
{
	struct addr a = { .family = AF_INET6 };
	uint16_t w[8] = { 0x2001, 0x0db8, dec_hex(v4 >> 24), dec_hex(v4 >> 16), dec_hex(v4 >> 8),
	                  0, 0, dec_hex(v4) };

	for (int i = 0; i < 8; i++) {
		a.u.b[2 * i] = (uint8_t)(w[i] >> 8);
		a.u.b[2 * i + 1] = (uint8_t)w[i];
	}
	return a;
}

/* An IPv4 address of the scenario, as the scenario's family writes it. */
static struct addr A(uint32_t v4)
{
	return v6 ? ip6_twin(v4) : addr_ip4(v4);
}

/* The prefix of an IPv4 /len (8, 16, 24, 32) in the scenario's family. */
static struct prefix PFX(uint32_t v4, unsigned len)
{
	struct prefix p = { .a = A(v4), .len = (uint8_t)(v6 ? 32 + len * 2 : len) };

	if (v6 && len == 32)
		p.len = 128;
	prefix_mask(&p);
	return p;
}

/* ---- deterministic randomness (splitmix64) ---------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(rng() % n);
}

/* ---- output ----------------------------------------------------------- */

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A MAC derived from the address, so frames are stable and readable: an
 * IPv4 address's bytes after 02:00, an IPv6 address's four 32-bit words
 * xored after 02:06. */
static void mac_of(uint8_t mac[6], const struct addr *a)
{
	mac[0] = 0x02;
	mac[1] = a->family == AF_INET6 ? 0x06 : 0x00;
	for (int i = 0; i < 4; i++)
		mac[2 + i] = (uint8_t)(a->u.b[i] ^ a->u.b[4 + i] ^ a->u.b[8 + i] ^ a->u.b[12 + i]);
}

static void mac_of4(uint8_t mac[6], uint32_t v4)
{
	struct addr a = addr_ip4(v4);

	mac_of(mac, &a);
}

static void dump(pcap_dumper_t *d, uint64_t ts, const uint8_t *buf, size_t len, size_t caplen)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts / SEC);
	h.ts.tv_usec = (suseconds_t)(ts % SEC);
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)d, &h, buf);
}

/* ---- test scenarios: a packet list, sorted by time, and the truth ----- */

struct rec {
	uint64_t ts;             /* where the frame goes in the file */
	uint64_t wire;           /* the timestamp written, when not ts (0) */
	uint32_t order;          /* insertion order: ties keep it */
	uint32_t len, caplen;
	uint8_t *data;
};

struct cnt {
	uint64_t succ, s_dsyn, s_dsa;
	uint64_t timeout, reject, unreach, f_dsyn, f_dsa;
	uint64_t abort, open;
	uint64_t hs_max;
	/* --track-established: how connections end (conn.h) */
	uint64_t c_fin, c_reset[2][2], c_keepalive, c_half_open, c_idle, c_open;
	uint64_t c_probes, c_unanswered;
};

enum outcome {
	O_SUCCESS,
	O_REJECT,
	O_ABORT_EARLY,     /* initiator RST before any SYN/ACK */
	O_ABORT,           /* initiator RST answering the SYN/ACK */
	O_TIMEOUT,         /* SYN (and retransmissions) never answered */
	O_UNREACH_PORT,    /* ICMP port unreachable from the server */
	O_UNREACH_HOST,    /* ICMP host unreachable from a router */
	O_BADACK_SA,       /* SYN/ACK acking the wrong seq, then client ACK */
	O_BADACK_CLI,      /* good SYN/ACK, client ACK acking the wrong seq */
	O_OPEN_SYN,        /* only the SYN, file ends soon after */
	O_OPEN_SYNACK,     /* SYN and SYN/ACK, file ends soon after */
};

struct hs {
	uint64_t t;              /* first SYN */
	struct addr cli, srv;
	uint16_t cport, sport;
	enum outcome o;
	int dupsyn, dupsa;       /* retransmissions */
	bool ecn;
	uint16_t vlan;
	bool qinq;               /* add an outer 802.1ad tag (needs vlan) */
	uint32_t data;           /* complete with a data segment of this size */
	uint32_t cut;            /* capture only this much of the data segment */
	uint32_t rtt;            /* server answer delay, us */
	bool tso;                /* the data segment is a TSO super-packet as
	                          * its sender captures it: IP total length 0 */
	/* IPv6 extension headers before TCP in every frame from the client
	 * ([0]) and from the server ([1]), as pkt_tcp_spec takes them */
	const uint8_t *ext[2];
	size_t extlen[2];
	uint8_t ext_first[2];
	uint8_t unreach_code;    /* ICMPv6 code for O_UNREACH_PORT (0: 4) */
};

struct gen {
	struct rec *recs;
	size_t nrecs, cap;
	uint32_t ip_id;
	/* truth */
	int nfilt;
	const char *fname[NFILT_MAX];
	uint64_t (*member)(const struct addr *cli, const struct addr *srv, uint16_t sport);
	struct cnt c[NFILT_MAX];
	uint64_t malformed, tracker_open;
	uint64_t need_end;       /* the file must reach this (timeouts) */
	uint64_t open_limit;     /* and end before this (open sessions) */
	const char *args;        /* tcpeek options for this scenario */
	bool conn;               /* the truth has conn.* lines */
	/* frames placed at or after shift_from are stamped shift_us earlier
	 * (a capture joined to an earlier one out of order) */
	uint64_t shift_from, shift_us;
	/* the last TCP frame pushed, for ICMP errors that quote it */
	uint8_t last[FRAME_MAX];
	size_t last_len, last_l3;
};

static void push(struct gen *g, uint64_t ts, const uint8_t *buf, size_t len, size_t caplen)
{
	struct rec *r;

	if (g->nrecs == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->recs = realloc(g->recs, g->cap * sizeof(*g->recs));
		if (g->recs == NULL)
			die("%s", "out of memory");
	}
	r = &g->recs[g->nrecs];
	r->ts = ts;
	r->wire = 0;
	r->order = (uint32_t)g->nrecs;
	r->len = (uint32_t)len;
	r->caplen = (uint32_t)caplen;
	r->data = malloc(caplen ? caplen : 1);
	if (r->data == NULL)
		die("%s", "out of memory");
	memcpy(r->data, buf, caplen);
	g->nrecs++;
}

static size_t tcp_frame_ext(struct gen *g, uint8_t *buf, struct addr sa, uint16_t sp,
                            struct addr da, uint16_t dp, uint32_t seq, uint32_t ack,
                            uint8_t flags, uint16_t vlan, const uint8_t *pay, size_t paylen,
                            const uint8_t *ext, size_t extlen, uint8_t ext_first)
{
	uint8_t sm[6], dm[6];
	struct pkt_tcp_spec s = {
		.smac = sm, .dmac = dm, .vlan = vlan,
		.src = sa, .dst = da, .sport = sp, .dport = dp,
		.seq = seq, .ack = ack, .flags = flags,
		.ip_id = (uint16_t)++g->ip_id,
		.payload = pay, .paylen = paylen,
		.ext = ext, .extlen = extlen, .ext_first = ext_first,
	};

	mac_of(sm, &sa);
	mac_of(dm, &da);
	if (flags & PKT_TH_SYN) {
		s.mss = 1460;
		s.win = (flags & PKT_TH_ACK) ? 65160 : 64240;
	} else {
		s.win = 502;
	}
	return pkt_build_tcp(buf, FRAME_MAX, &s);
}

static size_t tcp_frame(struct gen *g, uint8_t *buf, struct addr sa, uint16_t sp, struct addr da,
                        uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags,
                        uint16_t vlan, const uint8_t *pay, size_t paylen)
{
	return tcp_frame_ext(g, buf, sa, sp, da, dp, seq, ack, flags, vlan, pay, paylen,
	                     NULL, 0, 0);
}

/* Insert an outer 802.1ad tag in front of the 802.1Q one. */
static size_t add_qinq(uint8_t *buf, size_t n, uint16_t outer)
{
	memmove(buf + 16, buf + 12, n - 12);
	buf[12] = PKT_ETHERTYPE_QINQ >> 8;
	buf[13] = PKT_ETHERTYPE_QINQ & 0xff;
	buf[14] = (uint8_t)(outer >> 8);
	buf[15] = (uint8_t)outer;
	return n + 4;
}

static void push_tcp(struct gen *g, const struct hs *h, uint64_t ts, bool from_cli,
                     uint32_t seq, uint32_t ack, uint8_t flags,
                     const uint8_t *pay, size_t paylen, size_t cut)
{
	uint8_t buf[FRAME_MAX];
	size_t n;

	if (from_cli)
		n = tcp_frame_ext(g, buf, h->cli, h->cport, h->srv, h->sport, seq, ack, flags,
		                  h->vlan, pay, paylen, h->ext[0], h->extlen[0], h->ext_first[0]);
	else
		n = tcp_frame_ext(g, buf, h->srv, h->sport, h->cli, h->cport, seq, ack, flags,
		                  h->vlan, pay, paylen, h->ext[1], h->extlen[1], h->ext_first[1]);
	if (n == 0)
		die("%s", "frame does not fit");
	if (h->qinq)
		n = add_qinq(buf, n, 10);
	push(g, ts, buf, n, cut && cut < n ? cut : n);
	memcpy(g->last, buf, n);
	g->last_len = n;
	g->last_l3 = 14 + (h->vlan ? 4 : 0) + (h->qinq ? 4 : 0);
}

static void record(struct gen *g, const struct hs *h, enum outcome result, uint64_t dur)
{
	uint64_t m = g->member ? g->member(&h->cli, &h->srv, h->sport) : 1;

	if (result == O_OPEN_SYN && m != 0)
		g->tracker_open++;
	for (int i = 0; i < g->nfilt; i++) {
		struct cnt *c = &g->c[i];
		if (!(m >> i & 1))
			continue;
		switch (result) {
		case O_SUCCESS:
			c->succ++;
			c->s_dsyn += h->dupsyn > 0;
			c->s_dsa += h->dupsa > 0;
			if (dur > c->hs_max)
				c->hs_max = dur;
			break;
		case O_REJECT:
		case O_TIMEOUT:
		case O_UNREACH_PORT:
			if (result == O_REJECT)
				c->reject++;
			else if (result == O_TIMEOUT)
				c->timeout++;
			else
				c->unreach++;
			c->f_dsyn += h->dupsyn > 0;
			c->f_dsa += h->dupsa > 0;
			break;
		case O_ABORT:
			c->abort++;
			break;
		default:    /* O_OPEN_SYN stands for every open session */
			c->open++;
			break;
		}
	}
}

/* SYN retransmission times: 1 s, 3 s, 7 s... after the first (doubling RTO). */
static uint64_t syn_time(const struct hs *h, int i)
{
	return h->t + ((UINT64_C(1) << i) - 1) * SEC;
}

/* Build one handshake's frames and account for its expected outcome. */
static void handshake(struct gen *g, const struct hs *h)
{
	uint32_t ci = (uint32_t)rng();
	uint32_t si = (uint32_t)rng();
	uint8_t synf = PKT_TH_SYN | (h->ecn ? PKT_TH_ECE | PKT_TH_CWR : 0);
	uint8_t saf = PKT_TH_SYN | PKT_TH_ACK | (h->ecn ? PKT_TH_ECE : 0);
	uint32_t rtt = h->rtt ? h->rtt : 300;
	uint64_t last_syn = syn_time(h, h->dupsyn), t;
	int nsyn = h->dupsyn;

	/* an early abort or an unreachable answer comes before retransmissions */
	if (h->o == O_ABORT_EARLY || h->o == O_UNREACH_PORT || h->o == O_UNREACH_HOST)
		nsyn = 0, last_syn = h->t;
	for (int i = 0; i <= nsyn; i++)
		push_tcp(g, h, syn_time(h, i), true, ci, 0, synf, NULL, 0, 0);
	t = last_syn + rtt;

	switch (h->o) {
	case O_SUCCESS:
	case O_BADACK_CLI:
	case O_BADACK_SA: {
		uint32_t sa_ack = h->o == O_BADACK_SA ? ci + 5 : ci + 1;
		uint32_t cli_ack = h->o == O_BADACK_CLI ? si + 7 : si + 1;
		for (int i = 0; i <= h->dupsa; i++)
			push_tcp(g, h, t + (uint64_t)i * SEC, false, si, sa_ack, saf, NULL, 0, 0);
		t += (uint64_t)h->dupsa * SEC + 60;
		if (h->data) {
			uint8_t pay[6000];
			for (uint32_t i = 0; i < h->data && i < sizeof(pay); i++)
				pay[i] = (uint8_t)('a' + i % 26);
			push_tcp(g, h, t, true, ci + 1, cli_ack, PKT_TH_ACK | PKT_TH_PUSH,
			         pay, h->data, h->cut);
			if (h->tso) {
				/* the total length as the sender's capture shows
				 * a super-packet the NIC segments: 0 (IPv4's
				 * total length, IPv6's payload length) */
				struct rec *r = &g->recs[g->nrecs - 1];
				size_t at = g->last_l3 + (h->cli.family == AF_INET6 ? 4 : 2);
				r->data[at] = 0;
				r->data[at + 1] = 0;
			}
		} else {
			push_tcp(g, h, t, true, ci + 1, cli_ack, PKT_TH_ACK, NULL, 0, 0);
		}
		if (h->o == O_SUCCESS) {
			record(g, h, O_SUCCESS, t - h->t);
		} else {
			/* not completed: the default timeout ends it */
			if (last_syn + TIMEOUT_US + TIMEOUT_MARGIN > g->need_end)
				g->need_end = last_syn + TIMEOUT_US + TIMEOUT_MARGIN;
			record(g, h, O_TIMEOUT, 0);
		}
		break;
	}
	case O_REJECT:
		push_tcp(g, h, t, false, 0, ci + 1, PKT_TH_RST | PKT_TH_ACK, NULL, 0, 0);
		record(g, h, O_REJECT, 0);
		break;
	case O_ABORT_EARLY:
		push_tcp(g, h, h->t + 500 * MS, true, ci + 1, 0, PKT_TH_RST, NULL, 0, 0);
		record(g, h, O_ABORT, 0);
		break;
	case O_ABORT:
		push_tcp(g, h, t, false, si, ci + 1, saf, NULL, 0, 0);
		push_tcp(g, h, t + 80, true, ci + 1, 0, PKT_TH_RST, NULL, 0, 0);
		record(g, h, O_ABORT, 0);
		break;
	case O_TIMEOUT:
		if (last_syn + TIMEOUT_US + TIMEOUT_MARGIN > g->need_end)
			g->need_end = last_syn + TIMEOUT_US + TIMEOUT_MARGIN;
		record(g, h, O_TIMEOUT, 0);
		break;
	case O_UNREACH_PORT:
	case O_UNREACH_HOST: {
		/* quote the SYN just pushed, from its IP header on */
		uint8_t buf[FRAME_MAX], sm[6], dm[6];
		bool port = h->o == O_UNREACH_PORT;
		bool six = h->srv.family == AF_INET6;
		struct addr from = h->srv;
		/* a router quotes the minimum (IP header, extension headers
		 * and 8 bytes), a host more */
		size_t qlen = port ? g->last_len - g->last_l3
		                   : (six ? 40 + h->extlen[0] : 20) + 8;
		size_t n;
		if (!port) {
			/* the router: the .1 (::1) of the server's last part */
			if (six)
				from.u.b[14] = 0;
			from.u.b[addr_bytes(from.family) - 1] = 1;
		}
		mac_of(sm, &from);
		mac_of(dm, &h->cli);
		if (six)
			/* ICMPv6 port unreachable (4) from the server, address
			 * unreachable (3) from a router */
			n = pkt_build_unreach(buf, sizeof(buf), sm, dm, from, h->cli,
			                      port ? (h->unreach_code ? h->unreach_code : 4) : 3,
			                      g->last + g->last_l3, qlen);
		else
			n = pkt_build_icmp4(buf, sizeof(buf), sm, dm, from, h->cli, PKT_ICMP_UNREACH,
			                    port ? 3 : 1, g->last + g->last_l3, qlen);
		push(g, t, buf, n, n);
		record(g, h, O_UNREACH_PORT, 0);
		break;
	}
	case O_OPEN_SYNACK:
		push_tcp(g, h, t, false, si, ci + 1, saf, NULL, 0, 0);
		/* fall through */
	case O_OPEN_SYN:
		if (g->open_limit == 0 || last_syn + TIMEOUT_US - TIMEOUT_MARGIN < g->open_limit)
			g->open_limit = last_syn + TIMEOUT_US - TIMEOUT_MARGIN;
		record(g, h, O_OPEN_SYN, 0);
		break;
	}
}

static void push_arp(struct gen *g, uint64_t ts)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	uint8_t buf[64], sm[6];
	size_t n;

	mac_of4(sm, IP(10, 0, 0, 1));
	n = pkt_build_arp(buf, sizeof(buf), 1, sm, addr_ip4(IP(10, 0, 0, 1)), bcast, zero, addr_ip4(IP(10, 0, 0, 99)));
	push(g, ts, buf, n, n);
}

/* The unrelated frame that lets timeouts fire: an ARP request in an IPv4
 * scenario, a Neighbor Solicitation (for the twin of 10.0.0.99) in an
 * IPv6 one. */
static void push_tail(struct gen *g, uint64_t ts)
{
	uint8_t buf[PKT_NBR_FRAME_MAX], sm[6];
	struct addr us = A(IP(10, 0, 0, 1));
	size_t n;

	if (!v6) {
		push_arp(g, ts);
		return;
	}
	mac_of(sm, &us);
	n = pkt_build_nbr_request(buf, sizeof(buf), sm, us, A(IP(10, 0, 0, 99)));
	if (n == 0)
		die("%s", "neighbor solicitation does not fit");
	push(g, ts, buf, n, n);
}

/* An IPv6 TCP SYN from [2001:db8::1]:50000 to [2001:db8::2]:80 (written
 * byte by byte: the layout as a reader of RFC 8200 sees it). */
static void push_ipv6(struct gen *g, uint64_t ts)
{
	uint8_t buf[14 + 40 + 20];
	uint8_t *ip = buf + 14, *th = ip + 40;

	memset(buf, 0, sizeof(buf));
	mac_of4(buf, IP(10, 0, 0, 10));
	mac_of4(buf + 6, IP(192, 168, 1, 66));
	buf[12] = 0x86;
	buf[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = 20;              /* payload length */
	ip[6] = PKT_IPPROTO_TCP;
	ip[7] = 64;
	ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 1;
	ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8, ip[39] = 2;
	th[0] = 0xc3, th[1] = 0x50, th[3] = 80, th[12] = 0x50, th[13] = PKT_TH_SYN;
	push(g, ts, buf, sizeof(buf), sizeof(buf));
}

enum malformed {
	M_SHORT_ETH,       /* frame shorter than an Ethernet header */
	M_IHL,             /* IHL < 5 */
	M_DOFF,            /* TCP data offset < 5 */
	M_TOTLEN,          /* IP total length smaller than the header */
	M_CUT_TCP,         /* capture ends inside the TCP header */
	M_CUT_IP,          /* capture ends inside the IP header */
	M_COUNT
};

/* A frame tcpeek must count as malformed (pkt_decode fails on it). */
static void push_malformed(struct gen *g, uint64_t ts, enum malformed kind)
{
	uint8_t buf[FRAME_MAX];
	struct hs h = { .cli = addr_ip4(IP(192, 168, 1, 250)), .srv = addr_ip4(IP(10, 0, 0, 10)),
	                .cport = (uint16_t)(50000 + kind), .sport = 80 };
	size_t n = tcp_frame(g, buf, h.cli, h.cport, h.srv, h.sport, (uint32_t)rng(), 0,
	                     PKT_TH_SYN, 0, NULL, 0);
	size_t cap = n;

	switch (kind) {
	case M_SHORT_ETH:
		cap = n = 10;
		break;
	case M_IHL:
		buf[14] = 0x44;
		break;
	case M_DOFF:
		buf[14 + 20 + 12] = 0x40;
		break;
	case M_TOTLEN:
		buf[14 + 2] = 0;
		buf[14 + 3] = 16;
		break;
	case M_CUT_TCP:
		cap = 14 + 20 + 10;
		break;
	case M_CUT_IP:
		cap = 14 + 12;
		break;
	default:
		break;
	}
	push(g, ts, buf, n, cap);
	g->malformed++;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static char *with_ext(const char *pcap, const char *ext)
{
	size_t n = strlen(pcap);
	char *s;

	if (n > 5 && strcmp(pcap + n - 5, ".pcap") == 0)
		n -= 5;
	s = malloc(n + strlen(ext) + 1);
	if (s == NULL)
		die("%s", "out of memory");
	memcpy(s, pcap, n);
	strcpy(s + n, ext);
	return s;
}

static void write_truth(const struct gen *g, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("cannot write %s", path);
	for (int i = 0; i < g->nfilt; i++) {
		const struct cnt *c = &g->c[i];
		const char *n = g->fname[i];
		fprintf(f, "%s.success.total=%llu\n", n, (unsigned long long)c->succ);
		fprintf(f, "%s.success.dupsyn=%llu\n", n, (unsigned long long)c->s_dsyn);
		fprintf(f, "%s.success.dupsynack=%llu\n", n, (unsigned long long)c->s_dsa);
		fprintf(f, "%s.failure.total=%llu\n", n,
		        (unsigned long long)(c->timeout + c->reject + c->unreach));
		fprintf(f, "%s.failure.timeout=%llu\n", n, (unsigned long long)c->timeout);
		fprintf(f, "%s.failure.reject=%llu\n", n, (unsigned long long)c->reject);
		fprintf(f, "%s.failure.unreach=%llu\n", n, (unsigned long long)c->unreach);
		fprintf(f, "%s.failure.dupsyn=%llu\n", n, (unsigned long long)c->f_dsyn);
		fprintf(f, "%s.failure.dupsynack=%llu\n", n, (unsigned long long)c->f_dsa);
		fprintf(f, "%s.other.abort=%llu\n", n, (unsigned long long)c->abort);
		fprintf(f, "%s.other.open=%llu\n", n, (unsigned long long)c->open);
		fprintf(f, "%s.other.untracked=0\n", n);
		fprintf(f, "%s.handshake_us.max=%llu\n", n, (unsigned long long)c->hs_max);
		if (!g->conn)
			continue;
		fprintf(f, "%s.conn.fin=%llu\n", n, (unsigned long long)c->c_fin);
		fprintf(f, "%s.conn.reset_client_before_data=%llu\n", n, (unsigned long long)c->c_reset[0][0]);
		fprintf(f, "%s.conn.reset_client_after_data=%llu\n", n, (unsigned long long)c->c_reset[0][1]);
		fprintf(f, "%s.conn.reset_server_before_data=%llu\n", n, (unsigned long long)c->c_reset[1][0]);
		fprintf(f, "%s.conn.reset_server_after_data=%llu\n", n, (unsigned long long)c->c_reset[1][1]);
		fprintf(f, "%s.conn.keepalive=%llu\n", n, (unsigned long long)c->c_keepalive);
		fprintf(f, "%s.conn.half_open=%llu\n", n, (unsigned long long)c->c_half_open);
		fprintf(f, "%s.conn.idle=%llu\n", n, (unsigned long long)c->c_idle);
		fprintf(f, "%s.conn.open=%llu\n", n, (unsigned long long)c->c_open);
		fprintf(f, "%s.conn.overflow=0\n", n);
		fprintf(f, "%s.conn.keepalive_probes=%llu\n", n, (unsigned long long)c->c_probes);
		fprintf(f, "%s.conn.keepalive_unanswered=%llu\n", n, (unsigned long long)c->c_unanswered);
		fprintf(f, "%s.conn_duration_hist_us.count=%llu\n", n,
		        (unsigned long long)(c->c_fin + c->c_reset[0][0] + c->c_reset[0][1] +
		                             c->c_reset[1][0] + c->c_reset[1][1] + c->c_keepalive +
		                             c->c_half_open + c->c_idle));
	}
	fprintf(f, "pcap.stats.recv=%zu\n", g->nrecs);
	fprintf(f, "pcap.stats.drop=0\n");
	fprintf(f, "pcap.stats.ifdrop=0\n");
	fprintf(f, "pcap.tracker.packets=%zu\n", g->nrecs);
	fprintf(f, "pcap.tracker.malformed=%llu\n", (unsigned long long)g->malformed);
	fprintf(f, "pcap.tracker.untracked=0\n");
	fprintf(f, "pcap.tracker.open=%llu\n", (unsigned long long)g->tracker_open);
	if (g->conn)
		fprintf(f, "pcap.conn_tracker.overflow=0\n");
	if (fclose(f) != 0)
		die("cannot write %s", path);
}

/* Sort, add the trailing frame timeouts need, check opens, write. */
static void finish(struct gen *g, const char *out)
{
	pcap_t *p;
	pcap_dumper_t *d;
	char *path;
	uint64_t last = 0;

	for (size_t i = 0; i < g->nrecs; i++)
		if (g->recs[i].ts > last)
			last = g->recs[i].ts;
	if (g->need_end > last) {
		push_tail(g, g->need_end);
		last = g->need_end;
	}
	if (g->open_limit != 0 && last >= g->open_limit)
		die("%s: a session meant to stay open would time out", out);
	qsort(g->recs, g->nrecs, sizeof(*g->recs), rec_cmp);

	p = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (p == NULL)
		die("%s", "pcap_open_dead failed");
	d = pcap_dump_open(p, out);
	if (d == NULL)
		die("%s", pcap_geterr(p));
	for (size_t i = 0; i < g->nrecs; i++) {
		uint64_t wire = g->recs[i].wire ? g->recs[i].wire : g->recs[i].ts;

		if (g->shift_us && !g->recs[i].wire && g->recs[i].ts >= g->shift_from)
			wire -= g->shift_us;
		dump(d, wire, g->recs[i].data, g->recs[i].len, g->recs[i].caplen);
		free(g->recs[i].data);
	}
	if (pcap_dump_flush(d) != 0)
		die("cannot write %s", out);
	pcap_dump_close(d);
	pcap_close(p);

	path = with_ext(out, ".truth");
	write_truth(g, path);
	free(path);
	path = with_ext(out, ".args");
	if (g->args != NULL) {
		FILE *f = fopen(path, "w");
		if (f == NULL || fprintf(f, "%s\n", g->args) < 0 || fclose(f) != 0)
			die("cannot write %s", path);
	}
	free(path);
	free(g->recs);
}

/* ---- the test scenarios ---------------------------------------------- */

static const uint32_t SRV = IP(10, 0, 0, 10);

static struct hs H(uint64_t t_ms, uint32_t cli, uint16_t cport, uint16_t sport, enum outcome o)
{
	struct hs h = { .t = EPOCH_US + t_ms * MS, .cli = A(cli), .srv = A(SRV),
	                .cport = cport, .sport = sport, .o = o };
	return h;
}

static void sc_success(struct gen *g)
{
	static const uint16_t ports[] = { 80, 443, 22, 8080, 3306 };
	for (int i = 0; i < 5; i++) {
		struct hs h = H((uint64_t)i * 250, IP(192, 168, 1, 20 + i),
		                (uint16_t)(40000 + i * 1111), ports[i], O_SUCCESS);
		h.rtt = 200 + (uint32_t)i * 150;
		handshake(g, &h);
	}
}

static void sc_reject(struct gen *g)
{
	struct hs h;
	for (int i = 0; i < 2; i++) {
		h = H((uint64_t)i * 100, IP(192, 168, 1, 30), (uint16_t)(41000 + i), 81, O_REJECT);
		handshake(g, &h);
	}
	h = H(300, IP(192, 168, 1, 31), 41010, 25, O_REJECT);
	h.dupsyn = 1;            /* retransmitted, then refused */
	handshake(g, &h);
	h = H(400, IP(192, 168, 1, 32), 41020, 80, O_SUCCESS);
	handshake(g, &h);
}

static void sc_abort(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 40), 42000, 80, O_ABORT);
	handshake(g, &h);
	h = H(100, IP(192, 168, 1, 41), 42001, 443, O_ABORT_EARLY);
	handshake(g, &h);
	h = H(200, IP(192, 168, 1, 42), 42002, 80, O_SUCCESS);
	handshake(g, &h);
}

static void sc_timeout(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 50), 43000, 80, O_TIMEOUT);
	h.dupsyn = 3;
	handshake(g, &h);
	h = H(500, IP(192, 168, 1, 51), 43001, 8443, O_TIMEOUT);
	handshake(g, &h);
	h = H(1000, IP(192, 168, 1, 52), 43002, 80, O_SUCCESS);
	handshake(g, &h);
}

static void sc_unreach(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 60), 44000, 9999, O_UNREACH_PORT);
	handshake(g, &h);
	h = H(100, IP(192, 168, 1, 61), 44001, 80, O_UNREACH_HOST);
	h.srv = A(IP(10, 0, 5, 77));
	handshake(g, &h);
	h = H(200, IP(192, 168, 1, 62), 44002, 80, O_SUCCESS);
	handshake(g, &h);
	g->args = "--icmp";
}

static void sc_retrans(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 70), 45000, 80, O_SUCCESS);
	h.dupsyn = 1;
	handshake(g, &h);
	h = H(100, IP(192, 168, 1, 71), 45001, 80, O_SUCCESS);
	h.dupsa = 1;
	handshake(g, &h);
	h = H(200, IP(192, 168, 1, 72), 45002, 443, O_SUCCESS);
	h.dupsyn = 2;
	h.dupsa = 1;
	handshake(g, &h);
}

static void sc_ecn(struct gen *g)
{
	for (int i = 0; i < 2; i++) {
		struct hs h = H((uint64_t)i * 100, IP(192, 168, 1, 80 + i),
		                (uint16_t)(46000 + i), 80, O_SUCCESS);
		h.ecn = true;
		handshake(g, &h);
	}
	struct hs r = H(200, IP(192, 168, 1, 82), 46002, 81, O_REJECT);
	r.ecn = true;
	handshake(g, &r);
}

static void sc_datacomplete(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 90), 47000, 80, O_SUCCESS);
	h.data = 1460;           /* a full 1500-byte IP packet */
	handshake(g, &h);
	h = H(100, IP(192, 168, 1, 91), 47001, 80, O_SUCCESS);
	h.data = 78;
	handshake(g, &h);
	h = H(200, IP(192, 168, 1, 92), 47002, 443, O_SUCCESS);
	h.data = 1460;
	h.cut = 96;              /* captured with a small snaplen */
	handshake(g, &h);
}

static void sc_badack(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 100), 48000, 80, O_BADACK_SA);
	handshake(g, &h);
	h = H(100, IP(192, 168, 1, 101), 48001, 80, O_BADACK_CLI);
	handshake(g, &h);
	h = H(200, IP(192, 168, 1, 102), 48002, 80, O_SUCCESS);
	handshake(g, &h);
}

/*
 * Simultaneous open on one 4-tuple: A sends a SYN, B a SYN of its own,
 * each answers with a SYN/ACK.  A sent the first SYN, so A is the
 * initiator; B's SYN/ACK acknowledges A's SYN, and A's SYN/ACK then
 * acknowledges B's ISN: one success, 400 us after the first SYN, and
 * nothing left open (the trailing ARP 65 s later would show a second
 * session as a timeout).
 */
static void sc_simopen(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 110), 49000, 5000, O_SUCCESS);
	uint32_t a = (uint32_t)rng();
	uint32_t b = (uint32_t)rng();
	uint64_t t = h.t;

	h.srv = A(IP(10, 0, 0, 11));
	push_tcp(g, &h, t, true, a, 0, PKT_TH_SYN, NULL, 0, 0);
	push_tcp(g, &h, t + 100, false, b, 0, PKT_TH_SYN, NULL, 0, 0);
	push_tcp(g, &h, t + 300, false, b, a + 1, PKT_TH_SYN | PKT_TH_ACK, NULL, 0, 0);
	push_tcp(g, &h, t + 400, true, a, b + 1, PKT_TH_SYN | PKT_TH_ACK, NULL, 0, 0);
	/* A's SYN/ACK acknowledging B's ISN completes it (track.c's rule for
	 * simultaneous open); A's later ACK changes nothing */
	push_tcp(g, &h, t + 500, true, a + 1, b + 1, PKT_TH_ACK, NULL, 0, 0);
	record(g, &h, O_SUCCESS, 400);
	g->need_end = t + TIMEOUT_US + TIMEOUT_MARGIN;
	h = H(1000, IP(192, 168, 1, 111), 49001, 80, O_SUCCESS);
	handshake(g, &h);
}

static void sc_vlan(struct gen *g)
{
	for (int i = 0; i < 3; i++) {
		struct hs h = H((uint64_t)i * 100, IP(192, 168, 1, 120 + i),
		                (uint16_t)(50100 + i), 80, O_SUCCESS);
		h.vlan = 100;
		handshake(g, &h);
	}
	struct hs h = H(300, IP(192, 168, 1, 123), 50103, 81, O_REJECT);
	h.vlan = 200;
	handshake(g, &h);
	h = H(400, IP(192, 168, 1, 124), 50104, 443, O_SUCCESS);
	h.vlan = 300;
	h.qinq = true;
	handshake(g, &h);
}

static void sc_truncated(struct gen *g)
{
	for (int i = 0; i < 3; i++) {
		struct hs h = H((uint64_t)i * 10, IP(192, 168, 1, 130 + i),
		                (uint16_t)(51000 + i), 80, O_SUCCESS);
		h.rtt = 3000;
		handshake(g, &h);
	}
	/* malformed frames land between those SYNs and their answers */
	for (int k = 0; k < M_COUNT; k++)
		push_malformed(g, EPOCH_US + 1 * MS + (uint64_t)k * 100, (enum malformed)k);
	struct hs h = H(100, IP(192, 168, 1, 140), 51010, 80, O_REJECT);
	handshake(g, &h);
}

static void sc_open(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 150), 52000, 80, O_OPEN_SYN);
	handshake(g, &h);
	h = H(100, IP(192, 168, 1, 151), 52001, 443, O_OPEN_SYN);
	h.dupsyn = 1;
	handshake(g, &h);
	h = H(200, IP(192, 168, 1, 152), 52002, 80, O_OPEN_SYNACK);
	handshake(g, &h);
	h = H(300, IP(192, 168, 1, 153), 52003, 80, O_SUCCESS);
	handshake(g, &h);
}

/* Filters: web:RX@%:80:443 lan:RX@192.168.1.0/24:% :RX@*:22 (IPv6:
 * lan:RX@[2001:db8:192:168:1::/80]:%) */
static uint64_t filters_member(const struct addr *cli, const struct addr *srv, uint16_t sport)
{
	struct prefix lan = PFX(IP(192, 168, 1, 0), 24);
	uint64_t m = 1;          /* RX */

	(void)srv;
	if (sport == 22)
		return 0;        /* the exclusion drops it everywhere */
	if (sport == 80 || sport == 443)
		m |= 1 << 2;
	if (prefix_contains(&lan, cli))
		m |= 1 << 3;
	return m;
}

static void sc_filters(struct gen *g)
{
	static const uint16_t ports[] = { 22, 80, 443, 8080 };
	uint64_t t = 0;

	g->nfilt = 4;
	g->fname[2] = "web";
	g->fname[3] = "lan";
	g->member = filters_member;
	g->args = v6 ? "web:RX@%:80:443 lan:RX@[2001:db8:192:168:1::/80]:% :RX@*:22"
	             : "web:RX@%:80:443 lan:RX@192.168.1.0/24:% :RX@*:22";
	for (int net = 0; net < 2; net++)
		for (int p = 0; p < 4; p++)
			for (int k = 0; k < 3; k++) {
				uint32_t cli = net == 0 ? IP(192, 168, 1, 10 + k) : IP(172, 16, 5, 10 + k);
				/* every third handshake to 443 and 8080 is refused */
				enum outcome o = (k == 2 && p >= 2) ? O_REJECT : O_SUCCESS;
				struct hs h = H(t, cli, (uint16_t)(53000 + t), ports[p], o);
				h.rtt = 100 + (uint32_t)(net * 40 + p * 10 + k);
				handshake(g, &h);
				t += 20;
			}
}

/* A bit of everything, interleaved, with --icmp. */
static void sc_mixed(struct gen *g)
{
	static const uint32_t clinets[] = { IP(192, 168, 1, 0), IP(172, 16, 0, 0), IP(198, 51, 100, 0) };
	static const uint16_t ports[] = { 80, 443, 22, 8080, 3306 };

	g->args = "--icmp";
	for (int i = 0; i < 200; i++) {
		/* one draw per statement: argument order is unspecified in C */
		uint32_t r = rnd(100);
		uint64_t t = (uint64_t)i * 100 + rnd(50);
		uint32_t cli = clinets[rnd(3)];
		cli |= 1 + rnd(250);
		uint16_t port = ports[rnd(5)];
		struct hs h = H(t, cli, (uint16_t)(20000 + i), port, O_SUCCESS);
		h.srv = A(IP(10, 0, 0, 10 + rnd(2)));
		h.rtt = 100 + rnd(5000);
		if (r < 60) {
			uint32_t v = rnd(10);
			if (v == 0)
				h.dupsyn = 1 + (int)rnd(2);
			else if (v == 1)
				h.dupsa = 1;
			else if (v == 2)
				h.ecn = true;
			else if (v == 3)
				h.data = 1 + rnd(1460);
			else if (v == 4)
				h.vlan = 100;
			else if (v == 5)
				h.data = 1460, h.cut = 128;
		} else if (r < 70) {
			h.o = O_REJECT;
			h.dupsyn = rnd(4) == 0;
		} else if (r < 76) {
			h.o = rnd(2) ? O_ABORT : O_ABORT_EARLY;
		} else if (r < 82) {
			h.o = O_TIMEOUT;
			h.dupsyn = (int)rnd(3);
		} else if (r < 88) {
			h.o = rnd(2) ? O_UNREACH_PORT : O_UNREACH_HOST;
		} else if (r < 94) {
			h.o = rnd(2) ? O_BADACK_SA : O_BADACK_CLI;
		} else {
			h.vlan = 200;
			h.ecn = true;
		}
		handshake(g, &h);
	}
	for (int k = 0; k < M_COUNT; k++)
		push_malformed(g, EPOCH_US + (uint64_t)(k + 1) * 3 * SEC, (enum malformed)k);
	/* an IPv6 handshake among them: its SYN sent twice, never answered,
	 * a timeout with a retransmitted SYN (RX only: no -L, no filter) */
	push_ipv6(g, EPOCH_US + 5 * SEC);
	push_ipv6(g, EPOCH_US + 15 * SEC);
	g->c[0].timeout++;
	g->c[0].f_dsyn++;
	if (EPOCH_US + 15 * SEC + TIMEOUT_US + TIMEOUT_MARGIN > g->need_end)
		g->need_end = EPOCH_US + 15 * SEC + TIMEOUT_US + TIMEOUT_MARGIN;
	push_arp(g, EPOCH_US + 7 * SEC);
	/* a later burst, after every timeout fired: some still open at the end */
	for (int i = 0; i < 6; i++) {
		struct hs h = H(100000 + (uint64_t)i * 200, IP(192, 168, 1, 200 + i),
		                (uint16_t)(30000 + i), 80,
		                i < 2 ? O_OPEN_SYN : i < 3 ? O_OPEN_SYNACK : O_SUCCESS);
		handshake(g, &h);
	}
}

/* ---- IPv6 only: extension headers, fragments, malformed, mixed -------- */

/* Extension headers as they sit before TCP: next header, length in 8-byte
 * units past the first 8, then the body.  Options headers carry one PadN
 * option (type 1) of 4 bytes; the routing header is a segment routing
 * header (type 4) with no segment left, so ip.dst stays the destination. */
static const uint8_t EXT_HBH[] = { PKT_IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0 };
static const uint8_t EXT_DST[] = { PKT_IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0 };
static const uint8_t EXT_HBH_DST[] = { PKT_IPPROTO_DSTOPTS, 0, 1, 4, 0, 0, 0, 0,
                                       PKT_IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0 };
static const uint8_t EXT_RT[] = { PKT_IPPROTO_TCP, 2, 4, 0, 0, 0, 0, 0,
                                  0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0,
                                  0, 0, 0, 0, 0, 0, 0, 0x10 };
/* an atomic fragment (offset 0, no more fragments: RFC 6946) */
static const uint8_t EXT_FRAG_ATOMIC[] = { PKT_IPPROTO_TCP, 0, 0, 0, 0, 0, 0x12, 0x34 };

static void ext_side(struct hs *h, int side, const uint8_t *ext, size_t len, uint8_t first)
{
	h->ext[side] = ext;
	h->extlen[side] = len;
	h->ext_first[side] = first;
}

/* A handshake completed by a data segment the client's IPv6 stack
 * fragments: the first fragment carries the TCP header and 604 bytes
 * (offset 0, more fragments), the later one the other 896 bytes at
 * offset 624.  The first completes the handshake; the later one has no
 * TCP header and is not looked into. */
static void frag_handshake(struct gen *g, struct hs *h)
{
	static const uint32_t first = 604, rest = 896;
	uint8_t fh[8] = { PKT_IPPROTO_TCP, 0, 0, 1, 0, 0, 0x56, 0x78 };
	uint8_t pay[1500], buf[FRAME_MAX];
	uint32_t ci = (uint32_t)rng(), si = (uint32_t)rng();
	uint16_t off = (uint16_t)((20 + first) / 8);
	size_t n;

	memset(pay, 'f', sizeof(pay));
	push_tcp(g, h, h->t, true, ci, 0, PKT_TH_SYN, NULL, 0, 0);
	push_tcp(g, h, h->t + 300, false, si, ci + 1, PKT_TH_SYN | PKT_TH_ACK, NULL, 0, 0);
	ext_side(h, 0, fh, sizeof(fh), PKT_IPPROTO_FRAGMENT);
	push_tcp(g, h, h->t + 360, true, ci + 1, si + 1, PKT_TH_ACK | PKT_TH_PUSH, pay, first, 0);
	record(g, h, O_SUCCESS, 360);
	/* the later fragment: the same layout with 20 + rest bytes of data
	 * where the TCP header was, offset 78 (x 8 bytes), no more */
	fh[2] = (uint8_t)(off >> 5);
	fh[3] = (uint8_t)(off << 3);
	n = tcp_frame_ext(g, buf, h->cli, h->cport, h->srv, h->sport, 0, 0, 0, h->vlan,
	                  pay, rest - 20, fh, sizeof(fh), PKT_IPPROTO_FRAGMENT);
	if (n == 0)
		die("%s", "fragment does not fit");
	memset(buf + 14 + 40 + 8, 'f', 20);
	push(g, h->t + 361, buf, n, n);
	ext_side(h, 0, NULL, 0, 0);
}

/*
 * IPv6 extension headers and fragments (--icmp):
 *  - hop-by-hop options on the client's frames; destination options on
 *    the server's (the SYN/ACK behind them); both on both sides of a
 *    refused handshake; a routing header (no segment left) on the
 *    client's frames with its SYN retransmitted; an atomic fragment
 *    header on the client's frames: 4 successes (1 dupsyn), 1 reject;
 *  - a handshake completed by the first fragment of a data segment, its
 *    later fragment after it: 1 success;
 *  - a later fragment whose bytes read like a SYN, and a SYN behind 9
 *    destination options headers (past the 8 the decoder walks): neither
 *    is followed nor malformed (a session made of either would time out
 *    before the file ends);
 *  - ICMPv6 administratively prohibited (code 1) quoting a SYN with
 *    destination options, and address unreachable from a router quoting
 *    only the header, the hop-by-hop header and 8 bytes of a SYN: 2
 *    unreachables.
 */
static void sc_ext6(struct gen *g)
{
	struct hs h;
	uint8_t buf[FRAME_MAX], chain[9 * 8];
	size_t n;

	g->args = "--icmp";
	h = H(0, IP(192, 168, 6, 1), 46001, 80, O_SUCCESS);
	ext_side(&h, 0, EXT_HBH, sizeof(EXT_HBH), PKT_IPPROTO_HOPOPTS);
	handshake(g, &h);
	h = H(100, IP(192, 168, 6, 2), 46002, 443, O_SUCCESS);
	ext_side(&h, 1, EXT_DST, sizeof(EXT_DST), PKT_IPPROTO_DSTOPTS);
	handshake(g, &h);
	h = H(200, IP(192, 168, 6, 3), 46003, 81, O_REJECT);
	ext_side(&h, 0, EXT_HBH_DST, sizeof(EXT_HBH_DST), PKT_IPPROTO_HOPOPTS);
	ext_side(&h, 1, EXT_HBH_DST, sizeof(EXT_HBH_DST), PKT_IPPROTO_HOPOPTS);
	handshake(g, &h);
	h = H(300, IP(192, 168, 6, 4), 46004, 80, O_SUCCESS);
	ext_side(&h, 0, EXT_RT, sizeof(EXT_RT), PKT_IPPROTO_ROUTING);
	h.dupsyn = 1;
	handshake(g, &h);
	h = H(400, IP(192, 168, 6, 5), 46005, 80, O_SUCCESS);
	ext_side(&h, 0, EXT_FRAG_ATOMIC, sizeof(EXT_FRAG_ATOMIC), PKT_IPPROTO_FRAGMENT);
	handshake(g, &h);
	h = H(500, IP(192, 168, 6, 6), 46006, 80, O_SUCCESS);
	frag_handshake(g, &h);

	/* a later fragment (offset 100 x 8) whose first bytes are a SYN */
	{
		static const uint8_t fh[8] = { PKT_IPPROTO_TCP, 0, 0x03, 0x20, 0, 0, 0x9a, 0xbc };
		h = H(600, IP(192, 168, 6, 7), 46007, 80, O_TIMEOUT);
		n = tcp_frame_ext(g, buf, h.cli, h.cport, h.srv, h.sport, (uint32_t)rng(), 0,
		                  PKT_TH_SYN, 0, NULL, 0, fh, sizeof(fh), PKT_IPPROTO_FRAGMENT);
		push(g, h.t, buf, n, n);
	}
	/* a SYN behind 9 destination options headers */
	for (int i = 0; i < 9; i++) {
		memcpy(chain + i * 8, EXT_DST, 8);
		chain[i * 8] = i < 8 ? PKT_IPPROTO_DSTOPTS : PKT_IPPROTO_TCP;
	}
	h = H(700, IP(192, 168, 6, 8), 46008, 80, O_TIMEOUT);
	n = tcp_frame_ext(g, buf, h.cli, h.cport, h.srv, h.sport, (uint32_t)rng(), 0, PKT_TH_SYN,
	                  0, NULL, 0, chain, sizeof(chain), PKT_IPPROTO_DSTOPTS);
	push(g, h.t, buf, n, n);
	g->need_end = h.t + TIMEOUT_US + TIMEOUT_MARGIN;

	h = H(800, IP(192, 168, 6, 9), 46009, 8080, O_UNREACH_PORT);
	h.unreach_code = 1;
	ext_side(&h, 0, EXT_DST, sizeof(EXT_DST), PKT_IPPROTO_DSTOPTS);
	handshake(g, &h);
	h = H(900, IP(192, 168, 6, 10), 46010, 80, O_UNREACH_HOST);
	h.srv = A(IP(10, 0, 5, 77));
	ext_side(&h, 0, EXT_HBH, sizeof(EXT_HBH), PKT_IPPROTO_HOPOPTS);
	handshake(g, &h);
}

enum malformed6 {
	M6_CUT_IP,         /* capture ends inside the IPv6 header */
	M6_VERSION,        /* version 4 behind the IPv6 ethertype */
	M6_EXT_PLEN,       /* payload length ends inside an extension header */
	M6_CUT_EXT,        /* capture ends inside an extension header */
	M6_DOFF,           /* TCP data offset < 5 */
	M6_CUT_TCP,        /* capture ends inside the TCP header */
	M6_PLEN,           /* payload length smaller than the TCP header */
	M6_COUNT
};

/* An IPv6 frame tcpeek must count as malformed. */
static void push_malformed6(struct gen *g, uint64_t ts, enum malformed6 kind)
{
	uint8_t buf[FRAME_MAX];
	struct hs h = H(0, IP(192, 168, 6, 250), (uint16_t)(50000 + kind), 80, O_TIMEOUT);
	bool ext = kind == M6_EXT_PLEN || kind == M6_CUT_EXT;
	size_t n = tcp_frame_ext(g, buf, h.cli, h.cport, h.srv, h.sport, (uint32_t)rng(), 0,
	                         PKT_TH_SYN, 0, NULL, 0, ext ? EXT_HBH : NULL,
	                         ext ? sizeof(EXT_HBH) : 0, PKT_IPPROTO_HOPOPTS);
	size_t cap = n;
	uint8_t *ip = buf + 14;

	switch (kind) {
	case M6_CUT_IP:
		cap = 14 + 30;
		break;
	case M6_VERSION:
		ip[0] = (uint8_t)(0x40 | (ip[0] & 0x0f));
		break;
	case M6_EXT_PLEN:
		ip[4] = 0;
		ip[5] = 4;
		break;
	case M6_CUT_EXT:
		cap = 14 + 40 + 4;
		break;
	case M6_DOFF:
		ip[40 + 12] = 0x40;
		break;
	case M6_CUT_TCP:
		cap = 14 + 40 + 10;
		break;
	case M6_PLEN:
		ip[4] = 0;
		ip[5] = 10;
		break;
	default:
		break;
	}
	push(g, ts, buf, n, cap);
	g->malformed++;
}

/* truncated's IPv6 twin: malformed IPv6 frames between the SYNs and the
 * answers of real handshakes. */
static void sc_truncated6(struct gen *g)
{
	for (int i = 0; i < 3; i++) {
		struct hs h = H((uint64_t)i * 10, IP(192, 168, 1, 130 + i),
		                (uint16_t)(51000 + i), 80, O_SUCCESS);
		h.rtt = 3000;
		handshake(g, &h);
	}
	for (int k = 0; k < M6_COUNT; k++)
		push_malformed6(g, EPOCH_US + 1 * MS + (uint64_t)k * 100, (enum malformed6)k);
	struct hs h = H(100, IP(192, 168, 1, 140), 51010, 80, O_REJECT);
	handshake(g, &h);
}

/* mixed6's filters: v6:RX@[::/0]:% v4:RX@0.0.0.0/0:%
 * lan:RX@[2001:db8:192:168::/64]:80:443 */
static uint64_t mixed6_member(const struct addr *cli, const struct addr *srv, uint16_t sport)
{
	struct prefix lan = { .len = 64 };
	uint64_t m = 1;          /* RX */

	(void)srv;
	m |= cli->family == AF_INET6 ? 1 << 2 : 1 << 3;
	lan.a = ip6_twin(IP(192, 168, 0, 0));
	prefix_mask(&lan);
	if (prefix_contains(&lan, cli) && (sport == 80 || sport == 443))
		m |= 1 << 4;
	return m;
}

/* An IPv6 address from its eight 16-bit groups. */
static struct addr ip6(uint16_t a, uint16_t b, uint16_t c, uint16_t d, uint16_t e, uint16_t f,
                       uint16_t x, uint16_t y)
{
	uint16_t w[8] = { a, b, c, d, e, f, x, y };
	struct addr r = { .family = AF_INET6 };

	for (int i = 0; i < 8; i++) {
		r.u.b[2 * i] = (uint8_t)(w[i] >> 8);
		r.u.b[2 * i + 1] = (uint8_t)w[i];
	}
	return r;
}

/*
 * IPv4 and IPv6 interleaved (--icmp and three filters): 120 handshakes
 * from a fixed seed, each sent once over IPv4 and once over its IPv6
 * twin with the same ports at about the same time, each with its own
 * outcome; then the pairs a session table keyed on less than the whole
 * address would mix up, each pair with the same ports and opposite
 * outcomes: an IPv6 client and server whose 32-bit folds equal an IPv4
 * client's and server's, and two IPv6 clients with one fold.
 */
static void sc_mixed6(struct gen *g)
{
	static const uint32_t clinets[] = { IP(192, 168, 1, 0), IP(172, 16, 0, 0), IP(198, 51, 100, 0) };
	static const uint16_t ports[] = { 80, 443, 22, 8080 };
	struct hs h;

	g->args = "--icmp v6:RX@[::/0]:% v4:RX@0.0.0.0/0:% lan:RX@[2001:db8:192:168::/64]:80:443";
	g->nfilt = 5;
	g->fname[2] = "v6";
	g->fname[3] = "v4";
	g->fname[4] = "lan";
	g->member = mixed6_member;
	for (int i = 0; i < 120; i++) {
		uint64_t t = (uint64_t)i * 150 + rnd(50);
		uint32_t cli = clinets[rnd(3)];
		cli |= 1 + rnd(250);
		uint16_t port = ports[rnd(4)];
		uint32_t srv = IP(10, 0, 0, 10 + rnd(2));
		for (int fam = 0; fam < 2; fam++) {
			uint32_t r = rnd(100);
			v6 = fam == 1;
			h = H(t + (uint64_t)fam * rnd(3), cli, (uint16_t)(20000 + i), port, O_SUCCESS);
			h.srv = A(srv);
			h.rtt = 100 + rnd(3000);
			if (r < 55) {
				uint32_t v = rnd(6);
				if (v == 0)
					h.dupsyn = 1;
				else if (v == 1)
					h.dupsa = 1;
				else if (v == 2)
					h.vlan = 100;
				else if (v == 3)
					h.data = 1 + rnd(1400);
			} else if (r < 67) {
				h.o = O_REJECT;
			} else if (r < 74) {
				h.o = rnd(2) ? O_ABORT : O_ABORT_EARLY;
			} else if (r < 82) {
				h.o = O_TIMEOUT;
				h.dupsyn = (int)rnd(2);
			} else if (r < 90) {
				h.o = rnd(2) ? O_UNREACH_PORT : O_UNREACH_HOST;
			} else {
				h.o = rnd(2) ? O_BADACK_SA : O_BADACK_CLI;
			}
			handshake(g, &h);
		}
	}
	/* 192.168.1.5 -> 10.0.0.10 and an IPv6 pair with the same folds
	 * (2001:db8 ^ e0a9:cbd = c0a8:105, 2001:db8 ^ 2a01:db2 = a00:a) */
	v6 = false;
	h = H(20000, IP(192, 168, 1, 5), 33000, 80, O_SUCCESS);
	h.rtt = 2000;
	handshake(g, &h);
	h = H(20000, IP(192, 168, 1, 5), 33000, 80, O_REJECT);
	h.t += 500;
	h.cli = ip6(0x2001, 0x0db8, 0, 0, 0, 0, 0xe0a9, 0x0cbd);
	h.srv = ip6(0x2001, 0x0db8, 0, 0, 0, 0, 0x2a01, 0x0db2);
	handshake(g, &h);
	/* two IPv6 clients, one fold: 2001:db8:0:1::5 and 2001:db8::1:0:5 */
	h = H(20100, IP(192, 168, 1, 6), 33001, 443, O_TIMEOUT);
	h.cli = ip6(0x2001, 0x0db8, 0, 1, 0, 0, 0, 5);
	h.srv = ip6_twin(SRV);
	handshake(g, &h);
	h.t += 700;
	h.o = O_SUCCESS;
	h.cli = ip6(0x2001, 0x0db8, 0, 0, 0, 1, 0, 5);
	handshake(g, &h);
	v6 = true;
}

/* ---- benchmark scenarios (streamed, never held in memory) ------------ */

struct bench {
	pcap_t *p;
	pcap_dumper_t *d;
	uint64_t ts;
	uint32_t ip_id;
};

static void bench_open(struct bench *b, const char *out)
{
	b->p = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (b->p == NULL)
		die("%s", "pcap_open_dead failed");
	b->d = pcap_dump_open(b->p, out);
	if (b->d == NULL)
		die("%s", pcap_geterr(b->p));
	b->ts = EPOCH_US;
}

static void bench_close(struct bench *b, const char *out)
{
	if (pcap_dump_flush(b->d) != 0)
		die("cannot write %s", out);
	pcap_dump_close(b->d);
	pcap_close(b->p);
}

/* Client i of a benchmark: distinct 4-tuples for 2^32 handshakes. */
static void bench_tuple(uint64_t i, uint32_t *cli, uint16_t *cport)
{
	*cli = IP(100, 64, 0, 0) | (uint32_t)((i / 50000) & 0x3fffff);
	*cport = (uint16_t)(10000 + i % 50000);
}

static uint32_t isn(uint64_t i, uint32_t salt)
{
	uint64_t z = i * UINT64_C(0x9e3779b97f4a7c15) ^ salt;
	z ^= z >> 29;
	return (uint32_t)(z * UINT64_C(0xbf58476d1ce4e5b9) >> 32);
}

static void bench_pkt(struct bench *b, uint64_t i, int step)
{
	uint8_t buf[128], cm[6], sm[6];
	uint32_t cli, ci = isn(i, 0x1234), si = isn(i, 0x5678);
	uint16_t cport;
	struct pkt_tcp_spec s = { .smac = cm, .dmac = sm, .ip_id = (uint16_t)++b->ip_id };
	struct addr ca, sa;
	size_t n;

	bench_tuple(i, &cli, &cport);
	ca = A(cli);
	sa = A(SRV);
	mac_of(cm, &ca);
	mac_of(sm, &sa);
	if (step == 1) {
		s.smac = sm, s.dmac = cm;
		s.src = sa, s.dst = ca, s.sport = 80, s.dport = cport;
		s.seq = si, s.ack = ci + 1, s.flags = PKT_TH_SYN | PKT_TH_ACK;
		s.win = 65160, s.mss = 1460;
	} else {
		s.src = ca, s.dst = sa, s.sport = cport, s.dport = 80;
		if (step == 0)
			s.seq = ci, s.flags = PKT_TH_SYN, s.win = 64240, s.mss = 1460;
		else
			s.seq = ci + 1, s.ack = si + 1, s.flags = PKT_TH_ACK, s.win = 502;
	}
	n = pkt_build_tcp(buf, sizeof(buf), &s);
	dump(b->d, b->ts++, buf, n, n);
}

/*
 * n successful handshakes with about k in flight: at each slot j the SYN
 * of handshake j, the SYN/ACK of j - k/2 and the ACK of j - k go out.
 */
static void bench_handshakes(const char *out, uint64_t n, uint64_t k)
{
	struct bench b;
	uint64_t half;

	if (k < 2)
		k = 2;
	half = k / 2;
	bench_open(&b, out);
	for (uint64_t j = 0; j < n + k; j++) {
		if (j < n)
			bench_pkt(&b, j, 0);
		if (j >= half && j - half < n)
			bench_pkt(&b, j - half, 1);
		if (j >= k && j - k < n)
			bench_pkt(&b, j - k, 2);
	}
	bench_close(&b, out);
}

/* n SYNs from random sources to one port, never answered. */
static void bench_flood(const char *out, uint64_t n)
{
	struct bench b;
	uint8_t buf[128], cm[6], sm[6];

	bench_open(&b, out);
	mac_of4(sm, SRV);
	memcpy(cm, (const uint8_t[6]){ 0x02, 0, 0, 0, 0, 0xfe }, 6);
	rng_state = 0xf100d;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = rng();
		struct pkt_tcp_spec s = {
			.smac = cm, .dmac = sm,
			.src = addr_ip4((uint32_t)r), .dst = addr_ip4(SRV),
			.sport = (uint16_t)(1024 + (r >> 32) % 64512), .dport = 80,
			.seq = (uint32_t)(r >> 40), .flags = PKT_TH_SYN,
			.win = 64240, .mss = 1460, .ip_id = (uint16_t)i,
		};
		size_t len = pkt_build_tcp(buf, sizeof(buf), &s);
		dump(b.d, b.ts++, buf, len, len);
	}
	bench_close(&b, out);
}

/*
 * One corrupt timestamp: an unrelated frame stamped ten years ahead sits
 * between the SYN and the SYN/ACK of a handshake that takes 1 s.  tcpeek
 * treats it as a lone bad timestamp (a jump, handled at the time so far):
 * the 1 s handshake succeeds (with the clock frozen at the bad time it
 * became a 60 s timeout and later handshakes measured 0), the handshakes
 * after it get their own verdicts and times, the timeout still fires from
 * the trailing frame, and the summary's from precedes its to.
 */
static void sc_jump(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 40), 42000, 80, O_SUCCESS);

	h.rtt = 1000000;
	handshake(g, &h);
	push_arp(g, EPOCH_US + 500 * MS);
	g->recs[g->nrecs - 1].wire = EPOCH_US + UINT64_C(315360000) * SEC;
	h = H(1200, IP(192, 168, 1, 41), 42001, 443, O_SUCCESS);
	h.rtt = 700;
	handshake(g, &h);
	h = H(1500, IP(192, 168, 1, 42), 42002, 81, O_REJECT);
	handshake(g, &h);
	h = H(2000, IP(192, 168, 1, 43), 42003, 82, O_TIMEOUT);
	handshake(g, &h);
	h = H(2500, IP(192, 168, 1, 44), 42004, 80, O_ABORT);
	handshake(g, &h);
}

/*
 * The clock goes back an hour for good (two captures joined out of
 * order): time goes on from where it was, so the handshakes after the
 * jump measure their own 900 and 1200 us (clamped to the latest time
 * they measured 0), and a timeout after it still fires from the trailing
 * frame 65 s later (clamped, the clock never reached it).
 */
static void sc_jumpback(struct gen *g)
{
	struct hs h;

	for (int i = 0; i < 3; i++) {
		h = H((uint64_t)i * 100, IP(192, 168, 1, 50), (uint16_t)(43000 + i), 80, O_SUCCESS);
		handshake(g, &h);
	}
	g->shift_from = EPOCH_US + 10 * SEC;
	g->shift_us = UINT64_C(3600) * SEC;
	h = H(10000, IP(192, 168, 1, 51), 43010, 80, O_SUCCESS);
	h.rtt = 900;
	handshake(g, &h);
	h = H(10500, IP(192, 168, 1, 52), 43011, 443, O_SUCCESS);
	h.rtt = 1200;
	h.dupsyn = 1;
	handshake(g, &h);
	h = H(11000, IP(192, 168, 1, 53), 43012, 81, O_REJECT);
	handshake(g, &h);
	h = H(11500, IP(192, 168, 1, 54), 43013, 82, O_TIMEOUT);
	handshake(g, &h);
}

/*
 * Captured on the sending host: the client's first data segment is a TSO
 * super-packet (6000 bytes of payload) whose IP total length reads 0.
 * tcpdump reads its length from the capture, and so must tcpeek: it
 * completes its handshake (as malformed, it left two handshakes to time
 * out), and nothing is malformed.
 */
static void sc_tso(struct gen *g)
{
	struct hs h = H(0, IP(192, 168, 1, 60), 44000, 80, O_SUCCESS);

	h.data = 6000;
	h.tso = true;
	handshake(g, &h);
	h = H(100, IP(192, 168, 1, 61), 44001, 443, O_SUCCESS);
	h.data = 6000;
	h.tso = true;
	h.cut = 200;             /* and cut by a snaplen */
	handshake(g, &h);
	h = H(200, IP(192, 168, 1, 62), 44002, 80, O_SUCCESS);
	h.data = 1000;
	handshake(g, &h);
}


/* ---- connections after the handshake (--track-established) ---------- */

/* A connection being built: its handshake's tuple and each side's next
 * sequence number; t is the time of the last frame. */
struct cs {
	struct hs h;
	uint32_t nxt[2];         /* [0] client, [1] server */
	uint64_t t;
};

static void cs_open(struct gen *g, struct cs *c, struct hs hv)
{
	const struct hs *h = &hv;

	uint32_t ci = (uint32_t)rng(), si = (uint32_t)rng();

	c->h = *h;
	push_tcp(g, h, h->t, true, ci, 0, PKT_TH_SYN, NULL, 0, 0);
	push_tcp(g, h, h->t + 300, false, si, ci + 1, PKT_TH_SYN | PKT_TH_ACK, NULL, 0, 0);
	push_tcp(g, h, h->t + 360, true, ci + 1, si + 1, PKT_TH_ACK, NULL, 0, 0);
	record(g, h, O_SUCCESS, 360);
	c->nxt[0] = ci + 1;
	c->nxt[1] = si + 1;
	c->t = h->t + 360;
}

/* A segment from a side dt_ms after the last one: len bytes of new data,
 * with extra flags (FIN counts one). */
static void cs_send(struct gen *g, struct cs *c, uint64_t dt_ms, int side, uint8_t flags,
                    uint32_t len)
{
	uint8_t pay[1500];

	memset(pay, 'd', sizeof(pay));
	c->t += dt_ms * MS;
	push_tcp(g, &c->h, c->t, side == 0, c->nxt[side], c->nxt[!side], PKT_TH_ACK | flags,
	         pay, len, 0);
	c->nxt[side] += len + ((flags & PKT_TH_FIN) ? 1 : 0);
}

/* A keepalive probe (seq = snd.nxt - 1, no data). */
static void cs_probe(struct gen *g, struct cs *c, uint64_t dt_ms, int side)
{
	c->t += dt_ms * MS;
	push_tcp(g, &c->h, c->t, side == 0, c->nxt[side] - 1, c->nxt[!side], PKT_TH_ACK,
	         NULL, 0, 0);
}

/* The last len bytes of a side's data again. */
static void cs_retrans(struct gen *g, struct cs *c, uint64_t dt_ms, int side, uint32_t len)
{
	uint8_t pay[1500];

	memset(pay, 'd', sizeof(pay));
	c->t += dt_ms * MS;
	push_tcp(g, &c->h, c->t, side == 0, c->nxt[side] - len, c->nxt[!side], PKT_TH_ACK,
	         pay, len, 0);
}

/* An RST from a side: an abort (RST|ACK at snd.nxt), or the answer of a
 * host without the connection (RST alone, seq = the other side's ack). */
static void cs_rst(struct gen *g, struct cs *c, uint64_t dt_ms, int side, bool with_ack)
{
	c->t += dt_ms * MS;
	push_tcp(g, &c->h, c->t, side == 0, c->nxt[side], with_ack ? c->nxt[!side] : 0,
	         PKT_TH_RST | (with_ack ? PKT_TH_ACK : 0), NULL, 0, 0);
}

enum cend { CE_FIN, CE_RESET, CE_KEEPALIVE, CE_HALF_OPEN, CE_IDLE, CE_OPEN };

static void crecord(struct gen *g, const struct cs *c, enum cend e, int side, bool data,
                    uint64_t probes, uint64_t unanswered)
{
	uint64_t m = g->member ? g->member(&c->h.cli, &c->h.srv, c->h.sport) : 1;

	for (int i = 0; i < g->nfilt; i++) {
		struct cnt *k = &g->c[i];

		if (!(m >> i & 1))
			continue;
		switch (e) {
		case CE_FIN: k->c_fin++; break;
		case CE_RESET: k->c_reset[side][data]++; break;
		case CE_KEEPALIVE: k->c_keepalive++; break;
		case CE_HALF_OPEN: k->c_half_open++; break;
		case CE_IDLE: k->c_idle++; break;
		case CE_OPEN: k->c_open++; break;
		}
		if (e != CE_OPEN) {
			k->c_probes += probes;
			k->c_unanswered += unanswered;
		}
	}
}

/* Ends a file must reach for a silence to be judged. */
static void cs_need(struct gen *g, uint64_t t)
{
	if (t > g->need_end)
		g->need_end = t;
}

#define CONN_IDLE_S 30

/*
 * Every way a connection ends, one client each (tcpeek runs with
 * --track-established --idle-timeout 30; conn.h is the contract):
 *  fin; resets by either side before and after data; a forged RST with a
 *  wrong seq that changes nothing before a clean fin; keepalive ended by
 *  the prober's RST after 1 answered and 2 unanswered probes (the seed's
 *  trace), and keepalive gone silent after 3 unanswered probes 1 s apart;
 *  half-open answered by an RST without ACK at the client's ack, and
 *  half-open where the client retransmits 3 times into silence; idle; and
 *  one connection still open when the file ends.
 */
static void sc_conn(struct gen *g)
{
	struct cs c;
	uint64_t t0 = 0;

	g->args = "--track-established --idle-timeout " "30";
	g->conn = true;
	/* fin */
	cs_open(g, &c, H(t0, IP(192, 168, 2, 1), 41001, 80, O_SUCCESS));
	cs_send(g, &c, 1, 0, PKT_TH_PUSH, 100);
	cs_send(g, &c, 1, 1, PKT_TH_PUSH, 200);
	cs_send(g, &c, 5, 0, PKT_TH_FIN, 0);
	cs_send(g, &c, 1, 1, PKT_TH_FIN, 0);
	cs_send(g, &c, 1, 0, 0, 0);
	crecord(g, &c, CE_FIN, 0, true, 0, 0);
	/* resets: client/server, before/after data */
	for (int side = 0; side < 2; side++)
		for (int data = 0; data < 2; data++) {
			cs_open(g, &c, H(t0 += 200, IP(192, 168, 2, (uint8_t)(10 + side * 2 + data)),
			                  (uint16_t)(41010 + side * 2 + data), 80, O_SUCCESS));
			if (data) {
				cs_send(g, &c, 1, 0, PKT_TH_PUSH, 300);
				cs_send(g, &c, 1, 1, PKT_TH_PUSH, 1200);
			}
			cs_rst(g, &c, 50, side, true);
			crecord(g, &c, CE_RESET, side, data, 0, 0);
		}
	/* an RST far from the server's sequence is not acceptable */
	cs_open(g, &c, H(t0 += 200, IP(192, 168, 2, 20), 41020, 443, O_SUCCESS));
	cs_send(g, &c, 1, 0, PKT_TH_PUSH, 50);
	c.nxt[1] += 0x40000000u;
	cs_rst(g, &c, 10, 1, true);
	c.nxt[1] -= 0x40000000u;
	cs_send(g, &c, 10, 1, PKT_TH_PUSH, 60);
	cs_send(g, &c, 10, 0, PKT_TH_FIN, 0);
	cs_send(g, &c, 1, 1, PKT_TH_FIN, 0);
	crecord(g, &c, CE_FIN, 0, true, 0, 0);
	/* keepalive, the seed's trace: answered at 2 s, then 2 unanswered, RST */
	cs_open(g, &c, H(t0 += 200, IP(192, 168, 2, 30), 41030, 8080, O_SUCCESS));
	cs_send(g, &c, 1, 0, PKT_TH_PUSH, 10);
	cs_send(g, &c, 1, 1, 0, 0);
	cs_probe(g, &c, 2000, 0);
	cs_send(g, &c, 0, 1, 0, 0);
	cs_probe(g, &c, 2000, 0);
	cs_probe(g, &c, 1000, 0);
	cs_rst(g, &c, 1000, 0, true);
	crecord(g, &c, CE_KEEPALIVE, 0, true, 3, 2);
	/* keepalive gone silent: 3 unanswered probes, 1 s apart */
	cs_open(g, &c, H(t0 += 200, IP(192, 168, 2, 31), 41031, 8080, O_SUCCESS));
	cs_send(g, &c, 1, 1, PKT_TH_PUSH, 10);
	cs_probe(g, &c, 2000, 0);
	cs_probe(g, &c, 1000, 0);
	cs_probe(g, &c, 1000, 0);
	cs_need(g, c.t + 10 * SEC);
	crecord(g, &c, CE_KEEPALIVE, 0, true, 3, 3);
	/* half-open: the server no longer has it and says so */
	cs_open(g, &c, H(t0 += 200, IP(192, 168, 2, 40), 41040, 80, O_SUCCESS));
	cs_send(g, &c, 1, 0, PKT_TH_PUSH, 100);
	cs_send(g, &c, 1, 1, PKT_TH_PUSH, 100);
	cs_send(g, &c, 3000, 0, PKT_TH_PUSH, 100);
	cs_rst(g, &c, 1, 1, false);
	crecord(g, &c, CE_HALF_OPEN, 1, true, 0, 0);
	/* half-open: the client retransmits into silence */
	cs_open(g, &c, H(t0 += 200, IP(192, 168, 2, 41), 41041, 80, O_SUCCESS));
	cs_send(g, &c, 1, 0, PKT_TH_PUSH, 100);
	cs_retrans(g, &c, 200, 0, 100);
	cs_retrans(g, &c, 400, 0, 100);
	cs_retrans(g, &c, 800, 0, 100);
	cs_need(g, c.t + 10 * SEC);
	crecord(g, &c, CE_HALF_OPEN, 1, true, 0, 0);
	/* idle */
	cs_open(g, &c, H(t0 += 200, IP(192, 168, 2, 50), 41050, 22, O_SUCCESS));
	cs_send(g, &c, 1, 0, PKT_TH_PUSH, 40);
	cs_send(g, &c, 1, 1, PKT_TH_PUSH, 40);
	cs_need(g, c.t + (CONN_IDLE_S + 5) * SEC);
	crecord(g, &c, CE_IDLE, 0, true, 0, 0);
	/* still open at the end: 10 s before the last frame */
	cs_open(g, &c, H(g->need_end / MS - EPOCH_US / MS - 10000, IP(192, 168, 2, 60), 41060,
	                  22, O_SUCCESS));
	cs_send(g, &c, 1, 0, PKT_TH_PUSH, 40);
	crecord(g, &c, CE_OPEN, 0, true, 0, 0);
}

/* ---- command line ----------------------------------------------------- */

struct scenario {
	const char *name;
	void (*fn)(struct gen *g);
	const char *what;
	bool six;                /* an IPv6 scenario (A() maps its addresses) */
};

static const struct scenario scenarios[] = {
	{ "success", sc_success, "plain handshakes to varied ports" },
	{ "reject", sc_reject, "RST/ACK from the server, one after a retransmitted SYN" },
	{ "abort", sc_abort, "client RST before completion" },
	{ "timeout", sc_timeout, "unanswered SYNs, a later frame lets the 60 s timeout fire" },
	{ "unreach", sc_unreach, "ICMP port/host unreachable quoting the SYN (--icmp)" },
	{ "retrans", sc_retrans, "duplicate SYN and SYN/ACK before success" },
	{ "ecn", sc_ecn, "SYN|ECE|CWR handshakes" },
	{ "datacomplete", sc_datacomplete, "handshakes completed by a data segment" },
	{ "badack", sc_badack, "SYN/ACK or client ACK with a wrong ack: not a success" },
	{ "simopen", sc_simopen, "simultaneous open" },
	{ "vlan", sc_vlan, "802.1Q and 802.1ad tagged handshakes" },
	{ "truncated", sc_truncated, "malformed and cut frames between real handshakes" },
	{ "open", sc_open, "handshakes still open at the end of the file" },
	{ "filters", sc_filters, "ports 22/80/443/8080 from two subnets, with user filters" },
	{ "mixed", sc_mixed, "about 200 interleaved handshakes of every kind" },
	{ "jump", sc_jump, "one frame stamped ten years ahead inside a 1 s handshake" },
	{ "jumpback", sc_jumpback, "timestamps go back an hour for good halfway" },
	{ "tso", sc_tso, "handshakes completed by TSO super-packets (IP total length 0)" },
	{ "conn", sc_conn, "every way a connection ends (--track-established)" },
	/* IPv6: twins of the IPv4 scenarios (addresses mapped by ip6_twin,
	 * ICMPv6 for ICMP), then what only IPv6 has */
	{ "success6", sc_success, "IPv6: plain handshakes to varied ports", true },
	{ "reject6", sc_reject, "IPv6: RST/ACK from the server, one after a retransmitted SYN", true },
	{ "abort6", sc_abort, "IPv6: client RST before completion", true },
	{ "timeout6", sc_timeout, "IPv6: unanswered SYNs, a Neighbor Solicitation 65 s later", true },
	{ "unreach6", sc_unreach, "IPv6: ICMPv6 port/address unreachable quoting the SYN (--icmp)", true },
	{ "retrans6", sc_retrans, "IPv6: duplicate SYN and SYN/ACK before success", true },
	{ "ecn6", sc_ecn, "IPv6: SYN|ECE|CWR handshakes", true },
	{ "datacomplete6", sc_datacomplete, "IPv6: handshakes completed by a data segment", true },
	{ "badack6", sc_badack, "IPv6: SYN/ACK or client ACK with a wrong ack", true },
	{ "simopen6", sc_simopen, "IPv6: simultaneous open", true },
	{ "vlan6", sc_vlan, "IPv6: 802.1Q and 802.1ad tagged handshakes", true },
	{ "open6", sc_open, "IPv6: handshakes still open at the end of the file", true },
	{ "filters6", sc_filters, "IPv6: two /80s, ports 22/80/443/8080, a bracketed filter", true },
	{ "tso6", sc_tso, "IPv6: handshakes completed by super-packets (payload length 0)", true },
	{ "conn6", sc_conn, "IPv6: every way a connection ends (--track-established)", true },
	{ "truncated6", sc_truncated6, "IPv6: malformed and cut IPv6 frames between handshakes", true },
	{ "ext6", sc_ext6, "IPv6: extension headers, fragments, ICMPv6 quoting them", true },
	{ "mixed6", sc_mixed6, "IPv4 and IPv6 interleaved on the same ports, fold twins", true },
};
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: %s --list\n"
	        "       %s SCENARIO OUT.pcap\n"
	        "       %s bench-handshakes OUT.pcap [HANDSHAKES [IN_FLIGHT]]  (1000000 1000)\n"
	        "       %s bench-handshakes6 OUT.pcap [HANDSHAKES [IN_FLIGHT]] (1000000 1000)\n"
	        "       %s bench-open400k OUT.pcap [HANDSHAKES [IN_FLIGHT]]    (1000000 400000)\n"
	        "       %s bench-flood OUT.pcap [SYNS]                         (1000000)\n",
	        progname, progname, progname, progname, progname, progname);
}

static int bad_usage(void)
{
	fprintf(stderr, "%s: expected SCENARIO OUT.pcap [COUNTS] (%s -h for the forms, "
	        "--list for the scenarios)\n", progname, progname);
	return 64;
}

static uint64_t num_arg(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > (UINT64_C(1) << 32) ||
	    s[0] == '-') {
		fprintf(stderr, "%s: count \"%s\" is not 1 to 2^32\n", progname, s);
		exit(64);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < NSCEN; i++)
			printf("%s\t%s\n", scenarios[i].name, scenarios[i].what);
		printf("bench-handshakes\tbenchmark: successful handshakes, about 1 k in flight\n");
		printf("bench-handshakes6\tbenchmark: bench-handshakes over IPv6 (the addresses' twins)\n");
		printf("bench-open400k\tbenchmark: successful handshakes, about 400 k in flight\n");
		printf("bench-flood\tbenchmark: SYNs from random sources, never answered\n");
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 3) {
		return bad_usage();
	}
	const char *name = argv[1], *out = argv[2];

	if (strcmp(name, "bench-handshakes") == 0 || strcmp(name, "bench-open400k") == 0 ||
	    strcmp(name, "bench-handshakes6") == 0) {
		uint64_t n = 1000000, k = name[6] == 'h' ? 1000 : 400000;

		v6 = strcmp(name, "bench-handshakes6") == 0;
		if (argc > 5) {
			return bad_usage();
		}
		if (argc > 3)
			n = num_arg(argv[3]);
		if (argc > 4)
			k = num_arg(argv[4]);
		bench_handshakes(out, n, k);
		return 0;
	}
	if (strcmp(name, "bench-flood") == 0) {
		uint64_t n = 1000000;
		if (argc > 4) {
			return bad_usage();
		}
		if (argc > 3)
			n = num_arg(argv[3]);
		bench_flood(out, n);
		return 0;
	}
	if (argc != 3) {
		return bad_usage();
	}
	for (size_t i = 0; i < NSCEN; i++) {
		if (strcmp(scenarios[i].name, name) != 0)
			continue;
		struct gen g;
		memset(&g, 0, sizeof(g));
		rng_state = 0x5eed0000u + i;
		v6 = scenarios[i].six;
		g.nfilt = 2;
		g.fname[0] = "RX";
		g.fname[1] = "TX";
		scenarios[i].fn(&g);
		finish(&g, out);
		return 0;
	}
	fprintf(stderr, "%s: unknown scenario \"%s\" (see --list)\n", progname, name);
	return 64;
}
