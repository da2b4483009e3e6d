// SPDX-License-Identifier: BSD-2-Clause
/*
 * Control commands, run in a fresh daemonize process by scripts.
 *
 * The daemon is the process that holds the pidfile's fcntl lock, as F_GETLK
 * reports it; the pid written in the file is only a hint.  A stale file
 * whose text names a recycled pid therefore never gets that process
 * signalled, even when root runs --stop on a file an unprivileged user
 * could forge: forging the lock would need the process itself.
 *
 * Signals go through a pidfd (pidfd_open(2), pidfd_send_signal(2)) opened
 * after the lock named the pid and checked against the lock again, so the
 * pid cannot be recycled between lookup and kill; the wait polls the same
 * pidfd, which becomes readable the moment the process exits (a zombie
 * counts as gone).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "exitcodes.h"
#include "facts.h"
#include "options.h"
#include "parse.h"
#include "pidlock.h"
#include "report.h"
#include "statefile.h"

static int
pidfd_open_(pid_t pid)
{
	return ((int)syscall(SYS_pidfd_open, pid, 0));
}

static int
pidfd_signal(int pidfd, int sig)
{
	return ((int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0));
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Wait up to timeout_ms for the process behind pidfd to exit.  Returns 1
 * when it is gone, 0 on timeout.
 */
static int
pidfd_wait(int pidfd, long long timeout_ms)
{
	long long deadline = now_ms() + timeout_ms, left;
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (n > 0)
			return (1);
		if (n == 0 && left == 0)
			return (0);
		if (n == -1 && errno != EINTR)
			return (0);
	}
}

/* Describe a query that could not tell, for exit code 4. */
static void
warn_unknown(const char *path, int refusal, int e)
{
	if (refusal == REFUSE_SYMLINK)
		warnx("read pidfile %s: refusing a symbolic link", path);
	else if (refusal == REFUSE_NOT_REGULAR)
		warnx("read pidfile %s: not a regular file", path);
	else if (e == ESRCH)
		warnx("read pidfile %s: the lock holder is not visible "
		    "from here", path);
	else
		warnc(e, "read pidfile %s", path);
}

/* What find_daemon() returns when there is no pidfd to give. */
enum {
	FIND_ABSENT = -1,	/* no pidfile */
	FIND_STALE = -2,	/* a pidfile nobody holds: *st says which */
	FIND_UNKNOWN = -3,	/* cannot tell; a message was printed */
};

/*
 * Find the daemon: the pidfile's lock holder, as a pidfd opened after the
 * lock named the pid and checked against the lock again, so the pid cannot
 * have been recycled in between.  Returns the pidfd (*holder its pid) or
 * one of FIND_*.
 */
static int
find_daemon(const struct options *o, const char *action, pid_t *holder,
    struct stat *st)
{
	pid_t again;
	int pidfd, refusal;

	switch (pidlock_query(o->pidfile, holder, st, &refusal)) {
	case PIDLOCK_ABSENT:
		return (FIND_ABSENT);
	case PIDLOCK_FREE:
		return (FIND_STALE);
	case PIDLOCK_UNKNOWN:
		warn_unknown(o->pidfile, refusal, errno);
		return (FIND_UNKNOWN);
	case PIDLOCK_HELD:
		break;
	}
	if ((pidfd = pidfd_open_(*holder)) == -1) {
		if (errno == ESRCH)
			return (FIND_STALE);
		warn("%s pid %d", action, (int)*holder);
		return (FIND_UNKNOWN);
	}
	switch (pidlock_query(o->pidfile, &again, st, &refusal)) {
	case PIDLOCK_HELD:
		if (again == *holder)
			return (pidfd);
		break;
	case PIDLOCK_UNKNOWN:
		close(pidfd);
		warn_unknown(o->pidfile, refusal, errno);
		return (FIND_UNKNOWN);
	default:
		break;
	}
	/* The holder exited between the two looks: not running. */
	close(pidfd);
	return (FIND_STALE);
}

/*
 * The LSB answer from the lock; with -v or --format=json, the facts behind
 * it on stdout (facts.c).
 */
int
control_status(const struct options *o)
{
	enum pidlock_state state;
	struct stat st;
	pid_t holder;
	int refusal;

	state = pidlock_query(o->pidfile, &holder, &st, &refusal);
	if (state == PIDLOCK_UNKNOWN) {
		warn_unknown(o->pidfile, refusal, errno);
		return (LSB_UNKNOWN);
	}
	if (o->verbose || o->json)
		facts_status(o, state, holder);
	return (state == PIDLOCK_HELD ? LSB_RUNNING :
	    state == PIDLOCK_FREE ? LSB_DEAD_PIDFILE : LSB_NOT_RUNNING);
}

