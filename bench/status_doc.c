/* Time synscoped's status document and /metrics text for N targets (no
 * network: the targets name an interface that does not exist), the work
 * that runs inside the event loop when a client asks.
 *   status_doc [N]  prints milliseconds per document and its size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/conf.h"
#include "daemon/dmetrics.h"
#include "daemon/dmn.h"
#include "sys/clock.h"
#include "sys/evloop.h"
#include "sys/log.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	size_t cap = (size_t)n * 48 + 64, len = 0, mlen = 0;
	char *text = malloc(cap), err[4096], dir[] = "/tmp/status_doc.XXXXXX";
	struct conf c;
	struct evl *l = evl_new();
	struct dmn *d;
	uint64_t t0, t1, t2;
	char *doc, *m;
	FILE *devnull = fopen("/dev/null", "w");

	log_init("status_doc", LOG_LVL_WARN);
	if (text == NULL || l == NULL || mkdtemp(dir) == NULL || devnull == NULL)
		return 1;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "nosuch0 10.%d.%d.1 10.0.0.1 80\n",
		                        i / 250, i % 250);
	if (conf_parse("gen", text, len, NULL, &c, err, sizeof(err)) != 0) {
		fputs(err, stderr);
		return 1;
	}
	d = dmn_new(l, dir, devnull);
	if (d == NULL || dmn_apply(d, &c) != 0)
		return 1;
	t0 = clock_mono_us();
	doc = dmn_status_json(d);
	t1 = clock_mono_us();
	m = dmetrics_text(d, &mlen);
	t2 = clock_mono_us();
	printf("%d targets: status document %.1f ms (%zu bytes), /metrics text %.1f ms (%zu bytes)\n",
	       n, (t1 - t0) / 1000.0, strlen(doc), (t2 - t1) / 1000.0, mlen);
	free(doc);
	free(m);
	dmn_free(d);
	conf_free(&c);
	evl_free(l);
	free(text);
	rmdir(dir);
	return 0;
}
