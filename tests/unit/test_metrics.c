/*
 * tcpeek's /metrics endpoint: the pure parts (--metrics-listen parsing,
 * routing, the text built from an answer function), then the server on a
 * real loopback socket, driven by the test through metrics_run: status
 * codes and headers, the body equal to what tcpeekstat -p formats, one
 * document per run however many requests, and the connection bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peek/metrics.h"
#include "peek/opts.h"
#include "stat/tstat_doc.h"
#include "stat/tstat_fmt.h"
#include "sys/log.h"

/* ---- --metrics-listen ------------------------------------------------- */

static void good_listen(const char *in, const char *canon, int family)
{
	struct metrics_addr a;
	char err[METRICS_ERRLEN] = "";

	assert_int_equal(metrics_parse_listen(in, &a, err, sizeof(err)), 0);
	assert_string_equal(a.text, canon);
	assert_int_equal(a.ss.ss_family, family);
	assert_int_equal(a.len, family == AF_INET ? sizeof(struct sockaddr_in)
	                                          : sizeof(struct sockaddr_in6));
}

static void bad_listen(const char *in, const char *why)
{
	struct metrics_addr a;
	char err[METRICS_ERRLEN] = "";

	assert_int_equal(metrics_parse_listen(in, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--metrics-listen"));
	if (strstr(err, why) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", in, err, why);
	assert_null(strchr(err, '\n'));
}

static void test_parse_listen(void **state)
{
	struct metrics_addr a;
	char err[METRICS_ERRLEN];

	(void)state;
	good_listen("127.0.0.1:9740", "127.0.0.1:9740", AF_INET);
	good_listen("0.0.0.0:1", "0.0.0.0:1", AF_INET);
	good_listen("10.1.2.3:65535", "10.1.2.3:65535", AF_INET);
	good_listen("127.0.0.1:09740", "127.0.0.1:9740", AF_INET);
	good_listen("[::1]:9740", "[::1]:9740", AF_INET6);
	good_listen("[::]:80", "[::]:80", AF_INET6);
	good_listen("[2001:DB8::0:1]:443", "[2001:db8::1]:443", AF_INET6);
	assert_int_equal(metrics_parse_listen("192.0.2.1:8080", &a, err, sizeof(err)), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a.ss)->sin_port), 8080);
	assert_int_equal(ntohl(((struct sockaddr_in *)&a.ss)->sin_addr.s_addr), 0xc0000201u);

	bad_listen("", "''");
	bad_listen("127.0.0.1", "expected A.B.C.D:PORT or [IPv6]:PORT");
	bad_listen("127.0.0.1:", "PORT must be a number from 1 to 65535");
	bad_listen("127.0.0.1:0", "PORT must be a number from 1 to 65535");
	bad_listen("127.0.0.1:65536", "PORT must be a number from 1 to 65535");
	bad_listen("127.0.0.1:99999999999999999999", "PORT must be");
	bad_listen("127.0.0.1:+80", "PORT must be");
	bad_listen("127.0.0.1:80 ", "PORT must be");
	bad_listen("127.0.0.1:-1", "PORT must be");
	bad_listen(":9740", "no address before the port");
	bad_listen("localhost:9740", "names are not resolved");
	bad_listen("1.2.3:80", "not a numeric IPv4 address");
	bad_listen("256.1.1.1:80", "not a numeric IPv4 address");
	bad_listen("::1:9740", "an IPv6 address goes in brackets");
	bad_listen("[::1]", "no ':PORT' after ']'");
	bad_listen("[::1]9740", "no ':PORT' after ']'");
	bad_listen("[::1:9740", "no ']'");
	bad_listen("[]:80", "no address before the port");
	bad_listen("[1.2.3.4]:80", "not a numeric IPv6 address");
	bad_listen("[fe80::1%eth0]:80", "not a numeric IPv6 address");
	bad_listen("[::1]:80:81", "PORT must be");
	/* IPv6 through common/parse.h: the forms Prometheus configurations
	 * use, the sockaddr they bind, and bare or odd IPv6 refused */
	good_listen("[::1]:9100", "[::1]:9100", AF_INET6);
	good_listen("[::]:9100", "[::]:9100", AF_INET6);
	good_listen("[0:0:0:0:0:0:0:1]:9100", "[::1]:9100", AF_INET6);
	good_listen("[::ffff:192.0.2.1]:9100", "[::ffff:192.0.2.1]:9100", AF_INET6);
	assert_int_equal(metrics_parse_listen("[2001:db8::9]:9100", &a, err, sizeof(err)), 0);
	{
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a.ss;
		static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

		assert_int_equal(ntohs(s6->sin6_port), 9100);
		assert_memory_equal(s6->sin6_addr.s6_addr, want, 16);
		assert_int_equal(s6->sin6_scope_id, 0);
	}
	bad_listen("::1:9100", "an IPv6 address goes in brackets: [ADDR]:PORT");
	bad_listen("::9100", "an IPv6 address goes in brackets");
	bad_listen("2001:db8::1:9100", "an IPv6 address goes in brackets");
	bad_listen("[::1]:0", "PORT must be a number from 1 to 65535");
	bad_listen("[::1x]:9100", "not a numeric IPv6 address");
	bad_listen("[:::1]:9100", "not a numeric IPv6 address");
	bad_listen("[10.0.0.1]:9100", "not a numeric IPv6 address");
	bad_listen("[ ::1]:9100", "not a numeric IPv6 address");
	/* control bytes are shown escaped, the message stays one line */
	bad_listen("a\nb:80", "a\\x0ab:80");
}

/* The option reaches the configuration; its errors are usage errors. */
static void test_option(void **state)
{
	struct peek_opts o;
	char err[OPTS_ERRLEN];
	char a0[] = "tcpeek", a1[] = "--metrics-listen=[::1]:9740", a2[] = "-q";
	char b1[] = "--metrics-listen", b2[] = "127.0.0.1:80", b3[] = "web:RX@%:80";
	char c1[] = "--metrics-listen=127.0.0.1:0";
	char d1[] = "--metrics-listen";
	char *argv_a[] = { a0, a1, a2, NULL };
	char *argv_b[] = { a0, b1, b2, b3, NULL };
	char *argv_c[] = { a0, c1, NULL };
	char *argv_d[] = { a0, d1, NULL };
	char *argv_e[] = { a0, a2, NULL };

	(void)state;
	assert_int_equal(opts_parse(3, argv_a, &o, err, sizeof(err)), OPTS_RUN);
	assert_true(o.metrics_given);
	assert_string_equal(o.metrics_listen.text, "[::1]:9740");
	assert_int_equal(opts_parse(4, argv_b, &o, err, sizeof(err)), OPTS_RUN);
	assert_true(o.metrics_given);
	assert_string_equal(o.metrics_listen.text, "127.0.0.1:80");
	assert_int_equal(o.nfilters, 1);
	assert_int_equal(opts_parse(2, argv_c, &o, err, sizeof(err)), OPTS_ERROR);
	assert_string_equal(err, "invalid --metrics-listen value '127.0.0.1:0': "
	                         "PORT must be a number from 1 to 65535");
	assert_int_equal(opts_parse(2, argv_d, &o, err, sizeof(err)), OPTS_ERROR);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(opts_parse(2, argv_e, &o, err, sizeof(err)), OPTS_RUN);
	assert_false(o.metrics_given);
	assert_non_null(strstr(opts_help(), "--metrics-listen=ADDR:PORT"));
}

static void test_route(void **state)
{
	(void)state;
	assert_int_equal(metrics_route("GET", "/metrics"), 200);
	assert_int_equal(metrics_route("HEAD", "/metrics"), 200);
	assert_int_equal(metrics_route("POST", "/metrics"), 405);
	assert_int_equal(metrics_route("PUT", "/metrics"), 405);
	assert_int_equal(metrics_route("get", "/metrics"), 405);
	assert_int_equal(metrics_route("OPTIONS", "/metrics"), 405);
	assert_int_equal(metrics_route("GET", "/"), 404);
	assert_int_equal(metrics_route("GET", "/metrics/"), 404);
	assert_int_equal(metrics_route("GET", "/metricsx"), 404);
	assert_int_equal(metrics_route("GET", "/Metrics"), 404);
	assert_int_equal(metrics_route("POST", "/nothing"), 404);
	assert_int_equal(metrics_route("GET", ""), 404);
	assert_int_equal(metrics_route("GET", NULL), 404);
	assert_int_equal(metrics_route(NULL, "/metrics"), 405);
}

/* ---- the text ---------------------------------------------------------- */

static const char doc_text[] =
	"[{\"RX\":{\"success\":{\"total\":3,\"dupsyn\":1,\"dupsynack\":0},"
	"\"failure\":{\"total\":2,\"timeout\":1,\"reject\":1,\"unreach\":0,"
	"\"dupsyn\":0,\"dupsynack\":0}}},"
	"{\"TX\":{\"success\":{\"total\":0,\"dupsyn\":0,\"dupsynack\":0}}},"
	"{\"web\\\"x\":{\"success\":{\"total\":5,\"dupsyn\":0,\"dupsynack\":0}}},"
	"{\"pcap\":{\"stats\":{\"recv\":42,\"drop\":0,\"ifdrop\":0}}}]";

struct fake {
	int calls;
	int get, refresh;
	const char *text;       /* NULL: answer NULL (out of memory) */
};

static char *answer(void *arg, enum ctl_method m)
{
	struct fake *f = arg;

	f->calls++;
	if (m == CTL_GET)
		f->get++;
	else
		f->refresh++;
	return f->text ? strdup(f->text) : NULL;
}

/* What tcpeekstat -p prints for text (NUL-terminated here). */
static char *tcpeekstat_p(const char *text, size_t *len)
{
	struct tstat_doc doc;
	char err[256];
	char *out;

	assert_int_equal(tstat_parse(text, strlen(text), &doc, err, sizeof(err)), 0);
	assert_int_equal(tstat_render(TSTAT_VIEW_PROM, &doc, TSTAT_MAX_OUTPUT, &out, len), 0);
	tstat_doc_free(&doc);
	out = realloc(out, *len + 1);
	assert_non_null(out);
	out[*len] = '\0';
	return out;
}

static void test_render(void **state)
{
	struct fake f = { .text = doc_text };
	char err[METRICS_ERRLEN] = "";
	size_t len, wlen;
	char *out, *want;

	(void)state;
	assert_int_equal(metrics_render(answer, &f, &out, &len, err, sizeof(err)), 0);
	assert_int_equal(f.get, 1);
	assert_int_equal(f.refresh, 0);         /* a scrape resets nothing */
	want = tcpeekstat_p(doc_text, &wlen);
	assert_int_equal(len, wlen);
	assert_memory_equal(out, want, len);
	/* and it is the exposition, not the JSON */
	assert_non_null(memmem(out, len, "tcpeek_success_total{filter=\"RX\"} 3\n", 36));
	assert_non_null(memmem(out, len, "{filter=\"web\\\"x\"} 5\n", 20));
	free(out);
	free(want);

	f.text = NULL;
	assert_int_equal(metrics_render(answer, &f, &out, &len, err, sizeof(err)), -1);
	assert_null(out);
	assert_non_null(strstr(err, "out of memory"));

	f.text = "{\"not\":\"an array\"}";
	assert_int_equal(metrics_render(answer, &f, &out, &len, err, sizeof(err)), -1);
	assert_null(out);
	assert_non_null(strstr(err, "the document: "));
}

/* ---- the server -------------------------------------------------------- */

struct srv {
	struct metrics *m;
	struct fake f;
	uint16_t port;
};

/* A free loopback port, as the kernel hands them out. */
static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int srv_setup(void **state)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct metrics_addr a;
	char spec[32], err[METRICS_ERRLEN];

	if (s == NULL)
		return -1;
	s->f.text = doc_text;
	for (int tries = 0; tries < 20 && s->m == NULL; tries++) {
		s->port = free_port();
		snprintf(spec, sizeof(spec), "127.0.0.1:%u", (unsigned)s->port);
		if (metrics_parse_listen(spec, &a, err, sizeof(err)) != 0)
			return -1;
		s->m = metrics_open(&a, answer, &s->f);
	}
	*state = s;
	return s->m ? 0 : -1;
}

