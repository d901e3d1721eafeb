/* Addresses of either family: see addr.h. */
#include "common/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

const char *addr_family_name(int family)
{
	return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "unknown family";
}

bool addr_is_unspec(const struct addr *a)
{
	return (a->u.w[0] | a->u.w[1] | a->u.w[2] | a->u.w[3]) == 0;
}

bool addr_is_linklocal(const struct addr *a)
{
	return a->family == AF_INET6 && a->u.b[0] == 0xfe && (a->u.b[1] & 0xc0) == 0x80;
}

int addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->u.b, b->u.b, ADDR_MAXLEN);
}

bool prefix_contains(const struct prefix *p, const struct addr *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (a->family != p->a.family)
		return false;
	if (memcmp(a->u.b, p->a.u.b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a->u.b[full] ^ p->a.u.b[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

void prefix_mask(struct prefix *p)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (full >= ADDR_MAXLEN)
		return;
	if (rest != 0)
		p->a.u.b[full++] &= (uint8_t)(0xff00u >> rest);
	memset(p->a.u.b + full, 0, ADDR_MAXLEN - full);
}

struct prefix prefix_host(const struct addr *a)
{
	struct prefix p = { .a = *a, .len = (uint8_t)addr_bits(a->family) };
	return p;
}

char *addr_fmt(char out[ADDR_STRLEN], const struct addr *a)
{
	if (addr_bytes(a->family) == 0 || inet_ntop(a->family, a->u.b, out, ADDR_STRLEN) == NULL)
		snprintf(out, ADDR_STRLEN, "-");
	return out;
}

char *addr_fmt_port(char out[ADDR_PORT_STRLEN], const struct addr *a, uint16_t port)
{
	char s[ADDR_STRLEN];

	if (a->family == AF_INET6)
		snprintf(out, ADDR_PORT_STRLEN, "[%s]:%u", addr_fmt(s, a), port);
	else
		snprintf(out, ADDR_PORT_STRLEN, "%s:%u", addr_fmt(s, a), port);
	return out;
}

char *prefix_fmt(char out[PREFIX_STRLEN], const struct prefix *p)
{
	char s[ADDR_STRLEN];

	snprintf(out, PREFIX_STRLEN, "%s/%u", addr_fmt(s, &p->a), p->len);
	return out;
}

socklen_t addr_to_sockaddr(const struct addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->u.b, 4);
		return sizeof(*s4);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->u.b, 16);
		return sizeof(*s6);
	}
	return 0;
}

int addr_from_sockaddr(const struct sockaddr *sa, struct addr *a, uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		*a = addr_from_bytes(AF_INET, (const uint8_t *)&s4->sin_addr);
		if (port)
			*port = ntohs(s4->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		*a = addr_from_bytes(AF_INET6, s6->sin6_addr.s6_addr);
		if (port)
			*port = ntohs(s6->sin6_port);
		return 0;
	}
	return -1;
}
