/*
 * tcpeekstat: ask a running tcpeek for its statistics over the stats
 * socket and show them as the original's plain summary, a table, raw
 * JSON, Prometheus text, or Ganglia gmetric calls.  This file only wires
 * the tstat_ modules together.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat/tstat_client.h"
#include "stat/tstat_doc.h"
#include "stat/tstat_fmt.h"
#include "stat/tstat_gmetric.h"
#include "stat/tstat_out.h"
#include "stat/tstat_prom.h"
#include "sys/clock.h"
#include "sys/log.h"

#define EX_USAGE_ 64
/* The whole run, fetch + formatting + gmetric: a hostile or stuck answer
 * never holds a cron job or a timer unit longer.  The socket part keeps
 * its own TSTAT_TIMEOUT_MS within it. */
#define TSTAT_DEADLINE_MS 10000

enum { OPT_GMETRIC_PATH = 256, OPT_LABEL };

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tcpeekstat [option]...\n"
	        "  Show the statistics of a running tcpeek (read from its UNIX socket).\n"
	        "    -U --socket=PATH       tcpeek's socket (default: %s)\n"
	        "    -j --json              print the JSON document as tcpeek sends it\n"
	        "    -p --prometheus        print Prometheus text exposition (format 0.0.4)\n"
	        "       --label=NAME=VALUE  with -p: add this label to every series\n"
	        "                           (repeatable, at most %d)\n"
	        "    -o --output=FILE       write to FILE instead of standard output, atomically:\n"
	        "                           a temporary file in its directory renamed over it;\n"
	        "                           on any error FILE is left as it was (not with -g)\n"
	        "    -T --table             print a table, one line per filter\n"
	        "    -g --gmetric           send REFRESH (counts since the previous REFRESH)\n"
	        "                           and run gmetric once per success/failure counter\n"
	        "                           (at most %d runs)\n"
	        "       --gmetric-path=PATH the gmetric program (default: %s)\n"
	        "    -v --version           print the version and exit\n"
	        "    -h --help              print this help and exit\n"
	        "  Without -j, -p, -g or -T: the original tcpeekstat's plain summary of\n"
	        "  the counters since tcpeek started.\n"
	        "  Waits at most %d s for the answer and %d s for the whole run.\n"
	        "  Exit status: 0 success, 1 socket, answer or gmetric error, 64 usage error.\n",
	        TSTAT_DEFAULT_SOCKET, TSTAT_MAX_LABELS, TSTAT_MAX_GMETRIC, TSTAT_GMETRIC_PATH,
	        TSTAT_TIMEOUT_MS / 1000, TSTAT_DEADLINE_MS / 1000);
}

/* The deadline's backstop, for a wait no check covers (stdout blocked by
 * a reader that does not read): one line, then out. */
static char late_msg[512];

static void late(int sig)
{
	ssize_t r;

	(void)sig;
	tstat_write_abandon();
	r = write(STDERR_FILENO, late_msg, strlen(late_msg));
	(void)r;
	_exit(1);
}

static void arm_backstop(const char *path)
{
	struct sigaction sa;

	snprintf(late_msg, sizeof(late_msg), "%s: %s: deadline of %d s passed\n",
	         log_progname(), path, TSTAT_DEADLINE_MS / 1000);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = late;
	sigaction(SIGALRM, &sa, NULL);
	alarm(TSTAT_DEADLINE_MS / 1000 + 1);
}

/* Checked between the steps: true (after saying so) once the run's
 * deadline has passed. */
static int past(const char *path, uint64_t deadline, const char *step)
{
	if (clock_mono_us() < deadline)
		return 0;
	log_warnx("%s: deadline of %d s passed %s", path, TSTAT_DEADLINE_MS / 1000, step);
	return 1;
}