/*
 * Send the schedule's signals to pid and wait for it to exit.  A KILL step
 * also hits the process group, unless it is our own.  Returns STOP_OK,
 * STOP_STILL_RUNNING or EXIT_NOPERM.
 */
static int
stop_pidfd(int pidfd, pid_t pid, const struct retry_schedule *r,
    bool verbose)
{
	pid_t pgid = getpgid(pid);

	do {
		for (int i = 0; i < r->nsteps; i++) {
			int sig = r->step[i].signo;

			if (pidfd_signal(pidfd, sig) == -1) {
				if (errno == ESRCH)
					return (STOP_OK);
				if (errno == EPERM) {
					warnc(errno, "signal pid %d", (int)pid);
					return (EXIT_NOPERM);
				}
			}
			if (sig == SIGKILL && pgid > 1 && pgid != getpgrp())
				kill(-pgid, SIGKILL);
			if (verbose)
				fprintf(stderr, "daemonize: sent SIG%s to pid "
				    "%d\n", signal_name(sig) ? signal_name(sig) :
				    "?", (int)pid);
			if (pidfd_wait(pidfd, r->step[i].timeout_ms))
				return (STOP_OK);
		}
	} while (r->forever);
	return (STOP_STILL_RUNNING);
}

/*
 * Wait up to timeout_ms for pid to exit (a zombie counts as gone).
 * Returns 1 when it is gone, 0 on timeout or when it cannot tell.
 */
int
control_wait_gone(pid_t pid, long long timeout_ms)
{
	int pidfd, gone;

	if ((pidfd = pidfd_open_(pid)) == -1)
		return (errno == ESRCH);
	gone = pidfd_wait(pidfd, timeout_ms);
	close(pidfd);
	return (gone);
}

/* Stop a process we know by pid (the original process's abort path). */
int
control_stop_pid(pid_t pid, const struct retry_schedule *r, bool verbose)
{
	int pidfd, rc;

	if ((pidfd = pidfd_open_(pid)) == -1)
		return (errno == ESRCH ? STOP_OK : EXIT_OSERR);
	rc = stop_pidfd(pidfd, pid, r, verbose);
	close(pidfd);
	return (rc);
}

int
control_stop(const struct options *o)
{
	struct stat st;
	pid_t holder;
	int refusal, pidfd, rc;

	if ((pidfd = find_daemon(o, "stop", &holder, &st)) < 0) {
		if (pidfd == FIND_UNKNOWN)
			return (CONTROL_UNKNOWN);
		if (o->verbose)
			fprintf(stderr, "daemonize: not running\n");
		if (pidfd == FIND_STALE &&
		    pidlock_query(o->pidfile, &holder, &st, &refusal) ==
		    PIDLOCK_FREE && pidlock_remove_stale(o->pidfile, &st) == 0)
			statefile_remove_orphan(o->pidfile);
		return (STOP_OK);
	}
	rc = stop_pidfd(pidfd, holder, &o->retry, o->verbose);
	close(pidfd);
	if (rc == STOP_STILL_RUNNING) {
		warnx("stop pid %d: still running after the retry schedule",
		    (int)holder);
		return (rc);
	}
	if (rc != STOP_OK)
		return (rc);
	if (o->verbose)
		fprintf(stderr, "daemonize: stopped pid %d\n", (int)holder);
	/* A daemon killed hard leaves its file behind: remove it if stale. */
	if (pidlock_query(o->pidfile, &holder, &st, &refusal) ==
	    PIDLOCK_FREE && pidlock_remove_stale(o->pidfile, &st) == 0)
		statefile_remove_orphan(o->pidfile);
	return (STOP_OK);
}

int
control_signal(const struct options *o)
{
	struct stat st;
	pid_t holder;
	int pidfd, e;

	if ((pidfd = find_daemon(o, "signal", &holder, &st)) < 0) {
		if (pidfd == FIND_UNKNOWN)
			return (CONTROL_UNKNOWN);
		if (o->verbose)
			fprintf(stderr, "daemonize: not running\n");
		return (SIGNAL_NOT_RUNNING);
	}
	if (pidfd_signal(pidfd, o->signal) == -1) {
		e = errno;
		close(pidfd);
		if (e == ESRCH)
			return (SIGNAL_NOT_RUNNING);
		warnc(e, "signal pid %d", (int)holder);
		return (e == EPERM ? EXIT_NOPERM : CONTROL_UNKNOWN);
	}
	close(pidfd);
	if (o->verbose)
		fprintf(stderr, "daemonize: sent signal %d to pid %d\n",
		    o->signal, (int)holder);
	return (EXIT_OK);
}
