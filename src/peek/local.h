/*
 * The set of local IPv4 addresses, which decides a handshake's direction:
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

#define LOCAL_MAX 256            /* -L networks */
#define LOCAL_HOST_MAX 4096      /* addresses of the host */

struct local_net {
	uint32_t addr;           /* host order, already masked */
	uint32_t mask;           /* host order */
};

struct local_set {
	int n;
	struct local_net net[LOCAL_MAX];
	/* the host's own addresses, sorted (a director may carry hundreds of
	 * VIPs: looked up by bisection, not scanned) */
	int nhost;
	uint32_t host[LOCAL_HOST_MAX];
};

void local_init(struct local_set *ls);

/* Parse "A.B.C.D" or "A.B.C.D/LEN" (LEN 0..32; the base is masked).
 * Returns 0, or -1 if the text is not such a CIDR.  Pure. */
int local_parse_cidr(const char *text, struct local_net *out);

/* Add one network; duplicates are kept out.  -1 if the set is full. */
int local_add(struct local_set *ls, const struct local_net *net);

/* Add one address of the host (host order).  0, or -1 if the host part
 * is full (LOCAL_HOST_MAX). */
int local_add_host(struct local_set *ls, uint32_t addr);

/* How many IPv4 addresses interface dev has ("any" or NULL: the whole
 * host; an alias label "eth0:1" counts for eth0), or -1 (errno set) if
 * the interfaces cannot be listed. */
int local_count_interface(const char *dev);

/* Replace the host part with every IPv4 address of the host, lo
 * included.  Returns how many addresses did not fit (0 normally), or -1
 * (errno set, the set unchanged) if the interfaces cannot be listed. */
int local_set_host_addrs(struct local_set *ls);

bool local_contains(const struct local_set *ls, uint32_t addr);

static inline bool local_empty(const struct local_set *ls)
{
	return ls->n == 0 && ls->nhost == 0;
}

/* Direction of a handshake, as filter matching wants it. */
void local_direction(const struct local_set *ls, uint32_t cli, uint32_t srv,
                     bool *is_rx, bool *is_tx);

#endif
