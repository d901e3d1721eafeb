/*
 * The raw LVS-DR check as a pure state machine: resolve the real server's
 * MAC (ARP for IPv4, a Neighbor Solicitation for IPv6), SYN to VIP:PORT at
 * that MAC, validate the reply, close with RST or a clean FIN exchange.
 * The same machine serves both families: only the neighbour resolution
 * differs, as the protocols do.  No clock reads and no I/O here: the driver feeds
 * received frames and the current monotonic time, and sends the frames the
 * machine hands back.  That keeps every verdict testable with byte fixtures
 * and fake time.
 */
#ifndef SYNSCOPE_CHECK_CHK_H
#define SYNSCOPE_CHECK_CHK_H

#include <stddef.h>
#include <stdint.h>

#include "check/outcome.h"
#include "net/pkt.h"

#define CHK_FRAME_MAX 128     /* our frames: eth + ipv6 + tcp(+mss) = 78 bytes,
                               * a Neighbor Solicitation 86 */
#define CHK_MAX_TX 3
#define CHK_REASON_MAX 160
#define CHK_NO_WAKE UINT64_MAX
#define CHK_ARP_RETX_US 200000u  /* first ARP retransmission, at most */
#define CHK_ARP_RETX_MAX_US 1000000u /* the gap doubles up to this */

struct chk_config {
	uint8_t our_mac[PKT_ETH_ALEN];
	struct addr our;          /* source address of everything we send */
	struct addr rs;           /* real server: only its MAC is resolved */
	struct addr vip;          /* destination of the TCP segments; the three
	                           * are of one family */
	uint16_t port;            /* destination port */
	uint16_t sport;           /* our source port, random per check */
	uint32_t isn;             /* our initial sequence number, random */
	uint16_t ip_id;           /* first IP ID, random */
	uint16_t mss;             /* announced in the SYN */
	uint64_t timeout_us;      /* per reply; 0 waits forever */
	int retries;              /* extra SYN transmissions within the deadline */
	int clean_close;          /* FIN exchange instead of RST */
	int any_mac;              /* -A: replies from any Ethernet source count */
};

enum chk_state {
	CHK_ST_ARP = 0,           /* waiting for the ARP reply or the Neighbor
	                           * Advertisement */
	CHK_ST_SYN_SENT,          /* waiting for SYN/ACK (or RST, ICMP) */
	CHK_ST_FIN_WAIT,          /* -c: our FIN sent, waiting for theirs + ACK */
	CHK_ST_DONE,
};

/* A reply as it arrived: who put it on our wire, with what TTL. */
struct chk_reply {
	int have;
	uint8_t mac[PKT_ETH_ALEN];  /* Ethernet source */
	uint8_t ttl;                /* IPv4 TTL, IPv6 hop limit */
	const char *what;           /* "SYN/ACK", "RST", "FIN", "ICMP unreachable", ... */
};

struct chk {
	struct chk_config cfg;
	enum chk_state state;
	enum chk_outcome outcome; /* CHK_OUT_PENDING until DONE */
	enum chk_state timeout_state; /* what a timeout was waiting in */
	uint8_t rs_mac[PKT_ETH_ALEN];
	int have_rs_mac;
	uint64_t deadline;        /* CHK_NO_WAKE when none */
	uint64_t next_retx;       /* ARP or SYN retransmission, CHK_NO_WAKE */
	uint64_t stage_start;     /* when the current request was first sent */
	uint64_t arp_gap;         /* current ARP retransmission interval */
	int syn_sent;             /* SYN transmissions so far */
	uint64_t t_syn, t_synack; /* for the handshake RTT */
	int have_rtt;
	uint32_t srv_isn;
	uint32_t rcv_nxt;         /* next sequence number expected from the server */
	int peer_fin, fin_acked;
	uint16_t ip_id;
	/* The reply the verdict rests on (SYN/ACK, RST, ICMP); on
	 * CHK_OUT_WRONG_MAC, the first one ignored for its Ethernet source. */
	struct chk_reply reply;
	struct chk_reply foreign; /* first valid reply from another MAC */
	uint8_t icmp_type, icmp_code;
};

/* What one step of the machine asks of the driver. */
struct chk_out {
	int ntx;
	struct {
		uint8_t buf[CHK_FRAME_MAX];
		size_t len;
	} tx[CHK_MAX_TX];
	int accepted;             /* the frame given was taken into account */
	int is_arp;               /* the frame given was ARP or neighbour
	                           * discovery (shown at -vv only) */
	char ignored[CHK_REASON_MAX]; /* non-empty: why the frame was ignored */
};

/* Start a check at NOW: emits the first ARP request (Neighbor
 * Solicitation). */
void chk_start(struct chk *c, const struct chk_config *cfg, uint64_t now,
               struct chk_out *out);
/* Start a check at NOW whose real server's MAC is already known (the
 * many-target engine's neighbour cache validated an ARP reply through
 * this same machine earlier): emits the SYN at once, as chk_start followed
 * by an accepted ARP reply from RS_MAC would. */
void chk_start_resolved(struct chk *c, const struct chk_config *cfg, const uint8_t *rs_mac,
                        uint64_t now, struct chk_out *out);
/* A received Ethernet frame. */
void chk_on_frame(struct chk *c, const uint8_t *buf, size_t len, uint64_t now,
                  struct chk_out *out);
/* Time passed: deadlines and retransmissions due at or before NOW. */
void chk_on_tick(struct chk *c, uint64_t now, struct chk_out *out);
/* When the driver must call chk_on_tick next (CHK_NO_WAKE: only frames). */
uint64_t chk_next_wake(const struct chk *c);

/* The outcome of a finished check in words, e.g. "timeout after 500 ms
 * waiting for SYN/ACK".  Returns OUT. */
char *chk_fmt_reason(char *out, size_t cap, const struct chk *c);

/* Human name of an ICMP destination-unreachable code. */
const char *chk_unreach_str(uint8_t code);
/* The same for ICMPv6 (its codes are numbered otherwise). */
const char *chk_unreach6_str(uint8_t code);

/* One line describing a decoded frame in the seed's verbose format (TCP,
 * ARP) or ours (ICMP, neighbour discovery); IPv6 endpoints are written
 * [addr]:port.  Returns OUT. */
char *chk_fmt_frame(char *out, size_t cap, const struct pkt_frame *f);

#endif
