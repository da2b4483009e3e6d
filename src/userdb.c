// SPDX-License-Identifier: BSD-2-Clause
/*
 * User and group lookups (see userdb.h).  The static variant scans the
 * files with fgetpwent(3) and fgetgrent(3), which parse them directly and
 * load nothing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "userdb.h"

#ifndef STATIC_BINARY
struct passwd *
userdb_user(const char *name)
{
	return (getpwnam(name));
}

struct passwd *
userdb_uid(uid_t uid)
{
	return (getpwuid(uid));
}

struct group *
userdb_group(const char *name)
{
	return (getgrnam(name));
}

int
userdb_grouplist(const char *user, gid_t gid, gid_t *groups, int *ngroups)
{
	return (getgrouplist(user, gid, groups, ngroups));
}
#else
/* The first /etc/passwd entry named name (or, with name NULL, with uid). */
static struct passwd *
passwd_find(const char *name, uid_t uid)
{
	struct passwd *pw;
	FILE *f;

	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return (NULL);
	while ((pw = fgetpwent(f)) != NULL)
		if (name != NULL ? strcmp(pw->pw_name, name) == 0 :
		    pw->pw_uid == uid)
			break;
	fclose(f);
	return (pw);
}

struct passwd *
userdb_user(const char *name)
{
	return (passwd_find(name, 0));
}

struct passwd *
userdb_uid(uid_t uid)
{
	return (passwd_find(NULL, uid));
}

struct group *
userdb_group(const char *name)
{
	struct group *gr;
	FILE *f;

	if ((f = fopen("/etc/group", "re")) == NULL)
		return (NULL);
	while ((gr = fgetgrent(f)) != NULL && strcmp(gr->gr_name, name) != 0)
		;
	fclose(f);
	return (gr);
}

/* Like glibc's: counts every group when *ngroups is too small. */
int
userdb_grouplist(const char *user, gid_t gid, gid_t *groups, int *ngroups)
{
	struct group *gr;
	FILE *f;
	int n;

	if (*ngroups > 0)
		groups[0] = gid;
	n = 1;
	if ((f = fopen("/etc/group", "re")) != NULL) {
		while ((gr = fgetgrent(f)) != NULL) {
			if (gr->gr_gid == gid)
				continue;
			for (char **m = gr->gr_mem; *m != NULL; m++)
				if (strcmp(*m, user) == 0) {
					if (n < *ngroups)
						groups[n] = gr->gr_gid;
					n++;
					break;
				}
		}
		fclose(f);
	}
	if (n > *ngroups) {
		*ngroups = n;
		return (-1);
	}
	*ngroups = n;
	return (n);
}
#endif
