// SPDX-License-Identifier: BSD-2-Clause
/*
 * daemonize: run a command as a Unix daemon, and control it later.
 *
 * The process tree of a start, and where each step runs:
 *
 *   shell
 *    `- daemonize (original)      parse, resolve user and command, open the
 *        |                        readiness socket, block signals; then waits
 *        |                        on the report pipe.  Prints every message.
 *        `- intermediate          setsid, ignore SIGHUP, fork, _exit(0)
 *            `- daemon            report its pid; umask, pidfile lock and
 *                                 write, stdio files; then either
 *                                   exec the command (plain mode), or
 *                                   supervise (--respawn, --syslog):
 *                                   `- child   exec the command, respawned
 *
 * Only the original process can write to the caller's terminal; the others
 * send fixed-size records through the close-on-exec report pipe (report.c).
 * With --foreground there is no fork: the same steps run in place and
 * failures are printed directly.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "detach.h"
#include "exec.h"
#include "execenv.h"
#include "exitcodes.h"
#include "instance.h"
#include "notify.h"
#include "options.h"
#include "pidlock.h"
#include "redirect.h"
#include "report.h"
#include "start.h"
#include "supervise.h"

/* Installed setuid or setgid, we would run the caller's command as root. */
static void
refuse_setid(void)
{
	if (getuid() != geteuid() || getgid() != getegid())
		errx(EXIT_NOPERM, "run daemonize: refusing to run setuid or "
		    "setgid");
}

/* Lock one file for this process; on failure fill *fail. */
static int
take_lock(const char *path, int stage, int locked_stage, struct report *fail)
{
	pid_t holder;
	int fd, refusal;

	if ((fd = pidlock_open(path, &refusal)) == -1) {
		*fail = (struct report){stage, errno, 0, refusal};
		return (-1);
	}
	if (pidlock_lock(fd, &holder) == -1) {
		*fail = (struct report){locked_stage, errno, holder, 0};
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * In the daemon (or supervisor): umask, pidfile lock and write, lockfile,
 * stdio files, in that order.  The pidfile is written with our pid before
 * anything else can fail, and removed again if something does.
 */
static void
setup_process(const struct options *o, int reportfd, struct prepared *p)
{
	struct report fail = {.stage = STAGE_NONE};
	struct stat pst, lst;
	bool lockfile_existed = o->lockfile != NULL &&
	    lstat(o->lockfile, &lst) == 0;

	*p = (struct prepared){.pidfile_fd = -1, .lockfile_fd = -1};
	umask(o->umask);
	if (o->pidfile != NULL) {
		p->pidfile_fd = take_lock(o->pidfile, STAGE_PIDFILE,
		    STAGE_PIDFILE_LOCKED, &fail);
		if (p->pidfile_fd == -1)
			report_fail(o, reportfd, &fail);
		if (pidlock_write(p->pidfile_fd, getpid()) == -1) {
			fail = (struct report){STAGE_PIDFILE_WRITE, errno, 0, 0};
			goto undo;
		}
	}
	/* -l may name the pidfile: a second open and close would drop the lock. */
	if (o->lockfile != NULL && !(p->pidfile_fd >= 0 &&
	    fstat(p->pidfile_fd, &pst) == 0 && stat(o->lockfile, &lst) == 0 &&
	    pst.st_dev == lst.st_dev && pst.st_ino == lst.st_ino)) {
		p->lockfile_fd = take_lock(o->lockfile, STAGE_LOCKFILE,
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
	redirect_undo(o, &p->io);
	if (p->lockfile_created)
		pidlock_unlink(o->lockfile, p->lockfile_fd);
	if (p->pidfile_fd >= 0)
		pidlock_unlink(o->pidfile, p->pidfile_fd);
	report_fail(o, reportfd, &fail);
}

static int
start(struct options *o)
{
	struct notify notify = {.fd = -1};
	struct prepared prepared;
	int reportfd = -1;

	notify_open(o, &notify);
	if (!o->foreground)
		reportfd = detach(o, &notify);	/* returns only in the daemon */
	setup_process(o, reportfd, &prepared);
	if (o->respawn != RESPAWN_NONE || o->syslog) {
		/* The supervisor's files are truncated once, when it starts. */
		if (redirect_truncate(o, &prepared.io) == -1)
			report_fail(o, reportfd, &(struct report){
			    .stage = STAGE_STDOUT, .err = errno});
		supervise_run(o, reportfd, &prepared, &notify);
	}
	prepared.keeps_locks = true;
	exec_command(o, reportfd, &prepared);
}

int
main(int argc, char *argv[])
{
	struct options opts;
	char errbuf[512], why[128];
	const char *err;
	sigset_t callers_mask;
	int rc;

	stdio_sanitize();	/* fds 0-2 exist before we open anything */
	start_block_signals(&callers_mask);
	/* Before parsing: it moves argv[1..] and environ out of the way. */
	setproctitle_init(argc, argv, environ);
	refuse_setid();
	if (options_parse(&opts, argc, argv, errbuf, sizeof(errbuf)) == -1)
		errx(EXIT_USAGE, "%s", errbuf);
	switch (opts.action) {
	case ACTION_HELP:
		usage();
		return (EXIT_OK);
	case ACTION_VERSION:
		printf("daemonize %s\n", PACKAGE_VERSION);
		return (EXIT_OK);
	default:
		break;
	}
	/* A usage error (64) before resolve's 66, 67 and 77. */
	if ((err = execenv_check_caps(&opts, why, sizeof(why))) != NULL)
		errx(EXIT_USAGE, "parse --caps=%s: %s", opts.caps, err);
	options_resolve(&opts);	/* users, paths, command: still attached */

	/* Control actions may be interrupted like any command. */
	if (opts.action != ACTION_START && opts.action != ACTION_RESTART)
		sigprocmask(SIG_SETMASK, &callers_mask, NULL);
	switch (opts.action) {
	case ACTION_STATUS:
		return (control_status(&opts));
	case ACTION_STOP:
		return (control_stop(&opts));
	case ACTION_SIGNAL:
		return (control_signal(&opts));
	case ACTION_LIST:
		return (instance_list(&opts));
	case ACTION_RESTART:
		if ((rc = control_stop(&opts)) != STOP_OK) {
			warnx("restart %s: the old instance was not stopped; "
			    "not starting", opts.pidfile);
			return (STOP_STILL_RUNNING);
		}
		break;
	default:
		break;
	}
	return (start(&opts));
}
