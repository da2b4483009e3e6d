// SPDX-License-Identifier: BSD-2-Clause
/*
 * The original process's half of the start contract.  It still has the
 * caller's terminal; it reads the report pipe until EOF (the command's
 * execve(2) closed the last write end) or a failure record, turns a
 * failure into a message and an exit code, and reaps the intermediate
 * process.  INT, TERM, HUP and QUIT abort the start like a failure: the
 * daemon is stopped and its pidfile removed, and we exit 128+N.  Every
 * other signal is blocked here, so a stray one changes nothing.
 */
#include "config.h"

#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "exitcodes.h"
#include "notify.h"
#include "options.h"
#include "pidlock.h"
#include "report.h"
#include "start.h"
#include "util.h"

/*
 * Block every signal in the original process, first thing in main(), so a
 * signal sent while it starts up finds no window; the ones that abort a
 * start are read from a signalfd.  *old receives the caller's mask, which
 * control actions restore.  The daemon empties its mask before exec.
 */
void
start_block_signals(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, old);
	/* An inherited SIG_IGN for SIGCHLD would make waitpid(2) fail. */
	signal(SIGCHLD, SIG_DFL);
}

static int
abort_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	return (signalfd(-1, &set, SFD_CLOEXEC));
}

/*
 * The daemon's pid when the abort came before its STARTED record: make
 * sure no daemon can appear any more (the intermediate dies), then read
 * the pipe until the record or EOF.  Bounded: a daemon that exists sends
 * the record first thing.
 */
static pid_t
await_started(int fd, pid_t intermediate)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct report rec;

	kill(intermediate, SIGKILL);
	while (poll(&pfd, 1, 2000) > 0 && report_read(fd, &rec) == 1)
		if (rec.stage == STAGE_STARTED)
			return (rec.pid);
	return (0);
}

/* The start was interrupted by signo: undo it and return 128+signo. */
static int
abort_start(const struct options *o, int fd, pid_t intermediate,
    pid_t daemon, int signo)
{
	if (daemon == 0)
		daemon = await_started(fd, intermediate);
	waitpid(intermediate, NULL, 0);
	if (daemon > 0)
		control_stop_pid(daemon, &o->retry, o->verbose);
	if (o->pidfile != NULL)
		(void)util_remove_stale(o->pidfile, 0);
	warnx("start %s: interrupted by SIG%s", o->argv[0],
	    signal_name(signo) ? signal_name(signo) : "?");
	return (128 + signo);
}

/*
 * After a failure record: the daemon removes its pidfile itself, while it
 * still holds the lock, unless it could no longer reach the file (after
 * --chroot, or after -u in a directory only root may write).  Then the
 * file is left unlocked with the daemon's pid: remove it here, once the
 * daemon's exit has released the lock (bounded: it exits right after
 * reporting).  A file locked by anyone else, or naming another pid, is
 * not ours.
 */
static void
remove_left_pidfile(const struct options *o, pid_t daemon)
{
	if (o->pidfile == NULL || daemon <= 0)
		return;
	/* It exits right after reporting; its exit releases the lock. */
	control_wait_gone(daemon, 2000);
	(void)util_remove_stale(o->pidfile, daemon);
}

/*
 * Wait for the outcome of a start.  Returns the exit code for the caller
 * of daemonize.
 */
int
start_wait(const struct options *o, struct notify *n, int fd,
    pid_t intermediate)
{
	struct pollfd pfd[2];
	struct report rec;
	char laststatus[NOTIFY_STATUS_MAX] = "";
	pid_t daemon = 0, status_pid = 0;
	int sfd, status, r;
	char msg[1024];

	if ((sfd = abort_signalfd()) == -1)
		err(EXIT_OSERR, "create signalfd");
	pfd[0] = (struct pollfd){.fd = fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(EXIT_OSERR, "wait for the daemon");
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				notify_close(n);
				return (abort_start(o, fd, intermediate,
				    daemon, (int)si.ssi_signo));
			}
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((r = report_read(fd, &rec)) == 0)
			break;
		if (r == -1)
			err(EXIT_OSERR, "read report pipe");
		switch (rec.stage) {
		case STAGE_STARTED:
			daemon = rec.pid;
			continue;
		case STAGE_CHILD:
		case STAGE_READY:
			continue;
		case STAGE_STATUS:
			if (rec.extra < 0 || rec.extra >= (int)sizeof(laststatus) ||
			    read(fd, laststatus, (size_t)rec.extra) != rec.extra)
				errx(EXIT_OSERR, "read report pipe: a short "
				    "STATUS record");
			laststatus[rec.extra] = '\0';
			status_pid = (pid_t)rec.err;
			if (o->verbose)
				fprintf(stderr, "daemonize: status from pid "
				    "%d: %s\n", (int)rec.pid, laststatus);
			continue;
		}
		waitpid(intermediate, NULL, 0);
		notify_close(n);	/* a supervisor that failed is gone */
		if ((rec.stage == STAGE_PIDFILE_LOCKED ||
		    rec.stage == STAGE_LOCKFILE_LOCKED) && o->oknodo)
			return (EXIT_OK);
		if (rec.stage != STAGE_PIDFILE_LOCKED)
			remove_left_pidfile(o, daemon);
		r = report_describe(o, &rec, msg, sizeof(msg));
		fprintf(stderr, "daemonize: %s\n", msg);
		if (status_pid > 0)
			fprintf(stderr, "daemonize: the last STATUS from pid %d "
			    "was: %s\n", (int)status_pid, laststatus);
		return (r);
	}

	if (waitpid(intermediate, &status, 0) == -1)
		err(EXIT_OSERR, "wait for the intermediate process");
	if (daemon == 0) {
		/* The intermediate died without a word: killed from outside. */
		notify_close(n);
		if (WIFSIGNALED(status))
			errx(EXIT_OSERR, "start %s: the intermediate process "
			    "was killed by signal %d", o->argv[0],
			    WTERMSIG(status));
		errx(EXIT_OSERR, "start %s: the intermediate process exited "
		    "with status %d", o->argv[0], WEXITSTATUS(status));
	}
	if (o->wait_ready && o->respawn == RESPAWN_NONE && !o->syslog)
		return (notify_wait(o, n, daemon, sfd));
	if (o->verbose)
		fprintf(stderr, "daemonize: started %s as pid %d\n",
		    o->command_path, (int)daemon);
	return (EXIT_OK);
}
