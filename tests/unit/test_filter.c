/* Filter grammar (every rejection with its message) and matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/parse.h"
#include "peek/filter.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define BIT(i) (UINT64_C(1) << (i))

/* filt_match on IPv4 addresses given as host-order numbers */
static uint64_t match4(const struct filt_set *fs, bool rx, bool tx, uint32_t cli, uint32_t srv,
                       uint16_t port)
{
	struct addr c = addr_ip4(cli), s = addr_ip4(srv);

	return filt_match(fs, rx, tx, &c, &s, port);
}

/* ... on addresses in text (either family) */
static uint64_t match(const struct filt_set *fs, bool rx, bool tx, const char *cli,
                      const char *srv, uint16_t port)
{
	struct addr c, s;

	assert_int_equal(parse_addr(cli, strlen(cli), PARSE_ANY, &c), 0);
	assert_int_equal(parse_addr(srv, strlen(srv), PARSE_ANY, &s), 0);
	return filt_match(fs, rx, tx, &c, &s, port);
}

static int setup(void **state)
{
	*state = filt_new();
	return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	filt_free(*state);
	return 0;
}

static void add_ok(struct filt_set *fs, const char *expr)
{
	char err[256] = "";
	int rc = filt_add(fs, expr, err, sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
}

/* The expression must be refused with exactly this message. */
static void add_bad(const char *expr, const char *msg)
{
	struct filt_set *fs = filt_new();
	char err[256] = "";
	int before = filt_count(fs);

	assert_non_null(fs);
	assert_int_equal(filt_add(fs, expr, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
	assert_null(strchr(err, '\n'));
	/* a refused expression leaves the set as it was */
	assert_int_equal(filt_count(fs), before);
	filt_free(fs);
}

/* ---- grammar ---------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct filt_set *fs = *state;

	assert_int_equal(filt_count(fs), 2);
	assert_string_equal(filt_name(fs, FILT_RX), "RX");
	assert_string_equal(filt_name(fs, FILT_TX), "TX");
	assert_null(filt_name(fs, 2));
	assert_null(filt_name(fs, -1));
}

static void test_named_in_order(void **state)
{
	struct filt_set *fs = *state;

	add_ok(fs, "web:RX@%:80:443");
	add_ok(fs, ":RX@*:22");                 /* exclusion: not named */
	add_ok(fs, "lan:TX@192.168.0.0/24:%");
	add_ok(fs, "many:TX@192.168.0.1:80:443:8080,192.168.0.2:80,192.168.0.3:80:8080");
	assert_int_equal(filt_count(fs), 5);
	assert_string_equal(filt_name(fs, 2), "web");
	assert_string_equal(filt_name(fs, 3), "lan");
	assert_string_equal(filt_name(fs, 4), "many");
}

static void test_bad_prefix(void **state)
{
	(void)state;
	add_bad("web:RX@10.0.0.0/33:80",
	        "filter \"web:RX@10.0.0.0/33:80\": prefix length \"33\" is not 0-32");
	add_bad("web:RX@10.0.0.0/-1:80",
	        "filter \"web:RX@10.0.0.0/-1:80\": prefix length \"-1\" is not 0-32");
	add_bad("web:RX@10.0.0.0/:80",
	        "filter \"web:RX@10.0.0.0/:80\": prefix length \"\" is not 0-32");
	add_bad("web:RX@10.0.0.0/8x:80",
	        "filter \"web:RX@10.0.0.0/8x:80\": prefix length \"8x\" is not 0-32");
	add_bad("web:RX@10.0.0.0/008:80",
	        "filter \"web:RX@10.0.0.0/008:80\": prefix length \"008\" is not 0-32");
	add_bad("web:RX@%/8:80",
	        "filter \"web:RX@%/8:80\": address \"%/8\" is a wildcard and takes no prefix length");
}

static void test_bad_port(void **state)
{
	(void)state;
	add_bad("web:RX@%:70000",
	        "filter \"web:RX@%:70000\": port \"70000\" is not 0-65535 (0: any port)");
	add_bad("web:RX@%:65536",
	        "filter \"web:RX@%:65536\": port \"65536\" is not 0-65535 (0: any port)");
	add_bad("web:RX@%:80:-1", "filter \"web:RX@%:80:-1\": port \"-1\" is not 0-65535 (0: any port)");
	add_bad("web:RX@%:+80", "filter \"web:RX@%:+80\": port \"+80\" is not 0-65535 (0: any port)");
	add_bad("web:RX@%:4294967376",
	        "filter \"web:RX@%:4294967376\": port \"4294967376\" is not 0-65535 (0: any port)");
	add_bad("web:RX@%:80::443",
	        "filter \"web:RX@%:80::443\": element \"%:80::443\" has an empty port");
	add_bad("web:RX@%:80:",
	        "filter \"web:RX@%:80:\": element \"%:80:\" has an empty port");
	add_bad("web:RX@10.0.0.1",
	        "filter \"web:RX@10.0.0.1\": element \"10.0.0.1\" has no port (addr:port)");
	/* trailing garbage is part of the last port and refused there */
	add_bad("web:RX@%:80 x", "filter \"web:RX@%:80 x\": port \"80 x\" is not 0-65535 (0: any port)");
	add_bad("web:RX@%:80@y", "filter \"web:RX@%:80@y\": port \"80@y\" is not 0-65535 (0: any port)");
}

static void test_port_bounds_ok(void **state)
{
	struct filt_set *fs = *state;

	add_ok(fs, "lo:RX@%:1");
	add_ok(fs, "hi:RX@%:65535");
	assert_int_equal(match4(fs, true, false, IP(1, 2, 3, 4), IP(5, 6, 7, 8), 1),
	                 BIT(0) | BIT(2));
	assert_int_equal(match4(fs, true, false, IP(1, 2, 3, 4), IP(5, 6, 7, 8), 65535),
	                 BIT(0) | BIT(3));
	/* no wrap: 65535 is not 65535 + 65536k anything */
	assert_int_equal(match4(fs, true, false, IP(1, 2, 3, 4), IP(5, 6, 7, 8), 464),
	                 BIT(0));
}

/* Port 0 is a wildcard, as in the original: alone, among other ports,
 * written 00, and in an exclusion. */
static void test_port_zero_wildcard(void **state)
{
	struct filt_set *fs = *state;

	add_ok(fs, "z:RX@%:0");
	add_ok(fs, "zz:RX@10.0.0.0/8:80:00");
	add_ok(fs, ":RX@192.0.2.1:0");
	assert_int_equal(match4(fs, true, false, IP(1, 2, 3, 4), IP(5, 6, 7, 8), 1),
	                 BIT(0) | BIT(2));
	assert_int_equal(match4(fs, true, false, IP(1, 2, 3, 4), IP(5, 6, 7, 8), 65535),
	                 BIT(0) | BIT(2));
	assert_int_equal(match4(fs, true, false, IP(10, 2, 3, 4), IP(5, 6, 7, 8), 4242),
	                 BIT(0) | BIT(2) | BIT(3));
	assert_int_equal(match4(fs, true, false, IP(192, 0, 2, 1), IP(5, 6, 7, 8), 22), 0);
	/* TX filters too; port 0 of the wrong direction matches nothing */
	assert_int_equal(match4(fs, false, true, IP(1, 2, 3, 4), IP(5, 6, 7, 8), 80), BIT(1));
}

static void test_bad_address(void **state)
{
	(void)state;
	add_bad("a:RX@10.0.0:80",
	        "filter \"a:RX@10.0.0:80\": address \"10.0.0\" is not a dotted-quad IPv4 address or '%'/'*'");
	add_bad("a:RX@10.0.0.256:80",
	        "filter \"a:RX@10.0.0.256:80\": address \"10.0.0.256\" is not a dotted-quad IPv4 address or '%'/'*'");
	add_bad("a:RX@10.0.0.1.2:80",
	        "filter \"a:RX@10.0.0.1.2:80\": address \"10.0.0.1.2\" is not a dotted-quad IPv4 address or '%'/'*'");
	add_bad("a:RX@host:80",
	        "filter \"a:RX@host:80\": address \"host\" is not a dotted-quad IPv4 address or '%'/'*'");
	add_bad("a:RX@:80", "filter \"a:RX@:80\": element \":80\" has no address");
	add_bad("a:RX@%%:80",
	        "filter \"a:RX@%%:80\": address \"%%\" is not a dotted-quad IPv4 address or '%'/'*'");
}

static void test_bad_structure(void **state)
{
	(void)state;
	add_bad("web", "filter \"web\": expected [name]:RX|TX@addr[/len]:port");
	add_bad("", "filter \"\": expected [name]:RX|TX@addr[/len]:port");
	add_bad("web:RX", "filter \"web:RX\": missing '@' after the direction");
	add_bad("web:RX%:80", "filter \"web:RX%:80\": missing '@' after the direction");
	add_bad("web:XX@%:80", "filter \"web:XX@%:80\": direction \"XX\" is not RX or TX");
	add_bad("web:rx@%:80", "filter \"web:rx@%:80\": direction \"rx\" is not RX or TX");
	add_bad("web:@%:80", "filter \"web:@%:80\": direction \"\" is not RX or TX");
	add_bad("web:RX@", "filter \"web:RX@\": no address:port after '@'");
	add_bad("web:RX@%:80,", "filter \"web:RX@%:80,\": empty address:port element (stray ',')");
	add_bad("web:RX@,%:80", "filter \"web:RX@,%:80\": empty address:port element (stray ',')");
	add_bad("web:RX@%:80,,%:81",
	        "filter \"web:RX@%:80,,%:81\": empty address:port element (stray ',')");
}

static void test_bad_names(void **state)
{
	struct filt_set *fs = *state;
	char err[256];
	char name[FILT_NAME_MAX + 2];
	char expr[FILT_NAME_MAX + 16];

	add_bad("pcap:RX@%:80",
	        "filter \"pcap:RX@%:80\": name \"pcap\" is reserved (it is the stats document's capture key)");
	add_bad("RX:RX@%:80", "filter \"RX:RX@%:80\": name \"RX\" is used twice");
	add_bad("TX:RX@%:80", "filter \"TX:RX@%:80\": name \"TX\" is used twice");
	add_bad("a\tb:RX@%:80",
	        "filter \"a\\x09b:RX@%:80\": name \"a\\x09b\" contains a control character");

	add_ok(fs, "web:RX@%:80");
	assert_int_equal(filt_add(fs, "web:TX@%:443", err, sizeof(err)), -1);
	assert_string_equal(err, "filter \"web:TX@%:443\": name \"web\" is used twice");
	assert_int_equal(filt_count(fs), 3);

	/* FILT_NAME_MAX bytes is fine, one more is not */
	memset(name, 'n', FILT_NAME_MAX);
	name[FILT_NAME_MAX] = '\0';
	snprintf(expr, sizeof(expr), "%s:RX@%%:80", name);
	add_ok(fs, expr);
	assert_string_equal(filt_name(fs, 3), name);
	name[FILT_NAME_MAX] = 'n';
	name[FILT_NAME_MAX + 1] = '\0';
	snprintf(expr, sizeof(expr), "%s:RX@%%:80", name);
	assert_int_equal(filt_add(fs, expr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "name is longer than 63 bytes"));

	/* names JSON would have to escape are still allowed */
	add_ok(fs, "we\"b\\x:RX@%:80");
	assert_string_equal(filt_name(fs, 4), "we\"b\\x");
}

/* Names end up in JSON strings and Prometheus labels: valid UTF-8 with no
 * control character, or one line naming the filter. */
static void test_name_utf8(void **state)
{
	struct filt_set *fs = *state;

	/* 2-, 3- and 4-byte characters, up to U+10FFFF and the first after
	 * the C1 block */
	add_ok(fs, "caf\xc3\xa9:RX@%:80");
	assert_string_equal(filt_name(fs, 2), "caf\xc3\xa9");
	add_ok(fs, "\xe6\x97\xa5\xe6\x9c\xac:RX@%:81");
	add_ok(fs, "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf:RX@%:82");
	add_ok(fs, "\xc2\xa0nbsp:RX@%:83");
	add_ok(fs, "\xef\xbf\xbd:RX@%:84");      /* U+FFFD itself is fine */

	add_bad("\xff:RX@%:80",
	        "filter \"\\xff:RX@%:80\": name \"\\xff\" is not valid UTF-8");
	add_bad("a\xc3:RX@%:80",                  /* cut sequence */
	        "filter \"a\\xc3:RX@%:80\": name \"a\\xc3\" is not valid UTF-8");
	add_bad("\xc3(:RX@%:80",                   /* bad continuation */
	        "filter \"\\xc3(:RX@%:80\": name \"\\xc3(\" is not valid UTF-8");
	add_bad("\x80x:RX@%:80",                   /* lone continuation */
	        "filter \"\\x80x:RX@%:80\": name \"\\x80x\" is not valid UTF-8");
	add_bad("\xc0\xaf:RX@%:80",                /* overlong '/' */
	        "filter \"\\xc0\\xaf:RX@%:80\": name \"\\xc0\\xaf\" is not valid UTF-8");
	add_bad("\xe0\x80\xaf:RX@%:80",            /* overlong, 3 bytes */
	        "filter \"\\xe0\\x80\\xaf:RX@%:80\": name \"\\xe0\\x80\\xaf\" is not valid UTF-8");
	add_bad("\xf0\x80\x80\xaf:RX@%:80",        /* overlong, 4 bytes */
	        "filter \"\\xf0\\x80\\x80\\xaf:RX@%:80\": name \"\\xf0\\x80\\x80\\xaf\" is not valid UTF-8");
	add_bad("\xed\xa0\x80:RX@%:80",            /* surrogate U+D800 */
	        "filter \"\\xed\\xa0\\x80:RX@%:80\": name \"\\xed\\xa0\\x80\" is not valid UTF-8");
	add_bad("\xf4\x90\x80\x80:RX@%:80",        /* U+110000 */
	        "filter \"\\xf4\\x90\\x80\\x80:RX@%:80\": name \"\\xf4\\x90\\x80\\x80\" is not valid UTF-8");
	add_bad("\xc2\x85:RX@%:80",                /* U+0085, a C1 control */
	        "filter \"\\xc2\\x85:RX@%:80\": name \"\\xc2\\x85\" contains a control character");
	add_bad("a\x7f:RX@%:80",
	        "filter \"a\\x7f:RX@%:80\": name \"a\\x7f\" contains a control character");
	add_bad("a\nb:RX@%:80",
	        "filter \"a\\x0ab:RX@%:80\": name \"a\\x0ab\" contains a control character");
	/* the first fault in the name is the one named */
	add_bad("\x01\xff:RX@%:80",
	        "filter \"\\x01\\xff:RX@%:80\": name \"\\x01\\xff\" contains a control character");
	assert_int_equal(filt_count(fs), 7);
}

/* A long expression is cut with a marker, and the message stays one line
 * within the buffer. */
static void test_error_cut_marked(void **state)
{
	struct filt_set *fs = *state;
	char expr[400], err[256];
	size_t n;

	memset(expr, 'a', sizeof(expr));
	memcpy(expr + 10, ":RX@10.0.0.1/40:80", 18);
	expr[sizeof(expr) - 1] = '\0';
	assert_int_equal(filt_add(fs, expr, err, sizeof(err)), -1);
	n = strlen(err);
	assert_true(n < sizeof(err));
	assert_null(strchr(err, '\n'));
	/* the expression is cut (marked), the complaint is whole */
	if (strncmp(err, "filter \"aaaaaaaaaa:RX@10.0.0.1/40:80aaa", 38) != 0 ||
	    !strstr(err, "aaa...\": prefix length \"40\" is not 0-32"))
		fail_msg("message: %s", err);
	/* a message too long for err ends with the marker */
	char small[40];
	assert_int_equal(filt_add(fs, expr, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(small + sizeof(small) - 4, "...");
}

static void test_too_many(void **state)
{
	struct filt_set *fs = *state;
	char expr[64], err[256];

	for (int i = 2; i < FILT_MAX; i++) {
		snprintf(expr, sizeof(expr), "f%d:RX@%%:%d", i, i);
		add_ok(fs, expr);
	}
	assert_int_equal(filt_count(fs), FILT_MAX);
	assert_int_equal(filt_add(fs, "one_more:RX@%:80", err, sizeof(err)), -1);
	assert_string_equal(err, "filter \"one_more:RX@%:80\": too many filters (at most 64 with RX and TX)");
	assert_int_equal(filt_count(fs), FILT_MAX);
	/* the last filter still gets bit 63 */
	assert_int_equal(match4(fs, true, false, IP(1, 1, 1, 1), IP(2, 2, 2, 2), FILT_MAX - 1),
	                 BIT(0) | BIT(FILT_MAX - 1));

	for (int i = 0; i < FILT_MAX; i++) {
		snprintf(expr, sizeof(expr), ":TX@%%:%d", 1000 + i);
		add_ok(fs, expr);
	}
	assert_int_equal(filt_add(fs, ":TX@%:2000", err, sizeof(err)), -1);
	assert_string_equal(err, "filter \":TX@%:2000\": too many exclusion filters (at most 64)");
}

/* A message stays short and one line whatever the expression holds. */
static void test_error_small_buffer(void **state)
{
	struct filt_set *fs = *state;
	char err[16];
	char big[600];

	assert_int_equal(filt_add(fs, "web:RX@10.0.0.0/33:80", err, sizeof(err)), -1);
	assert_string_equal(err, "filter \"web:...");
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char err2[512];
	assert_int_equal(filt_add(fs, big, err2, sizeof(err2)), -1);
	assert_null(strchr(err2, '\n'));
	/* a NULL buffer is allowed */
	assert_int_equal(filt_add(fs, "x", NULL, 0), -1);
	assert_int_equal(filt_count(fs), 2);
}

/* ---- matching --------------------------------------------------------- */

static void test_match_defaults(void **state)
{
	struct filt_set *fs = *state;
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);

	assert_int_equal(match4(fs, true, false, a, b, 80), BIT(FILT_RX));
	assert_int_equal(match4(fs, false, true, a, b, 80), BIT(FILT_TX));
	/* loopback: both ends local, counted in both directions */
	assert_int_equal(match4(fs, true, true, a, b, 80), BIT(FILT_RX) | BIT(FILT_TX));
	/* in no direction: nobody wants it */
	assert_int_equal(match4(fs, false, false, a, b, 80), 0);
}

/* RX looks at the client address, TX at the server address; both at the
 * server port. */
static void test_match_rx_tx_semantics(void **state)
{
	struct filt_set *fs = *state;
	uint32_t cli = IP(192, 168, 1, 10), srv = IP(10, 0, 0, 5);

	add_ok(fs, "rxc:RX@192.168.1.10:80");   /* 2 */
	add_ok(fs, "rxs:RX@10.0.0.5:80");       /* 3: server addr, never an RX match */
	add_ok(fs, "txs:TX@10.0.0.5:80");       /* 4 */
	add_ok(fs, "txc:TX@192.168.1.10:80");   /* 5: client addr, never a TX match */
	add_ok(fs, "cport:RX@%:40000");         /* 6: the client port never counts */

	assert_int_equal(match4(fs, true, false, cli, srv, 80), BIT(0) | BIT(2));
	assert_int_equal(match4(fs, false, true, cli, srv, 80), BIT(1) | BIT(4));
	assert_int_equal(match4(fs, true, true, cli, srv, 80),
	                 BIT(0) | BIT(1) | BIT(2) | BIT(4));
	assert_int_equal(match4(fs, true, true, cli, srv, 81), BIT(0) | BIT(1));
	assert_int_equal(match4(fs, false, false, cli, srv, 80), 0);
}

static void test_match_ports_and_addresses(void **state)
{
	struct filt_set *fs = *state;
	uint32_t s = IP(10, 9, 9, 9);

	add_ok(fs, "m:RX@192.168.0.1:80:443:8080,192.168.0.2:80,192.168.0.3:80:8080");
	assert_int_equal(match4(fs, true, false, IP(192, 168, 0, 1), s, 443), BIT(0) | BIT(2));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 0, 1), s, 8080), BIT(0) | BIT(2));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 0, 2), s, 80), BIT(0) | BIT(2));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 0, 2), s, 443), BIT(0));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 0, 3), s, 8080), BIT(0) | BIT(2));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 0, 3), s, 443), BIT(0));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 0, 4), s, 80), BIT(0));
	/* a TX handshake never hits an RX filter */
	assert_int_equal(match4(fs, false, true, IP(192, 168, 0, 1), s, 80), BIT(1));
}

