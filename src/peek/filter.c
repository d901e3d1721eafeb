/*
 * tcpeek filter expressions: parsing (strict, one-line errors naming the
 * culprit) and matching of a new handshake against every filter.
 *
 * The grammar is the original's; what differs is what it accepts.  The
 * original wrapped ports modulo 65536, kept CIDR bases unmasked (so
 * 10.1.2.3/8 matched nothing useful) and accepted duplicate names; here
 * each of those is either fixed or an error, so a typo on the command line
 * stops tcpeek at start instead of silently counting the wrong traffic.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peek/filter.h"
#include "common/parse.h"
#include "common/text.h"

/* One addr[/len]:port[:port...] element of a filter. */
struct filt_rule {
	struct prefix net;       /* masked base, one family */
	bool any_addr;           /* '%' or '*': either family */
	bool any_port;
	uint16_t nports;
	uint16_t *ports;
};

struct filt {
	char name[FILT_NAME_MAX + 1];
	bool tx;                 /* direction: false RX, true TX */
	bool any;                /* some rule matches every address and port */
	int nrules;
	struct filt_rule *rules;
};

struct filt_set {
	int nnamed;                     /* RX and TX included */
	struct filt named[FILT_MAX];
	int nexcl;
	struct filt excl[FILT_MAX];     /* unnamed: exclusions */
};

static void filt_clear(struct filt *f)
{
	for (int i = 0; i < f->nrules; i++)
		free(f->rules[i].ports);
	free(f->rules);
	f->rules = NULL;
	f->nrules = 0;
}

/* A default filter: DIR@*:* named after its direction. */
static void filt_default(struct filt *f, const char *name, bool tx)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->tx = tx;
	f->any = true;
}

struct filt_set *filt_new(void)
{
	struct filt_set *fs = calloc(1, sizeof(*fs));

	if (fs == NULL)
		return NULL;
	filt_default(&fs->named[FILT_RX], "RX", false);
	filt_default(&fs->named[FILT_TX], "TX", true);
	fs->nnamed = 2;
	return fs;
}

void filt_free(struct filt_set *fs)
{
	if (fs == NULL)
		return;
	for (int i = 0; i < fs->nnamed; i++)
		filt_clear(&fs->named[i]);
	for (int i = 0; i < fs->nexcl; i++)
		filt_clear(&fs->excl[i]);
	free(fs);
}

int filt_count(const struct filt_set *fs)
{
	return fs->nnamed;
}

const char *filt_name(const struct filt_set *fs, int idx)
{
	if (idx < 0 || idx >= fs->nnamed)
		return NULL;
	return fs->named[idx].name;
}

/* ---- parsing ---------------------------------------------------------- */

struct parse {
	const char *expr;
	char *err;
	size_t errlen;
};

/* An error about the expression as a whole. */
__attribute__((format(printf, 2, 3)))
static int perr(struct parse *p, const char *what, ...)
{
	char ex[160], msg[160];
	va_list ap;

	if (p->err == NULL || p->errlen == 0)
		return -1;
	txt_escape(ex, sizeof(ex), p->expr, strlen(p->expr));
	va_start(ap, what);
	vsnprintf(msg, sizeof(msg), what, ap);
	va_end(ap);
	if (p->errlen < sizeof(TXT_CUT))
		p->err[0] = '\0';
	else
		txt_printf(p->err, p->errlen, "filter \"%s\": %s", ex, msg);
	return -1;
}

/* Error of the form: <noun> "<part>" <complaint>. */
static int perr2(struct parse *p, const char *noun, const char *s, size_t n,
                 const char *complaint)
{
	char ex[160], part[96];

	if (p->err == NULL || p->errlen == 0)
		return -1;
	if (p->errlen < sizeof(TXT_CUT)) {
		p->err[0] = '\0';
		return -1;
	}
	txt_escape(ex, sizeof(ex), p->expr, strlen(p->expr));
	txt_escape(part, sizeof(part), s, n);
	txt_printf(p->err, p->errlen, "filter \"%s\": %s \"%s\" %s", ex, noun,
	           part, complaint);
	return -1;
}

static bool is_wild(const char *s, size_t n)
{
	return n == 1 && (s[0] == '%' || s[0] == '*');
}

/* Hex digits only (what a bare IPv6 address starts with before its
 * first ':'), possibly none. */
static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/*
 * The address part of an element, [s, s+n) up to the ':' before the
 * ports: '%' or '*', A.B.C.D[/LEN], or [IPV6[/LEN]] in brackets (the
 * grammar separates ports with ':', so an IPv6 address must be
 * bracketed to be told from them).
 */
