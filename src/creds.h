/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Credentials for -u and -g.  creds_resolve() runs in the original process,
 * still attached, before any fork (the passwd and group databases may not
 * exist inside --chroot): it fills c from userspec (USER[:GROUP], a name or
 * a number) and group, and exits with err(3) for an unknown user or group.
 * creds_apply() runs in the daemon or a supervised child just before exec:
 * it drops to c and, like every step on that side, fills a struct report
 * (report.h) when it fails instead of printing.
 */
#ifndef CREDS_H
#define CREDS_H

#include <sys/types.h>
#include <stdbool.h>

struct report;

struct creds {
	bool change_user;	/* -u given */
	bool change_group;	/* -g or -u USER:GROUP given */
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary groups to set */
	int ngroups;
	char *name;		/* for USER, LOGNAME */
	char *home;
	char *shell;
};

void creds_resolve(struct creds *c, const char *userspec, const char *group);
int creds_apply(const struct creds *c, struct report *fail);

#endif
