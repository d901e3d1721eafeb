/*
 * Privileges: drop root to an unprivileged user, keep only the Linux
 * capabilities a program still needs once its privileged resources are
 * open.  Every failure is logged as one line naming the call.
 */
#ifndef SYNSCOPE_SYS_PRIV_H
#define SYNSCOPE_SYS_PRIV_H

#include <sys/capability.h>

/* Drop to USER: supplementary groups (initgroups), then gid, then uid,
 * each checked, then verified (getresuid/getresgid, and setuid(0) must now
 * fail); all capabilities are cleared, the bounding set emptied (when
 * CAP_SETPCAP allows) and no_new_privs set.  Returns 0 or -1 (logged). */
int priv_drop_to_user(const char *user);

/* Keep only CAPS[0..n-1] in the permitted and effective sets, drop the
 * rest, and shrink the bounding set where allowed.  Succeeds without doing
 * anything when the process holds nothing beyond those.  0 or -1 (logged). */
int priv_keep_caps(const cap_value_t *caps, int n);

/* 1 if the effective set has CAP, else 0. */
int priv_has_cap(cap_value_t cap);

#endif
