/* synscoped --status: fetch the control socket's document and print it. */
#ifndef SYNSCOPE_DAEMON_DCLIENT_H
#define SYNSCOPE_DAEMON_DCLIENT_H

#include <stdio.h>

#define DCLIENT_TIMEOUT_MS 3000
#define DCLIENT_MAX_ANSWER (64u << 20)

/* The TARGET column of the table: 44 characters, the width of the IPv4
 * layout; a table with an IPv6 target widens it to its longest name, up to
 * the longest name synscoped writes (an interface of 15 characters, two
 * IPv6 addresses with a dotted tail, a port of 5 digits). */
#define DCLIENT_TARGET_W 44
#define DCLIENT_TARGET_MAXW (15 + 1 + 45 + 1 + 45 + 1 + 5)

/* Print DOC (the daemon's JSON document) as a table on OUT: one line per
 * target.  0, or -1 when DOC is not such a document (logged). */
int dclient_table(const char *doc, FILE *out);
/* Exit status: 0, or 1 after one line on stderr. */
int dclient_status(const char *socket_path, int json);

#endif
