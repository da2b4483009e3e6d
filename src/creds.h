/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Credentials: looked up before forking (the passwd and group databases may
 * not exist inside --chroot), applied in the daemon just before exec.
 */
#ifndef CREDS_H
#define CREDS_H

#include <sys/types.h>
#include <stdbool.h>

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
int creds_apply(const struct creds *c, int *stage);

#endif
