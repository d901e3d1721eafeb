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

#include <stddef.h>
#include <stdint.h>

#define SESS_NONE UINT32_MAX
/* Above this the slot index would not fit in 32 bits at 75 % load. */
#define SESS_MAX_CAP (1u << 30)

/* struct sess.state belongs to the tracker using the table (the
 * handshake tracker, the connection tracker): the table never reads it. */

struct sess {
	uint32_t cli_addr, srv_addr;
	uint16_t cli_port, srv_port;
	uint32_t cli_isn, srv_isn;
	uint32_t dupsyn, dupsynack;
	uint32_t next, prev;     /* timer list links; next chains the free list */
	uint8_t state;
	uint8_t pad_[3];
	uint64_t start_us;       /* first SYN */
	uint64_t deadline_us;    /* last SYN + timeout */
	uint64_t filters;
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
	uint32_t mask;           /* slots in use - 1 (a power of two) */
	uint32_t max_mask;       /* slots reserved - 1: mask never exceeds it */
	uint32_t max;            /* sessions in the pool */
	uint32_t count;          /* sessions in use */
	uint32_t fresh;          /* pool entries never used yet start here */
	uint32_t free_head;      /* freed sessions, chained through next */
	uint64_t key[4];
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

/* Hash of the unordered pair of endpoints {(a, ap), (b, bp)} (inline: it
 * runs once a packet). */
static inline uint64_t sess_hash(const struct sess_tab *tb, uint32_t a, uint16_t ap,
                                 uint32_t b, uint16_t bp)
{
	uint64_t x = (uint64_t)a << 16 | ap;
	uint64_t y = (uint64_t)b << 16 | bp;
	uint64_t lo = x < y ? x : y;
	uint64_t hi = x ^ y ^ lo;

	return sess_mum(sess_mum(lo ^ tb->key[0], hi ^ tb->key[1]) ^ tb->key[2], tb->key[3]);
}

static inline int sess_matches(const struct sess *s, uint32_t a, uint16_t ap,
                               uint32_t b, uint16_t bp)
{
	return (s->cli_addr == a && s->cli_port == ap && s->srv_addr == b && s->srv_port == bp) ||
	       (s->cli_addr == b && s->cli_port == bp && s->srv_addr == a && s->srv_port == ap);
}

/* The session whose tuple is {(a, ap), (b, bp)} in either orientation,
 * or SESS_NONE.  h is sess_hash() of the same endpoints.  (Inline: once a
 * packet.) */
static inline uint32_t sess_find(const struct sess_tab *tb, uint64_t h, uint32_t a,
                                 uint16_t ap, uint32_t b, uint16_t bp)
{
	uint32_t tag = (uint32_t)(h >> 32);
	uint32_t pos = tag & tb->mask;

	/* Robin Hood invariant: entries along a probe sequence are sorted by
	 * distance from home, so the search stops at the first entry closer to
	 * its home than we are to ours (a miss costs about as much as a hit). */
	for (uint32_t d = 0;; d++, pos = (pos + 1) & tb->mask) {
		struct sess_slot sl = tb->slot[pos];

		if (!sl.idx1 || ((pos - sl.tag) & tb->mask) < d)
			return SESS_NONE;
		if (sl.tag == tag && sess_matches(&tb->pool[sl.idx1 - 1], a, ap, b, bp))
			return sl.idx1 - 1;
	}
}

/* Take a pool entry and index it under the tuple (the caller has checked
 * with sess_find that it is absent).  The session is zeroed except for
 * its tuple.  SESS_NONE when all max sessions are in use. */
uint32_t sess_insert(struct sess_tab *tb, uint64_t h, uint32_t cli_addr,
                     uint16_t cli_port, uint32_t srv_addr, uint16_t srv_port);

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

/* Bytes reserved (pool + slots for the cap; pages are touched as used). */
size_t sess_memory(const struct sess_tab *tb);

/* Slots needed for max sessions: the power of two that keeps the load at
 * or below 3/4 (the reservation; see sess_slots_used for the part in use). */
uint64_t sess_slots_for(uint32_t max);

/* Longest probe distance now in the table (diagnostics and tests). */
uint32_t sess_max_probe(const struct sess_tab *tb);

#endif
