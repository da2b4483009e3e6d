/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reaper [-a] COMMAND [ARG ...]: run COMMAND as the child of a subreaper
 * (see PR_SET_CHILD_SUBREAPER in prctl(2)) that reaps every orphan at once.
 *
 * Daemons started by the benchmark are orphans.  On some machines PID 1
 * reaps them only seconds later, and a stop command that waits for a pid
 * to vanish would then measure init rather than itself.  Without -a,
 * return with COMMAND's status as soon as it exits (orphans left then go
 * to init); with -a, wait until every descendant has exited, which tells
 * when all processes traced by valgrind have written their profiles.
 */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	pid_t child, pid;
	int all, status, result = 70;

	all = argc > 1 && strcmp(argv[1], "-a") == 0;
	argv += 1 + all;
	if (argv[0] == NULL)
		return (64);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1 || (child = fork()) == -1)
		return (71);
	if (child == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while ((pid = wait(&status)) != -1) {
		if (pid != child)
			continue;
		result = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
		if (!all)
			break;
	}
	return (result);
}
