/* Command line of check_tcp_raw.  The option letters, long names and
 * positional arguments follow the original tool; the prose is ours. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check/opts.h"
#include "common/parse.h"
#include "sys/log.h"

int chk_parse_port(const char *s, uint16_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(s, 65535, &v) != 0 || v == 0) {
		snprintf(err, errlen, "invalid PORT '%s': expected a number from 1 to 65535", s);
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

int chk_parse_timeout(const char *s, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(s, CHK_TIMEOUT_MAX_MS, &v) != 0) {
		snprintf(err, errlen,
		         "invalid --timeout '%s': expected milliseconds from 0 to %u", s,
		         CHK_TIMEOUT_MAX_MS);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int chk_parse_retries(const char *s, int *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(s, CHK_RETRIES_MAX, &v) != 0) {
		snprintf(err, errlen, "invalid --retries '%s': expected a number from 0 to %d",
		         s, CHK_RETRIES_MAX);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int chk_parse_source(const char *s, struct addr *out, char *err, size_t errlen)
{
	if (parse_addr(s, strlen(s), PARSE_ANY, out) != 0) {
		snprintf(err, errlen, "invalid --source-ip '%s': expected an IPv4 or IPv6 address", s);
		return -1;
	}
	return 0;
}

int chk_literal_family(const char *s)
{
	struct addr a;

	return s != NULL && parse_addr(s, strlen(s), PARSE_ANY, &a) == 0 ? a.family : 0;
}

int chk_check_families(const struct chk_opts *o, char *err, size_t errlen)
{
	const char *what[3] = { "REAL_SERVER", "VIRTUAL_IP", "--source-ip" };
	const char *val[3] = { o->real_server, o->virtual_ip, o->source_ip };
	int first = -1;

	for (int i = 0; i < 3; i++) {
		int f = chk_literal_family(val[i]);

		if (f == 0)
			continue;
		if (first < 0) {
			first = i;
			continue;
		}
		if (f != chk_literal_family(val[first])) {
			snprintf(err, errlen, "%s '%s' and %s '%s' are not of one address family "
			         "(IPv4 and IPv6 cannot be mixed)", what[first], val[first], what[i],
			         val[i]);
			return -1;
		}
	}
	return 0;
}

int chk_parse_usage_exit(const char *s, int *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(s, 255, &v) != 0 || v == 0) {
		snprintf(err, errlen, "invalid --usage-exit '%s': expected a status from 1 to 255",
		         s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int chk_usage_exit_scan(int argc, char *const *argv)
{
	static const char opt[] = "--usage-exit";
	int status = CHK_EXIT_USAGE_DEFAULT, v;
	char err[96];

	for (int i = 1; i < argc && argv[i] != NULL; i++) {
		const char *a = argv[i], *val = NULL;

		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, opt, sizeof(opt) - 1) != 0)
			continue;
		if (a[sizeof(opt) - 1] == '=')
			val = a + sizeof(opt);
		else if (a[sizeof(opt) - 1] == '\0' && i + 1 < argc)
			val = argv[++i];
		if (val != NULL && chk_parse_usage_exit(val, &v, err, sizeof(err)) == 0)
			status = v;
	}
	return status;
}

/* ---- argp --------------------------------------------------------------- */

enum { OPT_USAGE_EXIT = 0x100, OPT_TARGETS };

