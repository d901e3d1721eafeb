/*
 * tcpeek: passive TCP handshake monitor.  This file only wires modules:
 * options (opts), filters (filter), capture (capture), local addresses
 * (local), the runtime (peek), the stats socket (ctl), the /metrics
 * endpoint (metrics), privileges (priv).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peek/ctl.h"
#include "peek/doc.h"
#include "peek/events.h"
#include "peek/filter.h"
#include "peek/metrics.h"
#include "peek/opts.h"
#include "peek/output.h"
#include "peek/peek.h"
#include "common/text.h"
#include "sys/capture.h"
#include "sys/log.h"
#include "sys/priv.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 64

static int usage_error(const char *msg)
{
	log_warnx("%s (try 'tcpeek -h')", msg);
	return EXIT_USAGE;
}

/* NULL on failure (logged), and also, silently, when a stop signal came
 * while a stream input was waiting for its first bytes. */
static struct cap *open_capture(const struct peek_opts *o, struct peek *p,
                                char *devbuf, size_t devlen)
{
	char err[CAP_ERRLEN];
	struct cap *cap;

	if (o->read_file) {
		cap = cap_open_file(o->read_file, peek_stream_wait, p, err, sizeof(err));
		if (!cap && peek_stop_requested())
			return NULL;
	} else {
		struct cap_live_config lc = {
			.dev = o->dev, .snaplen = o->snaplen,
			.promisc = o->promisc, .buffer_mb = o->buffer_mb,
		};

		if (!lc.dev) {
			if (cap_default_dev(devbuf, devlen, err, sizeof(err)) != 0) {
				log_warnx("%s", err);
				return NULL;
			}
			lc.dev = devbuf;
		} else {
			snprintf(devbuf, devlen, "%s", lc.dev);
		}
		cap = cap_open_live(&lc, err, sizeof(err));
	}
	if (!cap) {
		log_warnx("%s", err);
		return NULL;
	}
	if (cap_link(cap) == 0) {
		log_warnx("%s: link-type %s (%s) is not supported",
		          cap_name(cap), cap_link_name(cap), cap_link_desc(cap));
		cap_close(cap);
		return NULL;
	}
	return cap;
}

