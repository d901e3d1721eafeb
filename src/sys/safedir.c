/* Safe opening of a directory for a privileged file creation: see safedir.h. */
#include "sys/safedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int safedir_split(const char *path, char *dir, size_t dirlen, const char **base,
                  char *err, size_t errlen)
{
	const char *slash;
	size_t n;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "empty path");
		return -1;
	}
	slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		snprintf(err, errlen, "%s: does not end in a file name", path);
		return -1;
	}
	if (slash == NULL) {
		n = 1;
		path = ".";
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);     /* "/x": "/" */
	}
	if (n >= dirlen) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

const char *safedir_unsafe_reason(uid_t uid, gid_t gid, mode_t mode)
{
	bool others_write = (mode & S_IWOTH) || ((mode & S_IWGRP) && gid != 0);

	if (uid != 0)
		return "is not owned by root";
	if (others_write && !(mode & S_ISVTX))
		return "is writable by users other than root and not sticky";
	return NULL;
}

/* fstat fd and apply the strict rule; 0, or -1 with err set. */
static int check_dir(int fd, const char *name, bool strict, char *err, size_t errlen)
{
	struct stat st;
	const char *why;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", name);
		return -1;
	}
	if (!strict)
		return 0;
	why = safedir_unsafe_reason(st.st_uid, st.st_gid, st.st_mode);
	if (why != NULL) {
		snprintf(err, errlen, "%s %s (owner uid %u, mode %04o): another user "
		         "could swap the path, refusing to create files there as root",
		         name, why, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

#define SAFEDIR_MAX_LINKS 40

/* Append component comp to the display path cur ("/" at the start). */
static void cur_push(char *cur, size_t len, const char *comp)
{
	size_t n = strlen(cur);

	if (strcmp(comp, "..") == 0) {
		char *slash = strrchr(cur, '/');

		if (slash != NULL && slash != cur)
			*slash = '\0';
		else
			snprintf(cur, len, "/");
		return;
	}
	snprintf(cur + n, len - n, "%s%s", (n > 0 && cur[n - 1] == '/') ? "" : "/", comp);
}

/*
 * Walk path from "/" (a relative path from the working directory's
 * absolute name), one component at a time, never letting the kernel
 * follow a link: a symbolic link is read and its target walked in turn,
 * and in strict mode only if it lies in a directory nobody but root can
 * change, or is root's own link in a sticky one.  Every directory reached
 * is checked.  Returns the descriptor of the directory named by path; if
 * only its last component is missing and *last is not NULL, returns the
 * parent's descriptor and copies that name to last (else -1 and err).
 */
static int walk(const char *path, bool strict, char *last, size_t lastlen,
                char *err, size_t errlen)
{
	char rest[2 * PATH_MAX], cur[PATH_MAX], target[PATH_MAX], comp[NAME_MAX + 1];
	int fd, nfd, links = 0;
	struct stat st;
	const char *p;
	size_t n;
	ssize_t tl;

	if (path[0] == '/') {
		snprintf(rest, sizeof(rest), "%s", path);
	} else {
		if (getcwd(cur, sizeof(cur)) == NULL) {
			snprintf(err, errlen, "%s: working directory: %s", path, strerror(errno));
			return -1;
		}
		if ((size_t)snprintf(rest, sizeof(rest), "%s/%s", cur, path) >= sizeof(rest)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
	}
	snprintf(cur, sizeof(cur), "/");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "/: %s", strerror(errno));
		return -1;
	}
	if (check_dir(fd, "/", strict, err, errlen) == -1)
		goto fail;
	for (;;) {
		/* next component of rest */
		for (p = rest; *p == '/'; p++)
			;
		if (*p == '\0')
			return fd;
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			snprintf(err, errlen, "%s: a name in it is too long", path);
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		memmove(rest, p + n, strlen(p + n) + 1);
		if (strcmp(comp, ".") == 0)
			continue;
		if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			const char *q;

			for (q = rest; *q == '/'; q++)
				;
			if (errno == ENOENT && *q == '\0' && last != NULL &&
			    strlen(comp) < lastlen) {
				memcpy(last, comp, strlen(comp) + 1);
				return fd;      /* the caller creates it */
			}
			cur_push(cur, sizeof(cur), comp);
			snprintf(err, errlen, "%s: %s%s", cur, strerror(errno),
			         errno == ENOENT && last != NULL
			         ? " (only the last directory is created)" : "");
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			if (++links > SAFEDIR_MAX_LINKS) {
				snprintf(err, errlen, "%s: too many symbolic links", path);
				goto fail;
			}
			if (strict && st.st_uid != 0) {
				struct stat ds;

				/* a link in a directory others can write is
				 * followed only if root made it */
				if (fstat(fd, &ds) == -1 ||
				    (ds.st_mode & S_IWOTH) || ((ds.st_mode & S_IWGRP) && ds.st_gid != 0)) {
					cur_push(cur, sizeof(cur), comp);
					snprintf(err, errlen, "%s is a symbolic link of uid %u in a "
					         "directory others can write: not followed as root",
					         cur, (unsigned)st.st_uid);
					goto fail;
				}
			}
			tl = readlinkat(fd, comp, target, sizeof(target) - 1);
			if (tl <= 0 || (size_t)tl + strlen(rest) + 2 > sizeof(rest)) {
				cur_push(cur, sizeof(cur), comp);
				snprintf(err, errlen, "%s: cannot read the link", cur);
				goto fail;
			}
			target[tl] = '\0';
			/* the target's components come first */
			memmove(rest + tl + 1, rest, strlen(rest) + 1);
			memcpy(rest, target, (size_t)tl);
			rest[tl] = '/';
			if (target[0] == '/') {
				close(fd);
				snprintf(cur, sizeof(cur), "/");
				fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (fd == -1) {
					snprintf(err, errlen, "/: %s", strerror(errno));
					return -1;
				}
			}
			continue;
		}
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		cur_push(cur, sizeof(cur), comp);
		if (nfd == -1) {
			snprintf(err, errlen, "%s: %s", cur, errno == ELOOP
			         ? "became a symbolic link while being opened" : strerror(errno));
			goto fail;
		}
		close(fd);
		fd = nfd;
		if (check_dir(fd, cur, strict, err, errlen) == -1)
			goto fail;
	}
fail:
	close(fd);
	return -1;
}