static const char doc[] =
	"\ncheck_tcp_raw -- LVS-DR health check of one real server over a raw socket"
	"\n\n"
	"Resolves the MAC address of REAL_SERVER with an ARP request (IPv6: a "
	"Neighbor Solicitation) on SOURCE_IFACE, "
	"then sends a TCP SYN straight to that MAC with VIRTUAL_IP:PORT as its IP "
	"destination, the way a direct-routing load balancer forwards traffic. A "
	"SYN/ACK that acknowledges our SYN means the real server accepts connections "
	"for the virtual IP; the check then ends the connection with RST/ACK, or "
	"with a FIN exchange when asked.\n\n"
	"Use it to confirm that a real server behind an LVS-DR virtual IP really "
	"answers for that IP (VIP configured on the server, ARP settings right, "
	"service listening), not merely on its own address.\n\n"
	"Example:\n"
	"check_tcp_raw -vv -t 500 -r /var/run/lvs.role eth0 10.0.0.42 10.0.0.100 80\n"
	"check_tcp_raw eth0 2001:db8::42 2001:db8::100 80\n\n"
	"============================\n"
	"EXIT STATUS\n"
	"----------------------------\n\n"
	"0 when the check succeeds, 1 for everything else: the check failed, it "
	"could not run, or an option or argument is wrong (see --usage-exit). "
	"With keepalived's misc_dynamic, 2 to 255 would mean up.\n\n"
	"============================\n"
	"PARAMETERS\n"
	"----------------------------\n\n"
	"  SOURCE_IFACE    network interface the frames leave from (e.g. eth0).\n\n"
	"  REAL_SERVER     IPv4 or IPv6 address or host name of the real server;\n"
	"                  only its MAC address is used (e.g. 10.0.0.42).\n\n"
	"  VIRTUAL_IP      IPv4 or IPv6 address or host name of the virtual IP to\n"
	"                  check; it is the IP destination of the TCP segments\n"
	"                  (e.g. 10.0.0.100).\n\n"
	"  Both (and --source-ip) must be of one family. A name takes the family\n"
	"  of an address given as a literal; with names only, IPv4 if both have\n"
	"  one, else IPv6.\n\n"
	"  PORT            TCP port to check, 1 to 65535 (e.g. 80).\n\n"
	"============================\n"
	"OPTIONS\n"
	"----------------------------";

static const char args_doc[] = "SOURCE_IFACE REAL_SERVER VIRTUAL_IP PORT\n--targets=FILE";

static const struct argp_option options[] = {
	{ "clean-close", 'c', NULL, 0,
	  "End the connection with FIN/ACK - FIN/ACK - ACK instead of an RST/ACK, "
	  "for services that log every reset connection as an error.", 0 },
	{ "role-file", 'r', "FILE", 0,
	  "File holding this load balancer's role; only its first character "
	  "counts: 1 means MASTER (raw check), anything else BACKUP. A BACKUP "
	  "checks REAL_SERVER:PORT itself with an ordinary TCP connection. "
	  "Anything but a regular file is refused.", 0 },
	{ "timeout", 't', "MILLISECONDS", 0,
	  "How long to wait for each reply of the real server, in ms; 0 waits "
	  "forever. Host names are looked up within the same time, before the "
	  "check. [Default: 1000]", 0 },
	{ "source-ip", 's', "IP", 0,
	  "Source address of the check, IPv4 or IPv6 as the other addresses "
	  "[Default: SOURCE_IFACE's primary IPv4 address, or its first global "
	  "IPv6 address, else the kernel's choice for REAL_SERVER]", 0 },
	{ "retries", 'R', "N", 0,
	  "Send the SYN N more times (same port and sequence number), spread "
	  "within the timeout. [Default: 0]", 0 },
	{ "any-mac", 'A', NULL, 0,
	  "Accept replies from any Ethernet source, not only from the real "
	  "server's MAC, for real servers whose replies are routed (policy "
	  "routing through a gateway); the MAC and TTL they came with are "
	  "reported.", 0 },
	{ "json", 'j', NULL, 0, "Print the result as one JSON object on standard output", 0 },
	{ "targets", OPT_TARGETS, "FILE", 0,
	  "Check every target of FILE (synscoped's format: IFACE REAL_SERVER "
	  "VIRTUAL_IP PORT [option...] per line) once, all at the same time, "
	  "and print one JSON line per target in file order; exit 0 only if "
	  "every one succeeds. -t, -R, -c, -A and -r give the options the file "
	  "does not; interval, rise and fall are ignored.", 0 },
	{ "usage-exit", OPT_USAGE_EXIT, "STATUS", 0,
	  "Exit status of usage errors, 1 to 255, wherever the option is given "
	  "(for scripts that follow sysexits(3); never with keepalived's "
	  "misc_dynamic, which reads 2 to 255 as up). [Default: 1]", 0 },
	{ "verbose", 'v', NULL, 0,
	  "More output on standard error each time it is given:\n"
	  "-v)  the parameters and every TCP packet\n"
	  "-vv) ARP packets as well", 0 },
	{ "version", 'V', NULL, 0, "Print the program version", -1 },
	{ NULL, 0, NULL, 0, NULL, 0 },
};