static void test_match_wildcards(void **state)
{
	struct filt_set *fs = *state;

	add_ok(fs, "p:RX@%:80");                /* 2 */
	add_ok(fs, "s:RX@*:80");                /* 3 */
	add_ok(fs, "a:TX@10.0.0.1:%");          /* 4 */
	add_ok(fs, "b:TX@10.0.0.1:*");          /* 5 */
	add_ok(fs, "all:RX@%:*");               /* 6 */
	add_ok(fs, "mix:RX@10.1.1.1:22:%");     /* 7: a wildcard among ports */

	assert_int_equal(match4(fs, true, false, IP(8, 8, 8, 8), IP(1, 1, 1, 1), 80),
	                 BIT(0) | BIT(2) | BIT(3) | BIT(6));
	assert_int_equal(match4(fs, true, false, IP(8, 8, 8, 8), IP(1, 1, 1, 1), 81),
	                 BIT(0) | BIT(6));
	assert_int_equal(match4(fs, true, false, IP(10, 1, 1, 1), IP(1, 1, 1, 1), 9999),
	                 BIT(0) | BIT(6) | BIT(7));
	assert_int_equal(match4(fs, false, true, IP(8, 8, 8, 8), IP(10, 0, 0, 1), 12345),
	                 BIT(1) | BIT(4) | BIT(5));
	assert_int_equal(match4(fs, false, true, IP(8, 8, 8, 8), IP(10, 0, 0, 2), 12345),
	                 BIT(1));
}

