// SPDX-License-Identifier: BSD-2-Clause
/*
 * Credentials.  creds_resolve() runs in the original process before any
 * fork: the user and group databases are read while the caller can still
 * be told "unknown user", and before --chroot hides /etc.  creds_apply()
 * runs in the daemon (or each supervised child) as the last privileged
 * step: supplementary groups, then the gid, then the uid, then a check
 * that root cannot be regained, in that order (see setuid(2)).
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "exitcodes.h"
#include "parse.h"
#include "report.h"
#include "userdb.h"

/* A group by name or number; errx(67) when there is no such group. */
static gid_t
lookup_group(const char *name)
{
	struct group *gr;
	long long n;

	if ((gr = userdb_group(name)) != NULL)
		return (gr->gr_gid);
	if (parse_number(name, 0, UINT_MAX - 1, &n) == NULL)
		return ((gid_t)n);
	errx(EXIT_NOUSER, "find group %s: no such group", name);
}

/*
 * Resolve -u USER[:GROUP] and -g GROUP.  Without a group, the user's
 * primary group and its supplementary groups (initgroups(3) semantics);
 * with one, exactly that group and no supplementary groups.  -g alone
 * keeps the uid and changes only the groups.
 */
void
creds_resolve(struct creds *c, const char *userspec, const char *group)
{
	struct passwd *pw;
	char *user = NULL, *colon;
	long long n;

	/* Nothing reads the ids unless -u or -g changes them. */
	*c = (struct creds){.uid = (uid_t)-1, .gid = (gid_t)-1};
	if (userspec == NULL && group == NULL)
		return;
	c->uid = getuid();
	c->gid = getgid();
	if (userspec != NULL) {
		if ((user = strdup(userspec)) == NULL)
			err(EXIT_OSERR, "resolve user");
		if ((colon = strchr(user, ':')) != NULL) {
			*colon = '\0';
			if (group == NULL && colon[1] != '\0')
				group = colon + 1;
		}
		if (*user == '\0')
			errx(EXIT_NOUSER, "find user %s: empty user name",
			    userspec);
		errno = 0;
		if ((pw = userdb_user(user)) == NULL &&
		    parse_number(user, 0, UINT_MAX - 1, &n) == NULL)
			pw = userdb_uid((uid_t)n);
		if (pw == NULL)
			errx(EXIT_NOUSER, "find user %s: no such user", user);
		c->change_user = true;
		c->uid = pw->pw_uid;
		c->gid = pw->pw_gid;
		if ((c->name = strdup(pw->pw_name)) == NULL ||
		    (c->home = strdup(pw->pw_dir)) == NULL ||
		    (c->shell = strdup(pw->pw_shell[0] != '\0' ?
		    pw->pw_shell : "/bin/sh")) == NULL)
			err(EXIT_OSERR, "resolve user %s", user);
	}
	if (group != NULL) {
		c->change_group = true;
		c->gid = lookup_group(group);
		c->ngroups = 1;
		if ((c->groups = malloc(sizeof(gid_t))) == NULL)
			err(EXIT_OSERR, "resolve group %s", group);
		c->groups[0] = c->gid;
	} else {
		int ngroups = 0;

		userdb_grouplist(c->name, c->gid, NULL, &ngroups);
		if ((c->groups = calloc((size_t)ngroups + 1,
		    sizeof(gid_t))) == NULL)
			err(EXIT_OSERR, "resolve groups of %s", c->name);
		if (userdb_grouplist(c->name, c->gid, c->groups,
		    &ngroups) == -1)
			errx(EXIT_OSERR, "resolve groups of %s: too many",
			    c->name);
		c->ngroups = ngroups;
	}
	free(user);
}

/* Fill *fail for the report pipe; always -1, for a return statement. */
static int
creds_failed(struct report *fail, int stage, int err)
{
	*fail = (struct report){.stage = stage, .err = err};
	return (-1);
}

/*
 * Drop to the resolved credentials, in the daemon or a supervised child.
 * Returns 0, or -1 with *fail naming the step that failed and its errno.
 */
int
creds_apply(const struct creds *c, struct report *fail)
{
	if (!c->change_user && !c->change_group)
		return (0);
	if (setgroups((size_t)c->ngroups, c->groups) == -1)
		return (creds_failed(fail, STAGE_SETGROUPS, errno));
	if (setgid(c->gid) == -1)
		return (creds_failed(fail, STAGE_SETGID, errno));
	if (!c->change_user || c->uid == 0)
		return (0);
	if (setuid(c->uid) == -1)
		return (creds_failed(fail, STAGE_SETUID, errno));
	/* Root must be out of reach now, or the drop was only pretended. */
	if (setuid(0) != -1 || seteuid(0) != -1)
		return (creds_failed(fail, STAGE_REGAIN_ROOT, EPERM));
	return (0);
}
