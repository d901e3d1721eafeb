/*
 * The set of local addresses (any family), which decides a handshake's direction:
 * RX when the responder is local, TX when the initiator is.  Filled from
 * -L CIDRs and, in live mode, from every address of the host (every
 * interface, lo included: on an LVS-DR real server the VIP lives on lo).
 * An empty set means "nothing known": tcpeek then counts every responder
 * as local (everything is RX).
 */
#ifndef SYNSCOPE_PEEK_LOCAL_H
#define SYNSCOPE_PEEK_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define LOCAL_MAX 256            /* -L networks */
#define LOCAL_HOST_MAX 4096      /* addresses of the host */

struct local_set {
	int n;
	struct prefix net[LOCAL_MAX];
	/* the host's own addresses, sorted (a director may carry hundreds of
	 * VIPs: looked up by bisection, not scanned) */
	int nhost;
	struct addr host[LOCAL_HOST_MAX];     /* in addr_cmp order */
};

void local_init(struct local_set *ls);

/* Add one network (a prefix from parse_prefix: its base is masked);
 * duplicates are kept out.  -1 if the set is full. */
int local_add(struct local_set *ls, const struct prefix *net);

/* Add one address of the host.  0, or -1 if the host part is full
 * (LOCAL_HOST_MAX). */
int local_add_host(struct local_set *ls, const struct addr *addr);

/* How many addresses (IPv4 and IPv6, not counting IPv6 link-local ones,
 * which every interface that is up has) interface dev has ("any" or
 * NULL: the whole host; an alias label "eth0:1" counts for eth0), or -1
 * (errno set) if the interfaces cannot be listed. */
int local_count_interface(const char *dev);

/* Replace the host part with every address of the host (both families),
 * lo included.  Returns how many addresses did not fit (0 normally), or
 * -1 (errno set, the set unchanged) if the interfaces cannot be listed. */
int local_set_host_addrs(struct local_set *ls);

/* Addresses of different families never match each other. */
bool local_contains(const struct local_set *ls, const struct addr *addr);

static inline bool local_empty(const struct local_set *ls)
{
	return ls->n == 0 && ls->nhost == 0;
}

/* Direction of a handshake, as filter matching wants it. */
void local_direction(const struct local_set *ls, const struct addr *cli,
                     const struct addr *srv, bool *is_rx, bool *is_tx);

#endif
