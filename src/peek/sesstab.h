/*
 * Session table of the handshake tracker: a pool of fixed-size sessions
 * allocated once, indexed by an open-addressing hash table (Robin Hood
 * probing, backward-shift deletion: no tombstones, so a table that has
 * seen millions of inserts and removals probes as short as a fresh one).
 *
 * The key is the 4-tuple without orientation: a packet from either side
 * finds the session with one lookup; the session records which side is the
 * initiator.  The hash is keyed with a per-table random secret so that a
 * flood of chosen tuples cannot be steered into one long probe chain.
 *
 * Sessions are referred to by 32-bit index (the intrusive timer links use
 * them too), never by pointer, to keep a session within one cache line.
 *
 * Keys are struct addr of any family.  The session line holds a 4-byte
 * fold of each address (the address itself when it is 4 bytes long) and
 * the family; an address longer than 4 bytes is kept whole in a cold
 * array beside the pool (struct sess_wide, same index), reserved at the
 * first such session and read only when the hot fields already match.
 * So a session of 4-byte addresses costs what it did before 16-byte ones
 * existed (measured: see the notes in sesstab.c), and one of 16-byte
 * addresses costs one line more.  Nothing here asks which family a key
 * is, only how long its address is (addr_bytes).
 *
 * The slot array is reserved once for the cap (sess_slots_for(max)) but
 * only a power-of-two prefix of it is in use: it starts small and doubles
 * in place when the load would pass 1/8, up to the reserved size (where
 * the load may then reach 3/4 at the cap).  With a thousand sessions open
 * the index stays within 64 KiB instead of one line per lookup spread
 * over 16 MiB (a TLB and cache miss each), and the memory bound is
 * unchanged: the index never uses more than the reservation, and the
 * doubling needs no second array.
 */
#ifndef SYNSCOPE_PEEK_SESSTAB_H
#define SYNSCOPE_PEEK_SESSTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/addr.h"

#define SESS_NONE UINT32_MAX
/* Above this the slot index would not fit in 32 bits at 75 % load. */
#define SESS_MAX_CAP (1u << 30)

/* struct sess.state belongs to the tracker using the table (the
 * handshake tracker, the connection tracker): the table never reads it. */

struct sess {
	uint32_t cli_fold, srv_fold;   /* the table's: sess_fold() of each address */
	uint16_t cli_port, srv_port;
	uint32_t cli_isn, srv_isn;
	uint32_t dupsyn, dupsynack;
	uint32_t next, prev;     /* timer list links; next chains the free list */
	uint8_t state;
	uint8_t family;          /* the table's: the key's address family */
	uint8_t pad_[2];
	uint64_t start_us;       /* first SYN */
	uint64_t deadline_us;    /* last SYN + timeout */
	uint64_t filters;
};

/* The whole addresses of a session whose addresses are longer than 4
 * bytes (cold: read only once the line's fields match). */
struct sess_wide {
	uint8_t cli[ADDR_MAXLEN];
	uint8_t srv[ADDR_MAXLEN];
};

/* One hash slot: the upper half of the hash (its low bits give the home
 * slot, the rest screen out most mismatches without touching the
 * session) and the session index + 1 (0 = empty, so calloc'd = empty). */
struct sess_slot {
	uint32_t tag;
	uint32_t idx1;
};

struct sess_tab {
	struct sess *pool;
	struct sess_slot *slot;
	struct sess_wide *wide;  /* max entries, reserved at the first long key */
	uint32_t mask;           /* slots in use - 1 (a power of two) */
	uint32_t max_mask;       /* slots reserved - 1: mask never exceeds it */
	uint32_t max;            /* sessions in the pool */
	uint32_t count;          /* sessions in use */
	uint32_t fresh;          /* pool entries never used yet start here */
	uint32_t free_head;      /* freed sessions, chained through next */
	uint64_t key[6];
};

/* Allocate for max sessions (1..SESS_MAX_CAP); seed may be 0 for a random
 * key.  Returns 0, or -1 with errno set (ENOMEM, EINVAL). */
int sess_init(struct sess_tab *tb, uint32_t max, uint64_t seed);
void sess_fini(struct sess_tab *tb);

/* 64x64 -> 128 multiply folded back to 64 bits: a cheap mixer that is
 * strong enough once its inputs are keyed with a secret. */
