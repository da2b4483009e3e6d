/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stopfloor PIDFILE: the least a stop command can do, the yardstick for
 * stop latency.  Read the pid, take a pidfd for it, send SIGTERM through
 * the pidfd and poll(2) it until the process has exited (10 s at most).
 * Exit 0 when it is gone, 1 if still alive, 71 on a system error.
 */
#include <sys/syscall.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct pollfd pfd = { .events = POLLIN };
	FILE *fp;
	int pid;

	if (argc != 2) {
		fputs("usage: stopfloor PIDFILE\n", stderr);
		return (64);
	}
	if ((fp = fopen(argv[1], "r")) == NULL || fscanf(fp, "%d", &pid) != 1)
		return (71);
	if ((pfd.fd = syscall(SYS_pidfd_open, pid, 0)) == -1)
		return (0);		/* already gone */
	if (syscall(SYS_pidfd_send_signal, pfd.fd, SIGTERM, NULL, 0) == -1)
		return (71);
	return (poll(&pfd, 1, 10000) == 1 ? 0 : 1);
}
