// SPDX-License-Identifier: BSD-2-Clause
/*
 * The daemon's own setup, before it execs the command or starts
 * supervising: run in the daemon, or with --foreground in the original
 * process, so every failure goes through report_fail().  The pidfile lock
 * is taken here, in the process that keeps it (see pidlock.c): fcntl(2)
 * locks are not inherited by fork(2), and a second open and close of the
 * file would drop them.
 */
#include "config.h"

#include <sys/stat.h>
#include <stdbool.h>

#include "exec.h"
#include "options.h"
#include "pidlock.h"
#include "redirect.h"
#include "report.h"
#include "setup.h"

/* The report for a failed pidlock_acquire(), pidlock_prepare() or _hold(). */
static void
lock_failure(const struct pidlock_fail *f, int stage, int locked_stage,
    struct report *fail)
{
	switch (f->what) {
	case PIDLOCK_FAIL_LOCKED:
		*fail = (struct report){locked_stage, f->err, f->holder, 0};
		break;
	case PIDLOCK_FAIL_WRITE:
		*fail = (struct report){STAGE_PIDFILE_WRITE, f->err, 0, 0};
		break;
	default:
		*fail = (struct report){stage, f->err, 0,
		    REFUSAL_EXTRA(f->refusal, f->at)};
		break;
	}
}

/*
 * Lock one file for this process (with write_pid, also write our pid into
 * it); on failure fill *fail.
 */
static int
take_lock(const char *path, bool write_pid, int stage, int locked_stage,
    struct report *fail)
{
	struct pidlock_fail f;
	int fd;

	if ((fd = pidlock_acquire(path, write_pid, &f)) == -1)
		lock_failure(&f, stage, locked_stage, fail);
	return (fd);
}

/*
 * In the intermediate process, before it forks the daemon: the umask, and
 * the pidfile's writer half (pidlock_prepare()), so that the daemon only
 * has to take its lock and nobody forks a writer.
 */
void
setup_pidfile_writer(const struct options *o, int reportfd,
    struct pidlock_start *s)
{
	struct pidlock_fail f;
	struct report fail;

	umask(o->umask);
	if (pidlock_prepare(o->pidfile, s, &f) == -1) {
		lock_failure(&f, STAGE_PIDFILE, STAGE_PIDFILE_LOCKED, &fail);
		report_fail(o, reportfd, &fail);
	}
}

/*
 * In the daemon (or supervisor): umask, pidfile lock and write, lockfile,
 * stdio files, in that order.  The pidfile is written with our pid before
 * anything else can fail, and removed again if something does.  With
 * writer (a detached start), the intermediate process that forked us
 * prepared the pidfile and writes our pid; else we take it ourselves.
 */
void
setup_process(const struct options *o, int reportfd,
    struct pidlock_start *writer, struct prepared *p)
{
	struct report fail = {.stage = STAGE_NONE};
	struct pidlock_fail f;
	struct stat lst;
	bool lockfile_existed = o->lockfile != NULL &&
	    lstat(o->lockfile, &lst) == 0;

	*p = (struct prepared){.pidfile_fd = -1, .lockfile_fd = -1};
	umask(o->umask);
	if (writer != NULL) {
		if ((p->pidfile_fd = pidlock_hold(writer, &f)) == -1) {
			lock_failure(&f, STAGE_PIDFILE, STAGE_PIDFILE_LOCKED,
			    &fail);
			report_fail(o, reportfd, &fail);
		}
	} else if (o->pidfile != NULL) {
		p->pidfile_fd = take_lock(o->pidfile, true, STAGE_PIDFILE,
		    STAGE_PIDFILE_LOCKED, &fail);
		if (p->pidfile_fd == -1)
			report_fail(o, reportfd, &fail);
	}
	/* -l may name the pidfile: a second open and close would drop the lock. */
	if (o->lockfile != NULL && !(p->pidfile_fd >= 0 &&
	    pidlock_names(o->lockfile, p->pidfile_fd))) {
		p->lockfile_fd = take_lock(o->lockfile, false, STAGE_LOCKFILE,
		    STAGE_LOCKFILE_LOCKED, &fail);
		if (p->lockfile_fd == -1)
			goto undo;
		p->lockfile_created = !lockfile_existed;
	}
	if (redirect_open(o, &p->io, (int[]){p->pidfile_fd, p->lockfile_fd},
	    2, &fail) == -1)
		goto undo;
	return;
undo:
	setup_undo(o, p);
	report_fail(o, reportfd, &fail);
}

/*
 * Remove what setup_process() created, while this process still holds the
 * locks: the stdio files it made, a lockfile it created, the pidfile.
 */
void
setup_undo(const struct options *o, const struct prepared *p)
{
	redirect_undo(o, &p->io);
	if (p->lockfile_created)
		pidlock_unlink(o->lockfile, p->lockfile_fd);
	if (p->pidfile_fd >= 0)
		pidlock_unlink(o->pidfile, p->pidfile_fd);
}
