/* synscoped's core (see dmn.h). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check/report.h"
#include "daemon/dmn.h"
#include "net/pkt.h"
#include "sys/clock.h"
#include "sys/log.h"
#include "sys/rand.h"

/* LAN handshakes take tens of microseconds to a few milliseconds; a
 * check's timeout is at most seconds.  Eight bounds keep /metrics at
 * 10,000 targets to about 14 series each. */
const uint32_t dmn_rtt_le_us[DMN_RTT_BUCKETS] = {
	250, 1000, 2500, 10000, 25000, 100000, 250000, 1000000,
};

struct dmn {
	struct evl *loop;
	struct eng *eng;
	FILE *events;
	int dirfd;
	char *state_dir;
	struct dtarget **t;
	size_t n;
	uint64_t rng;                 /* xorshift64* state, seeded by getrandom */
	uint64_t started_wall;
	struct dmn_sched_stats st;
};

#define TGT_OF_TIMER(p) ((struct dtarget *)((char *)(p) - offsetof(struct dtarget, tm)))
#define TGT_OF_ET(p) ((struct dtarget *)((char *)(p) - offsetof(struct dtarget, et)))

static uint64_t rnd(struct dmn *d)
{
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return d->rng * 0x2545f4914f6cdd1dull;
}

/* uniform in [0, n) (n > 0); the bias of a 64-bit modulo is negligible */
static uint64_t rnd_below(struct dmn *d, uint64_t n)
{
	return rnd(d) % n;
}

/* ---- files ------------------------------------------------------------ */

static int8_t file_read(struct dmn *d, const char *name)
{
	char b[8];
	ssize_t n;
	int fd = openat(d->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n == 2 && b[1] == '\n' && (b[0] == '0' || b[0] == '1'))
		return (int8_t)(b[0] - '0');
	return -1;
}

static void file_set(struct dmn *d, struct dtarget *t, int8_t v)
{
	char tmp[CONF_NAME_MAX + 8], body[2] = { (char)('0' + v), '\n' };
	int fd;

	if (t->file == v)
		return;
	snprintf(tmp, sizeof(tmp), ".%s.tmp", t->name);
	(void)unlinkat(d->dirfd, tmp, 0);
	fd = openat(d->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, body, 2) != 2 || close(fd) != 0) {
		log_warn("%s/%s: writing the state file", d->state_dir, tmp);
		if (fd >= 0)
			(void)unlinkat(d->dirfd, tmp, 0);
		d->st.file_errors++;
		return;
	}
	if (renameat(d->dirfd, tmp, d->dirfd, t->name) != 0) {
		log_warn("%s/%s: renaming the state file", d->state_dir, t->name);
		(void)unlinkat(d->dirfd, tmp, 0);
		d->st.file_errors++;
		return;
	}
	t->file = v;
	d->st.file_writes++;
}

/* ---- events ----------------------------------------------------------- */

static json_object *json_time(uint64_t wall_us)
{
	char b[80];
	time_t s = (time_t)(wall_us / 1000000u);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(b, sizeof(b), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (unsigned)(wall_us / 1000u % 1000u));
	return json_object_new_string(b);
}

static void add_key(json_object *o, const struct dtarget *t)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	json_object_object_add(o, "target", json_object_new_string(t->name));
	json_object_object_add(o, "iface", json_object_new_string(t->et.spec.iface));
	json_object_object_add(o, "real_server",
	                       json_object_new_string(addr_fmt(a, &t->et.spec.rs_ip)));
	json_object_object_add(o, "vip", json_object_new_string(addr_fmt(b, &t->et.spec.vip)));
	json_object_object_add(o, "port", json_object_new_int(t->et.spec.port));
}

static json_object *outcome_counts(const struct dtarget *t)
{
	json_object *cnt = json_object_new_object();

	for (int k = 1; k < CHK_OUT_COUNT; k++)
		if (t->counts[k])
			json_object_object_add(cnt, chk_outcome_str((enum chk_outcome)k),
			                       json_object_new_int64(t->counts[k]));
	return cnt;
}

static void emit_change(struct dmn *d, const struct dtarget *t, enum tstate old,
                        const struct chk_report *r, uint64_t wall)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "time", json_time(wall));
	add_key(o, t);
	json_object_object_add(o, "old", json_object_new_string(tstate_str(old)));
	json_object_object_add(o, "new", json_object_new_string(tstate_str(t->h.state)));
	json_object_object_add(o, "outcome", json_object_new_string(chk_outcome_str(r->outcome)));
	json_object_object_add(o, "reason", json_object_new_string(r->reason));
	json_object_object_add(o, "rtt_us",
	                       r->have_rtt ? json_object_new_int64((int64_t)r->rtt_us) : NULL);
	/* which check made the change, for whoever audits rise and fall */
	json_object_object_add(o, "checks", json_object_new_int64((int64_t)t->checks));
	json_object_object_add(o, "outcomes", outcome_counts(t));
	fprintf(d->events, "%s\n",
	        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(d->events);
	json_object_put(o);
}

