// SPDX-License-Identifier: BSD-2-Clause
/*
 * Detaching: report pipe, fork, setsid, fork.  The original process never
 * returns from detach(): it waits on the pipe (start.c) and exits with the
 * outcome.  The intermediate process makes a new session and exits at once
 * after the second fork, so the daemon is not a session leader and can
 * never acquire a controlling terminal.  detach() returns only in the
 * daemon, with the write end of the report pipe.
 */
#include "config.h"

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
#include "report.h"
#include "start.h"

int
detach(const struct options *o, struct notify *n)
{
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) == -1)
		err(EXIT_OSERR, "create report pipe");
	fflush(NULL);
	if ((pid = fork()) == -1)
		err(EXIT_OSERR, "fork");
	if (pid > 0) {
		/* Original process: still attached to the caller. */
		close(pipefd[1]);
		exit(start_wait(o, n, pipefd[0], pid));
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
	if ((pid = fork()) == -1)
		report_fail(o, pipefd[1],
		    &(struct report){.stage = STAGE_FORK, .err = errno});
	if (pid > 0)
		_exit(EXIT_OK);

	/* Daemon: tell the original who we are before anything can fail. */
	report_send(pipefd[1], &(struct report){.stage = STAGE_STARTED});
	return (pipefd[1]);
}