static inline uint64_t sess_mum(uint64_t a, uint64_t b)
{
	__uint128_t p = (__uint128_t)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* An address in 4 bytes: itself when it is no longer, else the xor of
 * its 32-bit words (the rest of a struct addr is zero). */
static inline uint32_t sess_fold(const struct addr *a)
{
	return a->u.w[0] ^ a->u.w[1] ^ a->u.w[2] ^ a->u.w[3];
}

/* Are the addresses of this family kept whole in the cold array? */
static inline bool sess_is_long(int family)
{
	return addr_bytes(family) > 4;
}

/* One endpoint as a 64-bit value for the hash: a 4-byte address and its
 * port as they always were (48 bits), a longer address mixed in whole. */
static inline uint64_t sess_endpoint(const struct sess_tab *tb, const struct addr *a, uint16_t p)
{
	uint64_t x = (uint64_t)a->u.w[0] << 16 | p;

	if (a->u.w[1] | a->u.w[2] | a->u.w[3])
		x ^= sess_mum(((uint64_t)a->u.w[1] << 32 | a->u.w[2]) ^ tb->key[4],
		              ((uint64_t)a->u.w[3] << 32 | a->family) ^ tb->key[5]);
	return x;
}

/* Hash of the unordered pair of endpoints {(a, ap), (b, bp)} (inline: it
 * runs once a packet).  An IPv6 tuple hashes all 2 x 16 bytes and the
 * ports. */
static inline uint64_t sess_hash(const struct sess_tab *tb, const struct addr *a, uint16_t ap,
                                 const struct addr *b, uint16_t bp)
{
	uint64_t x = sess_endpoint(tb, a, ap);
	uint64_t y = sess_endpoint(tb, b, bp);
	uint64_t lo = x < y ? x : y;
	uint64_t hi = x ^ y ^ lo;

	return sess_mum(sess_mum(lo ^ tb->key[0], hi ^ tb->key[1]) ^ tb->key[2], tb->key[3]);
}

/* Is (a, ap) the initiator of session idx?  Only for an endpoint of the
 * session (it matched one side). */
static inline __attribute__((always_inline)) bool
sess_is_cli(const struct sess_tab *tb, uint32_t idx, const struct addr *a, uint16_t ap)
{
	const struct sess *s = &tb->pool[idx];

	if (s->cli_port != ap || s->cli_fold != sess_fold(a))
		return false;
	return !sess_is_long(s->family) ||
	       memcmp(tb->wide[idx].cli, a->u.b, ADDR_MAXLEN) == 0;
}

/* The cold half of sess_matches: the whole addresses of a long key. */
static inline bool sess_wide_eq(const struct sess_tab *tb, uint32_t idx, const struct addr *c,
                                const struct addr *v)
{
	const struct sess_wide *w = &tb->wide[idx];

	return memcmp(w->cli, c->u.b, ADDR_MAXLEN) == 0 && memcmp(w->srv, v->u.b, ADDR_MAXLEN) == 0;
}

/* Does session idx hold {(a, ap), (b, bp)}, whose folds are fa, fb? */
static inline __attribute__((always_inline)) int
sess_matches(const struct sess_tab *tb, uint32_t idx, const struct addr *a, uint32_t fa,
             uint16_t ap, const struct addr *b, uint32_t fb, uint16_t bp)
{
	const struct sess *s = &tb->pool[idx];

	if (s->cli_fold == fa && s->cli_port == ap && s->srv_fold == fb && s->srv_port == bp)
		return s->family == a->family &&
		       (!sess_is_long(s->family) || sess_wide_eq(tb, idx, a, b));
	if (s->cli_fold == fb && s->cli_port == bp && s->srv_fold == fa && s->srv_port == ap)
		return s->family == a->family &&
		       (!sess_is_long(s->family) || sess_wide_eq(tb, idx, b, a));
	return 0;
}

/* The session whose tuple is {(a, ap), (b, bp)} in either orientation
 * (both addresses of one family), or SESS_NONE.  h is sess_hash() of the
 * same endpoints.  (Inline: once a packet.) */
static inline __attribute__((always_inline)) uint32_t
sess_find(const struct sess_tab *tb, uint64_t h, const struct addr *a, uint16_t ap,
          const struct addr *b, uint16_t bp)
{
	uint32_t tag = (uint32_t)(h >> 32);
	uint32_t pos = tag & tb->mask;
	uint32_t fa = sess_fold(a), fb = sess_fold(b);

	/* Robin Hood invariant: entries along a probe sequence are sorted by
	 * distance from home, so the search stops at the first entry closer to
	 * its home than we are to ours (a miss costs about as much as a hit). */
	for (uint32_t d = 0;; d++, pos = (pos + 1) & tb->mask) {
		struct sess_slot sl = tb->slot[pos];

		if (!sl.idx1 || ((pos - sl.tag) & tb->mask) < d)
			return SESS_NONE;
		if (sl.tag == tag && sess_matches(tb, sl.idx1 - 1, a, fa, ap, b, fb, bp))
			return sl.idx1 - 1;
	}
}

/* Take a pool entry and index it under the tuple (the caller has checked
 * with sess_find that it is absent; both addresses of one family).  The
 * session is zeroed except for its tuple.  SESS_NONE when all max
 * sessions are in use, or when the cold array for long addresses cannot
 * be had (errno ENOMEM then). */
uint32_t sess_insert(struct sess_tab *tb, uint64_t h, const struct addr *cli,
                     uint16_t cli_port, const struct addr *srv, uint16_t srv_port);

/* The addresses of session idx. */
static inline void sess_addrs(const struct sess_tab *tb, uint32_t idx, struct addr *cli,
                              struct addr *srv)
{
	const struct sess *s = &tb->pool[idx];

	*cli = (struct addr){ .family = s->family };
	*srv = (struct addr){ .family = s->family };
	if (sess_is_long(s->family)) {
		memcpy(cli->u.b, tb->wide[idx].cli, ADDR_MAXLEN);
		memcpy(srv->u.b, tb->wide[idx].srv, ADDR_MAXLEN);
	} else {
		cli->u.w[0] = s->cli_fold;
		srv->u.w[0] = s->srv_fold;
	}
}

/* Remove from the index and return the entry to the pool. */
void sess_remove(struct sess_tab *tb, uint32_t idx);

/* The same when the caller already holds h = sess_hash() of its tuple. */
void sess_remove_hashed(struct sess_tab *tb, uint32_t idx, uint64_t h);

static inline struct sess *sess_at(const struct sess_tab *tb, uint32_t idx)
{
	return &tb->pool[idx];
}

/* Slots in use from which the line after a home slot is prefetched too
 * (512 KiB of slots: beyond, they no longer stay in the caches). */
#define SESS_PF_NEXT_MASK 65535u

/* Prefetch hint for batched lookups: the home slot of hash h.  Always
 * inlined: GCC deems a function that only prefetches free of side effects
 * and may drop calls to it. */
static inline __attribute__((always_inline)) void sess_prefetch_slot(const struct sess_tab *tb, uint64_t h)
{
	uint32_t pos = (uint32_t)(h >> 32) & tb->mask;

	__builtin_prefetch(&tb->slot[pos]);
	/* The last slot of a line: a probe or a removal's backward shift
	 * reads the next one too, on the next line, cold in a big table (in a
	 * small one it is cached: the extra prefetch measured slower there). */
	if ((pos & 7) == 7 && tb->mask >= SESS_PF_NEXT_MASK)
		__builtin_prefetch(&tb->slot[(pos + 1) & tb->mask]);
}

/* Slots in use now (a power of two, grows with the load up to
 * sess_slots_for(max)). */
static inline uint64_t sess_slots_used(const struct sess_tab *tb)
{
	return (uint64_t)tb->mask + 1;
}

/* Bytes reserved (pool + slots for the cap, + the cold array once a long
 * address came; pages are touched as used). */
size_t sess_memory(const struct sess_tab *tb);

/* Make the whole reservation resident now, so that no page of it is
 * first touched (faulted in and zeroed by the kernel) later, in the
 * middle of a burst of new sessions.  Costs sess_memory() bytes of RAM
 * from here on.  Returns 0, or -1 with errno set (ENOMEM: the machine
 * could not provide it; the table works on, touching pages as used). */
int sess_populate(struct sess_tab *tb);

/* Slots needed for max sessions: the power of two that keeps the load at
 * or below 3/4 (the reservation; see sess_slots_used for the part in use). */
uint64_t sess_slots_for(uint32_t max);

/* Longest probe distance now in the table (diagnostics and tests). */
uint32_t sess_max_probe(const struct sess_tab *tb);

#endif
