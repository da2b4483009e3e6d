/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fcntl-locked pidfile (and lockfile).  The process that holds the lock
 * is the daemon; the pid written in the file is only a hint.
 */
#ifndef PIDLOCK_H
#define PIDLOCK_H

#include <sys/stat.h>
#include <sys/types.h>

int pidlock_open(const char *, int *);
int pidlock_lock(int, pid_t *);
int pidlock_write(int, pid_t);
int pidlock_unlink(const char *, int);

enum pidlock_state {
	PIDLOCK_HELD,		/* a process holds the lock: *holder */
	PIDLOCK_FREE,		/* the file exists, nobody holds the lock */
	PIDLOCK_ABSENT,		/* no file */
	PIDLOCK_UNKNOWN,	/* cannot tell: errno, or *refusal */
};

enum pidlock_state pidlock_query(const char *, pid_t *, struct stat *,
    int *);
pid_t pidlock_hint(const char *);
int pidlock_remove_stale(const char *, const struct stat *);

#endif
