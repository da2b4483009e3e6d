// SPDX-License-Identifier: BSD-2-Clause
/*
 * Detaching: report pipe, fork, setsid, fork.  detach() returns twice: in
 * the original process, which then waits on the pipe (launch.c), and in
 * the daemon.  The intermediate process makes a new session and exits
 * soon after the second fork, so the daemon is not a session leader and
 * can never acquire a controlling terminal.  With a pidfile, it is also
 * the pidfile's writer (pidlock.c): it opens the file and checks that
 * nobody holds it before the fork, and exits once it wrote the daemon's
 * pid, so the original process's wait for it covers the write.
 */
#include "config.h"

#include <sys/prctl.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "detach.h"
#include "exitcodes.h"
#include "options.h"
#include "pidlock.h"
#include "report.h"
#include "setup.h"

pid_t
detach(const struct options *o, int *reportfd, struct pidlock_start *writer)
{
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) == -1)
		err(EXIT_OSERR, "create report pipe");
	/*
	 * The original will wait for readiness: it adopts the daemon when the
	 * intermediate exits, to learn its exit status and its orphans (see
	 * launch.c).  Without it, a pidfd still shows the exit, not the status.
	 */
	if (o->parent_waits)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	fflush(NULL);
	if ((pid = fork()) == -1)
		err(EXIT_OSERR, "fork");
	if (pid > 0) {
		/* Original process: still attached to the caller. */
		close(pipefd[1]);
		*reportfd = pipefd[0];
		return (pid);
	}

	/* Intermediate process: no terminal to print to from here on. */
	close(pipefd[0]);
	if (setsid() == -1)
		report_fail(o, pipefd[1],
		    &(struct report){.stage = STAGE_SETSID, .err = errno});
	/*
	 * The session leader's exit must not take the daemon along: ignore
	 * SIGHUP across the gap; the daemon resets every signal before exec.
	 */
	signal(SIGHUP, SIG_IGN);
	/* The pidfile's writer is this process: no fork for it later. */
	if (o->pidfile != NULL)
		setup_pidfile_writer(o, pipefd[1], writer);
	if ((pid = fork()) == -1) {
		int e = errno;

		if (o->pidfile != NULL)
			pidlock_abandon(writer);
		report_fail(o, pipefd[1],
		    &(struct report){.stage = STAGE_FORK, .err = e});
	}
	if (pid > 0) {
		/* Our exit, after the pid is written, lets the original go. */
		if (o->pidfile != NULL)
			pidlock_write_for(writer, pid);
		_exit(EXIT_OK);
	}

	/* Daemon: tell the original who we are before anything can fail. */
	report_send(pipefd[1], &(struct report){.stage = STAGE_STARTED});
	*reportfd = pipefd[1];
	return (0);
}