static int srv_teardown(void **state)
{
	struct srv *s = *state;

	metrics_close(s->m);
	free(s);
	return 0;
}

/* A client from source address src (127.0.0.1 when NULL). */
static int cli_connect_from(const struct srv *s, const char *src)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	if (src) {
		struct sockaddr_in b = { .sin_family = AF_INET };

		inet_pton(AF_INET, src, &b.sin_addr);
		assert_int_equal(bind(fd, (struct sockaddr *)&b, sizeof(b)), 0);
	}
	sa.sin_port = htons(s->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* the backlog takes it even before the server accepts */
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int cli_connect(const struct srv *s)
{
	return cli_connect_from(s, NULL);
}

static void cli_send(int fd, const char *req)
{
	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
}

/* Run the server until fd has a whole answer (Content-Length known) or
 * EOF; the answer is NUL-terminated in buf (*eof: the server closed). */
static size_t cli_answer(struct srv *s, int fd, char *buf, size_t cap, int *eof)
{
	size_t n = 0;

	*eof = 0;
	for (int spins = 0; spins < 2000; spins++) {
		const char *hdr_end, *cl;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		metrics_run(s->m);
		if (poll(&p, 1, 1) <= 0)
			continue;
		r = recv(fd, buf + n, cap - 1 - n, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			*eof = 1;
			break;
		}
		if (r > 0)
			n += (size_t)r;
		buf[n] = '\0';
		hdr_end = strstr(buf, "\r\n\r\n");
		cl = strcasestr(buf, "\r\nContent-Length: ");
		if (hdr_end && cl && cl < hdr_end &&
		    n >= (size_t)(hdr_end + 4 - buf) + strtoul(cl + 18, NULL, 10))
			break;
		if (n == cap - 1)
			break;
	}
	buf[n] = '\0';
	return n;
}

static const char *body_of(const char *ans)
{
	const char *b = strstr(ans, "\r\n\r\n");

	return b ? b + 4 : "";
}

static void test_server_answers(void **state)
{
	struct srv *s = *state;
	static char buf[1 << 17];
	size_t wlen;
	char *want;
	int fd, eof;

	want = tcpeekstat_p(doc_text, &wlen);

	fd = cli_connect(s);
	cli_send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	cli_answer(s, fd, buf, sizeof(buf), &eof);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	assert_non_null(strcasestr(buf, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_string_equal(body_of(buf), want);
	/* kept alive: a second scrape on the same connection */
	cli_send(fd, "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	cli_answer(s, fd, buf, sizeof(buf), &eof);
	assert_false(eof);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	assert_string_equal(body_of(buf), want);
	close(fd);

	fd = cli_connect(s);
	cli_send(fd, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	cli_answer(s, fd, buf, sizeof(buf), &eof);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	assert_string_equal(body_of(buf), "");
	close(fd);

	fd = cli_connect(s);
	cli_send(fd, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
	cli_answer(s, fd, buf, sizeof(buf), &eof);
	assert_true(strncmp(buf, "HTTP/1.1 404 ", 13) == 0);
	close(fd);

	fd = cli_connect(s);
	cli_send(fd, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
	cli_answer(s, fd, buf, sizeof(buf), &eof);
	assert_true(strncmp(buf, "HTTP/1.1 405 ", 13) == 0);
	assert_non_null(strcasestr(buf, "\r\nAllow: GET, HEAD\r\n"));
	close(fd);

	/* the document failed: 500, and the server goes on */
	s->f.text = NULL;
	fd = cli_connect(s);
	cli_send(fd, "GET /metrics HTTP/1.0\r\n\r\n");
	cli_answer(s, fd, buf, sizeof(buf), &eof);
	assert_true(strncmp(buf, "HTTP/1.0 500 ", 13) == 0 || strncmp(buf, "HTTP/1.1 500 ", 13) == 0);
	close(fd);
	s->f.text = doc_text;
	fd = cli_connect(s);
	cli_send(fd, "GET /metrics HTTP/1.0\r\n\r\n");
	cli_answer(s, fd, buf, sizeof(buf), &eof);
	assert_string_equal(body_of(buf), want);
	close(fd);
	/* no REFRESH ever went out */
	assert_int_equal(s->f.refresh, 0);
	free(want);
}

/* Headers beyond METRICS_CONN_MEMORY: refused, not buffered. */
static void test_server_big_request(void **state)
{
	struct srv *s = *state;
	static char buf[1 << 16];
	size_t hl = METRICS_CONN_MEMORY + 1024;
	char *req = malloc(hl + 64);
	int fd, eof;

	snprintf(req, hl + 64, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(req + strlen(req), 'a', hl);
	req[strlen("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ") + hl] = '\0';
	strcat(req, "\r\n\r\n");
	fd = cli_connect(s);
	/* the server may stop reading: send what it takes */
	(void)send(fd, req, strlen(req), MSG_NOSIGNAL | MSG_DONTWAIT);
	cli_answer(s, fd, buf, sizeof(buf), &eof);
	if (strncmp(buf, "HTTP/1.1 431 ", 13) != 0)
		fail_msg("oversized request answered '%.40s'", buf);
	assert_int_equal(s->f.calls, 0);
	close(fd);
	free(req);
}

/* Many scrapes in one turn: one document. */
static void test_server_one_doc_per_run(void **state)
{
	struct srv *s = *state;
	enum { N = 6 };
	static char buf[1 << 17];
	int fd[N], eof, runs = 0;

	for (int i = 0; i < N; i++)
		fd[i] = cli_connect(s);
	/* accept them all (no request yet: no document) */
	for (int i = 0; i < 20; i++, runs++)
		metrics_run(s->m);
	assert_int_equal(s->f.calls, 0);
	for (int i = 0; i < N; i++)
		cli_send(fd[i], "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	usleep(20000);          /* loopback delivery is immediate; margin */
	metrics_run(s->m);
	assert_int_equal(s->f.calls, 1);
	for (int i = 0; i < N; i++) {
		cli_answer(s, fd[i], buf, sizeof(buf), &eof);
		assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
		close(fd[i]);
	}
	assert_int_equal(s->f.calls, 1);
	(void)runs;
}

/* Connection bounds: beyond METRICS_MAX_PER_IP from one address a
 * newcomer is closed at once; beyond METRICS_MAX_CONN in all, newcomers
 * wait in the listen backlog until a connection ends.  An open connection
 * sets the idle timeout. */
static void test_server_limits(void **state)
{
	struct srv *s = *state;
	enum { EXTRA = 2 };
	int fd[METRICS_MAX_CONN + 1 + EXTRA];
	int n = 0, closed = 0, t, eof;
	char src[16];
	static char buf[1 << 17];

	assert_int_equal(metrics_next_timeout(s->m), -1);
	/* one more than the bound from 127.0.0.1 */
	for (int i = 0; i < METRICS_MAX_PER_IP + 1; i++)
		fd[n++] = cli_connect(s);
	for (int i = 0; i < 20; i++)
		metrics_run(s->m);
	/* then from 127.0.0.2 and .3 up to the total bound, and EXTRA more */
	while (n < METRICS_MAX_CONN + 1 + EXTRA) {
		snprintf(src, sizeof(src), "127.0.0.%d", 2 + n % 2);
		fd[n] = cli_connect_from(s, src);
		n++;
		for (int i = 0; i < 5; i++)
			metrics_run(s->m);
	}
	usleep(20000);
	for (int i = 0; i < 20; i++)
		metrics_run(s->m);
	for (int i = 0; i < n; i++) {
		char c;
		ssize_t r = recv(fd[i], &c, 1, MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno == ECONNRESET)) {
			closed++;
			assert_int_equal(i, METRICS_MAX_PER_IP);
		}
	}
	assert_int_equal(closed, 1);
	t = metrics_next_timeout(s->m);
	assert_true(t > (METRICS_TIMEOUT_S - 2) * 1000 && t <= METRICS_TIMEOUT_S * 1000);
	/* the last one waits: not served while the others hold their slots */
	cli_send(fd[n - 1], "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	for (int i = 0; i < 50; i++)
		metrics_run(s->m);
	assert_int_equal(s->f.calls, 0);
	/* the first client still gets its scrape */
	cli_send(fd[0], "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	cli_answer(s, fd[0], buf, sizeof(buf), &eof);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	/* slots freed: the waiting ones are accepted and served */
	close(fd[1]);
	close(fd[2]);
	cli_answer(s, fd[n - 1], buf, sizeof(buf), &eof);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	for (int i = 0; i < n; i++)
		if (i != 1 && i != 2)
			close(fd[i]);
}

static void test_open_errors(void **state)
{
	struct srv *s = *state;
	struct metrics_addr a;
	char spec[32], err[METRICS_ERRLEN];
	struct fake f = { .text = doc_text };

	/* the same port again: in use */
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", (unsigned)s->port);
	assert_int_equal(metrics_parse_listen(spec, &a, err, sizeof(err)), 0);
	assert_null(metrics_open(&a, answer, &f));
	/* not an address of this host */
	assert_int_equal(metrics_parse_listen("192.0.2.77:9740", &a, err, sizeof(err)), 0);
	assert_null(metrics_open(&a, answer, &f));
	metrics_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_option),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_render),
		cmocka_unit_test_setup_teardown(test_server_answers, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_server_big_request, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_server_one_doc_per_run, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_server_limits, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, srv_setup, srv_teardown),
	};

	log_init("test_metrics", LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
