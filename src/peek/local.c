/* Local address set: see local.h. */
#include "peek/local.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void local_init(struct local_set *ls)
{
	ls->n = 0;
}

static uint32_t local_mask(unsigned len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

int local_parse_cidr(const char *text, struct local_net *out)
{
	char buf[32];
	const char *slash;
	size_t alen;
	unsigned len = 32;
	struct in_addr ia;

	if (!text)
		return -1;
	slash = strchr(text, '/');
	alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	/* inet_pton accepts only the strict dotted quad (no "10.1", no hex) */
	if (inet_pton(AF_INET, buf, &ia) != 1)
		return -1;
	if (slash) {
		const char *p = slash + 1;

		if (*p < '0' || *p > '9' || strlen(p) > 2)
			return -1;
		len = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			len = len * 10 + (unsigned)(*p - '0');
		}
		if (len > 32)
			return -1;
	}
	out->mask = local_mask(len);
	out->addr = ntohl(ia.s_addr) & out->mask;
	return 0;
}

int local_add(struct local_set *ls, const struct local_net *net)
{
	for (int i = 0; i < ls->n; i++)
		if (ls->net[i].addr == net->addr && ls->net[i].mask == net->mask)
			return 0;
	if (ls->n >= LOCAL_MAX)
		return -1;
	ls->net[ls->n++] = *net;
	return 0;
}

int local_add_interface(struct local_set *ls, const char *dev)
{
	struct ifaddrs *ifa, *i;
	int added = 0;
	bool all = !dev || strcmp(dev, "any") == 0;

	if (getifaddrs(&ifa) != 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		struct local_net n;
		const struct sockaddr_in *sin;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		/* an alias label ("eth0:1") belongs to its interface */
		if (!all) {
			size_t dl = strlen(dev);

			if (strncmp(i->ifa_name, dev, dl) != 0 ||
			    (i->ifa_name[dl] != '\0' && i->ifa_name[dl] != ':'))
				continue;
		}
		sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
		n.addr = ntohl(sin->sin_addr.s_addr);
		n.mask = 0xffffffffu;
		if (local_add(ls, &n) == 0)
			added++;
	}
	freeifaddrs(ifa);
	return added;
}

bool local_contains(const struct local_set *ls, uint32_t addr)
{
	for (int i = 0; i < ls->n; i++)
		if ((addr & ls->net[i].mask) == ls->net[i].addr)
			return true;
	return false;
}

void local_direction(const struct local_set *ls, uint32_t cli, uint32_t srv,
                     bool *is_rx, bool *is_tx)
{
	if (local_empty(ls)) {
		/* nothing known: every responder is ours (documented) */
		*is_rx = true;
		*is_tx = false;
		return;
	}
	*is_rx = local_contains(ls, srv);
	*is_tx = local_contains(ls, cli);
}
