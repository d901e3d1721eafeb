/* The role file of check_tcp_raw (-r): one byte from a regular file.
 *
 * fopen() + fgetc() on a FIFO wait forever (for a writer, then for a
 * byte), and keepalived then kills the check with no reason given.  So
 * the path is looked at before it is opened (opening a device can act or
 * block), opened non-blocking, and the descriptor judged again, since the
 * path may have been replaced in between. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/run.h"

static const char *kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "an unknown kind";
}

/* "PRE'PATH'POST[: strerror(E)]" into ERR; returns -1. */
static int why(char *err, size_t cap, int e, const char *pre, const char *path,
               const char *post)
{
	size_t n;

	snprintf(err, cap, "%s'%s'%s", pre, path, post);
	n = strlen(err);
	if (e != 0 && n < cap)
		snprintf(err + n, cap - n, ": %s", strerror(e));
	return -1;
}

/* ": not a regular file (a FIFO)" */
static int not_regular(char *err, size_t cap, const char *path, mode_t m)
{
	char post[64];

	snprintf(post, sizeof(post), ": not a regular file (%s)", kind(m));
	return why(err, cap, 0, "role file ", path, post);
}

int chk_role_probe(const char *path, char *err, size_t cap)
{
	struct stat st;
	ssize_t n;
	char ch;
	int fd, e;

	if (stat(path, &st) != 0)
		return why(err, cap, errno, "role file ", path, "");
	if (!S_ISREG(st.st_mode))
		return not_regular(err, cap, path, st.st_mode);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return why(err, cap, errno, "role file ", path, "");
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return why(err, cap, e, "role file ", path, "");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return not_regular(err, cap, path, st.st_mode);
	}
	do
		n = read(fd, &ch, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		e = errno;
		close(fd);
		return why(err, cap, e, "reading role file ", path, "");
	}
	close(fd);
	return n == 1 && ch == '1';
}

int chk_read_role(const char *path, struct chk_report *r)
{
	char err[CHK_REASON_MAX];
	int rc = chk_role_probe(path, err, sizeof(err));

	if (rc < 0)
		chk_error(r, CHK_OUT_ROLE_FILE, 0, "%s", err);
	return rc;
}
