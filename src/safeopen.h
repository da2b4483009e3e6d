/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Opening a path for a privileged process without following a link that a
 * user other than root could have planted: through it, that user could
 * make root write or truncate any file on the system.  The path
 * is walked one component at a time from "/", holding a descriptor of
 * each directory, so a rename behind our back cannot redirect the walk.
 * A symbolic link is followed only while every directory traversed so far
 * (the one holding the link included) can be written by root alone; once
 * the walk has passed a directory someone else can write, no link is
 * followed and the path is "untrusted".  When not running as root, every
 * directory is trusted: the caller can only reach what it could anyway.
 *
 * On success the caller gets the file's directory (an O_PATH descriptor)
 * and name, to open, verify (fstatat) or unlink (unlinkat) the very entry
 * that was resolved; safeopen_close() releases it.
 */
#ifndef SAFEOPEN_H
#define SAFEOPEN_H

#include <sys/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct safeopen {
	int dirfd;		/* the file's directory (O_PATH), or -1 */
	const char *name;	/* the file's name in it (points into buf) */
	bool trusted;		/* only root can change any directory on it */
	int refusal;		/* REFUSE_SYMLINK when a link was refused */
	size_t at;		/* ... a directory: length of its path prefix */
	char buf[PATH_MAX];
};

int safeopen_dir(const char *path, struct safeopen *so);
int safeopen_open(const char *path, int flags, mode_t mode, bool follow,
    struct safeopen *so);
int safeopen_unlinkat(int dirfd, const char *name, int fd);
int safeopen_unlink(const char *path, int fd);
void safeopen_close(struct safeopen *so);

#endif
