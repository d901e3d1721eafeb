/* Interface facts via a throwaway datagram socket's ioctls: cheaper to set
 * up than netlink for the four values we need. */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/ifinfo.h"

enum ifinfo_err ifinfo_get(const char *name, struct ifinfo *info)
{
	struct ifreq ifr;
	enum ifinfo_err rc = IFINFO_SYS;
	int fd, saved;

	memset(info, 0, sizeof(*info));
	if (strlen(name) >= IFNAMSIZ || name[0] == '\0')
		return IFINFO_NO_SUCH;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return IFINFO_SYS;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) {
		rc = errno == ENODEV ? IFINFO_NO_SUCH : IFINFO_SYS;
		goto out;
	}
	info->index = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
		goto out;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		rc = IFINFO_NOT_ETHER;
		goto out;
	}
	memcpy(info->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
		goto out;
	info->up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	if (ioctl(fd, SIOCGIFMTU, &ifr) != 0)
		goto out;
	info->mtu = ifr.ifr_mtu;
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(fd, SIOCGIFADDR, &ifr) == 0) {
		struct sockaddr_in sin;

		memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
		info->has_ip4 = 1;
		info->ip4 = ntohl(sin.sin_addr.s_addr);
	} else if (errno != EADDRNOTAVAIL) {
		goto out;
	}
	rc = IFINFO_OK;
out:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}
