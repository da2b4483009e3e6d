/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one exit-code table, the same as the man page's EXIT STATUS section,
 * which scripts read: nothing else in the program defines an exit code, so
 * the page, this file and the tests (one per code) cannot drift apart.
 */
#ifndef EXITCODES_H
#define EXITCODES_H

enum exitcode {
	EXIT_OK = 0,		/* started (and ready with -w) */
	EXIT_GAVEUP = 1,	/* supervisor: --respawn-max reached */
	EXIT_USAGE = 64,	/* bad option or value, missing command */
	EXIT_NOINPUT = 66,	/* -c directory, -i file or --chroot missing */
	EXIT_NOUSER = 67,	/* unknown user or group */
	EXIT_SOFTWARE = 70,	/* internal error */
	EXIT_OSERR = 71,	/* fork, pipe, setsid, other system failure */
	EXIT_CANTCREAT = 73,	/* pidfile, lockfile or output file */
	EXIT_TEMPFAIL = 75,	/* already running */
	EXIT_NOPERM = 77,	/* not permitted */
	EXIT_NOTREADY = 124,	/* --wait-ready timed out, or ERRNO= */
	EXIT_DIEDEARLY = 125,	/* the daemon exited before READY=1 */
	EXIT_CANNOTEXEC = 126,	/* found but cannot be executed */
	EXIT_NOTFOUND = 127,	/* command not found */
};

/* --status answers with the LSB init-script codes. */
enum lsb_status {
	LSB_RUNNING = 0,
	LSB_DEAD_PIDFILE = 1,
	LSB_NOT_RUNNING = 3,
	LSB_UNKNOWN = 4,
};

/* --stop and --signal reuse these next to EXIT_NOPERM and EXIT_USAGE. */
enum control_exit {
	STOP_OK = 0,
	STOP_STILL_RUNNING = 1,
	SIGNAL_NOT_RUNNING = 3,
	CONTROL_UNKNOWN = 4,
};

#endif