/* ---- schedule --------------------------------------------------------- */

static void late_note(struct dmn *d, uint64_t late)
{
	int k = 0;

	while (k < DMN_LATE_BUCKETS - 1 && late >= (1ull << k))
		k++;
	d->st.late_hist[k]++;
	if (late > d->st.late_max_us)
		d->st.late_max_us = late;
}

static void due_fire(struct evl_timer *tm, uint64_t now)
{
	struct dtarget *t = TGT_OF_TIMER(tm);
	struct dmn *d = t->d;

	late_note(d, now - t->due);
	d->st.started++;
	if (eng_check_start(d->eng, &t->et, now) != 0) {
		/* memory: try again one interval later */
		t->due = now + (uint64_t)t->interval_ms * 1000u;
		(void)evl_timer_set(d->loop, &t->tm, t->due);
	}
}

static void schedule_next(struct dmn *d, struct dtarget *t, uint64_t now)
{
	uint64_t iv = (uint64_t)t->interval_ms * 1000u;
	uint64_t span = iv * DMN_JITTER_PCT / 100;
	uint64_t next = t->due + iv - span + (span ? rnd_below(d, 2 * span + 1) : 0);

	if (next < now) {
		d->st.overran++;
		next = now;
	}
	t->due = next;
	(void)evl_timer_set(d->loop, &t->tm, next);
}

static void rtt_note(struct dtarget *t, uint64_t us)
{
	int k = 0;

	while (k < DMN_RTT_BUCKETS && us > dmn_rtt_le_us[k])
		k++;
	if (k < DMN_RTT_BUCKETS)
		t->rtt_hist[k]++;
	t->rtt_sum_us += us;
	t->rtt_count++;
}

static void check_done(void *arg, struct eng_target *et, const struct chk_report *r,
                       uint64_t now)
{
	struct dmn *d = arg;
	struct dtarget *t = TGT_OF_ET(et);
	enum tstate old = t->h.state;
	int ok = chk_outcome_is_success(r->outcome);

	t->checks++;
	if (r->outcome < CHK_OUT_COUNT)
		t->counts[r->outcome]++;
	t->last = r->outcome;
	t->have_last = 1;
	t->have_rtt = (uint8_t)r->have_rtt;
	t->last_rtt_us = r->have_rtt ? (uint32_t)(r->rtt_us > UINT32_MAX ? UINT32_MAX : r->rtt_us) : 0;
	if (r->have_rtt)
		rtt_note(t, r->rtt_us);
	if (thealth_feed(&t->h, ok, t->rise, t->fall)) {
		uint64_t wall = clock_wall_us();

		t->since_wall_us = wall;
		d->st.state_changes++;
		emit_change(d, t, old, r, wall);
	}
	if (t->h.state == TS_UP)
		file_set(d, t, 0);
	else if (t->h.state == TS_DOWN || now >= t->unknown_until)
		file_set(d, t, 1);
	schedule_next(d, t, now);
}

/* ---- targets ---------------------------------------------------------- */

static struct dtarget *target_new(struct dmn *d, const struct conf_target *ct, uint64_t now)
{
	struct dtarget *t = calloc(1, sizeof(*t));
	uint64_t iv = (uint64_t)ct->interval_ms * 1000u;

	if (t == NULL)
		return NULL;
	t->d = d;
	t->et.spec = ct->spec;
	memcpy(t->name, ct->name, sizeof(t->name));
	t->interval_ms = ct->interval_ms;
	t->rise = ct->rise;
	t->fall = ct->fall;
	t->since_wall_us = clock_wall_us();
	t->unknown_until = now + iv * (uint64_t)(ct->rise + ct->fall + DMN_START_INTERVALS_EXTRA);
	t->file = file_read(d, t->name);
	t->tm.fn = due_fire;
	if (eng_target_add(d->eng, &t->et) != 0) {
		free(t);
		return NULL;
	}
	/* spread: the first check at a random point of the first interval */
	t->due = now + rnd_below(d, iv);
	if (evl_timer_set(d->loop, &t->tm, t->due) != 0) {
		eng_target_remove(d->eng, &t->et);
		free(t);
		return NULL;
	}
	return t;
}

