/* Facts about one network interface, read with ioctl(2). */
#ifndef SYNSCOPE_SYS_IFINFO_H
#define SYNSCOPE_SYS_IFINFO_H

#include <stdint.h>

struct ifinfo {
	int index;
	uint8_t mac[6];
	int up;                   /* IFF_UP and IFF_RUNNING */
	int mtu;
	int has_ip4;
	uint32_t ip4;             /* primary IPv4 address, host order */
};

enum ifinfo_err {
	IFINFO_OK = 0,
	IFINFO_NO_SUCH,           /* no interface by that name */
	IFINFO_NOT_ETHER,         /* no Ethernet hardware address */
	IFINFO_SYS,               /* a system call failed (errno set) */
};

/* Fill INFO for interface NAME.  Does not log: the caller names the cause. */
enum ifinfo_err ifinfo_get(const char *name, struct ifinfo *info);

#endif
