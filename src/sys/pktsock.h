/*
 * AF_PACKET socket bound to one interface, with a classic BPF filter
 * attached in the kernel before the socket is bound, so unrelated traffic
 * never reaches user space and nothing slips in before the filter.  The
 * filters come from libpcap's compiler, never from hand-counted jumps.
 */
#ifndef SYNSCOPE_SYS_PKTSOCK_H
#define SYNSCOPE_SYS_PKTSOCK_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/addr.h"

/* Open, attach PROG (may be NULL), ignore our own outgoing frames, bind
 * to IFINDEX.  Returns the fd or -1 with errno set (not logged: the caller
 * knows whether EPERM means "needs CAP_NET_RAW"). */
int pktsock_open(int ifindex, const struct sock_filter *prog, unsigned short len);
/* Send one complete Ethernet frame; 0 or -1 (errno). */
int pktsock_send(int fd, const void *frame, size_t len);
/* Receive one frame, non-blocking; returns its length, 0 when nothing is
 * queued or it was one of ours, -1 on error (errno). */
ssize_t pktsock_recv(int fd, void *buf, size_t cap);

/* Close FD without making the caller wait for it.  Releasing an AF_PACKET
 * socket waits for an RCU grace period (packet_release -> synchronize_net),
 * 8-16 ms here: more than the whole check.  A forked child holding the
 * last reference does that wait instead, after the caller's own reference
 * is gone; the child keeps no other descriptor (so nobody reading our
 * stdout waits for it) and exits right after.  Falls back to close(). */
void pktsock_close_deferred(int fd);

/*
 * Kernel filters, compiled by libpcap from a readable expression (the
 * text is kept for -v and for error messages).  Instructions are classic
 * BPF for untagged Ethernet: the kernel moves a VLAN tag to the packet's
 * metadata before an AF_PACKET filter runs.
 */
#define PKTSOCK_EXPR_MAX 640
#define PKTSOCK_ERR_MAX 256
struct pktsock_filter {
	char expr[PKTSOCK_EXPR_MAX];    /* the expression compiled */
	char err[PKTSOCK_ERR_MAX];      /* why it failed, when it did */
	struct sock_filter *prog;       /* owned; pktsock_filter_free */
	unsigned short len;
};

/* The check's receive filter for one connection OUR -> VIP:PORT from
 * SPORT, in the family of OUR and VIP (which must agree).  IPv4: ARP
 * replies to OUR (broadcast ones too), TCP from VIP:PORT to OUR:SPORT
 * (first fragments), ICMP to OUR.  IPv6: TCP from [VIP]:PORT to
 * [OUR]:SPORT, ICMPv6 destination unreachable and Neighbor Advertisements
 * to OUR, and packets to OUR whose fixed header is followed by an
 * extension header (the codec walks those).  0, or -1 with F->err set. */
int pktsock_check_filter(struct pktsock_filter *f, const struct addr *our,
                         const struct addr *vip, uint16_t port, uint16_t sport);

/* The many-target engine's filter, one per interface for all its
 * targets: as the check's, for any VIP and any ports (the engine
 * validates the rest with its keyed ISN), to any of the N addresses OUR
 * (those of family 0 are skipped; at least one must be set).  0, or -1
 * with F->err set. */
int pktsock_engine_filter(struct pktsock_filter *f, const struct addr *our, size_t n);

/* Release F's program (F may be all zero). */
void pktsock_filter_free(struct pktsock_filter *f);

#endif
