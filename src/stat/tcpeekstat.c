/*
 * tcpeekstat: ask a running tcpeek for its statistics over the stats
 * socket and show them as a table, raw JSON, Prometheus text, or Ganglia
 * gmetric calls.  This file only wires the tstat_ modules together.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat/tstat_client.h"
#include "stat/tstat_doc.h"
#include "stat/tstat_fmt.h"
#include "stat/tstat_gmetric.h"
#include "sys/log.h"

#define EX_USAGE_ 64

enum { OPT_GMETRIC_PATH = 256 };

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tcpeekstat [option]...\n"
	        "  Show the statistics of a running tcpeek (read from its UNIX socket).\n"
	        "    -U --socket=PATH       tcpeek's socket (default: %s)\n"
	        "    -j --json              print the JSON document as tcpeek sends it\n"
	        "    -p --prometheus        print Prometheus text exposition (format 0.0.4)\n"
	        "    -g --gmetric           send REFRESH (counts since the previous REFRESH)\n"
	        "                           and run gmetric once per success/failure counter\n"
	        "       --gmetric-path=PATH the gmetric program (default: %s)\n"
	        "    -v --version           print the version and exit\n"
	        "    -h --help              print this help and exit\n"
	        "  Without -j, -p or -g: a table of the counters since tcpeek started.\n"
	        "  Exit status: 0 success, 1 socket, answer or gmetric error, 64 usage error.\n",
	        TSTAT_DEFAULT_SOCKET, TSTAT_GMETRIC_PATH);
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
		{ "gmetric-path", required_argument, NULL, OPT_GMETRIC_PATH },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = TSTAT_DEFAULT_SOCKET, *gpath = TSTAT_GMETRIC_PATH;
	struct tstat_gcmd *cmds = NULL;
	struct tstat_doc doc;
	int opt, mode = 0, nmodes = 0, rc = 0;
	size_t len, ncmds, failed;
	char *text, err[256];

	log_init(argv[0], LOG_LVL_NOTICE);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":U:jpgvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'U':
			if (optarg[0] == '\0')
				return usage_error("-U: empty socket path");
			path = optarg;
			break;
		case 'j':
		case 'p':
		case 'g':
			if (mode != opt)
				nmodes++;
			mode = opt;
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
			         optopt ? (optopt == 'U' ? "-U" : "--gmetric-path") : argv[optind - 1]);
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
		return usage_error("-j, -p and -g are mutually exclusive");

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

	switch (mode) {
	case 'j':
		fwrite(text, 1, len, stdout);
		if (text[len - 1] != '\n')
			fputc('\n', stdout);
		break;
	case 'p':
		if (tstat_fmt_prom(stdout, &doc) == -1) {
			log_warn("prometheus output");
			rc = 1;
		}
		break;
	case 'g':
		if (tstat_gmetric_cmds(&doc, gpath, &cmds, &ncmds) == -1) {
			log_warn("gmetric");
			rc = 1;
			break;
		}
		failed = tstat_gmetric_run(cmds, ncmds, stdout);
		if (failed > 0) {
			log_warnx("%s: %zu of %zu calls failed", gpath, failed, ncmds);
			rc = 1;
		}
		tstat_gmetric_free(cmds, ncmds);
		break;
	default:
		tstat_fmt_table(stdout, &doc);
		break;
	}
	tstat_doc_free(&doc);
	free(text);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		rc = 1;
	}
	return rc;
}
