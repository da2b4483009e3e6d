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

#include <sys/auxv.h>
#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
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
#include "title.h"

/*
 * Installed setuid or setgid, we would run the caller's command with the
 * file owner's rights.  In the original process, first thing: refuse when
 * the kernel ran us securely (AT_SECURE: a set-id bit or file capabilities
 * took effect; see getauxval(3)), when real and effective ids differ (a
 * set-id parent), or when the running file carries a set-id bit at all,
 * even if it changed nothing (a setuid-root copy run by root, a setgid copy
 * of the caller's own group): that is an installation to fix, not to guess
 * about.  The file is /proc/self/exe, else the path the kernel executed
 * (AT_EXECFN); without either, the id checks decide.
 */
static void
refuse_setid(void)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	struct stat st;
	bool setid_file = false;

	if (stat("/proc/self/exe", &st) == 0 ||
	    (execfn != NULL && stat(execfn, &st) == 0))
		setid_file = (st.st_mode & (S_ISUID | S_ISGID)) != 0;
	if (getauxval(AT_SECURE) != 0 || getuid() != geteuid() ||
	    getgid() != getegid() || setid_file)
		errx(EXIT_NOPERM, "run daemonize: refusing to run setuid or "
		    "setgid");
}

/*
 * Lock one file for this process (with write_pid, also write our pid into
 * it); on failure fill *fail.
 */
static int
take_lock(const char *path, bool write_pid, int stage, int locked_stage,
    struct report *fail)
{
	struct pidlock_fail f;
	int fd;

	if ((fd = pidlock_acquire(path, write_pid, &f)) != -1)
		return (fd);
	switch (f.what) {
	case PIDLOCK_FAIL_LOCKED:
		*fail = (struct report){locked_stage, f.err, f.holder, 0};
		break;
	case PIDLOCK_FAIL_WRITE:
		*fail = (struct report){STAGE_PIDFILE_WRITE, f.err, 0, 0};
		break;
	default:
		*fail = (struct report){stage, f.err, 0,
		    REFUSAL_EXTRA(f.refusal, f.at)};
		break;
	}
	return (-1);
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
	struct stat lst;
	bool lockfile_existed = o->lockfile != NULL &&
	    lstat(o->lockfile, &lst) == 0;

	*p = (struct prepared){.pidfile_fd = -1, .lockfile_fd = -1};
	umask(o->umask);
	if (o->pidfile != NULL) {
		p->pidfile_fd = take_lock(o->pidfile, true, STAGE_PIDFILE,
		    STAGE_PIDFILE_LOCKED, &fail);
		if (p->pidfile_fd == -1)
			report_fail(o, reportfd, &fail);
	}
	/* -l may name the pidfile: a second open and close would drop the lock. */
	if (o->lockfile != NULL && !(p->pidfile_fd >= 0 &&
	    pidlock_names(o->lockfile, p->pidfile_fd))) {
		p->lockfile_fd = take_lock(o->lockfile, false, STAGE_LOCKFILE,
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
	exec_undo(o, p);
	report_fail(o, reportfd, &fail);
}

/* Decided once: a start that keeps a supervisor (--respawn, --syslog). */
static bool
supervises(const struct options *o)
{
	return ((o->action == ACTION_START || o->action == ACTION_RESTART) &&
	    (o->respawn != RESPAWN_NONE || o->syslog));
}

/*
 * In the original process, when supervising: the supervisor's title
 * overwrites the argument strings, so move them (and the environment after
 * them) to the heap, then parse again so that no option points at the old
 * ones.  A plain start skips this and its copy.
 */
static void
prepare_title(struct options *o, int argc, char *argv[])
{
	struct title title;
	char errbuf[512];

	if (title_init(&title, argc, argv) == -1)
		err(EXIT_OSERR, "set process title");
	options_free(o);
	if (options_parse(o, argc, argv, errbuf, sizeof(errbuf)) == -1)
		errx(EXIT_USAGE, "%s", errbuf);
	o->title = title;
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
	if (supervises(o)) {
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
	const char *bad;
	sigset_t callers_mask;
	int rc;

	/*
	 * One name in every message, whatever argv[0] is: err(3) and warn(3)
	 * print this one, as the messages written by hand do.
	 */
	program_invocation_short_name = (char *)"daemonize";
	setprogname("daemonize");
	stdio_sanitize();	/* fds 0-2 exist before we open anything */
	start_block_signals(&callers_mask);
	refuse_setid();
	if (options_parse(&opts, argc, argv, errbuf, sizeof(errbuf)) == -1)
		errx(EXIT_USAGE, "%s", errbuf);
	if (supervises(&opts))
		prepare_title(&opts, argc, argv);
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
	if ((bad = execenv_check_caps(&opts, why, sizeof(why))) != NULL)
		errx(EXIT_USAGE, "parse --caps=%s: %s", opts.caps, bad);
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
