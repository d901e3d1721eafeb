/*
 * Bounded cursor over untrusted bytes.  Every accessor checks the remaining
 * length first and fails (returns false) without reading past the end.
 * Multi-byte reads are big-endian (network order) and return host order.
 */
#ifndef SYNSCOPE_NET_CURSOR_H
#define SYNSCOPE_NET_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t len;   /* bytes readable from p */
	size_t off;   /* bytes consumed so far */
};

static inline void cur_init(struct cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
}

static inline size_t cur_left(const struct cur *c)
{
	return c->len - c->off;
}

static inline bool cur_has(const struct cur *c, size_t n)
{
	return cur_left(c) >= n;
}

static inline const uint8_t *cur_ptr(const struct cur *c)
{
	return c->p + c->off;
}

static inline bool cur_skip(struct cur *c, size_t n)
{
	if (!cur_has(c, n))
		return false;
	c->off += n;
	return true;
}

static inline bool cur_u8(struct cur *c, uint8_t *v)
{
	if (!cur_has(c, 1))
		return false;
	*v = c->p[c->off++];
	return true;
}

static inline bool cur_be16(struct cur *c, uint16_t *v)
{
	if (!cur_has(c, 2))
		return false;
	const uint8_t *b = cur_ptr(c);
	*v = (uint16_t)(b[0] << 8 | b[1]);
	c->off += 2;
	return true;
}

static inline bool cur_be32(struct cur *c, uint32_t *v)
{
	if (!cur_has(c, 4))
		return false;
	const uint8_t *b = cur_ptr(c);
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	c->off += 4;
	return true;
}

static inline bool cur_bytes(struct cur *c, void *dst, size_t n)
{
	if (!cur_has(c, n))
		return false;
	memcpy(dst, cur_ptr(c), n);
	c->off += n;
	return true;
}

/* Fixed-offset reads inside a header, without consuming: the decoder
 * checks cur_has for the whole header once, then names each field by its
 * offset (hdr.h).  A read past the end still touches no memory: it yields
 * 0 (cur_at_bytes: false, dst zeroed), so a missed length check shows as a
 * wrong value, never as an out-of-bounds read. */
static inline bool cur_at_has(const struct cur *c, size_t off, size_t n)
{
	size_t left = cur_left(c);
	return off <= left && n <= left - off;
}

static inline uint8_t cur_at_u8(const struct cur *c, size_t off)
{
	return cur_at_has(c, off, 1) ? cur_ptr(c)[off] : 0;
}

static inline uint16_t cur_at_be16(const struct cur *c, size_t off)
{
	if (!cur_at_has(c, off, 2))
		return 0;
	const uint8_t *b = cur_ptr(c) + off;
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t cur_at_be32(const struct cur *c, size_t off)
{
	if (!cur_at_has(c, off, 4))
		return 0;
	const uint8_t *b = cur_ptr(c) + off;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline bool cur_at_bytes(const struct cur *c, size_t off, void *dst, size_t n)
{
	if (!cur_at_has(c, off, n)) {
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, cur_ptr(c) + off, n);
	return true;
}

/* A sub-cursor over the next n bytes (or fewer if the buffer ends first:
 * callers that need all n check cur_left on the child). */
static inline struct cur cur_sub(const struct cur *c, size_t n)
{
	struct cur s;
	size_t left = cur_left(c);
	cur_init(&s, cur_ptr(c), n < left ? n : left);
	return s;
}

#endif