static void target_free(struct dmn *d, struct dtarget *t)
{
	evl_timer_cancel(d->loop, &t->tm);
	eng_target_remove(d->eng, &t->et);
	free(t);
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct dtarget *const *)a)->name, (*(struct dtarget *const *)b)->name);
}

int dmn_apply(struct dmn *d, struct conf *c)
{
	struct dtarget **nt = calloc(c->n ? c->n : 1, sizeof(*nt));
	struct dtarget **old = malloc((d->n ? d->n : 1) * sizeof(*old));
	char *taken = calloc(d->n ? d->n : 1, 1), *fresh = calloc(c->n ? c->n : 1, 1);
	uint64_t now = clock_mono_us();
	size_t kept = 0;
	int rc = -1;

	if (nt == NULL || old == NULL || taken == NULL || fresh == NULL) {
		log_warnx("out of memory applying the configuration");
		goto out;
	}
	if (d->n)
		memcpy(old, d->t, d->n * sizeof(*old));
	qsort(old, d->n, sizeof(*old), by_name);
	for (size_t i = 0; i < c->n; i++) {
		struct dtarget key, *kp = &key, **hit = NULL;

		memcpy(key.name, c->t[i].name, sizeof(key.name));
		if (d->n)
			hit = bsearch(&kp, old, d->n, sizeof(*old), by_name);
		if (hit != NULL && !taken[hit - old]) {
			struct conf_target cur;

			memset(&cur, 0, sizeof(cur));
			cur.spec = (*hit)->et.spec;
			cur.interval_ms = (*hit)->interval_ms;
			cur.rise = (*hit)->rise;
			cur.fall = (*hit)->fall;
			if (conf_target_same(&cur, &c->t[i])) {
				/* unchanged: state, schedule and check in flight kept */
				nt[i] = *hit;
				taken[hit - old] = 1;
				kept++;
				continue;
			}
		}
		nt[i] = target_new(d, &c->t[i], now);
		if (nt[i] == NULL) {
			log_warnx("out of memory adding target %s; keeping the running set", c->t[i].name);
			for (size_t j = 0; j < i; j++)
				if (fresh[j])
					target_free(d, nt[j]);
			goto out;
		}
		fresh[i] = 1;
	}
	/* committed: kept targets take the new configuration's role path
	 * (the same text), the others go */
	for (size_t i = 0; i < c->n; i++)
		if (!fresh[i])
			nt[i]->et.spec.role_file = c->t[i].spec.role_file;
	for (size_t i = 0; i < d->n; i++)
		if (!taken[i])
			target_free(d, old[i]);
	free(d->t);
	d->t = nt;
	nt = NULL;
	d->n = c->n;
	log_info("%zu targets (%zu kept with their state)", d->n, kept);
	rc = 0;
out:
	free(nt);
	free(old);
	free(taken);
	free(fresh);
	return rc;
}

