/* Session table: pool + Robin Hood index (see sesstab.h). */
#include "peek/sesstab.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static_assert(sizeof(struct sess) <= 64, "a session must fit one cache line");
static_assert(sizeof(struct sess_slot) == 8, "slots are 8 bytes");

/* Slots in use at first (fewer if the cap needs fewer): 2 KiB. */
#define SESS_START_SLOTS 256u
/* The slots in use double while the sessions would fill more than 1/8 of
 * them (measured with bench/bench_tcpeek.sh: a sparse index costs fewer
 * probes and shifts than one kept at 1/2, and 1 000 sessions still fit in
 * 64 KiB of slots, a few TLB pages).  Once the reservation is reached the
 * load may rise to 3/4 at the cap, as sess_slots_for promises. */
#define SESS_GROW_LOAD_DEN 8u
/* Entries a doubling can park on the stack (see sess_grow). */
#define SESS_GROW_PARK 64u

/* splitmix64 step: spreads a seed into independent-looking words. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s) && s)
		return s;
	/* No entropy yet (early boot): still different per process. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
	       ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)&s;
}

uint64_t sess_slots_for(uint32_t max)
{
	uint64_t want = (uint64_t)max + max / 3 + 1;
	uint64_t n = 8;

	while (n < want)
		n <<= 1;
	return n;
}

/*
 * Big arrays come straight from mmap: zeroed for free, untouched pages
 * cost no memory, and they can ask for transparent huge pages.  Lookups
 * land on random slots of a table sized for the cap, so with 4 KiB pages
 * nearly every packet would also miss the TLB.
 */
