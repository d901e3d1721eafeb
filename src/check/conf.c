/* The target file (see conf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/opts.h"
#include "common/parse.h"
#include "check/conf.h"

#define WORDS_MAX 32

struct perr {
	const char *file;
	char *buf;
	size_t cap, len;
	int n;
};

static void perr(struct perr *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void perr(struct perr *p, int line, const char *fmt, ...)
{
	va_list ap;
	int w;

	p->n++;
	if (p->n > CONF_ERRORS_MAX || p->len + 1 >= p->cap)
		return;
	w = snprintf(p->buf + p->len, p->cap - p->len, "%s:%d: ", p->file, line);
	if (w > 0 && (size_t)w < p->cap - p->len)
		p->len += (size_t)w;
	else
		p->len = p->cap - 1;
	va_start(ap, fmt);
	w = vsnprintf(p->buf + p->len, p->cap - p->len, fmt, ap);
	va_end(ap);
	if (w > 0 && (size_t)w < p->cap - p->len)
		p->len += (size_t)w;
	else
		p->len = p->cap - 1;
	if (p->len + 1 < p->cap) {
		p->buf[p->len++] = '\n';
		p->buf[p->len] = '\0';
	}
}

void conf_opts_builtin(struct conf_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_ms = CONF_DEF_INTERVAL_MS;
	o->timeout_ms = CONF_DEF_TIMEOUT_MS;
	o->rise = CONF_DEF_RISE;
	o->fall = CONF_DEF_FALL;
}

/* Digits only, at most MAX (common/parse.h). */
static int num(const char *s, unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (parse_u64(s, max, &v) != 0)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

/* "500ms", "2s" -> milliseconds in [MIN, MAX]. */
static int duration(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char digits[16];
	size_t n = strspn(s, "0123456789");
	unsigned long v, mul;

	if (n == 0 || n >= sizeof(digits))
		return -1;
	if (strcmp(s + n, "ms") == 0)
		mul = 1;
	else if (strcmp(s + n, "s") == 0)
		mul = 1000;
	else
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (num(digits, max / mul, &v) != 0 || v * mul < min)
		return -1;
	*out = (uint32_t)(v * mul);
	return 0;
}

static const char *intern(struct conf *c, const char *s)
{
	char **np;

	for (size_t i = 0; i < c->npaths; i++)
		if (strcmp(c->paths[i], s) == 0)
			return c->paths[i];
	np = realloc(c->paths, (c->npaths + 1) * sizeof(*np));
	if (np == NULL)
		return NULL;
	c->paths = np;
	if ((c->paths[c->npaths] = strdup(s)) == NULL)
		return NULL;
	return c->paths[c->npaths++];
}

/* One option word into O; -1 after reporting it. */
static int option(struct conf *c, struct perr *pe, int line, char *w, struct conf_opts *o)
{
	char *val = strchr(w, '=');
	unsigned long v;

	if (val != NULL)
		*val++ = '\0';
	if (strcmp(w, "clean-close") == 0 || strcmp(w, "any-mac") == 0) {
		int *f = w[0] == 'c' ? &o->clean_close : &o->any_mac;

		if (val == NULL || strcmp(val, "1") == 0)
			*f = 1;
		else if (strcmp(val, "0") == 0)
			*f = 0;
		else
			goto bad;
		return 0;
	}
	if (strcmp(w, "interval") == 0 || strcmp(w, "timeout") == 0 ||
	    strcmp(w, "retries") == 0 || strcmp(w, "rise") == 0 || strcmp(w, "fall") == 0 ||
	    strcmp(w, "role-file") == 0) {
		if (val == NULL) {
			perr(pe, line, "option '%s' needs a value (%s=...)", w, w);
			return -1;
		}
	} else {
		perr(pe, line, "unknown option '%s' (interval, timeout, retries, rise, fall, "
		     "clean-close, any-mac, role-file)", w);
		return -1;
	}
	if (strcmp(w, "interval") == 0) {
		if (duration(val, CONF_INTERVAL_MIN_MS, CONF_INTERVAL_MAX_MS, &o->interval_ms) != 0) {
			perr(pe, line, "invalid interval '%s': expected 100ms to 86400s, with ms or s",
			     val);
			return -1;
		}
	} else if (strcmp(w, "timeout") == 0) {
		if (duration(val, 1, CONF_TIMEOUT_MAX_MS, &o->timeout_ms) != 0) {
			perr(pe, line, "invalid timeout '%s': expected 1ms to 3600s, with ms or s",
			     val);
			return -1;
		}
	} else if (strcmp(w, "retries") == 0) {
		if (num(val, CHK_RETRIES_MAX, &v) != 0) {
			perr(pe, line, "invalid retries '%s': expected 0 to %d", val, CHK_RETRIES_MAX);
			return -1;
		}
		o->retries = (int)v;
	} else if (strcmp(w, "rise") == 0 || strcmp(w, "fall") == 0) {
		if (num(val, CONF_RISEFALL_MAX, &v) != 0 || v == 0) {
			perr(pe, line, "invalid %s '%s': expected 1 to %d", w, val, CONF_RISEFALL_MAX);
			return -1;
		}
		*(w[0] == 'r' ? &o->rise : &o->fall) = (int)v;
	} else {
		if (val[0] == '\0') {
			o->role_file = NULL;
		} else if (strlen(val) >= 4096) {
			perr(pe, line, "role-file: path too long");
			return -1;
		} else if ((o->role_file = intern(c, val)) == NULL) {
			perr(pe, line, "out of memory");
			return -1;
		}
	}
	return 0;
bad:
	perr(pe, line, "invalid %s '%s': expected 0 or 1, or the bare word", w, val);
	return -1;
}

/* An address literal of either family (common/parse.h). */
static int addr_word(struct perr *pe, int line, const char *what, const char *s,
                     struct addr *out)
{
	if (parse_addr_bracketed(s, strlen(s), PARSE_ANY, out) == 0)
		return 0;
	perr(pe, line, "invalid %s '%s': expected an IPv4 or IPv6 address", what, s);
	return -1;
}

static int iface_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* ---- duplicates: a small open-addressing table of target indexes ----- */

struct dup {
	uint32_t *slot;               /* index + 1, 0 empty */
	size_t mask;
};

static size_t dup_hash(const struct eng_tspec *s)
{
	uint64_t h = 1469598103934665603ull;
	const unsigned char *p = (const unsigned char *)s->iface;

	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	for (size_t i = 0; i < sizeof(s->rs_ip.u.b); i++)
		h = (h ^ s->rs_ip.u.b[i] ^ (uint64_t)s->vip.u.b[i] << 8) * 1099511628211ull;
	h = (h ^ s->rs_ip.family) * 1099511628211ull;
	h = (h ^ s->port) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

static int same_key(const struct eng_tspec *a, const struct eng_tspec *b)
{
	return addr_eq(&a->rs_ip, &b->rs_ip) && addr_eq(&a->vip, &b->vip) && a->port == b->port &&
	       strcmp(a->iface, b->iface) == 0;
}

int conf_target_same(const struct conf_target *a, const struct conf_target *b)
{
	const struct eng_tspec *x = &a->spec, *y = &b->spec;
	int roles = (x->role_file == NULL && y->role_file == NULL) ||
	            (x->role_file != NULL && y->role_file != NULL &&
	             strcmp(x->role_file, y->role_file) == 0);

	return same_key(x, y) && x->timeout_ms == y->timeout_ms && x->retries == y->retries &&
	       x->clean_close == y->clean_close && x->any_mac == y->any_mac && roles &&
	       a->interval_ms == b->interval_ms && a->rise == b->rise && a->fall == b->fall;
}

/* The index of an earlier target with T's key, or -1 (T is then added). */
static long dup_find_add(struct dup *d, const struct conf *c, const struct conf_target *t,
                         uint32_t idx)
{
	size_t i = dup_hash(&t->spec) & d->mask;

	while (d->slot[i] != 0) {
		const struct conf_target *o = &c->t[d->slot[i] - 1];

		if (same_key(&o->spec, &t->spec))
			return (long)(d->slot[i] - 1);
		i = (i + 1) & d->mask;
	}
	d->slot[i] = idx + 1;
	return -1;
}

/* ---- lines -------------------------------------------------------------- */

static int split(char *s, char **w)
{
	int n = 0;

	for (;;) {
		s += strspn(s, " \t\r");
		if (*s == '\0' || *s == '#')
			return n;
		if (n == WORDS_MAX)
			return -1;
		w[n++] = s;
		s += strcspn(s, " \t\r");
		if (*s == '\0')
			return n;
		*s++ = '\0';
	}
}

static void target_line(struct conf *c, struct perr *pe, struct dup *d, int line, char **w,
                        int nw, const struct conf_opts *defs)
{
	struct conf_target t;
	struct conf_opts o = *defs;
	char err[128], a[ADDR_STRLEN], b[ADDR_STRLEN];
	int bad = 0, rs_bad, vip_bad;
	long prev;

	memset(&t, 0, sizeof(t));
	if (nw < 4) {
		perr(pe, line, "expected IFACE REAL_SERVER VIRTUAL_IP PORT [option...], got %d word%s",
		     nw, nw == 1 ? "" : "s");
		return;
	}
	if (!iface_ok(w[0])) {
		perr(pe, line, "invalid IFACE '%s': 1 to 15 characters, no '/', ':' or blanks", w[0]);
		bad = 1;
	}
	rs_bad = addr_word(pe, line, "REAL_SERVER", w[1], &t.spec.rs_ip) != 0;
	vip_bad = addr_word(pe, line, "VIRTUAL_IP", w[2], &t.spec.vip) != 0;
	if (!rs_bad && !vip_bad && t.spec.rs_ip.family != t.spec.vip.family) {
		perr(pe, line, "REAL_SERVER '%s' and VIRTUAL_IP '%s' are not of the same address family",
		     w[1], w[2]);
		bad = 1;
	}
	bad |= rs_bad | vip_bad;
	if (chk_parse_port(w[3], &t.spec.port, err, sizeof(err)) != 0) {
		perr(pe, line, "%s", err);
		bad = 1;
	}
	for (int i = 4; i < nw; i++)
		bad |= option(c, pe, line, w[i], &o) != 0;
	if (bad)
		return;
	snprintf(t.spec.iface, sizeof(t.spec.iface), "%s", w[0]);
	t.spec.timeout_ms = o.timeout_ms;
	t.spec.retries = o.retries;
	t.spec.clean_close = o.clean_close;
	t.spec.any_mac = o.any_mac;
	t.spec.role_file = o.role_file;
	t.interval_ms = o.interval_ms;
	t.rise = o.rise;
	t.fall = o.fall;
	t.line = line;
	snprintf(t.name, sizeof(t.name), "%s_%s_%s_%u", t.spec.iface,
	         addr_fmt(a, &t.spec.rs_ip), addr_fmt(b, &t.spec.vip), t.spec.port);
	if (c->n == CONF_TARGETS_MAX) {
		perr(pe, line, "more than %d targets", CONF_TARGETS_MAX);
		return;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct conf_target *nt = realloc(c->t, cap * sizeof(*nt));

		if (nt == NULL) {
			perr(pe, line, "out of memory");
			return;
		}
		c->t = nt;
		c->cap = cap;
	}
	c->t[c->n] = t;
	prev = dup_find_add(d, c, &c->t[c->n], (uint32_t)c->n);
	if (prev < 0) {
		c->n++;
		return;
	}
	if (!conf_target_same(&c->t[prev], &t))
		perr(pe, line, "target %s %s %s %u also on line %d with other options", w[0], w[1],
		     w[2], t.spec.port, c->t[prev].line);
	/* else: the same check for another virtual service, done once */
}

int conf_parse(const char *file, const char *text, size_t len, const struct conf_opts *base,
               struct conf *c, char *err, size_t errlen)
{
	struct perr pe = { .file = file, .buf = err, .cap = errlen };
	struct conf_opts defs;
	struct dup d = { NULL, 0 };
	size_t off = 0, lines = 0;
	char buf[CONF_LINE_MAX + 2];
	char *w[WORDS_MAX];
	int line = 0;

	memset(c, 0, sizeof(*c));
	if (errlen > 0)
		err[0] = '\0';
	if (base != NULL)
		defs = *base;
	else
		conf_opts_builtin(&defs);
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	/* at most one target per line: size the table once, load <= 1/2 */
	for (d.mask = 63; d.mask < 2 * (lines + 1) && d.mask < (1u << 20) - 1; d.mask = 2 * d.mask + 1)
		;
	d.slot = calloc(d.mask + 1, sizeof(*d.slot));
	if (d.slot == NULL) {
		perr(&pe, 0, "out of memory");
		c->errors = pe.n;
		return -1;
	}
	while (off < len && pe.n <= CONF_ERRORS_MAX) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - (text + off)) : len - off;
		int nw;

		line++;
		if (ll > CONF_LINE_MAX) {
			perr(&pe, line, "line longer than %d bytes", CONF_LINE_MAX);
			off += ll + 1;
			continue;
		}
		memcpy(buf, text + off, ll);
		buf[ll] = '\0';
		off += ll + 1;
		if (memchr(buf, '\0', ll) != NULL) {
			perr(&pe, line, "NUL byte in line");
			continue;
		}
		nw = split(buf, w);
		if (nw < 0) {
			perr(&pe, line, "more than %d words", WORDS_MAX);
			continue;
		}
		if (nw == 0)
			continue;
		if (strcmp(w[0], "defaults") == 0) {
			for (int i = 1; i < nw; i++)
				(void)option(c, &pe, line, w[i], &defs);
			continue;
		}
		target_line(c, &pe, &d, line, w, nw, &defs);
		if (d.mask + 1 < 2 * (c->n + 1)) {
			/* cannot happen: sized from the line count */
			perr(&pe, line, "too many targets");
			break;
		}
	}
	free(d.slot);
	if (pe.n > CONF_ERRORS_MAX && pe.len + 64 < pe.cap)
		snprintf(err + pe.len, pe.cap - pe.len, "%s: %d more errors not shown\n", file,
		         pe.n - CONF_ERRORS_MAX);
	c->errors = pe.n;
	if (pe.n > 0) {
		int n = pe.n;

		conf_free(c);
		c->errors = n;
		return -1;
	}
	return 0;
}

int conf_load(const char *file, const struct conf_opts *base, struct conf *c, char *err,
              size_t errlen)
{
	struct stat st;
	char *text;
	size_t got = 0;
	ssize_t n;
	int fd, rc;

	memset(c, 0, sizeof(*c));
	c->errors = 1;
	fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s\n", file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file\n", file);
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > CONF_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %u bytes\n", file, CONF_FILE_MAX);
		close(fd);
		return -1;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory\n", file);
		close(fd);
		return -1;
	}
	/* the size seen by fstat bounds what is read, even if it grows */
	while (got < (size_t)st.st_size &&
	       ((n = read(fd, text + got, (size_t)st.st_size - got)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	close(fd);
	rc = conf_parse(file, text, got, base, c, err, errlen);
	free(text);
	return rc;
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->npaths; i++)
		free(c->paths[i]);
	free(c->paths);
	free(c->t);
	memset(c, 0, sizeof(*c));
}