static void test_match_cidr(void **state)
{
	struct filt_set *fs = *state;
	uint32_t s = IP(172, 16, 0, 1);

	add_ok(fs, "eight:RX@10.1.2.3/8:%");    /* 2: base masked to 10.0.0.0 */
	add_ok(fs, "zero:RX@1.2.3.4/0:443");    /* 3: every address */
	add_ok(fs, "host:RX@10.1.2.3/32:%");    /* 4: exactly one */
	add_ok(fs, "c24:RX@192.168.1.77/24:%"); /* 5 */
	add_ok(fs, "odd:RX@10.255.255.255/9:%");/* 6: 10.128.0.0/9 */

	assert_int_equal(match4(fs, true, false, IP(10, 200, 0, 1), s, 80),
	                 BIT(0) | BIT(2) | BIT(6));
	assert_int_equal(match4(fs, true, false, IP(10, 1, 2, 3), s, 80),
	                 BIT(0) | BIT(2) | BIT(4));
	assert_int_equal(match4(fs, true, false, IP(10, 1, 2, 4), s, 443),
	                 BIT(0) | BIT(2) | BIT(3));
	assert_int_equal(match4(fs, true, false, IP(11, 0, 0, 0), s, 80), BIT(0));
	assert_int_equal(match4(fs, true, false, IP(9, 255, 255, 255), s, 80), BIT(0));
	assert_int_equal(match4(fs, true, false, IP(255, 255, 255, 255), s, 443),
	                 BIT(0) | BIT(3));
	assert_int_equal(match4(fs, true, false, IP(0, 0, 0, 0), s, 443), BIT(0) | BIT(3));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 1, 0), s, 1), BIT(0) | BIT(5));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 1, 255), s, 1), BIT(0) | BIT(5));
	assert_int_equal(match4(fs, true, false, IP(192, 168, 2, 0), s, 1), BIT(0));
	assert_int_equal(match4(fs, true, false, IP(10, 127, 255, 255), s, 1),
	                 BIT(0) | BIT(2));
}

