/*
 * The set of local IPv4 addresses, which decides a handshake's direction:
 * RX when the responder is local, TX when the initiator is.  Filled from
 * -L CIDRs and, in live mode, from the capture interface's addresses.
 * An empty set means "nothing known": tcpeek then counts every responder
 * as local (everything is RX).
 */
#ifndef SYNSCOPE_PEEK_LOCAL_H
#define SYNSCOPE_PEEK_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOCAL_MAX 256

struct local_net {
	uint32_t addr;           /* host order, already masked */
	uint32_t mask;           /* host order */
};

struct local_set {
	int n;
	struct local_net net[LOCAL_MAX];
};

void local_init(struct local_set *ls);

/* Parse "A.B.C.D" or "A.B.C.D/LEN" (LEN 0..32; the base is masked).
 * Returns 0, or -1 if the text is not such a CIDR.  Pure. */
int local_parse_cidr(const char *text, struct local_net *out);

/* Add one network; duplicates are kept out.  -1 if the set is full. */
int local_add(struct local_set *ls, const struct local_net *net);

/* Add every IPv4 address of interface dev as a /32 ("any" or NULL: of
 * every interface).  Returns how many were added, or -1 (errno set) if
 * the interfaces cannot be listed. */
int local_add_interface(struct local_set *ls, const char *dev);

bool local_contains(const struct local_set *ls, uint32_t addr);

static inline bool local_empty(const struct local_set *ls)
{
	return ls->n == 0;
}

/* Direction of a handshake, as filter matching wants it. */
void local_direction(const struct local_set *ls, uint32_t cli, uint32_t srv,
                     bool *is_rx, bool *is_tx);

#endif
