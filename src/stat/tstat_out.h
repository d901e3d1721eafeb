/*
 * tcpeekstat -o FILE: replace FILE atomically.  The text goes into a new
 * temporary file in FILE's directory (".NAME.XXXXXX": node_exporter's
 * textfile collector reads only *.prom), which is flushed to disk and
 * then renamed over FILE; a reader sees the old file or the new one,
 * never a part, and on any error the old file stays as it was and the
 * temporary file is removed.
 */
#ifndef SYNSCOPE_STAT_TSTAT_OUT_H
#define SYNSCOPE_STAT_TSTAT_OUT_H

#include <stddef.h>

/* The mode of the file written: readable by a collector running as
 * another user, whatever the umask. */
#define TSTAT_OUT_MODE 0644

/* Write len bytes of data as path.  0, or -1 with a one-line reason in
 * err naming the file and the step that failed (errno kept). */
int tstat_write_file(const char *path, const char *data, size_t len,
                     char *err, size_t errlen);

/* Remove the temporary file of a write in progress, if any.  Only
 * async-signal-safe calls: for a handler that ends the program. */
void tstat_write_abandon(void);

#endif