/* An exclusion drops the handshake from every filter, RX and TX included,
 * whether it comes before or after the named filters. */
static void test_match_exclusion_order(void **state)
{
	struct filt_set *fs = *state;
	struct filt_set *fs2 = filt_new();
	uint32_t c = IP(192, 168, 1, 5), s = IP(10, 0, 0, 1);

	add_ok(fs, ":RX@*:22");
	add_ok(fs, "all:RX@%:%");
	add_ok(fs2, "all:RX@%:%");
	add_ok(fs2, ":RX@*:22");
	for (int k = 0; k < 2; k++) {
		struct filt_set *f = k == 0 ? fs : fs2;
		assert_int_equal(filt_count(f), 3);
		assert_int_equal(match4(f, true, false, c, s, 22), 0);
		assert_int_equal(match4(f, true, false, c, s, 80), BIT(0) | BIT(2));
		/* an RX exclusion leaves TX handshakes alone */
		assert_int_equal(match4(f, false, true, c, s, 22), BIT(1));
		/* loopback: the RX side matches the exclusion, so nothing counts */
		assert_int_equal(match4(f, true, true, c, s, 22), 0);
	}
	filt_free(fs2);
}

static void test_match_exclusion_addr(void **state)
{
	struct filt_set *fs = *state;

	add_ok(fs, ":TX@10.0.0.0/8:%,192.168.0.1:53");
	add_ok(fs, "out:TX@%:%");
	assert_int_equal(match4(fs, false, true, IP(1, 1, 1, 1), IP(10, 2, 3, 4), 443), 0);
	assert_int_equal(match4(fs, false, true, IP(1, 1, 1, 1), IP(192, 168, 0, 1), 53), 0);
	assert_int_equal(match4(fs, false, true, IP(1, 1, 1, 1), IP(192, 168, 0, 1), 443),
	                 BIT(1) | BIT(2));
	/* the initiator's address does not matter to a TX exclusion */
	assert_int_equal(match4(fs, false, true, IP(10, 2, 3, 4), IP(8, 8, 8, 8), 443),
	                 BIT(1) | BIT(2));
}

