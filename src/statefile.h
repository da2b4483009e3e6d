/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The supervisor's state file, PIDFILE.state next to the pidfile: what only
 * the supervisor knows (its child's pid and argv, the restarts, how the last
 * child ended), for --status and --list.  The supervisor writes it with
 * write-then-rename, so a reader sees a whole file or none, and removes it
 * with its pidfile.  A reader trusts it only when it is a regular file with
 * one link, owned by the lock holder's user who must be root or the reader,
 * writable by nobody else, and names the lock holder as its supervisor: a
 * daemon running as -u cannot forge it.
 */
#ifndef STATEFILE_H
#define STATEFILE_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

struct statefile {
	pid_t supervisor;
	pid_t child;		/* 0: no child runs (back-off, stopping) */
	unsigned restarts;	/* since the supervisor started */
	char *last_exit;	/* "exited 1", "killed by SIGSEGV"; NULL: none */
	char *user;		/* the user children run as */
	char **argv;		/* the command as the supervisor executes it */
	void *mem;		/* read: the buffer the strings point into */
};

int statefile_publish(const char *pidfile, const struct statefile *st);
void statefile_remove(const char *pidfile);
void statefile_remove_orphan(const char *pidfile);
int statefile_read(const char *pidfile, pid_t supervisor, uid_t owner,
    struct statefile *st);
void statefile_free(struct statefile *st);
void statefile_describe(int status, char *buf, size_t len);

#endif
