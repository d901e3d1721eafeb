/* synscoped --status: fetch the control socket's document and print it. */
#ifndef SYNSCOPE_DAEMON_DCLIENT_H
#define SYNSCOPE_DAEMON_DCLIENT_H

#include <stdio.h>

#define DCLIENT_TIMEOUT_MS 3000
#define DCLIENT_MAX_ANSWER (64u << 20)

/* Print DOC (the daemon's JSON document) as a table on OUT: one line per
 * target.  0, or -1 when DOC is not such a document (logged). */
int dclient_table(const char *doc, FILE *out);
/* Exit status: 0, or 1 after one line on stderr. */
int dclient_status(const char *socket_path, int json);

#endif
