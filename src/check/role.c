/* The role file of check_tcp_raw (-r): one byte from a regular file.
 *
 * fopen() + fgetc() on a FIFO wait forever (for a writer, then for a
 * byte), and keepalived then kills the check with no reason given.  So
 * the path is looked at before it is opened (opening a device can act or
 * block), opened non-blocking, and the descriptor judged again, since the
 * path may have been replaced in between. */
#include <errno.h>
#include <fcntl.h>
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

static int not_regular(struct chk_report *r, const char *path, mode_t m)
{
	chk_error(r, CHK_OUT_ROLE_FILE, 0, "role file '%s': not a regular file (%s)", path,
	          kind(m));
	return -1;
}

int chk_read_role(const char *path, struct chk_report *r)
{
	struct stat st;
	ssize_t n;
	char ch;
	int fd;

	if (stat(path, &st) != 0) {
		chk_error(r, CHK_OUT_ROLE_FILE, errno, "role file '%s'", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		return not_regular(r, path, st.st_mode);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		chk_error(r, CHK_OUT_ROLE_FILE, errno, "role file '%s'", path);
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		chk_error(r, CHK_OUT_ROLE_FILE, errno, "role file '%s'", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return not_regular(r, path, st.st_mode);
	}
	do
		n = read(fd, &ch, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		chk_error(r, CHK_OUT_ROLE_FILE, errno, "reading role file '%s'", path);
		close(fd);
		return -1;
	}
	close(fd);
	return n == 1 && ch == '1';
}