/* The output: standard output, or -o's file replaced whole. */
static int emit(const char *file, const char *data, size_t len)
{
	char err[512];

	if (file == NULL) {
		fwrite(data, 1, len, stdout);
		return 0;
	}
	if (tstat_write_file(file, data, len, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	return 0;
}

static int usage_error(const char *msg)
{
	log_warnx("%s", msg);
	fprintf(stderr, "Try 'tcpeekstat --help' for more information.\n");
	return EX_USAGE_;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "gmetric", no_argument, NULL, 'g' },
		{ "table", no_argument, NULL, 'T' },
		{ "gmetric-path", required_argument, NULL, OPT_GMETRIC_PATH },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "output", required_argument, NULL, 'o' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = TSTAT_DEFAULT_SOCKET, *gpath = TSTAT_GMETRIC_PATH, *ofile = NULL;
	static struct tstat_labels labels;
	struct tstat_gcmd *cmds = NULL;
	struct tstat_doc doc;
	int opt, mode = 0, nmodes = 0, rc = 0;
	size_t len, ncmds, failed, outlen;
	char *text, *out, err[512];
	uint64_t deadline;

	log_init(argv[0], LOG_LVL_NOTICE);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":U:jpgTo:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'U':
			if (optarg[0] == '\0')
				return usage_error("-U: empty socket path");
			path = optarg;
			break;
		case 'j':
		case 'p':
		case 'g':
		case 'T':
			if (mode != opt)
				nmodes++;
			mode = opt;
			break;
		case 'o':
			if (optarg[0] == '\0')
				return usage_error("-o: empty file name");
			ofile = optarg;
			break;
		case OPT_LABEL:
			if (tstat_label_add(&labels, optarg, err, sizeof(err)) == -1)
				return usage_error(err);
			break;
		case OPT_GMETRIC_PATH:
			if (optarg[0] == '\0')
				return usage_error("--gmetric-path: empty path");
			gpath = optarg;
			break;
		case 'v':
			printf("tcpeekstat %s\n", SYNSCOPE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			snprintf(err, sizeof(err), "option %s needs an argument",
			         optopt == 'U' ? "-U" : optopt == 'o' ? "-o" :
			         optopt == OPT_LABEL ? "--label" :
			         optopt == OPT_GMETRIC_PATH ? "--gmetric-path" : argv[optind - 1]);
			return usage_error(err);
		default:
			if (optopt)
				snprintf(err, sizeof(err), "unknown option -%c", optopt);
			else
				snprintf(err, sizeof(err), "unknown option %s", argv[optind - 1]);
			return usage_error(err);
		}
	}
	if (optind < argc) {
		snprintf(err, sizeof(err), "unexpected argument '%s'", argv[optind]);
		return usage_error(err);
	}
	if (nmodes > 1)
		return usage_error("-j, -p, -g and -T are mutually exclusive");
	if (labels.n > 0 && mode != 'p')
		return usage_error("--label needs -p");
	if (ofile != NULL && mode == 'g')
		return usage_error("-o does not go with -g (gmetric sends the values)");

	deadline = clock_mono_us() + (uint64_t)TSTAT_DEADLINE_MS * 1000;
	arm_backstop(path);
	/* before REFRESH: it resets tcpeek's deltas, which would be lost if
	 * gmetric cannot run at all */
	if (mode == 'g' && access(gpath, X_OK) == -1) {
		log_warn("%s", gpath);
		return 1;
	}
	if (tstat_fetch(path, mode == 'g' ? "REFRESH" : "GET", TSTAT_TIMEOUT_MS,
	                TSTAT_MAX_ANSWER, &text, &len) == -1)
		return 1;
	if (tstat_parse(text, len, &doc, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", path, err);
		free(text);
		return 1;
	}
	if (past(path, deadline, "before formatting")) {
		rc = 1;
		goto out;
	}

	switch (mode) {
	case 'j':
		if (text[len - 1] != '\n') {
			out = malloc(len + 1);
			if (out == NULL) {
				log_warn("%s: answer", path);
				rc = 1;
				break;
			}
			memcpy(out, text, len);
			out[len] = '\n';
			rc = emit(ofile, out, len + 1);
			free(out);
		} else {
			rc = emit(ofile, text, len);
		}
		break;
	case 'g':
		ncmds = tstat_gmetric_count(&doc);
		if (ncmds > TSTAT_MAX_GMETRIC) {
			log_warnx("%s: the answer makes %zu gmetric runs, more than %d: refused",
			          path, ncmds, TSTAT_MAX_GMETRIC);
			rc = 1;
			break;
		}
		if (tstat_gmetric_cmds(&doc, gpath, &cmds, &ncmds) == -1) {
			log_warn("gmetric");
			rc = 1;
			break;
		}
		failed = tstat_gmetric_run(cmds, ncmds, stdout, deadline);
		if (failed > 0) {
			log_warnx("%s: %zu of %zu calls failed", gpath, failed, ncmds);
			rc = 1;
		}
		tstat_gmetric_free(cmds, ncmds);
		break;
	default:
		if (mode == 'p' && tstat_prom_check(&doc, err, sizeof(err)) == -1) {
			log_warnx("%s: %s", path, err);
			rc = 1;
			break;
		}
		if ((mode == 'p' ? tstat_render_prom(&doc, &labels, TSTAT_MAX_OUTPUT, &out, &outlen)
		                 : tstat_render(mode == 'T' ? TSTAT_VIEW_TABLE : TSTAT_VIEW_PLAIN, &doc,
		                                TSTAT_MAX_OUTPUT, &out, &outlen)) == -1) {
			if (errno == EFBIG)
				log_warnx("%s: output of %zu filters larger than %u bytes: refused",
				          path, doc.nelems, TSTAT_MAX_OUTPUT);
			else
				log_warn("%s: formatting", path);
			rc = 1;
			break;
		}
		if (!past(path, deadline, "while formatting"))
			rc = emit(ofile, out, outlen);
		else
			rc = 1;
		free(out);
		break;
	}
out:
	tstat_doc_free(&doc);
	free(text);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		rc = 1;
	}
	return rc;
}
