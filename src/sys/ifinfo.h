/*
 * Facts about one network interface, from the kernel over rtnetlink
 * (libmnl): index, MAC, state, MTU and every address in both families;
 * and the source address the kernel would choose for a destination.
 */
#ifndef SYNSCOPE_SYS_IFINFO_H
#define SYNSCOPE_SYS_IFINFO_H

#include <stdint.h>

#include "common/addr.h"

#define IFINFO_ADDR_MAX 64

struct ifinfo {
	int index;
	uint8_t mac[6];
	int up;                   /* IFF_UP and IFF_RUNNING */
	int mtu;
	/* The default source of each kind; family 0 when there is none. */
	struct addr ip4;          /* primary IPv4: the first that is not secondary */
	struct addr ip6;          /* first IPv6 of global scope usable as a source
	                           * (not tentative, not failed DAD; a deprecated
	                           * one only if nothing else) */
	struct addr ip6_ll;       /* first usable link-local IPv6 */
	/* Every address, both families, in the kernel's order (the first
	 * IFINFO_ADDR_MAX; naddr_total counts them all). */
	unsigned naddr, naddr_total;
	struct addr addr[IFINFO_ADDR_MAX];
};

enum ifinfo_err {
	IFINFO_OK = 0,
	IFINFO_NO_SUCH,           /* no interface by that name */
	IFINFO_NOT_ETHER,         /* no Ethernet hardware address */
	IFINFO_SYS,               /* a system call failed (errno set) */
};

/* Fill INFO for interface NAME.  Does not log: the caller names the cause. */
enum ifinfo_err ifinfo_get(const char *name, struct ifinfo *info);

/* The interface's default source address in A's family (ip4 or ip6);
 * one with family 0 when it has none. */
const struct addr *ifinfo_source(const struct ifinfo *info, const struct addr *a);

/* 1 if A is one of the interface's addresses. */
int ifinfo_has_addr(const struct ifinfo *info, const struct addr *a);

/* The source address the kernel would choose for DST leaving interface
 * INDEX (RTM_GETROUTE: its preferred source).  0, or -1 with errno set
 * (ENETUNREACH..., EADDRNOTAVAIL when the route names no source). */
int ifinfo_route_src(int index, const struct addr *dst, struct addr *src);

#endif