/* ---- IPv6: the bracketed forms ----------------------------------------- */

static void test_ipv6_forms(void **state)
{
	struct filt_set *fs = *state;

	add_ok(fs, "web:RX@[2001:db8::/32]:80:443");        /* 2 */
	add_ok(fs, "ll:TX@[fe80::/10]:%");                  /* 3 */
	add_ok(fs, "one:RX@[::1]:80");                      /* 4 */
	add_ok(fs, "mix:RX@10.0.0.0/8:22,[2001:db8:1::5]:22"); /* 5 */
	add_ok(fs, "all:RX@%:8080");                        /* 6: either family */
	add_ok(fs, "wide:RX@[::/0]:9");                     /* 7: every IPv6 address */
	add_ok(fs, "mapped:RX@[::ffff:10.0.0.1]:25");       /* 8: IPv6, dotted tail */
	assert_int_equal(filt_count(fs), 9);

	assert_int_equal(match(fs, true, false, "2001:db8:ffff::1", "2001:db8::80", 443),
	                 BIT(0) | BIT(2));
	assert_int_equal(match(fs, true, false, "2001:db9::1", "2001:db8::80", 443), BIT(0));
	assert_int_equal(match(fs, false, true, "2001:db8::1", "fe80::1", 12345), BIT(1) | BIT(3));
	assert_int_equal(match(fs, false, true, "2001:db8::1", "fec0::1", 12345), BIT(1));
	assert_int_equal(match(fs, true, false, "::1", "::1", 80), BIT(0) | BIT(4));
	assert_int_equal(match(fs, true, false, "::2", "::1", 80), BIT(0));
	assert_int_equal(match(fs, true, false, "2001:db8:1::5", "::1", 22), BIT(0) | BIT(5));
	assert_int_equal(match(fs, true, false, "10.1.2.3", "10.0.0.1", 22), BIT(0) | BIT(5));
	/* '%' matches both families */
	assert_int_equal(match(fs, true, false, "192.0.2.1", "10.0.0.1", 8080), BIT(0) | BIT(6));
	assert_int_equal(match(fs, true, false, "3fff::1", "::1", 8080), BIT(0) | BIT(6));
	/* families never match each other: ::/0 is no IPv4 wildcard, and an
	 * IPv4-mapped prefix no IPv4 address */
	assert_int_equal(match(fs, true, false, "192.0.2.1", "10.0.0.1", 9), BIT(0));
	assert_int_equal(match(fs, true, false, "3fff::1", "::1", 9), BIT(0) | BIT(7));
	assert_int_equal(match(fs, true, false, "10.0.0.1", "10.0.0.2", 25), BIT(0));
	assert_int_equal(match(fs, true, false, "::ffff:10.0.0.1", "::1", 25), BIT(0) | BIT(8));
}

