// SPDX-License-Identifier: BSD-2-Clause
/*
 * The test suite's command: reports what a daemon sees, then behaves as
 * told.  Usage: probe [options]
 *   -r FILE   write the report to FILE (atomically: FILE.tmp, rename)
 *   -t FILE   append "PID SECONDS.NANOS" (CLOCK_MONOTONIC) to FILE at start
 *   -I        ignore SIGTERM
 *   -H        ignore SIGHUP
 *   -F N      fork N helpers into our process group; they sleep
 *   -D        fork a grandchild that double-forks away (setsid) and sleeps
 *   -L N      print N numbered lines "line K" to stdout, K from 1
 *   -E N      print N numbered lines "err K" to stderr
 *   -N MSG    send MSG as a datagram to $NOTIFY_SOCKET (repeatable)
 *   -B        then wait, like systemd-notify, until the receiver closed the
 *             fd sent with a BARRIER=1 (so we are alive when it reads)
 *   -x N      exit with status N after the above (default: sleep forever)
 *   -k SIG    kill ourselves with signal number SIG after the above
 *   -W        before the report, try to rewrite every inherited fd from 3
 *             up as a hostile daemon would: pwrite "1\n" at 0, ftruncate
 *             to 2, reopen /proc/self/fd/N for writing; the report gets
 *             tamper_tried=FDS and tamper_done=FD:WHAT,... (what worked)
 * The report has one "key=value" line per fact: pid, ppid, sid, pgid,
 * tty_nr, cwd, umask, uid, gid, euid, egid, groups, fds, sigblk, sigign,
 * and env:NAME=VALUE for each environment variable.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void
status_line(FILE *out, const char *key, const char *field)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0) {
			char *v = line + strlen(field);

			v += strspn(v, " \t");
			fprintf(out, "%s=%s", key, v);
		}
	fclose(f);
}

static void
report(const char *path, const char *tried, const char *done)
{
	char tmp[4096], cwd[4096], statline[1024];
	gid_t groups[256];
	int ngroups, sep;
	mode_t mask;
	FILE *out;
	DIR *d;
	struct dirent *de;

	/* List our descriptors before opening the report file. */
	char fdlist[4096] = "";
	sep = 0;
	if ((d = opendir("/proc/self/fd")) != NULL) {
		int fds[1024], n = 0;
		size_t used = 0;

		while ((de = readdir(d)) != NULL && n < 1024)
			if (de->d_name[0] != '.' &&
			    atoi(de->d_name) != dirfd(d))
				fds[n++] = atoi(de->d_name);
		closedir(d);
		for (int i = 0; i < n; i++)	/* sort: small n */
			for (int j = i + 1; j < n; j++)
				if (fds[j] < fds[i]) {
					int t = fds[i];
					fds[i] = fds[j];
					fds[j] = t;
				}
		for (int i = 0; i < n && used < sizeof(fdlist) - 16; i++)
			used += (size_t)snprintf(fdlist + used,
			    sizeof(fdlist) - used, "%s%d", sep++ ? "," : "",
			    fds[i]);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((out = fopen(tmp, "w")) == NULL)
		exit(90);
	fprintf(out, "pid=%d\nppid=%d\nsid=%d\npgid=%d\n", getpid(),
	    getppid(), getsid(0), getpgrp());
	FILE *st = fopen("/proc/self/stat", "r");
	if (st != NULL && fgets(statline, sizeof(statline), st) != NULL) {
		char *p = strrchr(statline, ')');
		int tty = -1;

		if (p != NULL)
			sscanf(p + 2, "%*c %*d %*d %*d %d", &tty);
		fprintf(out, "tty_nr=%d\n", tty);
	}
	if (st != NULL)
		fclose(st);
	fprintf(out, "cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	mask = umask(0);
	umask(mask);
	fprintf(out, "umask=%03o\n", (unsigned)mask);
	fprintf(out, "uid=%d\ngid=%d\neuid=%d\negid=%d\n", getuid(), getgid(),
	    geteuid(), getegid());
	ngroups = getgroups(256, groups);
	fprintf(out, "groups=");
	for (int i = 0; i < ngroups; i++)
		fprintf(out, "%s%d", i ? "," : "", groups[i]);
	fprintf(out, "\nfds=%s", fdlist);
	fprintf(out, "\n");
	if (tried != NULL)
		fprintf(out, "tamper_tried=%s\ntamper_done=%s\n", tried, done);
	status_line(out, "sigblk", "SigBlk:");
	status_line(out, "sigign", "SigIgn:");
	for (char **e = environ; *e != NULL; e++)
		fprintf(out, "env:%s\n", *e);
	if (fclose(out) != 0 || rename(tmp, path) != 0)
		exit(91);
}

/* -W: what a daemon could do to the files it inherited. */
static void
tamper(char *tried, char *done, size_t len)
{
	char path[64];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fd, w;

	tried[0] = done[0] = '\0';
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (fd < 3 || fd == dirfd(d))
			continue;
		snprintf(tried + strlen(tried), len - strlen(tried), "%s%d",
		    tried[0] ? "," : "", fd);
		if (pwrite(fd, "1\n", 2, 0) == 2)
			snprintf(done + strlen(done), len - strlen(done),
			    "%d:pwrite,", fd);
		if (ftruncate(fd, 2) == 0)
			snprintf(done + strlen(done), len - strlen(done),
			    "%d:ftruncate,", fd);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if ((w = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) != -1) {
			snprintf(done + strlen(done), len - strlen(done),
			    "%d:reopen,", fd);
			close(w);
		}
	}
	closedir(d);
}

