/*
 * One address type for every family the programs speak (IPv4, IPv6), and
 * prefixes of it.  An address is its family and up to 16 bytes in network
 * byte order; an IPv4 address fills the first 4 bytes and the rest stay
 * zero, so equality and hashing never need to look at the family twice.
 *
 * This header, addr.c (formatting, sockaddr conversion) and
 * common/parse.c (text to address or prefix) are the only places that
 * know how wide each family's address is.  Pure: no I/O.
 */
#ifndef SYNSCOPE_COMMON_ADDR_H
#define SYNSCOPE_COMMON_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#define ADDR_MAXLEN 16

struct addr {
	uint8_t family;              /* AF_INET, AF_INET6; 0 = no address */
	uint8_t pad_[3];
	union {
		uint8_t b[ADDR_MAXLEN];
		uint32_t w[ADDR_MAXLEN / 4];
	} u;
};

/* An address and how many of its leading bits count. */
struct prefix {
	struct addr a;               /* bits past len are zero */
	uint8_t len;                 /* 0..addr_bits(a.family) */
};

/* Bytes of an address of this family (4, 16), 0 for an unknown one. */
static inline size_t addr_bytes(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}
static inline unsigned addr_bits(int family)
{
	return (unsigned)addr_bytes(family) * 8;
}

/* The IPv4 address of a host-order number; back again. */
static inline struct addr addr_ip4(uint32_t host)
{
	struct addr a = { .family = AF_INET };
	a.u.b[0] = (uint8_t)(host >> 24);
	a.u.b[1] = (uint8_t)(host >> 16);
	a.u.b[2] = (uint8_t)(host >> 8);
	a.u.b[3] = (uint8_t)host;
	return a;
}
static inline uint32_t addr_get_ip4(const struct addr *a)
{
	return (uint32_t)a->u.b[0] << 24 | (uint32_t)a->u.b[1] << 16 |
	       (uint32_t)a->u.b[2] << 8 | a->u.b[3];
}

/* Set *a from the raw network-order bytes of a family's address, as a
 * packet carries them.  Written field by field in place: a decoder that
 * built the struct elsewhere and copied it paid a failed store-to-load
 * forward on every packet. */
static inline void addr_set(struct addr *a, int family, const uint8_t *p)
{
	size_t n = addr_bytes(family);

	a->family = (uint8_t)family;
	a->pad_[0] = a->pad_[1] = a->pad_[2] = 0;
	memcpy(a->u.b, p, n);
	memset(a->u.b + n, 0, ADDR_MAXLEN - n);
}

/* The same as a value, for code off the per-packet path. */
static inline struct addr addr_from_bytes(int family, const uint8_t *p)
{
	struct addr a;

	addr_set(&a, family, p);
	return a;
}

static inline bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && a->u.w[0] == b->u.w[0] && a->u.w[1] == b->u.w[1] &&
	       a->u.w[2] == b->u.w[2] && a->u.w[3] == b->u.w[3];
}

static inline bool addr_is_set(const struct addr *a)
{
	return a->family != 0;
}

/* "IPv4", "IPv6" (for messages); "unknown family" otherwise. */
const char *addr_family_name(int family);

/* All bits zero (0.0.0.0, ::). */
bool addr_is_unspec(const struct addr *a);
/* IPv6 link-local (fe80::/10). */
bool addr_is_linklocal(const struct addr *a);

/* Total order (family first): for sorting and for unordered pairs. */
int addr_cmp(const struct addr *a, const struct addr *b);

/* a within p (same family, leading p->len bits equal). */
bool prefix_contains(const struct prefix *p, const struct addr *a);
/* Zero the bits of p->a past p->len. */
void prefix_mask(struct prefix *p);
/* The host prefix of a (length = the family's bits). */
struct prefix prefix_host(const struct addr *a);

/* Text forms.  ADDR_STRLEN holds any address and its NUL; ADDR_PORT_STRLEN
 * "[addr]:65535"; PREFIX_STRLEN "addr/128". */
#define ADDR_STRLEN 46
#define ADDR_PORT_STRLEN (ADDR_STRLEN + 8)
#define PREFIX_STRLEN (ADDR_STRLEN + 4)
/* "192.0.2.1", "2001:db8::1"; "-" for no address. */
char *addr_fmt(char out[ADDR_STRLEN], const struct addr *a);
/* "192.0.2.1:80", "[2001:db8::1]:80". */
char *addr_fmt_port(char out[ADDR_PORT_STRLEN], const struct addr *a, uint16_t port);
/* "10.0.0.0/8", "2001:db8::/32". */
char *prefix_fmt(char out[PREFIX_STRLEN], const struct prefix *p);

/* sockaddr conversions (port in host order).  addr_to_sockaddr returns the
 * length to pass to bind/connect, 0 for no address. */
socklen_t addr_to_sockaddr(const struct addr *a, uint16_t port, struct sockaddr_storage *ss);
/* 0, or -1 if sa is neither AF_INET nor AF_INET6. */
int addr_from_sockaddr(const struct sockaddr *sa, struct addr *a, uint16_t *port);

#endif