static void *big_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (len >= (2u << 20))
		(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

static void big_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

static size_t pool_bytes(uint32_t max)
{
	return (size_t)max * sizeof(struct sess);
}

static size_t wide_bytes(uint32_t max)
{
	return (size_t)max * sizeof(struct sess_wide);
}

static size_t slot_bytes(uint32_t mask)
{
	return ((size_t)mask + 1) * sizeof(struct sess_slot);
}

int sess_init(struct sess_tab *tb, uint32_t max, uint64_t seed)
{
	uint64_t nslots, x;

	memset(tb, 0, sizeof(*tb));
	if (max == 0 || max > SESS_MAX_CAP) {
		errno = EINVAL;
		return -1;
	}
	nslots = sess_slots_for(max);
	/* Pool and slot pages are touched only as they are first used, so a
	 * large cap costs no memory until it fills. */
	tb->max_mask = (uint32_t)(nslots - 1);
	tb->mask = tb->max_mask < SESS_START_SLOTS - 1 ? tb->max_mask : SESS_START_SLOTS - 1;
	tb->pool = big_alloc(pool_bytes(max));
	tb->slot = big_alloc(slot_bytes(tb->max_mask));
	if (!tb->pool || !tb->slot) {
		big_free(tb->pool, pool_bytes(max));
		big_free(tb->slot, slot_bytes(tb->max_mask));
		memset(tb, 0, sizeof(*tb));
		errno = ENOMEM;
		return -1;
	}
	tb->max = max;
	tb->free_head = SESS_NONE;
	x = seed ? seed : random_seed();
	for (int i = 0; i < 6; i++)
		tb->key[i] = splitmix(&x);
	/* 4-byte endpoints are 48-bit values: with bit 63 set a keyed input
	 * is never zero, so no chosen endpoint can zero the product (a longer
	 * one could hit zero only by guessing the secret key). */
	tb->key[0] |= 1ull << 63;
	tb->key[1] |= 1ull << 63;
	tb->key[3] |= 1;
	return 0;
}

void sess_fini(struct sess_tab *tb)
{
	if (tb->pool) {
		big_free(tb->pool, pool_bytes(tb->max));
		big_free(tb->slot, slot_bytes(tb->max_mask));
		big_free(tb->wide, wide_bytes(tb->max));
	}
	memset(tb, 0, sizeof(*tb));
}


static inline uint32_t slot_dist(const struct sess_tab *tb, uint32_t pos, uint32_t tag)
{
	return (pos - tag) & tb->mask;
}

/* Robin Hood insertion of one slot entry into the slots in use. */
static void slot_place(struct sess_tab *tb, struct sess_slot cur)
{
	uint32_t pos = cur.tag & tb->mask;

	for (uint32_t d = 0;; d++, pos = (pos + 1) & tb->mask) {
		struct sess_slot sl = tb->slot[pos];
		uint32_t sd;

		if (!sl.idx1) {
			tb->slot[pos] = cur;
			return;
		}
		/* Take the place of an entry nearer its home and carry it on. */
		sd = slot_dist(tb, pos, sl.tag);
		if (sd < d) {
			tb->slot[pos] = cur;
			cur = sl;
			d = sd;
		}
	}
}

/*
 * Double the slots in use, in place (the reservation behind them is
 * untouched and zero).  Homes are the low bits of the tag, so an entry
 * of home h goes to h or h + n.  With e the first empty old slot:
 *  1. the entries before e (a run that may have wrapped round from the
 *     end of the old array) are parked aside and their slots cleared;
 *  2. every entry after e, in increasing position p, is taken out and
 *     inserted afresh.  Its old run began after an empty slot, so its old
 *     home is in (e, p]; slot p was just emptied, so an insertion from a
 *     home in the lower half stops at or before p, and one from the upper
 *     half either stays there or wraps into [0, e], where nothing but such
 *     wrapped entries lives, and stops at or before p too.  Entries not
 *     yet moved (beyond p) are thus never met, and each insertion is an
 *     ordinary one into a table of already-moved entries;
 *  3. the parked entries are inserted.
 * Returns -1 (nothing changed) only if the parking space cannot be had.
 */
static int sess_grow(struct sess_tab *tb)
{
	struct sess_slot park_stack[SESS_GROW_PARK], *park = park_stack;
	uint32_t n = tb->mask + 1, e = 0;

	while (tb->slot[e].idx1)       /* the load is < 1: an empty slot exists */
		e++;
	if (e > SESS_GROW_PARK) {
		park = malloc((size_t)e * sizeof(*park));
		if (!park)
			return -1;
	}
	memcpy(park, tb->slot, (size_t)e * sizeof(*park));
	memset(tb->slot, 0, (size_t)e * sizeof(*park));
	tb->mask = 2 * n - 1;
	for (uint32_t p = e + 1; p < n; p++) {
		struct sess_slot sl = tb->slot[p];

		if (!sl.idx1)
			continue;
		tb->slot[p].idx1 = 0;
		tb->slot[p].tag = 0;
		slot_place(tb, sl);
	}
	for (uint32_t i = 0; i < e; i++)
		slot_place(tb, park[i]);
	if (park != park_stack)
		free(park);
	return 0;
}

uint32_t sess_insert(struct sess_tab *tb, uint64_t h, const struct addr *cli,
                     uint16_t cli_port, const struct addr *srv, uint16_t srv_port)
{
	struct sess_slot cur;
	struct sess *s;
	uint32_t idx;
	bool is_long = sess_is_long(cli->family);

	if (tb->free_head == SESS_NONE && tb->fresh >= tb->max)
		return SESS_NONE;
	/* The cold array is reserved when the first long key comes: a
	 * capture of 4-byte addresses only never pays for it. */
	if (is_long && !tb->wide && !(tb->wide = big_alloc(wide_bytes(tb->max)))) {
		errno = ENOMEM;
		return SESS_NONE;
	}
	/* Grow while the reservation allows.  The reservation holds max
	 * sessions at load 3/4, so the load never passes that; growing can
	 * only fail for want of parking space (malloc), and then the current
	 * slots still take entries as long as one stays empty. */
	if (((uint64_t)tb->count + 1) * SESS_GROW_LOAD_DEN > (uint64_t)tb->mask + 1 &&
	    tb->mask < tb->max_mask && sess_grow(tb) < 0 &&
	    (uint64_t)tb->count + 1 >= (uint64_t)tb->mask + 1)
		return SESS_NONE;
	if (tb->free_head != SESS_NONE) {
		idx = tb->free_head;
		tb->free_head = tb->pool[idx].next;
	} else {
		idx = tb->fresh++;
	}
	s = &tb->pool[idx];
	memset(s, 0, sizeof(*s));
	s->cli_fold = sess_fold(cli);
	s->cli_port = cli_port;
	s->srv_fold = sess_fold(srv);
	s->srv_port = srv_port;
	s->family = cli->family;
	if (is_long) {
		memcpy(tb->wide[idx].cli, cli->u.b, ADDR_MAXLEN);
		memcpy(tb->wide[idx].srv, srv->u.b, ADDR_MAXLEN);
	}
	s->next = s->prev = SESS_NONE;
	tb->count++;

	cur.tag = (uint32_t)(h >> 32);
	cur.idx1 = idx + 1;
	slot_place(tb, cur);
	return idx;
}

void sess_remove(struct sess_tab *tb, uint32_t idx)
{
	const struct sess *s = &tb->pool[idx];
	struct addr c, v;

	sess_addrs(tb, idx, &c, &v);
	sess_remove_hashed(tb, idx, sess_hash(tb, &c, s->cli_port, &v, s->srv_port));
}

void sess_remove_hashed(struct sess_tab *tb, uint32_t idx, uint64_t h)
{
	struct sess *s = &tb->pool[idx];
	uint32_t pos = (uint32_t)(h >> 32) & tb->mask;

	/* The entry is present, so this ends; the bound guards against a
	 * corrupted table (or a wrong h) turning into an endless loop. */
	for (uint32_t n = 0; tb->slot[pos].idx1 != idx + 1; n++) {
		if (n > tb->mask)
			return;
		pos = (pos + 1) & tb->mask;
	}
	/* Backward shift: pull the following entries one step nearer home
	 * until an empty slot or an entry already at home. */
	for (;;) {
		uint32_t nx = (pos + 1) & tb->mask;
		struct sess_slot sl = tb->slot[nx];

		if (!sl.idx1 || slot_dist(tb, nx, sl.tag) == 0) {
			tb->slot[pos].idx1 = 0;
			tb->slot[pos].tag = 0;
			break;
		}
		tb->slot[pos] = sl;
		pos = nx;
	}
	s->next = tb->free_head;
	s->prev = SESS_NONE;
	tb->free_head = idx;
	tb->count--;
}

/* Fault in [p, p + len) for writing.  MADV_POPULATE_WRITE (Linux 5.14)
 * does it in one call, a huge page at a time where the range got them;
 * older kernels refuse the advice, and then every page is written (with
 * the zero it already holds). */
static int populate(void *p, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);

#ifdef MADV_POPULATE_WRITE
	if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
#endif
	if (pg <= 0)
		pg = 4096;
	for (size_t off = 0; off < len; off += (size_t)pg)
		((volatile char *)p)[off] = 0;
	return 0;
}

int sess_populate(struct sess_tab *tb)
{
	if (!tb->pool) {
		errno = EINVAL;
		return -1;
	}
	if (populate(tb->pool, pool_bytes(tb->max)) != 0 ||
	    populate(tb->slot, slot_bytes(tb->max_mask)) != 0 ||
	    (tb->wide && populate(tb->wide, wide_bytes(tb->max)) != 0))
		return -1;
	return 0;
}

size_t sess_memory(const struct sess_tab *tb)
{
	if (!tb->pool)
		return 0;
	return pool_bytes(tb->max) + slot_bytes(tb->max_mask) + (tb->wide ? wide_bytes(tb->max) : 0);
}

uint32_t sess_max_probe(const struct sess_tab *tb)
{
	uint32_t worst = 0;

	if (!tb->slot)
		return 0;
	for (uint64_t i = 0; i <= tb->mask; i++) {
		const struct sess_slot *sl = &tb->slot[i];
		uint32_t d;

		if (!sl->idx1)
			continue;
		d = slot_dist(tb, (uint32_t)i, sl->tag);
		if (d > worst)
			worst = d;
	}
	return worst;
}