static void usage_error(struct argp_state *st, const char *msg)
{
	/* One line naming the culprit and where to read more. */
	struct chk_opts *o = st->input;

	fprintf(stderr, "%s: %s (see --help)\n", st->name, msg);
	exit(o->usage_exit);
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct chk_opts *o = st->input;
	char err[200];

	switch (key) {
	case 'c': o->clean_close = 1; break;
	case 'r': o->role_file = *arg ? arg : NULL; break;   /* '' as the original: none */
	case 'A': o->any_mac = 1; break;
	case 'j': o->json = 1; break;
	case OPT_USAGE_EXIT:
		if (chk_parse_usage_exit(arg, &o->usage_exit, err, sizeof(err)) != 0)
			usage_error(st, err);
		argp_err_exit_status = o->usage_exit;
		break;
	case 'v': o->verbose++; break;
	case OPT_TARGETS:
		if (*arg == '\0')
			usage_error(st, "--targets: empty file name");
		o->targets = arg;
		break;
	case 't':
		if (chk_parse_timeout(arg, &o->timeout_ms, err, sizeof(err)) != 0)
			usage_error(st, err);
		break;
	case 'R':
		if (chk_parse_retries(arg, &o->retries, err, sizeof(err)) != 0)
			usage_error(st, err);
		break;
	case 's':
		if (chk_parse_source(arg, &o->source_addr, err, sizeof(err)) != 0)
			usage_error(st, err);
		o->source_ip = arg;
		break;
	case 'V':
		printf("check_tcp_raw %s\n", SYNSCOPE_VERSION);
		exit(CHK_EXIT_OK);
	case ARGP_KEY_ARG:
		switch (st->arg_num) {
		case 0: o->iface = arg; break;
		case 1: o->real_server = arg; break;
		case 2: o->virtual_ip = arg; break;
		case 3:
			o->port_str = arg;
			if (chk_parse_port(arg, &o->port, err, sizeof(err)) != 0)
				usage_error(st, err);
			break;
		default:
			snprintf(err, sizeof(err), "too many arguments: '%s'", arg);
			usage_error(st, err);
		}
		break;
	case ARGP_KEY_END:
		if (o->targets != NULL) {
			if (st->arg_num > 0)
				usage_error(st, "--targets takes no SOURCE_IFACE REAL_SERVER VIRTUAL_IP PORT");
			if (o->source_ip != NULL)
				usage_error(st, "--source-ip cannot be used with --targets (each "
				            "interface's primary address is used)");
			break;
		}
		if (st->arg_num < 4) {
			static const char *const names[] = { "SOURCE_IFACE", "REAL_SERVER",
			                                     "VIRTUAL_IP", "PORT" };

			snprintf(err, sizeof(err), "missing argument %s (4 are required)",
			         names[st->arg_num]);
			usage_error(st, err);
		}
		if (chk_check_families(o, err, sizeof(err)) != 0)
			usage_error(st, err);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, args_doc, doc, NULL, NULL, NULL };

void chk_opts_parse(int argc, char **argv, struct chk_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 1000;
	o->usage_exit = chk_usage_exit_scan(argc, argv);
	/* argp's own errors (an unknown option, a missing value) exit with this */
	argp_err_exit_status = o->usage_exit;
	argp_program_bug_address = NULL;
	/* getopt names the program by argv[0] as typed (a path, say) while
	 * every other message says "check_tcp_raw:"; make them agree. */
	if (argc > 0)
		argv[0] = (char *)"check_tcp_raw";
	argp_parse(&argp, argc, argv, 0, NULL, o);
}
