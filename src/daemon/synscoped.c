/*
 * synscoped: the raw LVS-DR check of check_tcp_raw for many targets in one
 * process.  This file only wires modules: options, the configuration
 * (conf), the daemon core (dmn: schedule, health, files, events), the
 * engine under it, the control socket (tcpeek's ctl module, with our own
 * answer), /metrics (metrics), signals, and the --status client (dclient).
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "check/conf.h"
#include "daemon/dclient.h"
#include "daemon/dmn.h"
#include "daemon/dmetrics.h"
#include "peek/ctl.h"
#include "sys/clock.h"
#include "sys/evloop.h"
#include "sys/log.h"
#include "sys/priv.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 64
#define DEFAULT_SOCKET "/run/synscoped/synscoped.sock"
#define DEFAULT_STATE_DIR "/run/synscoped/state"
#define ERRBUF 8192

struct opts {
	const char *config, *state_dir, *socket, *metrics, *check_config;
	int status, json;
};

struct app {
	struct opts o;
	struct evl *loop;
	struct dmn *d;
	struct conf conf;            /* the running configuration */
	struct ctl *ctl;
	struct evl_io ctl_io, sig_io;
	struct evl_timer ctl_tm;
	struct dmetrics *metrics;
	int stop;
};

enum { OPT_STATE_DIR = 0x100, OPT_METRICS, OPT_CHECK_CONFIG, OPT_STATUS };

static const struct argp_option options[] = {
	{ "config", 'c', "FILE", 0, "Target file (see synscoped(8)); required to run", 0 },
	{ "state-dir", OPT_STATE_DIR, "DIR", 0,
	  "Directory of the keepalived FILE_CHECK files, one per target "
	  "[default: " DEFAULT_STATE_DIR "]", 0 },
	{ "socket", 's', "PATH", 0, "Control socket [default: " DEFAULT_SOCKET "]", 0 },
	{ "metrics-listen", OPT_METRICS, "ADDR:PORT", 0,
	  "Serve Prometheus /metrics over HTTP on ADDR:PORT (A.B.C.D:PORT or [IPv6]:PORT)", 0 },
	{ "check-config", OPT_CHECK_CONFIG, "FILE", 0,
	  "Validate FILE, print its target count, exit 0 (or 1 with FILE:LINE: errors)", 0 },
	{ "status", OPT_STATUS, NULL, 0,
	  "Ask a running synscoped on --socket for its targets and print a table", 0 },
	{ "json", 'j', NULL, 0, "With --status: print the daemon's JSON document as is", 0 },
	{ "version", 'V', NULL, 0, "Print the program version", -1 },
	{ NULL, 0, NULL, 0, NULL, 0 },
};

static void usage_error(struct argp_state *st, const char *msg)
{
	(void)st;
	fprintf(stderr, "synscoped: %s (see --help)\n", msg);
	exit(EXIT_USAGE);
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct opts *o = st->input;

	switch (key) {
	case 'c': o->config = arg; break;
	case OPT_STATE_DIR: o->state_dir = arg; break;
	case 's': o->socket = arg; break;
	case OPT_METRICS: o->metrics = arg; break;
	case OPT_CHECK_CONFIG: o->check_config = arg; break;
	case OPT_STATUS: o->status = 1; break;
	case 'j': o->json = 1; break;
	case 'V':
		printf("synscoped %s\n", SYNSCOPE_VERSION);
		exit(0);
	case ARGP_KEY_ARG:
		usage_error(st, "no positional arguments are taken");
		break;
	case ARGP_KEY_END:
		if (o->check_config == NULL && !o->status && o->config == NULL)
			usage_error(st, "missing -c FILE");
		if (o->json && !o->status)
			usage_error(st, "--json goes with --status");
		if (o->state_dir != NULL && o->state_dir[0] == '\0')
			usage_error(st, "--state-dir: empty path");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	options, parse_opt, NULL,
	"\nsynscoped -- health checks of many LVS-DR real servers through their "
	"virtual IPs, in one process\n\n"
	"Checks every target of the -c file the way check_tcp_raw does (a SYN to the "
	"real server's MAC with the VIP as destination), on a schedule with rise/fall, "
	"and writes one keepalived FILE_CHECK file per target in --state-dir (0 up, 1 "
	"down). One JSON line per state change on standard output; a JSON document "
	"of every target on the control socket (--status reads it); SIGHUP reloads "
	"the file, keeping the state of unchanged targets; SIGTERM exits.\n\n"
	"Exit status: 0 after SIGTERM or a valid --check-config, 1 on a runtime error "
	"or an invalid file, 64 on a usage error.\n\n"
	"Options:",
	NULL, NULL, NULL,
};

/* The first error line of ERR, for one-line logs. */
static const char *first_line(char *err)
{
	char *nl = strchr(err, '\n');

	if (nl != NULL)
		*nl = '\0';
	return err;
}

static void reload(struct app *a)
{
	struct conf c;
	char *err = malloc(ERRBUF);

	if (err == NULL) {
		log_warnx("reload: out of memory; keeping the running configuration");
		return;
	}
	if (conf_load(a->o.config, NULL, &c, err, ERRBUF) != 0) {
		int n = c.errors;

		log_warnx("reload: %s%s; keeping the running configuration", first_line(err),
		          n > 1 ? " (and more errors)" : "");
		free(err);
		return;
	}
	free(err);
	if (dmn_apply(a->d, &c) != 0) {
		conf_free(&c);
		return;
	}
	conf_free(&a->conf);
	a->conf = c;
	log_warnx("reloaded %s: %zu targets", a->o.config, a->conf.n);
}

static void on_signal(struct evl_io *io, uint32_t events, uint64_t now)
{
	struct app *a = (struct app *)((char *)io - offsetof(struct app, sig_io));
	struct signalfd_siginfo si;

	(void)events;
	(void)now;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(a);
		else
			a->stop = 1;
	}
}