static void
stamp(const char *path)
{
	struct timespec ts;
	char buf[64];
	int fd, len;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	len = snprintf(buf, sizeof(buf), "%d %lld.%09ld\n", getpid(),
	    (long long)ts.tv_sec, ts.tv_nsec);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1)
		exit(92);
	if (write(fd, buf, (size_t)len) != len)
		exit(92);
	close(fd);
}

static void
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (path == NULL)
		exit(93);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, len) == -1)
		exit(93);
	close(fd);
}

/* BARRIER=1 with a pipe's write end; wait (10 s at most) for its close. */
static void
barrier(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = {.iov_base = "BARRIER=1", .iov_len = 9};
	struct msghdr mh = {.msg_name = &sa, .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	struct pollfd pfd;
	int fd, p[2];

	if (path == NULL || pipe2(p, O_CLOEXEC) == -1)
		exit(93);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	mh.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    sendmsg(fd, &mh, 0) == -1)
		exit(93);
	close(fd);
	close(p[1]);
	pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
	if (poll(&pfd, 1, 10000) != 1)
		exit(94);
	close(p[0]);
}

static void
sleep_forever(void)
{
	for (;;)
		pause();
}

int
main(int argc, char *argv[])
{
	int c, nhelpers = 0, exitcode = -1, killsig = 0;
	long lines = 0, errlines = 0;
	const char *reportfile = NULL, *stampfile = NULL;
	const char *msgs[16];
	int nmsgs = 0, escape = 0, hostile = 0, wait_barrier = 0;
	char tried[512] = "", done[512] = "";

	while ((c = getopt(argc, argv, "r:t:IHF:DL:E:N:Bx:k:W")) != -1) {
		switch (c) {
		case 'r':
			reportfile = optarg;
			break;
		case 't':
			stampfile = optarg;
			break;
		case 'I':
			signal(SIGTERM, SIG_IGN);
			break;
		case 'H':
			signal(SIGHUP, SIG_IGN);
			break;
		case 'F':
			nhelpers = atoi(optarg);
			break;
		case 'D':
			escape = 1;
			break;
		case 'L':
			lines = atol(optarg);
			break;
		case 'E':
			errlines = atol(optarg);
			break;
		case 'N':
			if (nmsgs < 16)
				msgs[nmsgs++] = optarg;
			break;
		case 'B':
			wait_barrier = 1;
			break;
		case 'x':
			exitcode = atoi(optarg);
			break;
		case 'k':
			killsig = atoi(optarg);
			break;
		case 'W':
			hostile = 1;
			break;
		default:
			return (2);
		}
	}
	if (stampfile != NULL)
		stamp(stampfile);
	for (int i = 0; i < nhelpers; i++)
		if (fork() == 0)
			sleep_forever();
	if (escape && fork() == 0) {
		setsid();
		if (fork() == 0)
			sleep_forever();
		_exit(0);
	}
	if (hostile)
		tamper(tried, done, sizeof(done));
	if (reportfile != NULL)
		report(reportfile, hostile ? tried : NULL, done);
	for (long i = 1; i <= lines; i++)
		printf("line %ld\n", i);
	fflush(stdout);
	for (long i = 1; i <= errlines; i++)
		fprintf(stderr, "err %ld\n", i);
	for (int i = 0; i < nmsgs; i++)
		notify(msgs[i]);
	if (wait_barrier)
		barrier();
	if (killsig != 0) {
		signal(killsig, SIG_DFL);
		kill(getpid(), killsig);
	}
	if (exitcode >= 0)
		return (exitcode);
	sleep_forever();
}