static void test_ipv4_prefix_not_ipv6(void **state)
{
	struct filt_set *fs = *state;

	add_ok(fs, "v4all:RX@0.0.0.0/0:80");
	add_ok(fs, ":RX@0.0.0.0/0:22");       /* exclusion, IPv4 only */
	assert_int_equal(match(fs, true, false, "192.0.2.1", "10.0.0.1", 80), BIT(0) | BIT(2));
	assert_int_equal(match(fs, true, false, "2001:db8::1", "::1", 80), BIT(0));
	assert_int_equal(match(fs, true, false, "192.0.2.1", "10.0.0.1", 22), 0);
	assert_int_equal(match(fs, true, false, "2001:db8::1", "::1", 22), BIT(0));
}

static void test_ipv6_exclusion(void **state)
{
	struct filt_set *fs = *state;

	add_ok(fs, ":TX@[fe80::/10]:%");
	assert_int_equal(match(fs, false, true, "2001:db8::1", "fe80::9", 80), 0);
	assert_int_equal(match(fs, false, true, "2001:db8::1", "2001:db8::9", 80), BIT(1));
	assert_int_equal(match(fs, false, true, "10.0.0.1", "10.0.0.2", 80), BIT(1));
}

static void test_ipv6_errors(void **state)
{
	(void)state;
	add_bad("web:RX@2001:db8::1:80",
	        "filter \"web:RX@2001:db8::1:80\": element \"2001:db8::1:80\" looks like a bare "
	        "IPv6 address: write it in brackets, [ADDR]:PORT or [ADDR/LEN]:PORT");
	add_bad("web:RX@::1:80",
	        "filter \"web:RX@::1:80\": element \"::1:80\" looks like a bare IPv6 address: "
	        "write it in brackets, [ADDR]:PORT or [ADDR/LEN]:PORT");
	add_bad("web:RX@fe80::/10:80",
	        "filter \"web:RX@fe80::/10:80\": element \"fe80::/10:80\" looks like a bare IPv6 "
	        "address: write it in brackets, [ADDR]:PORT or [ADDR/LEN]:PORT");
	add_bad("web:RX@[2001:db8::1:80",
	        "filter \"web:RX@[2001:db8::1:80\": address \"[2001:db8::1:80\" has no closing ']'");
	add_bad("web:RX@[2001:db8::]/32:80",
	        "filter \"web:RX@[2001:db8::]/32:80\": address \"[2001:db8::]/32\" has its prefix "
	        "length outside the brackets (write [ADDR/LEN])");
	add_bad("web:RX@[2001:db8::/129]:80",
	        "filter \"web:RX@[2001:db8::/129]:80\": prefix length \"129\" is not 0-128");
	add_bad("web:RX@[2001:db8::/0128]:80",
	        "filter \"web:RX@[2001:db8::/0128]:80\": prefix length \"0128\" is not 0-128");
	add_bad("web:RX@[2001:db8::/]:80",
	        "filter \"web:RX@[2001:db8::/]:80\": prefix length \"\" is not 0-128");
	add_bad("web:RX@[10.0.0.1]:80",
	        "filter \"web:RX@[10.0.0.1]:80\": address \"[10.0.0.1]\" is not an IPv6 address or "
	        "prefix (brackets hold IPv6 only)");
	add_bad("web:RX@[]:80",
	        "filter \"web:RX@[]:80\": address \"[]\" is not an IPv6 address or prefix (brackets "
	        "hold IPv6 only)");
	add_bad("web:RX@[2001:db8::zz]:80",
	        "filter \"web:RX@[2001:db8::zz]:80\": address \"[2001:db8::zz]\" is not an IPv6 "
	        "address or prefix (brackets hold IPv6 only)");
	add_bad("web:RX@[fe80::1%eth0]:80",
	        "filter \"web:RX@[fe80::1%eth0]:80\": address \"[fe80::1%eth0]\" is not an IPv6 "
	        "address or prefix (brackets hold IPv6 only)");
	add_bad("web:RX@[::1]",
	        "filter \"web:RX@[::1]\": element \"[::1]\" has no port (addr:port)");
	add_bad("web:RX@[::1]x:80",
	        "filter \"web:RX@[::1]x:80\": address \"[::1]x\" has text after its closing ']'");
	add_bad("web:RX@[::1]:",
	        "filter \"web:RX@[::1]:\": element \"[::1]:\" has an empty port");
	add_bad("web:RX@[::1]:70000",
	        "filter \"web:RX@[::1]:70000\": port \"70000\" is not 0-65535 (0: any port)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ipv6_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_prefix_not_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_exclusion, setup, teardown),
		cmocka_unit_test(test_ipv6_errors),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_in_order, setup, teardown),
		cmocka_unit_test(test_bad_prefix),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test_setup_teardown(test_port_bounds_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_zero_wildcard, setup, teardown),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_cut_marked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_small_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_rx_tx_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_ports_and_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_wildcards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_cidr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_exclusion_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_exclusion_addr, setup, teardown),
	};
	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
