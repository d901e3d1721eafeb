/*
 * Handshake tracker: follows every TCP handshake it is fed and reports how
 * each one ended.  Pure: no I/O and no clock; time comes with each packet
 * (capture timestamps in microseconds), so pcap replays are deterministic
 * and tests drive it with byte fixtures and fake time.
 *
 * Classification, per 4-tuple, the initiator being the sender of the first
 * SYN (SYN set, ACK clear: ECN SYNs with ECE+CWR count):
 *  success  the initiator's ACK (pure ACK or data segment) acknowledges
 *           the responder's SYN/ACK (ack == server ISN + 1), after a
 *           SYN/ACK that acknowledged the SYN (ack == client ISN + 1)
 *  reject   an RST from the responder acceptable for the SYN
 *           (ACK set and ack == client ISN + 1)
 *  unreach  (cfg.icmp) an ICMP destination unreachable quoting the SYN
 *           (quoted addresses, ports and seq == client ISN)
 *  abort    an RST from the initiator before establishment
 *  timeout  no ending within cfg.timeout_us after the last SYN
 *           (a retransmitted SYN restarts the timer)
 * dupsyn / dupsynack count retransmissions of the same SYN / SYN/ACK.
 * A new SYN with another ISN on a tuple whose session is still open ends
 * the old session as a timeout at that moment and starts a new one.
 *
 * Memory: the session table is open addressing in memory reserved once
 * for cfg.max_sessions (no per-packet malloc, <= 96 bytes a session; the
 * part of the index in use grows in place within the reservation, see
 * sesstab.h); a capture that holds 16-byte (IPv6) addresses reserves 32
 * bytes a session more, at its first such handshake, and 512 KiB for the
 * memory of ended handshakes with such addresses; beyond
 * cfg.max_sessions new SYNs are counted as untracked.  IPv4 and IPv6
 * handshakes are followed alike, in one table.
 * Timeouts come from a timer wheel, never from scanning the table.
 */
#ifndef SYNSCOPE_PEEK_TRACK_H
#define SYNSCOPE_PEEK_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"

enum trk_result {
	TRK_SUCCESS = 0,
	TRK_REJECT,
	TRK_TIMEOUT,
	TRK_UNREACH,
	TRK_ABORT,
};

struct trk_config {
	uint64_t timeout_us;     /* default 60 s */
	uint32_t max_sessions;   /* hard cap on open sessions */
	int icmp;                /* interpret ICMP destination unreachable */
};

/* A finished handshake. */
struct trk_event {
	enum trk_result result;
	struct addr cli_addr, srv_addr;
	uint16_t cli_port, srv_port;
	uint64_t start_us;       /* timestamp of the first SYN */
	uint64_t end_us;         /* deciding packet, or timer expiry */
	uint32_t dupsyn, dupsynack;
	uint64_t filters;        /* what classify returned for the SYN */
	uint8_t icmp_type, icmp_code;  /* for TRK_UNREACH */
	uint32_t cli_isn, srv_isn;     /* the ISNs (srv_isn: 0 before a SYN/ACK) */
};

/* The result's name in machine output ("success", "reject", "timeout",
 * "unreach", "abort"). */
const char *trk_result_name(enum trk_result r);

struct trk_ops {
	/* A new SYN: the filter bitmask of this handshake.  0 means nobody
	 * wants it (excluded, or in no direction): it is not tracked. */
	uint64_t (*classify)(void *arg, const struct addr *cli_addr, uint16_t cli_port,
	                     const struct addr *srv_addr, uint16_t srv_port);
	/* A handshake ended. */
	void (*done)(void *arg, const struct trk_event *ev);
	/* A SYN that would have opened a session but the table is full. */
	void (*untracked)(void *arg, uint64_t filters);
};

struct trk_stats {
	uint64_t open;           /* sessions open now */
	uint64_t peak;           /* most open at once */
	uint64_t untracked;      /* SYNs refused by the cap */
	uint64_t max_sessions;   /* the cap */
	size_t memory_bytes;     /* bytes the tracker allocated */
};

struct trk;

/* NULL (errno ENOMEM) if the table cannot be allocated. */
struct trk *trk_new(const struct trk_config *cfg, const struct trk_ops *ops, void *arg);
void trk_free(struct trk *t);

/* Feed one decoded frame (only has_tcp / has_icmp frames matter) with its
 * timestamp; timers due at or before ts fire first. */
void trk_packet(struct trk *t, const struct pkt_frame *f, uint64_t ts_us);

/* Feed n decoded frames in capture order: exactly the same events, in the
 * same order, as n trk_packet calls, but faster on big tables: the table
 * lines of frames further down the batch are prefetched while earlier
 * ones are handled (a lookup in a table sized for the cap is a cache miss
 * otherwise).  For programs that receive packets in bursts (pcap_dispatch).
 * A frame whose decode failed must come with has_tcp = has_icmp = 0: it
 * only advances the clock. */
void trk_packet_batch(struct trk *t, const struct pkt_frame *f, const uint64_t *ts_us, size_t n);

/* Let time pass without a packet (idle ticks in live mode): timers due
 * by now_us fire.  Only timers: the next packet still starts, ends and
 * measures handshakes at its own timestamp, even one earlier than now_us
 * (a frame the capture delivered late). */
void trk_advance(struct trk *t, uint64_t now_us);

/* Call fn for every open session (for per-filter "open" counts). */
void trk_foreach_open(const struct trk *t, void (*fn)(void *arg, uint64_t filters), void *arg);

void trk_get_stats(const struct trk *t, struct trk_stats *out);

/* Make the session table resident now (see sess_populate): for a live
 * capture, before it opens, so that a flood of new sessions finds its
 * memory ready instead of faulting it in page by page.  0, or -1 with
 * errno set. */
int trk_populate(struct trk *t);

/* Bytes one session takes in the table (for sizing the default cap). */
size_t trk_session_size(void);

#endif
