/*
 * tcpeek filter expressions and matching.
 *
 *   [name]:RX|TX@addr[/len]:port[:port...][,addr[/len]:port[:port...]...]
 *
 * addr is a dotted quad, or an IPv6 address in brackets with its prefix
 * length inside them ([2001:db8::/32]:80:443): ':' stays the separator,
 * the brackets tell an IPv6 address from the ports.  A bare IPv6 address
 * and a bracketed IPv4 one are errors.  A prefix matches addresses of its
 * own family only.  '%' and '*' are wildcards for addr (either family)
 * or port; port 0 is one too (as in the original).  A filter without a name is
 * an exclusion filter: a handshake it matches is recorded in no filter,
 * wherever the exclusion stands on the command line.  The named filters
 * RX (RX@*:*) and TX (TX@*:*) always exist as indexes 0 and 1; user
 * filters follow in command-line order.
 *
 * Matching (as the original documents it): for an RX filter the address is
 * the initiator's (the remote client) and the port the responder's (the
 * local service); for a TX filter the address is the responder's (the
 * remote server) and the port the responder's.  A CIDR base is masked when
 * parsed (10.1.2.3/8 means 10.0.0.0/8); ports are 0-65535 (0: any), never wrapped.
 * A name is at most FILT_NAME_MAX bytes of valid UTF-8 without control
 * characters (txt_check), and neither "pcap" nor a name given before.
 */
#ifndef SYNSCOPE_PEEK_FILTER_H
#define SYNSCOPE_PEEK_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/text.h"

#define FILT_MAX 64          /* named filters, RX and TX included */
#define FILT_NAME_MAX TXT_NAME_MAX     /* bytes in a filter name (63) */
#define FILT_RX 0
#define FILT_TX 1

struct filt_set;

struct filt_set *filt_new(void);
void filt_free(struct filt_set *fs);

/* Parse one expression and add it.  Returns 0, or -1 with a one-line
 * message in err naming the expression and the part that is wrong (user
 * text escaped; a message cut to fit err ends with "..."). */
int filt_add(struct filt_set *fs, const char *expr, char *err, size_t errlen);

/* Named filters: RX, TX, then user filters in the order given. */
int filt_count(const struct filt_set *fs);
const char *filt_name(const struct filt_set *fs, int idx);

/*
 * The named filters a handshake belongs to, as a bitmask (bit i = filter
 * i).  is_rx: the responder is local; is_tx: the initiator is local (both
 * can be true on loopback).  0 when an exclusion filter matches.
 */
uint64_t filt_match(const struct filt_set *fs, bool is_rx, bool is_tx,
                    const struct addr *cli_addr, const struct addr *srv_addr,
                    uint16_t srv_port);

#endif
