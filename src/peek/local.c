/* Local address set: see local.h. */
#include "peek/local.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void local_init(struct local_set *ls)
{
	ls->n = 0;
	ls->nhost = 0;
}

int local_add(struct local_set *ls, const struct prefix *net)
{
	for (int i = 0; i < ls->n; i++)
		if (ls->net[i].len == net->len && addr_eq(&ls->net[i].a, &net->a))
			return 0;
	if (ls->n >= LOCAL_MAX)
		return -1;
	ls->net[ls->n++] = *net;
	return 0;
}

/* Where addr is, or would go, in the sorted host part. */
static int host_pos(const struct local_set *ls, const struct addr *addr)
{
	int lo = 0, hi = ls->nhost;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (addr_cmp(&ls->host[mid], addr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int local_add_host(struct local_set *ls, const struct addr *addr)
{
	int at = host_pos(ls, addr);

	if (at < ls->nhost && addr_eq(&ls->host[at], addr))
		return 0;
	if (ls->nhost >= LOCAL_HOST_MAX)
		return -1;
	memmove(&ls->host[at + 1], &ls->host[at], (size_t)(ls->nhost - at) * sizeof(ls->host[0]));
	ls->host[at] = *addr;
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

/* Call fn for every address of dev (any family the address module
 * knows); -1 (errno set) if the interfaces cannot be listed, else the
 * sum of what fn returned. */
static int for_each_addr(const char *dev, int (*fn)(void *arg, const struct addr *addr), void *arg)
{
	struct ifaddrs *ifa, *i;
	int sum = 0;

	if (getifaddrs(&ifa) != 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		struct addr a;

		if (!i->ifa_addr || !if_matches(i->ifa_name, dev) ||
		    addr_from_sockaddr(i->ifa_addr, &a, NULL) != 0)
			continue;
		sum += fn(arg, &a);
	}
	freeifaddrs(ifa);
	return sum;
}

/* An IPv6 link-local address is on every interface that is up, a
 * mirror port's too: it does not make dev one of the hosts watched. */
static int count_one(void *arg, const struct addr *addr)
{
	(void)arg;
	return !addr_is_linklocal(addr);
}

int local_count_interface(const char *dev)
{
	return for_each_addr(dev, count_one, NULL);
}

/* 1 when the address did not fit */
static int add_one(void *arg, const struct addr *addr)
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
	left = for_each_addr(NULL, add_one, tmp);
	if (left >= 0) {
		memcpy(ls->host, tmp->host, (size_t)tmp->nhost * sizeof(ls->host[0]));
		ls->nhost = tmp->nhost;
	}
	free(tmp);
	return left;
}

bool local_contains(const struct local_set *ls, const struct addr *addr)
{
	int at = host_pos(ls, addr);

	if (at < ls->nhost && addr_eq(&ls->host[at], addr))
		return true;
	for (int i = 0; i < ls->n; i++)
		if (prefix_contains(&ls->net[i], addr))
			return true;
	return false;
}

void local_direction(const struct local_set *ls, const struct addr *cli,
                     const struct addr *srv, bool *is_rx, bool *is_tx)
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