int main(int argc, char **argv)
{
	char err[OPTS_ERRLEN], perr[PEEK_ERRLEN], dev[64] = "";
	struct peek_opts o;
	struct filt_set *fs;
	struct cap *cap;
	struct ctl *ctl = NULL;
	struct metrics *metrics = NULL;
	struct evw *evw = NULL;
	struct peek *p;
	const struct passwd *pw = NULL;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int rc;

	log_init("tcpeek", LOG_LVL_NOTICE);
	/* First of all: from here on a stop signal is held until something
	 * can act on it, so none can end tcpeek between the creation of the
	 * socket and the loop and leave the socket behind. */
	if (peek_signals_install() != 0)
		return EXIT_RUNTIME;
	switch (opts_parse(argc, argv, &o, err, sizeof(err))) {
	case OPTS_HELP:
		fputs(opts_help(), stdout);
		return 0;
	case OPTS_VERSION:
		printf("tcpeek %s\n", SYNSCOPE_VERSION);
		return 0;
	case OPTS_ERROR:
		return usage_error(err);
	case OPTS_RUN:
		break;
	}
	log_set_level(o.log_level);

	fs = filt_new();
	if (!fs) {
		log_warn("filters");
		return EXIT_RUNTIME;
	}
	for (int i = 0; i < o.nfilters; i++)
		if (filt_add(fs, o.filters[i], err, sizeof(err)) != 0) {
			filt_free(fs);
			return usage_error(err);
		}
	if (o.user) {
		errno = 0;
		pw = getpwnam(o.user);
		if (!pw) {
			char q[96];

			txt_escape(q, sizeof(q), o.user, strlen(o.user));
			txt_printf(err, sizeof(err), "invalid -u/--user value '%s': no such user", q);
			filt_free(fs);
			return usage_error(err);
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		/* Refuse before opening anything: finding out only after the
		 * capture and the socket are open would name a failed system
		 * call instead of the missing privilege. */
		if (!priv_has_cap(CAP_SETUID) || !priv_has_cap(CAP_SETGID)) {
			log_warnx("-u %s: changing to another user needs root "
			          "(CAP_SETUID and CAP_SETGID)", o.user);
			filt_free(fs);
			return EXIT_RUNTIME;
		}
	}

	/* The stream is opened as the user who started tcpeek (a file in a
	 * directory only root may write stays writable after -u). */
	if (o.events) {
		evw = evw_open(o.events, err, sizeof(err));
		if (!evw) {
			log_warnx("%s", err);
			filt_free(fs);
			return EXIT_RUNTIME;
		}
		/* reading a file there is no capture to starve: wait for the reader */
		evw_set_wait(evw, o.read_file != NULL);
	}

	/* The runtime before the capture: a stream input's wait serves it. */
	p = calloc(1, sizeof(*p));
	if (!p) {
		log_warn("calloc");
		evw_close(evw);
		filt_free(fs);
		return EXIT_RUNTIME;
	}
	{
		struct peek_config pc = {
			.filters = fs, .local = &o.local,
			.csum = (enum pkt_csum_mode)o.csum_mode,
			.timeout_us = (uint64_t)o.timeout_sec * 1000000u,
			.max_sessions = o.max_sessions, .icmp = o.icmp,
			.table = o.quiet ? NULL : stderr,
			.live = o.read_file == NULL,
			.events = evw,
			.track_established = o.track_established,
			.idle_us = (uint64_t)o.idle_sec * 1000000u,
			.max_conns = o.max_conns,
		};

		if (peek_init(p, &pc, perr, sizeof(perr)) != 0) {
			log_warnx("%s", perr);
			evw_close(evw);
			free(p);
			filt_free(fs);
			return EXIT_RUNTIME;
		}
	}

	/* Privileged resources first: capture, then the socket. */
	cap = open_capture(&o, p, dev, sizeof(dev));
	if (!cap) {
		/* stopped before the first byte of a stream: a normal end */
		rc = peek_stop_requested() ? 0 : EXIT_RUNTIME;
		if (rc == 0)
			goto report;
		goto out;
	}
	if (!cap_is_file(cap))
		peek_local_live(p, dev);

	peek_set_capture(p, cap);

	if (!cap_is_file(cap) || o.socket_given) {
		ctl = ctl_open(o.socket_path, 0660, uid, gid, peek_answer, p);
		if (!ctl) {
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	/* like the socket, before the drop: a port below 1024 needs root */
	if (o.metrics_given) {
		metrics = metrics_open(&o.metrics_listen, peek_answer, p);
		if (!metrics) {
			rc = EXIT_RUNTIME;
			goto out;
		}
		p->metrics = metrics;
	}
	if (o.user && priv_drop_to_user(o.user) != 0) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	/* Without -u we stay uid 0, but nothing after this point needs a
	 * capability: the capture and the sockets are open, and unlinking the
	 * socket at exit needs only ownership of its directory.  Give them all
	 * up so a flaw in the packet path cannot use them. */
	if (!o.user && priv_keep_caps(NULL, 0) != 0) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!o.quiet) {
		out_header(stderr, cap_is_file(cap), cap_is_file(cap) ? o.read_file : dev,
		           cap_link_name(cap), cap_link_desc(cap), cap_snaplen(cap));
		out_table_header(stderr);
	}
	rc = peek_run(p, cap, ctl) == 0 ? 0 : EXIT_RUNTIME;

report:
	/* Open sessions stay open: no final advance of the tracker's time. */
	peek_summary(p, stderr);
	if (o.json) {
		struct doc_src s;
		char *text;

		peek_doc_src(p, &s);
		text = doc_text(&s, CTL_GET);
		if (!text) {
			log_warnx("building the JSON document: out of memory");
			rc = EXIT_RUNTIME;
		} else {
			printf("%s\n", text);
			free(text);
		}
		if (fflush(stdout) != 0) {
			log_warn("stdout");
			rc = EXIT_RUNTIME;
		}
	}
out:
	metrics_close(metrics);
	if (ctl)
		ctl_close(ctl);
	peek_fini(p);
	free(p);
	evw_close(evw);
	cap_close(cap);
	filt_free(fs);
	return rc;
}