static int parse_rule_addr(struct parse *p, const char *s, size_t n, struct filt_rule *r)
{
	const char *slash = memchr(s, '/', n);
	size_t hostlen = slash != NULL ? (size_t)(slash - s) : n;
	const char *why = NULL;

	if (is_wild(s, hostlen)) {
		if (slash != NULL)
			return perr2(p, "address", s, n,
			             "is a wildcard and takes no prefix length");
		r->any_addr = true;
		return 0;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return perr2(p, "address", s, n, "has no closing ']'");
		if (close != s + n - 1)
			return perr2(p, "address", s, n, close[1] == '/' ?
			             "has its prefix length outside the brackets (write [ADDR/LEN])" :
			             "has text after its closing ']'");
		if (parse_prefix(s + 1, n - 2, PARSE_IP6, &r->net, &why) == 0)
			return 0;
		if (why != NULL && strcmp(why, "prefix length") == 0) {
			const char *sl = memchr(s, '/', n);

			return perr2(p, "prefix length", sl + 1, (size_t)(s + n - 1 - sl - 1),
			             "is not 0-128");
		}
		return perr2(p, "address", s, n,
		             "is not an IPv6 address or prefix (brackets hold IPv6 only)");
	}
	if (parse_prefix(s, n, PARSE_IP4, &r->net, &why) == 0)
		return 0;
	if (why != NULL && strcmp(why, "prefix length") == 0)
		return perr2(p, "prefix length", slash + 1, n - hostlen - 1, "is not 0-32");
	return perr2(p, "address", s, hostlen,
	             "is not a dotted-quad IPv4 address or '%'/'*'");
}

/* The length of the address part of element [s, s+n): up to the first
 * ':' (after a closing ']' for a bracketed one), or -1 if a bracket is
 * not closed before the end. */
static long addr_part_len(const char *s, size_t n)
{
	const char *from = s, *colon;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return -1;
		from = close;
	}
	colon = memchr(from, ':', (size_t)(s + n - from));
	return colon != NULL ? (long)(colon - s) : (long)n;
}

/* addr[/len]:port[:port...] in [s, s+n). */
static int parse_rule(struct parse *p, const char *s, size_t n, struct filt_rule *r)
{
	long al;
	size_t alen;
	const char *colon;

	memset(r, 0, sizeof(*r));
	if (n == 0)
		return perr(p, "empty address:port element");
	al = addr_part_len(s, n);
	if (al < 0)
		return perr2(p, "address", s, n, "has no closing ']'");
	alen = (size_t)al;
	colon = alen < n ? s + alen : NULL;
	/* A bare IPv6 address: its first ':' cut it after a few hex digits
	 * (or none, "::1"), and more ':' follow. */
	if (colon != NULL && all_hex(s, alen) && alen <= 4 &&
	    memchr(colon + 1, ':', (size_t)(s + n - colon - 1)) != NULL &&
	    (alen == 0 || parse_prefix(s, alen, PARSE_IP4, &r->net, NULL) != 0) &&
	    !is_wild(s, alen))
		return perr2(p, "element", s, n,
		             "looks like a bare IPv6 address: write it in brackets, "
		             "[ADDR]:PORT or [ADDR/LEN]:PORT");
	if (alen == 0)
		return perr2(p, "element", s, n, "has no address");
	if (parse_rule_addr(p, s, alen, r) < 0)
		return -1;
	if (colon == NULL)
		return perr2(p, "element", s, n, "has no port (addr:port)");

	/* ports: the rest, ':'-separated */
	const char *q = colon + 1, *end = s + n;
	size_t cap = 0;
	for (;;) {
		const char *c = memchr(q, ':', (size_t)(end - q));
		size_t plen = c != NULL ? (size_t)(c - q) : (size_t)(end - q);
		uint64_t port;

		if (plen == 0)
			return perr2(p, "element", s, n, "has an empty port");
		if (is_wild(q, plen)) {
			r->any_port = true;
		} else if (plen > 5 || parse_u64n(q, plen, 65535, &port) != 0) {
			return perr2(p, "port", q, plen, "is not 0-65535 (0: any port)");
		} else if (port == 0) {
			/* the original's third wildcard, beside % and * */
			r->any_port = true;
		} else {
			if (r->nports == cap) {
				size_t ncap = cap != 0 ? cap * 2 : 4;
				uint16_t *np;
				if (ncap > 65535)
					return perr(p, "too many ports");
				np = realloc(r->ports, ncap * sizeof(*np));
				if (np == NULL)
					return perr(p, "out of memory");
				r->ports = np;
				cap = ncap;
			}
			r->ports[r->nports++] = (uint16_t)port;
		}
		if (c == NULL)
			break;
		q = c + 1;
	}
	if (r->any_port) {
		/* a wildcard covers the listed ports: keep the fast path */
		free(r->ports);
		r->ports = NULL;
		r->nports = 0;
	}
	return 0;
}

