/*
 * Connection tracker (--track-established): follows every connection
 * whose handshake the handshake tracker saw succeed, until it ends, and
 * says how it ended.  Pure like the handshake tracker: no I/O, no clock;
 * time comes with each packet.
 *
 * The sides: the client is the handshake's initiator.  For each side the
 * tracker keeps the next sequence number it will use (snd.nxt: the
 * highest seq + payload length (+1 for a FIN) seen from it), the last
 * acknowledgement it sent, the payload bytes it sent, its keepalive
 * probes and retransmissions.
 *
 *  keepalive probe   a segment from a side with seq == its snd.nxt - 1
 *                    carrying 0 or 1 byte and no FIN (what Linux sends,
 *                    and also what its zero-window probes look like);
 *                    answered when the other side sends anything after it
 *  retransmission    a segment carrying data entirely below snd.nxt (not
 *                    a probe); unanswered until the other side sends
 *                    anything
 *
 * Ends (enum conn_end), decided in this order:
 *  fin        both sides sent a FIN (at the second FIN)
 *  keepalive  a side's last keepalive probe went unanswered and then that
 *             side sent an RST (via rst), or nothing more came within the
 *             silence window or the idle timeout (via silence)
 *  half-open  the side that no longer had the connection: (via rst) it
 *             answered the other side with an RST without ACK whose seq
 *             is the ack the other side last sent (RFC 793's reset for a
 *             segment to no connection; Linux sends the same for data
 *             reaching a socket its application closed), and it had sent
 *             no FIN; or (via silence) the other side retransmitted data
 *             CONN_HALF_OPEN_RETRANS or more times without a word back,
 *             then nothing more came within the silence window or the
 *             idle timeout
 *  reset      any other acceptable RST: by the side that sent it, before
 *             or after data (payload bytes seen from either side after
 *             the handshake); acceptable means its seq is that side's
 *             snd.nxt within -CONN_RST_BEFORE..+CONN_RST_AFTER, or the
 *             other side's last ack
 *  idle       no segment for idle_us (not a failure)
 * A new SYN from the client with another ISN, or a new successful
 * handshake on the tuple, ends the old connection by the silence rules
 * (via new_syn).
 *
 * Silence window: after two unanswered probes (or retransmissions) of
 * one side, CONN_SILENCE_GAPS times the gap between them (at least
 * CONN_SILENCE_MIN_US, at most idle_us), counted from the last one.
 *
 * Deadlines differ per connection (idle, silence window), so they live in
 * a timer wheel (twheel.h), not in the handshake tracker's FIFO.
 *
 * Memory: a second session table (sesstab.h, the same keying) reserved
 * once for cfg.max_conns, plus CONN_EXT_SIZE bytes of per-connection
 * state beside it: conn_size() bytes a connection in all.  Beyond the
 * cap, new connections are counted (overflow), not followed.
 */
#ifndef SYNSCOPE_PEEK_CONN_H
#define SYNSCOPE_PEEK_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"
#include "peek/track.h"

#define CONN_HALF_OPEN_RETRANS 2
#define CONN_SILENCE_GAPS 3
#define CONN_SILENCE_MIN_US 1000000u
#define CONN_RST_BEFORE 65536u
#define CONN_RST_AFTER (1u << 20)

enum conn_end {
	CONN_FIN = 0,
	CONN_RESET,
	CONN_KEEPALIVE,
	CONN_HALF_OPEN,
	CONN_IDLE,
};
#define CONN_NEND 5

enum conn_via {
	CONN_VIA_FIN = 0,
	CONN_VIA_RST,
	CONN_VIA_SILENCE,
	CONN_VIA_IDLE,
	CONN_VIA_NEW_SYN,
};

enum conn_side {
	CONN_CLIENT = 0,
	CONN_SERVER = 1,
	CONN_NOSIDE = 2,         /* fin, idle */
};

struct conn_event {
	enum conn_end end;
	enum conn_via via;
	enum conn_side by;       /* reset: its sender; keepalive: the prober;
	                          * half-open: the side that had lost it */
	int after_data;          /* payload seen from either side */
	struct addr cli_addr, srv_addr;
	uint16_t cli_port, srv_port;
	uint64_t start_us;       /* the handshake's completion */
	uint64_t end_us;
	uint64_t filters;
	uint64_t bytes[2];       /* payload bytes, [CONN_CLIENT], [CONN_SERVER] */
	uint32_t probes[2], answered[2], retrans[2];
};

struct conn_config {
	uint64_t idle_us;
	uint32_t max_conns;
};

struct conn_ops {
	void (*done)(void *arg, const struct conn_event *ev);
	/* a successful handshake not followed: the table was full */
	void (*overflow)(void *arg, uint64_t filters);
};

struct conn_stats {
	uint64_t open, peak, overflow, max_conns;
	size_t memory_bytes;
};

struct conn;

/* NULL (errno ENOMEM or EINVAL) if the table cannot be had. */
struct conn *conn_new(const struct conn_config *cfg, const struct conn_ops *ops, void *arg);
void conn_free(struct conn *c);

/* A handshake ended (only successes open a connection, at ev->end_us). */
void conn_handshake(struct conn *c, const struct trk_event *ev);

/* Feed one decoded frame (after the handshake tracker has seen it). */
void conn_packet(struct conn *c, const struct pkt_frame *f, uint64_t ts_us);

/* Let time pass without a packet: deadlines due by now_us fire. */
void conn_advance(struct conn *c, uint64_t now_us);

void conn_foreach_open(const struct conn *c, void (*fn)(void *arg, uint64_t filters), void *arg);
void conn_get_stats(const struct conn *c, struct conn_stats *out);

/* Bytes one connection takes (for the default cap and the man page). */
size_t conn_size(void);

const char *conn_end_name(enum conn_end e);
const char *conn_via_name(enum conn_via v);
const char *conn_side_name(enum conn_side s);

#endif
