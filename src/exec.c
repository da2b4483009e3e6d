// SPDX-License-Identifier: BSD-2-Clause
/*
 * The last steps before the command runs, in the daemon or in a supervised
 * child: execution environment, chdir, credentials, no_new_privs, standard
 * descriptors, signals, the fd sweep, execve(2).  Every failure goes
 * through the report pipe (or, with --foreground, straight to stderr).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "exec.h"
#include "execenv.h"
#include "options.h"
#include "pidlock.h"
#include "report.h"

extern char **environ;

/*
 * Every disposition back to SIG_DFL and an empty mask, whatever the caller
 * or this program set: the command must start as if from a clean shell.
 * The kernel's rt_sigaction(2), not the C library's sigaction(3): one
 * system call per signal and no copying, and it also resets the real-time
 * signals glibc reserves for itself (32 and 33), which a caller may have
 * left ignored.  Only ignored signals matter (execve(2) resets caught
 * ones), but finding them needs /proc, which a --chroot may lack: all are
 * reset.
 */
int
signals_reset(void)
{
	const struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} dfl = {.handler = SIG_DFL};
	sigset_t none, pipe_only;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    syscall(SYS_rt_sigaction, sig, &dfl, NULL,
		    sizeof(dfl.mask)) == -1)
			return (-1);
	/*
	 * A report written after the original process was killed raised a
	 * SIGPIPE that waits, blocked; unblocked here, it would kill us with
	 * the pidfile written and no command running.  Discard it.
	 */
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	(void)sigtimedwait(&pipe_only, NULL, &(struct timespec){0, 0});
	sigemptyset(&none);
	return (sigprocmask(SIG_SETMASK, &none, NULL));
}

/*
 * A failure after the pidfile was written: in plain mode this process holds
 * the lock, so remove the file while still holding it; then report.
 */
static noreturn void
fail(const struct options *o, int reportfd, const struct prepared *p,
    struct report *r)
{
	if (p->keeps_locks) {
		redirect_undo(o, &p->io);
		if (p->lockfile_created)
			pidlock_unlink(o->lockfile, p->lockfile_fd);
		if (p->pidfile_fd >= 0)
			pidlock_unlink(o->pidfile, p->pidfile_fd);
	}
	report_fail(o, reportfd, r);
}

noreturn void
exec_command(const struct options *o, int reportfd, const struct prepared *p)
{
	struct report r = {.stage = STAGE_NONE};
	int keep[2 + KEEP_FDS_MAX];
	size_t nkeep = 0;
	int stage;

	if (execenv_apply(o, &r) == -1)
		fail(o, reportfd, p, &r);
	if (chdir(o->chdir_path) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_CHDIR, .err = errno});
	if (execenv_keep_caps(o, &r) == -1)
		fail(o, reportfd, p, &r);
	if (creds_apply(&o->creds, &stage) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = stage, .err = errno});
	if (execenv_raise_caps(o, &r) == -1)
		fail(o, reportfd, p, &r);
	if (o->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_NO_NEW_PRIVS, .err = errno});
	/* setuid(2) cleared a supervised child's parent-death signal. */
	if (p->pdeathsig != 0 && (prctl(PR_SET_PDEATHSIG, p->pdeathsig) == -1 ||
	    getppid() != p->parent))
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_SUPERVISE, .err = ESRCH});
	if (redirect_install(&p->io) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_FDS, .err = errno});
	if (signals_reset() == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_SIGNALS, .err = errno});

	if (p->keeps_locks) {
		keep[nkeep++] = p->pidfile_fd;
		keep[nkeep++] = p->lockfile_fd;
	}
	for (size_t i = 0; i < o->nkeep_fds && nkeep < sizeof(keep) /
	    sizeof(keep[0]); i++)
		keep[nkeep++] = o->keep_fds[i];
	if (redirect_sweep(keep, nkeep) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_FDS, .err = errno});

	/* Last: a start that failed above left the old log intact. */
	if (p->keeps_locks && redirect_truncate(o, &p->io) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_STDOUT, .err = errno});
	execve(o->command_path, o->argv, environ);

	/* ENOENT for a file that exists: its #! interpreter is missing. */
	r = (struct report){.stage = STAGE_EXEC, .err = errno};
	if (r.err == ENOENT && access(o->command_path, F_OK) == 0)
		r.stage = STAGE_EXEC_INTERP;
	fail(o, reportfd, p, &r);
}
