#include "stat/tstat_gmetric.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/clock.h"
#include "sys/log.h"

/* Only the two sections Ganglia graphs have always had: the metric set
 * stays the one existing gmond/rrd setups expect. */
static bool gm_section(const char *s)
{
	return strcmp(s, "success") == 0 || strcmp(s, "failure") == 0;
}

size_t tstat_gmetric_count(const struct tstat_doc *doc)
{
	size_t cnt = 0, i, j;

	for (i = 0; i < doc->nelems; i++) {
		if (doc->elems[i].is_pcap)
			continue;
		for (j = 0; j < doc->elems[i].nitems; j++)
			cnt += gm_section(doc->elems[i].items[j].section);
	}
	return cnt;
}

int tstat_gmetric_cmds(const struct tstat_doc *doc, const char *gmetric,
                       struct tstat_gcmd **cmds, size_t *n)
{
	size_t max = tstat_gmetric_count(doc), cnt = 0, i, j, len;
	struct tstat_gcmd *v, *c;

	*cmds = NULL;
	*n = 0;
	v = calloc(max ? max : 1, sizeof(*v));
	if (v == NULL)
		return -1;
	for (i = 0; i < doc->nelems; i++) {
		const struct tstat_elem *e = &doc->elems[i];

		if (e->is_pcap)
			continue;
		for (j = 0; j < e->nitems; j++) {
			const struct tstat_item *it = &e->items[j];

			if (!gm_section(it->section))
				continue;
			c = &v[cnt];
			len = strlen("tcpeek___") + strlen(e->name) + strlen(it->section) +
			      strlen(it->key) + 1;
			c->name = malloc(len);
			if (c->name == NULL) {
				tstat_gmetric_free(v, cnt);
				return -1;
			}
			cnt++;
			snprintf(c->name, len, "tcpeek_%s_%s_%s", e->name, it->section, it->key);
			snprintf(c->value, sizeof(c->value), "%" PRIu64, it->value);
			/* execv takes char *const[]; nothing here is written to */
			c->argv[0] = (char *)gmetric;
			c->argv[1] = (char *)"-n";
			c->argv[2] = c->name;
			c->argv[3] = (char *)"-v";
			c->argv[4] = c->value;
			c->argv[5] = (char *)"-t";
			c->argv[6] = (char *)"uint32";
			c->argv[7] = NULL;
		}
	}
	*cmds = v;
	*n = cnt;
	return 0;
}

void tstat_gmetric_free(struct tstat_gcmd *cmds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(cmds[i].name);
	free(cmds);
}

/* Wait for pid until deadline_us; past it, kill it.  The status as
 * waitpid gives it, or -1 (reported) if it could not be waited for. */
static int wait_child(pid_t pid, const struct tstat_gcmd *c, uint64_t deadline_us)
{
	struct pollfd p = { .events = POLLIN };
	uint64_t now;
	int status, r;

	p.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (p.fd >= 0) {
		now = clock_mono_us();
		r = now >= deadline_us ? 0 :
		    poll(&p, 1, (int)((deadline_us - now + 999) / 1000));
		if (r > 0)
			break;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0 && clock_mono_us() < deadline_us)
			continue;       /* poll rounds down */
		if (r == 0) {
			log_warnx("%s: still running at the deadline, killed (metric %s)",
			          c->argv[0], c->name);
			kill(pid, SIGKILL);
		} else {
			log_warn("poll");
		}
		break;
	}
	if (p.fd >= 0)
		close(p.fd);
	/* without pidfds (Linux < 5.3) the wait is unbounded */
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			log_warn("waitpid");
			return -1;
		}
	}
	return status;
}

size_t tstat_gmetric_run(const struct tstat_gcmd *cmds, size_t n, FILE *out,
                         uint64_t deadline_us)
{
	size_t failed = 0, i;
	int k, status;
	pid_t pid;

	for (i = 0; i < n; i++) {
		if (clock_mono_us() >= deadline_us) {
			log_warnx("%s: deadline passed, %zu of %zu calls not run",
			          cmds[i].argv[0], n - i, n);
			return failed + (n - i);
		}
		for (k = 0; cmds[i].argv[k] != NULL; k++)
			fprintf(out, "%s%s", k ? " " : "", cmds[i].argv[k]);
		fputc('\n', out);
		/* flush before fork, or the child's exit would print it twice */
		fflush(out);
		fflush(stderr);
		pid = fork();
		if (pid == -1) {
			log_warn("fork");
			failed++;
			continue;
		}
		if (pid == 0) {
			execv(cmds[i].argv[0], cmds[i].argv);
			log_warn("%s", cmds[i].argv[0]);
			_exit(127);
		}
		status = wait_child(pid, &cmds[i], deadline_us);
		if (status == -1) {
			failed++;
		} else if (WIFSIGNALED(status)) {
			if (WTERMSIG(status) != SIGKILL || clock_mono_us() < deadline_us)
				log_warnx("%s: killed by signal %d (metric %s)", cmds[i].argv[0],
				          WTERMSIG(status), cmds[i].name);
			failed++;
		} else if (WEXITSTATUS(status) != 0) {
			log_warnx("%s: exit status %d (metric %s)", cmds[i].argv[0],
			          WEXITSTATUS(status), cmds[i].name);
			failed++;
		}
	}
	return failed;
}
