/* tcpeek option parsing: see opts.h. */
#include "peek/opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "peek/sesstab.h"
#include "common/text.h"
#include "sys/capture.h"

/* The help text and the messages below spell these limits out. */
_Static_assert(CAP_BUFFER_MB_MAX == 2048, "-B's maximum is written as 2048");
_Static_assert(SESS_MAX_CAP == 1073741824u, "--max-sessions' maximum is written out");

/* Room for a value quoted in a message (escaped, cut with "..."). */
#define OPTS_QUOTE 96

enum {
	OPT_PROMISC = 256,
	OPT_ICMP,
	OPT_MAX_SESSIONS,
	OPT_METRICS_LISTEN,
	OPT_EVENTS,
	OPT_TRACK_ESTABLISHED,
	OPT_MAX_CONNECTIONS,
	OPT_IDLE_TIMEOUT,
};

static const char short_opts[] = ":u:i:U:c:t:B:l:qhvr:L:js:";

static const struct option long_opts[] = {
	{ "user", required_argument, NULL, 'u' },
	{ "interface", required_argument, NULL, 'i' },
	{ "socket", required_argument, NULL, 'U' },
	{ "checksum", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ "buffer", required_argument, NULL, 'B' },
	{ "loglevel", required_argument, NULL, 'l' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "promisc", no_argument, NULL, OPT_PROMISC },
	{ "icmp", no_argument, NULL, OPT_ICMP },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ "read", required_argument, NULL, 'r' },
	{ "local", required_argument, NULL, 'L' },
	{ "json", no_argument, NULL, 'j' },
	{ "snaplen", required_argument, NULL, 's' },
	{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "track-established", no_argument, NULL, OPT_TRACK_ESTABLISHED },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

static const char help_text[] =
"usage: tcpeek [option]... [expression]...\n"
"Follow every TCP handshake seen on an interface or in a capture file,\n"
"report how each one ended and keep per-filter counters, served as JSON\n"
"on a UNIX socket (read them with tcpeekstat).\n"
"\n"
"options:\n"
"  -i, --interface=DEV    capture on DEV (\"any\": every interface; default:\n"
"                         the first one up, not loopback, with an IPv4 address,\n"
"                         else with a global IPv6 address)\n"
"  -r, --read=FILE        read a pcap or pcapng file instead (\"-\": stdin);\n"
"                         time is taken from the packets\n"
"  -L, --local=CIDR       addresses that count as local (A.B.C.D[/LEN] or\n"
"                         IPV6[/LEN]), repeatable; live captures add every\n"
"                         address of the host, IPv4 and IPv6.\n"
"                         With none known, every server counts as local\n"
"  -u, --user=USER        once the capture and socket are open, run as USER\n"
"  -U, --socket=PATH      stats socket (default " OPTS_DEFAULT_SOCKET ");\n"
"                         with -r, a socket is served only if -U is given\n"
"  -c, --checksum=0|1|2   verify checksums: 0 none, 1 IPv4 header, 2 IPv4\n"
"                         header and TCP (default 0); failures are malformed\n"
"  -t, --timeout=SEC      a handshake not finished SEC seconds after its\n"
"                         last SYN is a timeout, 1..86400 (default 60)\n"
"  -B, --buffer=MB        libpcap buffer size in MiB, 1..2048 (default 2)\n"
"  -s, --snaplen=N        bytes captured per packet, 64..262144 (default\n"
"                         65535); longer packets are still followed\n"
"      --max-sessions=N   handshakes followed at once, 1..1073741824; beyond,\n"
"                         new SYNs are counted as untracked (default: as many\n"
"                         as fit in 128 MiB of table)\n"
"  -l, --loglevel=LEVEL   emerg alert crit err warning notice info debug,\n"
"                         or 0..7 (default notice)\n"
"  -q, --quiet            no header and no line per handshake on stderr\n"
"  -j, --json             print the stats document (as GET) on stdout at exit\n"
"      --events=FILE      append one JSON object per line to FILE (\"-\":\n"
"                         stdout) for every finished handshake and ended\n"
"                         connection; never blocks a live capture (lines the\n"
"                         reader does not take are counted as dropped)\n"
"      --track-established\n"
"                         follow each successful handshake until the\n"
"                         connection ends: fin, reset, keepalive, half-open\n"
"                         or idle, counted per filter\n"
"      --max-connections=N  connections followed at once, 1..1073741824;\n"
"                         beyond, counted as overflow (default: as many as\n"
"                         fit in 128 MiB)\n"
"      --idle-timeout=SEC a connection silent this long ends as idle,\n"
"                         1..604800 (default 7800)\n"
"      --metrics-listen=ADDR:PORT\n"
"                         also serve the counters over HTTP at /metrics, in\n"
"                         the Prometheus text format of tcpeekstat -p; ADDR\n"
"                         is A.B.C.D or [IPv6] (e.g. 127.0.0.1:9740)\n"
"      --promisc          put the interface in promiscuous mode\n"
"      --icmp             an ICMP unreachable quoting a SYN ends its\n"
"                         handshake as a failure (unreach)\n"
"  -h, --help             print this help and exit\n"
"  -v, --version          print the version and exit\n"
"\n"
"expression: [NAME]:RX|TX@ADDR[/LEN]:PORT[:PORT...][,ADDR[/LEN]:PORT...]\n"
"  RX matches handshakes to a local server (ADDR is the client), TX those\n"
"  from a local client (ADDR is the server); PORT is the server's port.\n"
"  ADDR is A.B.C.D, or an IPv6 address in brackets with any LEN inside\n"
"  ([2001:db8::/32]:80).  '%' and '*' match any address (either family)\n"
"  or port, port 0 any port.  Without NAME\n"
"  the expression"
" excludes what it matches from every filter.  The filters RX\n"
"  (RX@*:*) and TX (TX@*:*) always exist.\n"
"examples:\n"
"  tcpeek -i eth0 web:RX@%:80:443\n"
"  tcpeek -i eth0 lan:TX@192.168.0.0/24:% v6web:RX@[2001:db8::/32]:443\n"
"  tcpeek -i eth0 web:RX@%:80:443 :RX@10.0.0.9:%    (ignore a health checker)\n"
"  tcpeek -r dump.pcap -L 10.0.0.0/8 -q -j\n"
"\n"
"Links: Ethernet (802.1Q/802.1ad tags), Linux cooked (-i any), raw IP,\n"
"BSD loopback (NULL, LOOP).  -s, -B and --promisc do nothing with -r.\n"
"IPv4 and IPv6 handshakes are followed alike; other frames count as\n"
"packets and are never followed.\n"
"On SIGINT, SIGTERM or SIGHUP (or at the end of a file) tcpeek prints a\n"
"summary on stderr and exits 0; handshakes still in progress are reported\n"
"as open.  Exit status: 0 normal end, 1 runtime error, 64 usage error.\n";

