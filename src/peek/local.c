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
	ls->nhost = 0;
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

int local_add_host(struct local_set *ls, uint32_t addr)
{
	int lo = 0, hi = ls->nhost;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (ls->host[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ls->nhost && ls->host[lo] == addr)
		return 0;
	if (ls->nhost >= LOCAL_HOST_MAX)
		return -1;
	memmove(&ls->host[lo + 1], &ls->host[lo], (size_t)(ls->nhost - lo) * sizeof(ls->host[0]));
	ls->host[lo] = addr;
	ls->nhost++;
	return 0;
}

/* Does interface name ifname belong to dev (NULL or "any": every one)?
 * An alias label ("eth0:1") belongs to its interface. */
static bool if_matches(const char *ifname, const char *dev)
{
	size_t dl;

	if (!dev || strcmp(dev, "any") == 0)
		return true;
	dl = strlen(dev);
	return strncmp(ifname, dev, dl) == 0 && (ifname[dl] == '\0' || ifname[dl] == ':');
}

/* Call fn for every IPv4 address of dev; -1 (errno set) if the
 * interfaces cannot be listed, else the sum of what fn returned. */
static int for_each_ipv4(const char *dev, int (*fn)(void *arg, uint32_t addr), void *arg)
{
	struct ifaddrs *ifa, *i;
	int sum = 0;

	if (getifaddrs(&ifa) != 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_in *sin;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !if_matches(i->ifa_name, dev))
			continue;
		sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
		sum += fn(arg, ntohl(sin->sin_addr.s_addr));
	}
	freeifaddrs(ifa);
	return sum;
}

static int count_one(void *arg, uint32_t addr)
{
	(void)arg, (void)addr;
	return 1;
}

int local_count_interface(const char *dev)
{
	return for_each_ipv4(dev, count_one, NULL);
}

/* 1 when the address did not fit */
static int add_one(void *arg, uint32_t addr)
{
	return local_add_host(arg, addr) != 0;
}

int local_set_host_addrs(struct local_set *ls)
{
	struct local_set *tmp = malloc(sizeof(*tmp));
	int left;

	if (!tmp)
		return -1;
	tmp->nhost = 0;
	left = for_each_ipv4(NULL, add_one, tmp);
	if (left >= 0) {
		memcpy(ls->host, tmp->host, (size_t)tmp->nhost * sizeof(ls->host[0]));
		ls->nhost = tmp->nhost;
	}
	free(tmp);
	return left;
}

bool local_contains(const struct local_set *ls, uint32_t addr)
{
	int lo = 0, hi = ls->nhost;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (ls->host[mid] == addr)
			return true;
		if (ls->host[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
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
