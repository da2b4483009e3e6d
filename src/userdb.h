// SPDX-License-Identifier: BSD-2-Clause
/*
 * The user and group databases, for creds_resolve() in the original
 * process.  A normal build asks the C library, so every nsswitch.conf(5)
 * source counts.  A static binary (configure --enable-static-binary)
 * cannot load NSS modules: it reads /etc/passwd and /etc/group itself,
 * whatever nsswitch.conf names.  Results point to static storage, as
 * getpwnam(3)'s do.
 */
#ifndef USERDB_H
#define USERDB_H

#include <sys/types.h>
#include <grp.h>
#include <pwd.h>

struct passwd *userdb_user(const char *name);
struct passwd *userdb_uid(uid_t uid);
struct group *userdb_group(const char *name);

/* getgrouplist(3): gid, then every group listing user; -1 if too many. */
int userdb_grouplist(const char *user, gid_t gid, gid_t *groups,
    int *ngroups);

#endif