const char *opts_help(void)
{
	return help_text;
}

void opts_defaults(struct peek_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->socket_path = OPTS_DEFAULT_SOCKET;
	o->csum_mode = 0;
	o->timeout_sec = 60;
	o->buffer_mb = 2;
	o->log_level = LOG_LVL_NOTICE;
	o->snaplen = 65535;
	o->idle_sec = OPTS_IDLE_DEFAULT;
	local_init(&o->local);
}

/* Strict decimal in [lo, hi] (common/parse: no sign, no spaces, no
 * trailing garbage, no wrap). */
static int parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out)
{
	uint64_t v;

	if (!s || parse_u64(s, hi, &v) != 0 || v < lo)
		return -1;
	*out = v;
	return 0;
}

int opts_parse_level(const char *s, enum log_level *out)
{
	static const struct { const char *name; enum log_level lvl; } names[] = {
		{ "emerg", LOG_LVL_ERR }, { "alert", LOG_LVL_ERR },
		{ "crit", LOG_LVL_ERR }, { "err", LOG_LVL_ERR },
		{ "warning", LOG_LVL_WARN }, { "notice", LOG_LVL_NOTICE },
		{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
	};
	unsigned long long n;
	size_t i;

	if (parse_uint(s, 0, 7, &n) == 0) {
		*out = names[n].lvl;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* accept "LOG_NOTICE" too, as the original's help suggests */
		const char *t = strncasecmp(s, "LOG_", 4) == 0 ? s + 4 : s;

		if (strcasecmp(t, names[i].name) == 0) {
			*out = names[i].lvl;
			return 0;
		}
	}
	return -1;
}

/* The option as the user wrote it, for messages. */
static const char *opt_label(int c, char *buf, size_t len)
{
	for (const struct option *lo = long_opts; lo->name; lo++) {
		if (lo->val != c)
			continue;
		if (c < 256)
			snprintf(buf, len, "-%c/--%s", c, lo->name);
		else
			snprintf(buf, len, "--%s", lo->name);
		return buf;
	}
	snprintf(buf, len, "-%c", c);
	return buf;
}

enum opts_result opts_parse(int argc, char **argv, struct peek_opts *o,
                            char *err, size_t errlen)
{
	char lbl[32];
	unsigned long long n;
	int c;

	opts_defaults(o);
	optind = 0;             /* glibc: full re-initialisation per call */
	opterr = 0;             /* messages are ours */
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		const char *bad = NULL;    /* what optarg should have been */
		int empty = 0;             /* ... or it was empty */
		char q[OPTS_QUOTE];

		switch (c) {
		case 'u':
			empty = !*optarg;
			o->user = optarg;
			break;
		case 'i':
			empty = !*optarg;
			o->dev = optarg;
			break;
		case 'U':
			empty = !*optarg;
			o->socket_path = optarg;
			o->socket_given = 1;
			break;
		case 'c':
			if (parse_uint(optarg, 0, 2, &n) != 0)
				bad = "0, 1 or 2";
			else
				o->csum_mode = (int)n;
			break;
		case 't':
			if (parse_uint(optarg, 1, 86400, &n) != 0)
				bad = "seconds in 1..86400";
			else
				o->timeout_sec = (uint32_t)n;
			break;
		case 'B':
			if (parse_uint(optarg, 1, CAP_BUFFER_MB_MAX, &n) != 0)
				bad = "MiB in 1..2048";
			else
				o->buffer_mb = (int)n;
			break;
		case 's':
			if (parse_uint(optarg, 64, 262144, &n) != 0)
				bad = "bytes in 64..262144";
			else
				o->snaplen = (int)n;
			break;
		case OPT_MAX_SESSIONS:
			if (parse_uint(optarg, 1, SESS_MAX_CAP, &n) != 0)
				bad = "a count in 1..1073741824";
			else
				o->max_sessions = (uint32_t)n;
			break;
		case OPT_EVENTS:
			empty = !*optarg;
			o->events = optarg;
			break;
		case OPT_TRACK_ESTABLISHED:
			o->track_established = 1;
			break;
		case OPT_MAX_CONNECTIONS:
			if (parse_uint(optarg, 1, SESS_MAX_CAP, &n) != 0)
				bad = "a count in 1..1073741824";
			else
				o->max_conns = (uint32_t)n;
			break;
		case OPT_IDLE_TIMEOUT:
			if (parse_uint(optarg, 1, OPTS_IDLE_MAX, &n) != 0)
				bad = "seconds in 1..604800";
			else
				o->idle_sec = (uint32_t)n;
			o->idle_given = 1;
			break;
		case OPT_METRICS_LISTEN:
			if (metrics_parse_listen(optarg, &o->metrics_listen, err, errlen) != 0)
				return OPTS_ERROR;
			o->metrics_given = 1;
			break;
		case 'l':
			if (opts_parse_level(optarg, &o->log_level) != 0)
				bad = "a syslog level (emerg..debug) or 0..7";
			break;
		case 'r':
			empty = !*optarg;
			o->read_file = optarg;
			break;
		case 'L': {
			struct prefix net;

			if (parse_prefix(optarg, strlen(optarg), PARSE_ANY, &net, NULL) != 0)
				bad = "an address or prefix (A.B.C.D[/LEN] or IPV6[/LEN])";
			else if (local_add(&o->local, &net) != 0)
				bad = "within the limit of 256 local networks";
			break;
		}
		case 'q':
			o->quiet = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case OPT_PROMISC:
			o->promisc = 1;
			break;
		case OPT_ICMP:
			o->icmp = 1;
			break;
		case 'h':
			return OPTS_HELP;
		case 'v':
			return OPTS_VERSION;
		case ':':
			txt_escape(q, sizeof(q), argv[optind - 1], strlen(argv[optind - 1]));
			txt_printf(err, errlen, "option %s needs a value", q);
			return OPTS_ERROR;
		case '?':
		default:
			/* A short option unknown to us reports its letter.  A
			 * long one reports optopt 0 (unknown, ambiguous) or its
			 * own value (a value given to a flag): name the word. */
			if (optopt > 0 && optopt < 256 && optopt != ':' &&
			    !strchr(short_opts, optopt)) {
				char c1 = (char)optopt;

				txt_escape(q, sizeof(q), &c1, 1);
				txt_printf(err, errlen, "unknown option -%s", q);
				return OPTS_ERROR;
			}
			txt_escape(q, sizeof(q), argv[optind - 1], strlen(argv[optind - 1]));
			if (optopt != 0)
				txt_printf(err, errlen, "option %s takes no value", q);
			else
				txt_printf(err, errlen, "unknown or ambiguous option %s", q);
			return OPTS_ERROR;
		}
		if (empty) {
			txt_printf(err, errlen, "invalid %s value '': empty",
			           opt_label(c, lbl, sizeof(lbl)));
			return OPTS_ERROR;
		}
		if (bad) {
			txt_escape(q, sizeof(q), optarg, strlen(optarg));
			txt_printf(err, errlen, "invalid %s value '%s': expected %s",
			           opt_label(c, lbl, sizeof(lbl)), q, bad);
			return OPTS_ERROR;
		}
	}
	if (o->read_file && o->dev) {
		txt_printf(err, errlen, "-i and -r exclude each other: capture live or read a file");
		return OPTS_ERROR;
	}
	if ((o->max_conns || o->idle_given) && !o->track_established) {
		txt_printf(err, errlen, "--max-connections and --idle-timeout need --track-established");
		return OPTS_ERROR;
	}
	o->nfilters = argc - optind;
	o->filters = argv + optind;
	return OPTS_RUN;
}
