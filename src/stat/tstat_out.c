/* tcpeekstat -o: see tstat_out.h. */
#include "stat/tstat_out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.h"

/* The temporary file of the write in progress, for tstat_write_abandon. */
static char tmp_path[PATH_MAX];
static volatile sig_atomic_t tmp_live;

void tstat_write_abandon(void)
{
	if (tmp_live)
		unlink(tmp_path);
}

/* Flush a directory's entries (the rename) to disk; a file system that
 * cannot (EINVAL) has nothing to flush. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

int tstat_write_file(const char *path, const char *data, size_t len,
                     char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0, off = 0;
	char q[160], dir[PATH_MAX];     /* dir: later the quoted temporary name */
	const char *step;
	ssize_t w;
	int fd = -1, e;

	txt_escape(q, sizeof(q), path, strlen(path));
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		txt_printf(err, errlen, "%s: names a directory, not a file", q);
		errno = EISDIR;
		return -1;
	}
	if (dirlen + strlen(base) + 9 >= sizeof(tmp_path)) {
		txt_printf(err, errlen, "%s: path too long", q);
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", dirlen ? (int)dirlen : 1, dirlen ? path : ".");
	tmp_live = 0;
	snprintf(tmp_path, sizeof(tmp_path), "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	fd = mkostemp(tmp_path, O_CLOEXEC);
	if (fd == -1) {
		e = errno;
		txt_printf(err, errlen, "%s: cannot create a temporary file in %s: %s",
		           q, dir, strerror(e));
		errno = e;
		return -1;
	}
	tmp_live = 1;
	step = "fchmod";
	if (fchmod(fd, TSTAT_OUT_MODE) == -1)
		goto fail;
	step = "write";
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			goto fail;
		}
		off += (size_t)w;
	}
	step = "fsync";
	if (fsync(fd) == -1)
		goto fail;
	step = "close";
	e = close(fd);
	fd = -1;
	if (e == -1)
		goto fail;
	step = "rename of";
	if (rename(tmp_path, path) == -1)
		goto fail;
	tmp_live = 0;
	sync_dir(dir);
	return 0;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp_path);
	tmp_live = 0;
	txt_escape(dir, sizeof(dir), tmp_path, strlen(tmp_path));
	txt_printf(err, errlen, "%s: %s %s: %s; the old file is left as it was",
	           q, step, dir, strerror(e));
	errno = e;
	return -1;
}
