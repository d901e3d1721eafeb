/*
 * AF_PACKET socket bound to one interface, with a classic BPF filter
 * attached in the kernel before the socket is bound, so unrelated traffic
 * never reaches user space and nothing slips in before the filter.
 */
#ifndef SYNSCOPE_SYS_PKTSOCK_H
#define SYNSCOPE_SYS_PKTSOCK_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* The check's receive filter: ARP replies to OUR_IP; IPv4 TCP from VIP:PORT
 * to OUR_IP:SPORT (first fragments only); ICMP to OUR_IP.  Writes at most PKTSOCK_CHECK_LEN
 * instructions to OUT and returns the count.  Addresses in host order. */
#define PKTSOCK_CHECK_LEN 23
unsigned short pktsock_check_filter(struct sock_filter *out, uint32_t our_ip,
                                    uint32_t vip, uint16_t port, uint16_t sport);

/* The many-target engine's filter, one per interface for all its
 * targets: ARP replies to OUR_IP; IPv4 TCP (first fragments) and ICMP to
 * OUR_IP.  The engine validates the rest with its keyed ISN. */
#define PKTSOCK_ENGINE_LEN 16
unsigned short pktsock_engine_filter(struct sock_filter *out, uint32_t our_ip);

#endif