int safedir_open(const char *dir, const struct safedir_create *mk, bool strict,
                 bool *created, char *err, size_t errlen)
{
	char last[NAME_MAX + 1] = "";
	int pfd, fd;

	*created = false;
	pfd = walk(dir, strict, mk ? last : NULL, sizeof(last), err, errlen);
	if (pfd == -1 || last[0] == '\0')
		return pfd;
	/* missing: create the last level, owner-only until it is fixed
	 * through its own descriptor below */
	if (mkdirat(pfd, last, 0700) == 0)
		*created = true;
	else if (errno != EEXIST) {
		snprintf(err, errlen, "%s: mkdir: %s", dir, strerror(errno));
		close(pfd);
		return -1;
	}
	fd = openat(pfd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(pfd);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", dir,
		         errno == ELOOP || errno == ENOTDIR
		         ? "is a symbolic link or not a directory" : strerror(errno));
		return -1;
	}
	if (*created) {
		if (mk->group != (gid_t)-1 && fchown(fd, (uid_t)-1, mk->group) == -1) {
			snprintf(err, errlen, "%s: chown: %s", dir, strerror(errno));
			close(fd);
			return -1;
		}
		/* after the chown, which may clear mode bits */
		if (fchmod(fd, mk->mode & 07777) == -1) {
			snprintf(err, errlen, "%s: chmod: %s", dir, strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (check_dir(fd, dir, strict, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}