/* ---- status ----------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static int sb_init(struct sbuf *b, size_t cap)
{
	b->p = malloc(cap);
	b->len = 0;
	b->cap = cap;
	b->oom = 0;
	return b->p == NULL ? -1 : 0;
}

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2;
		char *np = realloc(b->p, cap);

		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

char *dmn_status_json(struct dmn *d)
{
	json_object *doc = json_object_new_object();
	json_object *eng = json_object_new_object(), *sch = json_object_new_object();
	json_object *hist = json_object_new_array();
	const struct eng_stats *es = eng_stats(d->eng);
	struct sbuf sb;
	const char *head;
	size_t hl;

	json_object_object_add(doc, "version", json_object_new_string(SYNSCOPE_VERSION));
	json_object_object_add(doc, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(doc, "started", json_time(d->started_wall));
	json_object_object_add(doc, "now", json_time(clock_wall_us()));
	json_object_object_add(doc, "state_dir", json_object_new_string(d->state_dir));
#define NUM(o, k, v) json_object_object_add((o), (k), json_object_new_int64((int64_t)(v)))
	NUM(eng, "rx_frames", es->rx_frames);
	NUM(eng, "rx_forged", es->rx_forged);
	NUM(eng, "rx_stale", es->rx_stale);
	NUM(eng, "rx_ignored", es->rx_ignored);
	NUM(eng, "tx_frames", es->tx_frames);
	NUM(eng, "tx_errors", es->tx_errors);
	NUM(eng, "arp_resolved", es->arp_resolved);
	NUM(eng, "checks_started", es->checks_started);
	NUM(eng, "checks_done", es->checks_done);
	json_object_object_add(doc, "engine", eng);
	NUM(sch, "started", d->st.started);
	NUM(sch, "overran", d->st.overran);
	NUM(sch, "late_max_us", d->st.late_max_us);
	NUM(sch, "state_changes", d->st.state_changes);
	NUM(sch, "file_writes", d->st.file_writes);
	NUM(sch, "file_errors", d->st.file_errors);
	for (int k = 0; k < DMN_LATE_BUCKETS; k++) {
		json_object *b = json_object_new_object();

		if (k < DMN_LATE_BUCKETS - 1)
			NUM(b, "lt_us", 1ull << k);
		else
			json_object_object_add(b, "lt_us", NULL);
		NUM(b, "count", d->st.late_hist[k]);
		json_object_array_add(hist, b);
	}
	json_object_object_add(sch, "late_hist", hist);
	json_object_object_add(doc, "scheduler", sch);
#undef NUM
	/* The targets are serialized one by one into the text, never held
	 * as one tree: at 10,000 targets that halves the time the loop is
	 * held and keeps the memory to one target's objects. */
	json_object_object_add(doc, "targets", json_object_new_array());
	head = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
	                                          JSON_C_TO_STRING_NOSLASHESCAPE);
	hl = strlen(head);
	/* ...,"targets":[]} : the objects go between the brackets */
	if (hl < 3 || strcmp(head + hl - 3, "[]}") != 0 || sb_init(&sb, hl + d->n * 300) != 0) {
		json_object_put(doc);
		return NULL;
	}
	sb_put(&sb, head, hl - 2);
	json_object_put(doc);
	for (size_t i = 0; i < d->n; i++) {
		const struct dtarget *t = d->t[i];
		json_object *o = json_object_new_object();

		add_key(o, t);
		json_object_object_add(o, "state", json_object_new_string(tstate_str(t->h.state)));
		json_object_object_add(o, "since", json_time(t->since_wall_us));
		json_object_object_add(o, "last_outcome",
		                       t->have_last ? json_object_new_string(chk_outcome_str(t->last)) : NULL);
		json_object_object_add(o, "last_rtt_us",
		                       t->have_rtt ? json_object_new_int64(t->last_rtt_us) : NULL);
		json_object_object_add(o, "checks", json_object_new_int64((int64_t)t->checks));
		json_object_object_add(o, "file", t->file < 0 ? NULL : json_object_new_int(t->file));
		json_object_object_add(o, "outcomes", outcome_counts(t));
		if (i > 0)
			sb_put(&sb, ",", 1);
		head = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		                                        JSON_C_TO_STRING_NOSLASHESCAPE);
		sb_put(&sb, head, strlen(head));
		json_object_put(o);
	}
	sb_put(&sb, "]}\n", 4);     /* with the NUL */
	if (sb.oom) {
		free(sb.p);
		return NULL;
	}
	return sb.p;
}

/* ---- life --------------------------------------------------------------- */

struct dmn *dmn_new(struct evl *loop, const char *state_dir, FILE *events)
{
	struct dmn *d = calloc(1, sizeof(*d));
	struct stat st;

	if (d == NULL) {
		log_warn("synscoped");
		return NULL;
	}
	d->loop = loop;
	d->events = events;
	d->dirfd = -1;
	d->started_wall = clock_wall_us();
	if (rand_bytes(&d->rng, sizeof(d->rng)) != 0)
		goto fail;
	d->rng |= 1;
	d->state_dir = strdup(state_dir);
	if (d->state_dir == NULL)
		goto fail;
	if (mkdir(state_dir, 0755) != 0 && errno != EEXIST) {
		log_warn("state directory %s", state_dir);
		goto fail;
	}
	d->dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0 || fstat(d->dirfd, &st) != 0) {
		log_warn("state directory %s", state_dir);
		goto fail;
	}
	d->eng = eng_new(loop, check_done, d);
	if (d->eng == NULL)
		goto fail;
	return d;
fail:
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d->state_dir);
	free(d);
	return NULL;
}

void dmn_free(struct dmn *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++)
		target_free(d, d->t[i]);
	free(d->t);
	eng_free(d->eng);
	close(d->dirfd);
	free(d->state_dir);
	free(d);
}

size_t dmn_count(const struct dmn *d)
{
	return d->n;
}

struct dtarget *dmn_target(struct dmn *d, size_t i)
{
	return d->t[i];
}

const struct dmn_sched_stats *dmn_sched(const struct dmn *d)
{
	return &d->st;
}

const struct eng_stats *dmn_eng_stats(const struct dmn *d)
{
	return eng_stats(d->eng);
}