static char *ctl_answer_cb(void *arg, enum ctl_method m)
{
	(void)m;        /* no counters to reset: REFRESH is GET */
	return dmn_status_json(arg);
}

static void ctl_arm(struct app *a, uint64_t now)
{
	int ms = ctl_next_timeout(a->ctl, now / 1000u);

	if (ms >= 0)
		(void)evl_timer_set(a->loop, &a->ctl_tm, now + (uint64_t)ms * 1000u + 1000u);
	else
		evl_timer_cancel(a->loop, &a->ctl_tm);
}

static void on_ctl(struct evl_io *io, uint32_t events, uint64_t now)
{
	struct app *a = (struct app *)((char *)io - offsetof(struct app, ctl_io));

	(void)events;
	ctl_run(a->ctl, now / 1000u);
	ctl_arm(a, now);
}

static void on_ctl_timer(struct evl_timer *t, uint64_t now)
{
	struct app *a = (struct app *)((char *)t - offsetof(struct app, ctl_tm));

	ctl_run(a->ctl, now / 1000u);
	ctl_arm(a, now);
}

static int check_config(const char *file)
{
	struct conf c;
	char *err = malloc(ERRBUF);

	if (err == NULL)
		return EXIT_RUNTIME;
	if (conf_load(file, NULL, &c, err, ERRBUF) != 0) {
		fputs(err, stderr);
		free(err);
		return EXIT_RUNTIME;
	}
	printf("%s: %zu targets\n", file, c.n);
	free(err);
	conf_free(&c);
	return 0;
}

static int run(struct app *a)
{
	cap_value_t keep[] = { CAP_NET_RAW };
	char *err;
	sigset_t ss;
	int rc = EXIT_RUNTIME;

	err = malloc(ERRBUF);
	if (err == NULL)
		return EXIT_RUNTIME;
	if (conf_load(a->o.config, NULL, &a->conf, err, ERRBUF) != 0) {
		fputs(err, stderr);
		free(err);
		return EXIT_RUNTIME;
	}
	free(err);
	/* signals are read from a descriptor, in the loop: block them first */
	sigemptyset(&ss);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) != 0) {
		log_warn("sigprocmask");
		return EXIT_RUNTIME;
	}
	signal(SIGPIPE, SIG_IGN);
	a->sig_io.fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	a->loop = evl_new();
	if (a->sig_io.fd < 0 || a->loop == NULL) {
		log_warn("signalfd/epoll");
		goto out;
	}
	a->sig_io.fn = on_signal;
	if (evl_io_add(a->loop, &a->sig_io, EPOLLIN) != 0) {
		log_warn("epoll");
		goto out;
	}
	a->d = dmn_new(a->loop, a->o.state_dir, stdout);
	if (a->d == NULL)
		goto out;
	a->ctl = ctl_open(a->o.socket, 0660, (uid_t)-1, (gid_t)-1, ctl_answer_cb, a->d);
	if (a->ctl == NULL)
		goto out;
	a->ctl_io.fd = ctl_fd(a->ctl);
	a->ctl_io.fn = on_ctl;
	a->ctl_tm.fn = on_ctl_timer;
	if (evl_io_add(a->loop, &a->ctl_io, EPOLLIN) != 0) {
		log_warn("epoll");
		goto out;
	}
	if (a->o.metrics != NULL) {
		a->metrics = dmetrics_open(a->o.metrics, a->loop, a->d);
		if (a->metrics == NULL)
			goto out;
	}
	if (dmn_apply(a->d, &a->conf) != 0)
		goto out;
	/* packet sockets open: keep nothing but CAP_NET_RAW (an interface
	 * that appears later is opened then) */
	if (priv_keep_caps(keep, 1) != 0)
		goto out;
	log_warnx("started: %zu targets from %s, state in %s, socket %s", a->conf.n,
	          a->o.config, a->o.state_dir, a->o.socket);
	while (!a->stop)
		if (evl_run_once(a->loop, 1000000) != 0) {
			log_warn("epoll_wait");
			goto out;
		}
	log_warnx("stopping on signal");
	rc = 0;
out:
	dmetrics_close(a->metrics);
	ctl_close(a->ctl);
	dmn_free(a->d);
	if (a->sig_io.fd >= 0)
		close(a->sig_io.fd);
	evl_free(a->loop);
	conf_free(&a->conf);
	return rc;
}

int main(int argc, char **argv)
{
	static struct app a;

	log_init("synscoped", LOG_LVL_NOTICE);
	argp_err_exit_status = EXIT_USAGE;
	argp_program_bug_address = NULL;
	memset(&a, 0, sizeof(a));
	a.sig_io.fd = -1;
	a.o.state_dir = DEFAULT_STATE_DIR;
	a.o.socket = DEFAULT_SOCKET;
	argp_parse(&argp, argc, argv, 0, NULL, &a.o);
	if (a.o.check_config != NULL)
		return check_config(a.o.check_config);
	if (a.o.status)
		return dclient_status(a.o.socket, a.o.json);
	return run(&a);
}
