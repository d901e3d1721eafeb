#include "stat/tstat_gmetric.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/log.h"

/* Only the two sections Ganglia graphs have always had: the metric set
 * stays the one existing gmond/rrd setups expect. */
static bool gm_section(const char *s)
{
	return strcmp(s, "success") == 0 || strcmp(s, "failure") == 0;
}

int tstat_gmetric_cmds(const struct tstat_doc *doc, const char *gmetric,
                       struct tstat_gcmd **cmds, size_t *n)
{
	struct tstat_gcmd *v = NULL, *t, *c;
	size_t cnt = 0, i, j, len;

	for (i = 0; i < doc->nelems; i++) {
		const struct tstat_elem *e = &doc->elems[i];

		if (e->is_pcap)
			continue;
		for (j = 0; j < e->nitems; j++) {
			const struct tstat_item *it = &e->items[j];

			if (!gm_section(it->section))
				continue;
			t = realloc(v, (cnt + 1) * sizeof(*v));
			if (t == NULL)
				goto oom;
			v = t;
			c = &v[cnt];
			memset(c, 0, sizeof(*c));
			len = strlen("tcpeek___") + strlen(e->name) + strlen(it->section) +
			      strlen(it->key) + 1;
			c->name = malloc(len);
			if (c->name == NULL)
				goto oom;
			cnt++;
			snprintf(c->name, len, "tcpeek_%s_%s_%s", e->name, it->section, it->key);
			snprintf(c->value, sizeof(c->value), "%" PRIu64, it->value);
		}
	}
	/* argv points into the array: only once it has stopped moving */
	for (i = 0; i < cnt; i++) {
		c = &v[i];
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
	*cmds = v;
	*n = cnt;
	return 0;
oom:
	tstat_gmetric_free(v, cnt);
	*cmds = NULL;
	*n = 0;
	return -1;
}

void tstat_gmetric_free(struct tstat_gcmd *cmds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(cmds[i].name);
	free(cmds);
}

size_t tstat_gmetric_run(const struct tstat_gcmd *cmds, size_t n, FILE *out)
{
	size_t failed = 0, i;
	int k, status;
	pid_t pid;

	for (i = 0; i < n; i++) {
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
		while (waitpid(pid, &status, 0) == -1) {
			if (errno != EINTR) {
				log_warn("waitpid");
				status = -1;
				break;
			}
		}
		if (status == -1) {
			failed++;
		} else if (WIFSIGNALED(status)) {
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
