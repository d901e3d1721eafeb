/*
 * Opening the directory of a file that a privileged process is about to
 * create (tcpeek's stats socket), so that nothing an unprivileged user can
 * change on the way makes it act on another file.
 *
 * Every component of the directory's canonical path is opened from "/"
 * with O_NOFOLLOW, one descriptor at a time, and the caller then works
 * relative to the returned descriptor (never by name again).  A missing
 * last directory is created with mkdirat and fixed up through its own
 * descriptor (fchown, fchmod), never by name.
 *
 * Strict mode (for a process running as root): every directory on the
 * way must belong to root and be writable by nobody else, except a
 * root-owned sticky directory (/tmp, /run/lock) where others cannot move
 * or remove what is not theirs.  Group write is accepted for group root.
 */
#ifndef SYNSCOPE_SYS_SAFEDIR_H
#define SYNSCOPE_SYS_SAFEDIR_H

#include <stdbool.h>
#include <sys/types.h>

#define SAFEDIR_ERRLEN 512

struct safedir_create {
	mode_t mode;            /* mode of a directory created here */
	gid_t group;            /* its group, (gid_t)-1 to keep ours */
};

/*
 * Split path into its directory and last component: base points into
 * path; the directory is copied into dir (dirlen bytes), "." for a bare
 * name.  -1 (message in err) for an empty path or a last component that
 * is empty, "." or "..".
 */
int safedir_split(const char *path, char *dir, size_t dirlen, const char **base,
                  char *err, size_t errlen);

/*
 * Open directory dir (O_DIRECTORY, close-on-exec), creating it if it is
 * missing and mk is not NULL (only the last level; its parent must
 * exist).  *created tells whether this call made it.  Returns the
 * descriptor, or -1 with a one-line reason naming the directory in err.
 */
int safedir_open(const char *dir, const struct safedir_create *mk, bool strict,
                 bool *created, char *err, size_t errlen);

/* NULL when st may hold a root-created file in strict mode, else the
 * reason (for messages and tests). */
const char *safedir_unsafe_reason(uid_t uid, gid_t gid, mode_t mode);

#endif
