/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * floor PIDFILE COMMAND [ARG ...]: the least a detaching launcher can do,
 * the benchmark's yardstick.  fork; the child calls setsid(2) and forks
 * again; that middle process writes the grandchild's pid to PIDFILE and
 * exits; the grandchild execs COMMAND.  The original process returns once
 * the middle one has exited, so the pidfile exists when it returns, like
 * every launcher measured beside it.  Nothing else: no fd sweep, no signal
 * reset, no check that the exec worked.
 */
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	char buf[32];
	pid_t pid;
	int fd, n, status;

	if (argc < 3) {
		fputs("usage: floor PIDFILE COMMAND [ARG ...]\n", stderr);
		return (64);
	}
	if ((pid = fork()) == -1)
		return (71);
	if (pid > 0) {			/* original: wait for the middle one */
		if (waitpid(pid, &status, 0) == -1)
			return (71);
		return (WIFEXITED(status) ? WEXITSTATUS(status) : 70);
	}
	if (setsid() == -1 || (pid = fork()) == -1)
		_exit(71);
	if (pid > 0) {			/* middle: record the daemon's pid */
		n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
		fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		_exit(fd == -1 || write(fd, buf, n) != n ? 73 : 0);
	}
	execvp(argv[2], argv + 2);	/* daemon */
	_exit(127);
}
