/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fcntl-locked pidfile (and lockfile).  The process that holds the
 * HOLDER lock is the daemon; the pid written in the file is only a hint.
 * pidlock_acquire() takes the lock for the calling process through a
 * read-only descriptor (the pid is written by a short-lived helper, or,
 * with pidlock_prepare(), by the process that forks the holder); every
 * removal goes through pidlock_unlink() or pidlock_remove_stale(), which
 * check under the lock that the path still names the locked file.
 */
#ifndef PIDLOCK_H
#define PIDLOCK_H

#include <sys/stat.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>

#include "safeopen.h"

/* Why pidlock_acquire() failed. */
enum pidlock_failure {
	PIDLOCK_FAIL_OPEN = 1,	/* err, refusal, at */
	PIDLOCK_FAIL_LOCKED,	/* holder: someone else runs */
	PIDLOCK_FAIL_WRITE,	/* err: writing the pid */
};

struct pidlock_fail {
	int what;		/* enum pidlock_failure */
	int err;
	pid_t holder;
	int refusal;		/* REFUSE_*, from report.h */
	size_t at;		/* a refused link: its path prefix length */
};

int pidlock_acquire(const char *path, bool write_pid, struct pidlock_fail *f);

/*
 * The same protocol split between a writer and the holder it forks, so
 * that no process is forked for it (the detached start: intermediate and
 * daemon).  The writer calls pidlock_prepare() before the fork, then
 * pidlock_write_for() (or pidlock_abandon() if the fork failed); the
 * holder calls pidlock_hold(), which returns once the writer is gone.
 */
struct pidlock_start {
	struct safeopen so;	/* the file's directory and name */
	int wfd;		/* writable: the writer's alone */
	int rfd;		/* read-only: becomes the holder's */
	int sock[2];		/* [0] the writer's end, [1] the holder's */
};

int pidlock_prepare(const char *path, struct pidlock_start *s,
    struct pidlock_fail *f);
int pidlock_hold(struct pidlock_start *s, struct pidlock_fail *f);
noreturn void pidlock_write_for(struct pidlock_start *s, pid_t holder);
void pidlock_abandon(struct pidlock_start *s);
bool pidlock_names(const char *path, int fd);
int pidlock_open(const char *path, int *refusal);
int pidlock_write(int fd, pid_t pid);
int pidlock_unlink(const char *path, int fd);

enum pidlock_state {
	PIDLOCK_HELD,		/* a process holds the lock: *holder */
	PIDLOCK_FREE,		/* the file exists, nobody holds the lock */
	PIDLOCK_ABSENT,		/* no file */
	PIDLOCK_UNKNOWN,	/* cannot tell: errno, or *refusal */
};

enum pidlock_state pidlock_query(const char *path, pid_t *holder,
    struct stat *st, int *refusal);
pid_t pidlock_hint(const char *path);
int pidlock_remove_stale(const char *path, const struct stat *seen);

#endif