static int parse_rules(struct parse *p, const char *s, struct filt *f)
{
	size_t n = strlen(s);
	const char *end = s + n;

	if (n == 0)
		return perr(p, "no address:port after '@'");
	for (const char *q = s;;) {
		const char *c = memchr(q, ',', (size_t)(end - q));
		size_t elen = c != NULL ? (size_t)(c - q) : (size_t)(end - q);
		struct filt_rule r, *nr;

		if (elen == 0)
			return perr(p, "empty address:port element "
			            "(stray ',')");
		if (parse_rule(p, q, elen, &r) < 0) {
			free(r.ports);
			return -1;
		}
		nr = realloc(f->rules, ((size_t)f->nrules + 1) * sizeof(*nr));
		if (nr == NULL) {
			free(r.ports);
			return perr(p, "out of memory");
		}
		f->rules = nr;
		f->rules[f->nrules++] = r;
		if (r.any_addr && r.any_port)
			f->any = true;
		if (c == NULL)
			break;
		q = c + 1;
	}
	return 0;
}

int filt_add(struct filt_set *fs, const char *expr, char *err, size_t errlen)
{
	struct parse p = { .expr = expr, .err = err, .errlen = errlen };
	const char *colon, *at, *why;
	size_t nlen;
	struct filt f;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	colon = strchr(expr, ':');
	if (colon == NULL)
		return perr(&p, "expected [name]:RX|TX@addr[/len]:port");
	nlen = (size_t)(colon - expr);
	memset(&f, 0, sizeof(f));

	if (nlen > FILT_NAME_MAX)
		return perr(&p, "name is longer than %d bytes",
		            FILT_NAME_MAX);
	/* Names become JSON strings, Prometheus label values and Ganglia
	 * metric names: clean UTF-8 only. */
	if (txt_check(expr, nlen, &why) != 0)
		return perr2(&p, "name", expr, nlen, why);
	memcpy(f.name, expr, nlen);
	f.name[nlen] = '\0';

	at = strchr(colon + 1, '@');
	if (at == NULL)
		return perr(&p, "missing '@' after the direction");
	if (at - colon - 1 == 2 && memcmp(colon + 1, "RX", 2) == 0)
		f.tx = false;
	else if (at - colon - 1 == 2 && memcmp(colon + 1, "TX", 2) == 0)
		f.tx = true;
	else
		return perr2(&p, "direction", colon + 1, (size_t)(at - colon - 1),
		             "is not RX or TX");

	if (nlen > 0) {
		if (strcmp(f.name, "pcap") == 0)
			return perr2(&p, "name", expr, nlen,
			             "is reserved (it is the stats document's "
			             "capture key)");
		for (int i = 0; i < fs->nnamed; i++)
			if (strcmp(fs->named[i].name, f.name) == 0)
				return perr2(&p, "name", expr, nlen,
				             "is used twice");
		if (fs->nnamed >= FILT_MAX)
			return perr(&p, "too many filters (at most %d "
			            "with RX and TX)", FILT_MAX);
	} else if (fs->nexcl >= FILT_MAX) {
		return perr(&p, "too many exclusion filters (at most %d)",
		            FILT_MAX);
	}

	if (parse_rules(&p, at + 1, &f) < 0) {
		filt_clear(&f);
		return -1;
	}
	if (nlen > 0)
		fs->named[fs->nnamed++] = f;
	else
		fs->excl[fs->nexcl++] = f;
	return 0;
}

/* ---- matching --------------------------------------------------------- */

static bool rule_match(const struct filt_rule *r, const struct addr *addr, uint16_t port)
{
	if (!r->any_addr && !prefix_contains(&r->net, addr))
		return false;
	if (r->any_port)
		return true;
	for (uint16_t i = 0; i < r->nports; i++)
		if (r->ports[i] == port)
			return true;
	return false;
}

/*
 * RX: the remote end is the initiator, the service the responder's port.
 * TX: the remote end is the responder, and so is the port.
 */
static bool filt_hit(const struct filt *f, bool is_rx, bool is_tx,
                     const struct addr *cli_addr, const struct addr *srv_addr, uint16_t srv_port)
{
	const struct addr *addr;

	if (f->tx ? !is_tx : !is_rx)
		return false;
	if (f->any)
		return true;
	addr = f->tx ? srv_addr : cli_addr;
	for (int i = 0; i < f->nrules; i++)
		if (rule_match(&f->rules[i], addr, srv_port))
			return true;
	return false;
}

uint64_t filt_match(const struct filt_set *fs, bool is_rx, bool is_tx,
                    const struct addr *cli_addr, const struct addr *srv_addr, uint16_t srv_port)
{
	uint64_t m = 0;

	if (!is_rx && !is_tx)
		return 0;
	for (int i = 0; i < fs->nexcl; i++)
		if (filt_hit(&fs->excl[i], is_rx, is_tx, cli_addr, srv_addr, srv_port))
			return 0;
	if (is_rx)
		m |= UINT64_C(1) << FILT_RX;
	if (is_tx)
		m |= UINT64_C(1) << FILT_TX;
	for (int i = 2; i < fs->nnamed; i++)
		if (filt_hit(&fs->named[i], is_rx, is_tx, cli_addr, srv_addr, srv_port))
			m |= UINT64_C(1) << i;
	return m;
}
