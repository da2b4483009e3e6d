/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stamp: the command the benchmark starts.  Its first act is to read
 * CLOCK_MONOTONIC, so "time to the command" ends as near its first
 * instruction as C allows (it is linked statically when the C library
 * allows it, so no dynamic loader runs before main).
 *
 *	stamp PATH exit		record "start PID NS" in PATH, exit 0
 *	stamp PATH sleep	record "start PID NS", wait for SIGTERM, then
 *				record "exit PID NS" just before _exit(0)
 *	stamp PATH write BYTES	record "start PID NS", write BYTES bytes of
 *				1 KiB lines to stdout, exit 0
 *
 * PATH is normally a FIFO that the driver keeps open, so that each record
 * is one atomic write(2) and the driver can poll(2) for it; "-" records
 * nothing.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

/* One record, one write(2): atomic on a FIFO (below PIPE_BUF). */
static void
record(const char *path, const char *event, long long ns)
{
	char buf[64];
	int fd, n;

	if (strcmp(path, "-") == 0)
		return;
	n = snprintf(buf, sizeof(buf), "%s %d %lld\n", event, (int)getpid(),
	    ns);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1)
		_exit(71);
	if (write(fd, buf, n) != n)
		_exit(71);
	close(fd);
}

/* Write about BYTES bytes of 1 KiB lines, in 64 KiB writes. */
static void
pour(long long bytes)
{
	static char buf[64 * 1024];
	ssize_t n;
	size_t off, len;

	memset(buf, 'x', sizeof(buf));
	for (off = 1023; off < sizeof(buf); off += 1024)
		buf[off] = '\n';
	while (bytes > 0) {
		len = bytes < (long long)sizeof(buf) ? (size_t)bytes : sizeof(buf);
		for (off = 0; off < len; off += n)
			if ((n = write(STDOUT_FILENO, buf + off, len - off)) < 0)
				_exit(74);
		bytes -= len;
	}
}

int
main(int argc, char *argv[])
{
	long long t = now_ns();		/* first thing, before anything else */
	sigset_t set;
	int sig;

	if (argc < 3) {
		fputs("usage: stamp PATH exit|sleep|write BYTES\n", stderr);
		return (64);
	}
	if (strcmp(argv[2], "sleep") == 0) {
		/* Block TERM before recording, so a quick kill is not lost. */
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		record(argv[1], "start", t);
		while (sigwait(&set, &sig) != 0)
			;
		record(argv[1], "exit", now_ns());
		_exit(0);
	}
	record(argv[1], "start", t);
	if (strcmp(argv[2], "write") == 0 && argc > 3)
		pour(atoll(argv[3]));
	return (0);
}
