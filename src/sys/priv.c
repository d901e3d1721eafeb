/* Privilege dropping (see priv.h).  Order matters: groups and gid must be
 * changed while we are still root, uid last; then verify, because a partial
 * drop that goes unnoticed is worse than refusing to run. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include "sys/log.h"
#include "sys/priv.h"

static int in_list(cap_value_t c, const cap_value_t *caps, int n)
{
	for (int i = 0; i < n; i++)
		if (caps[i] == c)
			return 1;
	return 0;
}

static int clear_all_caps(void)
{
	cap_t c = cap_init();	/* cap_init() yields an empty set */
	int rc;

	if (c == NULL) {
		log_warn("cap_init");
		return -1;
	}
	rc = cap_set_proc(c);
	if (rc != 0)
		log_warn("cap_set_proc (clearing all capabilities)");
	cap_free(c);
	return rc == 0 ? 0 : -1;
}

int priv_drop_to_user(const char *user)
{
	struct passwd *pw;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		if (errno != 0)
			log_warn("getpwnam(\"%s\")", user);
		else
			log_warnx("getpwnam(\"%s\"): no such user", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0) {
		log_warn("initgroups(\"%s\")", user);
		return -1;
	}
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0) {
		log_warn("setresgid(%u) for user \"%s\"", (unsigned)pw->pw_gid, user);
		return -1;
	}
	/* Empty the bounding set while we still have CAP_SETPCAP (root does;
	 * without it, EPERM: the set stays), so that no program we could
	 * be made to execute brings a file capability back. */
	for (cap_value_t c = 0; cap_valid(c); c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EPERM &&
		    errno != EINVAL) {
			log_warn("prctl(PR_CAPBSET_DROP, %d)", (int)c);
			return -1;
		}
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		log_warn("setresuid(%u) for user \"%s\"", (unsigned)pw->pw_uid, user);
		return -1;
	}
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0) {
		log_warn("getresuid/getresgid after dropping to \"%s\"", user);
		return -1;
	}
	if (ru != pw->pw_uid || eu != pw->pw_uid || su != pw->pw_uid ||
	    rg != pw->pw_gid || eg != pw->pw_gid || sg != pw->pw_gid) {
		log_warnx("dropping to user \"%s\": ids did not change as asked", user);
		return -1;
	}
	/* A non-root target must not be able to regain root. */
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		log_warnx("dropping to user \"%s\": setuid(0) still succeeds", user);
		return -1;
	}
	if (clear_all_caps() != 0)
		return -1;
	/* Nor a set-user-ID program our uid back to root. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_warn("prctl(PR_SET_NO_NEW_PRIVS)");
		return -1;
	}
	return 0;
}

int priv_keep_caps(const cap_value_t *caps, int n)
{
	cap_t cur = cap_get_proc();
	cap_t want = NULL;
	int extra = 0, rc = -1;

	if (cur == NULL) {
		log_warn("cap_get_proc");
		return -1;
	}
	/* Anything held (permitted or effective) beyond the list? */
	for (cap_value_t c = 0; cap_valid(c); c++) {
		cap_flag_value_t p = CAP_CLEAR, e = CAP_CLEAR, i = CAP_CLEAR;

		if (in_list(c, caps, n))
			continue;
		cap_get_flag(cur, c, CAP_PERMITTED, &p);
		cap_get_flag(cur, c, CAP_EFFECTIVE, &e);
		cap_get_flag(cur, c, CAP_INHERITABLE, &i);
		if (p == CAP_SET || e == CAP_SET || i == CAP_SET)
			extra = 1;
	}
	if (!extra) {
		rc = 0;
		goto out;
	}
	/* Shrink the bounding set first: it needs CAP_SETPCAP, which we are
	 * about to give up.  Without it (EPERM) the bounding set stays; the
	 * permitted set below is what actually limits us. */
	for (cap_value_t c = 0; cap_valid(c); c++) {
		if (in_list(c, caps, n))
			continue;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EPERM &&
		    errno != EINVAL) {
			log_warn("prctl(PR_CAPBSET_DROP, %d)", (int)c);
			goto out;
		}
	}
	want = cap_init();
	if (want == NULL) {
		log_warn("cap_init");
		goto out;
	}
	for (int k = 0; k < n; k++) {
		cap_flag_value_t p = CAP_CLEAR;
		cap_value_t one = caps[k];

		/* Only keep what we hold: asking for more fails with EPERM. */
		if (cap_get_flag(cur, one, CAP_PERMITTED, &p) != 0 || p != CAP_SET)
			continue;
		if (cap_set_flag(want, CAP_PERMITTED, 1, &one, CAP_SET) != 0 ||
		    cap_set_flag(want, CAP_EFFECTIVE, 1, &one, CAP_SET) != 0) {
			log_warn("cap_set_flag(%d)", (int)one);
			goto out;
		}
	}
	if (cap_set_proc(want) != 0) {
		log_warn("cap_set_proc (keeping %d capabilities)", n);
		goto out;
	}
	rc = 0;
out:
	if (want != NULL)
		cap_free(want);
	cap_free(cur);
	return rc;
}

int priv_has_cap(cap_value_t cap)
{
	cap_t cur = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (cur == NULL)
		return 0;
	if (cap_get_flag(cur, cap, CAP_EFFECTIVE, &v) != 0)
		v = CAP_CLEAR;
	cap_free(cur);
	return v == CAP_SET;
}
