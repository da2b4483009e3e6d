// SPDX-License-Identifier: BSD-2-Clause
/*
 * daemonize: run a command as a Unix daemon, and control it later.
 *
 * The process tree, and where each step of main() runs:
 *
 *   shell
 *    `- daemonize (original)      parse, resolve user and command; a control
 *        |                        action (--stop, --status, ...) ends here.
 *        |                        A start opens the readiness socket, then
 *        |                        detach() returns here with the report
 *        |                        pipe: launch_wait() waits for the report
 *        |                        (and READY=1), stops a start interrupted
 *        |                        or failed after the exec (the daemon
 *        |                        undoes its own failures before it) and
 *        |                        prints every message.
 *        `- intermediate          setsid, ignore SIGHUP, umask; open the
 *            |                    pidfile and check it is free; fork;
 *            |                    write the daemon's pid once it holds
 *            |                    the lock; _exit(0)
 *            `- daemon            detach() returns here too: report its pid;
 *                                 pidfile lock (then wait until the
 *                                 intermediate is gone), stdio files
 *                                 (setup.c); then either
 *                                   exec the command (plain mode), or
 *                                   supervise (--respawn, --syslog):
 *                                   `- child   exec the command, respawned
 *
 * Only the original process can write to the caller's terminal; the others
 * send fixed-size records through the close-on-exec report pipe (report.c).
 * With --foreground there is no fork: the daemon's steps run in place and
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
#include <stdnoreturn.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "detach.h"
#include "exec.h"
#include "execenv.h"
#include "exitcodes.h"
#include "instance.h"
#include "launch.h"
#include "notify.h"
#include "options.h"
#include "pidlock.h"
#include "redirect.h"
#include "report.h"
#include "setup.h"
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
	/*
	 * The ids the kernel passed at exec: nothing has changed them yet,
	 * and getauxval(3), bound once, costs no more symbol lookups.
	 */
	if (getauxval(AT_SECURE) != 0 ||
	    getauxval(AT_UID) != getauxval(AT_EUID) ||
	    getauxval(AT_GID) != getauxval(AT_EGID) || setid_file)
		errx(EXIT_NOPERM, "run daemonize: refusing to run setuid or "
		    "setgid");
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

/*
 * In the original process: the command line's syntax, and its usage
 * errors (64) before resolve's 66, 67 and 77.  --help and --version end
 * here.  A supervised start first moves the argument strings away.
 */
static void
parse(struct options *o, int argc, char *argv[])
{
	char errbuf[512], why[128];
	const char *bad;

	if (options_parse(o, argc, argv, errbuf, sizeof(errbuf)) == -1)
		errx(EXIT_USAGE, "%s", errbuf);
	if (o->mode == MODE_SUPERVISE)
		prepare_title(o, argc, argv);
	switch (o->action) {
	case ACTION_HELP:
		usage();
		exit(EXIT_OK);
	case ACTION_VERSION:
		printf("daemonize %s\n", PACKAGE_VERSION);
		exit(EXIT_OK);
	default:
		break;
	}
	if ((bad = execenv_check_caps(o, why, sizeof(why))) != NULL)
		errx(EXIT_USAGE, "parse --caps=%s: %s", o->caps, bad);
}

/* In the original process: --status, --stop, --signal, --list. */
static int
control(const struct options *o)
{
	switch (o->action) {
	case ACTION_STATUS:
		return (control_status(o));
	case ACTION_STOP:
		return (control_stop(o));
	case ACTION_SIGNAL:
		return (control_signal(o));
	default:
		return (instance_list(o));
	}
}

/*
 * In the daemon (or with --foreground, this process), supervised mode:
 * the supervisor's files are truncated once, when it starts, and it
 * never returns.
 */
static noreturn void
run_supervisor(const struct options *o, int reportfd, struct prepared *p,
    struct notify *n)
{
	if (redirect_truncate(o, &p->io) == -1) {
		struct report r = {.stage = STAGE_STDOUT, .err = errno};

		setup_undo(o, p);	/* still holding the locks */
		report_fail(o, reportfd, &r);
	}
	supervise_run(o, reportfd, p, n);
}

int
main(int argc, char *argv[])
{
	struct options opts;
	struct notify notify;
	struct prepared prepared;
	struct pidlock_start writer;
	sigset_t callers_mask;
	pid_t intermediate;
	int reportfd = -1;

	/*
	 * One name in every message, whatever argv[0] is: err(3) and warn(3)
	 * print this one, as the messages written by hand do, and so do
	 * libbsd's errc(3) and warnc(3), whose getprogname(3) reads it.
	 */
	program_invocation_short_name = (char *)"daemonize";
	stdio_sanitize();	/* fds 0-2 exist before we open anything */
	launch_block_signals(&callers_mask);
	refuse_setid();
	parse(&opts, argc, argv);
	options_resolve(&opts);	/* users, paths, command: still attached */

	if (opts.action != ACTION_START && opts.action != ACTION_RESTART) {
		/* Control actions may be interrupted like any command. */
		sigprocmask(SIG_SETMASK, &callers_mask, NULL);
		return (control(&opts));
	}
	if (opts.action == ACTION_RESTART && control_stop(&opts) != STOP_OK) {
		warnx("restart %s: the old instance was not stopped; not "
		    "starting", opts.pidfile);
		return (STOP_STILL_RUNNING);
	}

	/* A start: see the process tree above. */
	notify_open(&opts, &notify);
	if (!opts.foreground &&
	    (intermediate = detach(&opts, &reportfd, &writer)) > 0)
		/* exit(3), not return: opts (main's frame) stays reachable. */
		exit(launch_wait(&opts, &notify, reportfd, intermediate));
	setup_process(&opts, reportfd,
	    !opts.foreground && opts.pidfile != NULL ? &writer : NULL,
	    &prepared);
	if (opts.mode == MODE_SUPERVISE)
		run_supervisor(&opts, reportfd, &prepared, &notify);
	exec_command(&opts, reportfd, &prepared);
}
