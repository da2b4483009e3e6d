// SPDX-License-Identifier: BSD-2-Clause
/*
 * The last steps before the command runs, in the daemon or in a supervised
 * child: execution environment, chdir, credentials, no_new_privs, standard
 * descriptors, signals, the fd sweep, execve(2).  Every failure goes
 * through the report pipe (or, with no report pipe, straight to stderr).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "exec.h"
#include "execenv.h"
#include "options.h"
#include "report.h"
#include "setup.h"

extern char **environ;

/*
 * The signals this process ignores, from the SigIgn mask of
 * /proc/self/status (see proc(5)): bit N-1 is signal N.  Returns 0, or -1
 * when /proc does not tell.
 */
static int
ignored_signals(unsigned long long *ign)
{
	static const char key[] = "\nSigIgn:\t";
	char buf[4096], *p;
	size_t len = 0, k;
	ssize_t n;
	int fd, i;

	/* openat, not open: the start path's opens share one binding. */
	if ((fd = openat(AT_FDCWD, "/proc/self/status", O_RDONLY |
	    O_CLOEXEC)) == -1)
		return (-1);
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len,
	    sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	/* strstr(3) by hand: its first call's lazy binding costs more. */
	for (p = strchr(buf, '\n'); p != NULL; p = strchr(p + 1, '\n')) {
		for (k = 0; key[k] != '\0' && p[k] == key[k]; k++)
			continue;
		if (key[k] == '\0')
			break;
	}
	if (p == NULL)
		return (-1);
	p += sizeof(key) - 1;
	*ign = 0;
	for (i = 0; i < 16; i++, p++) {
		if (*p >= '0' && *p <= '9')
			*ign = *ign << 4 | (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			*ign = *ign << 4 | (unsigned)(*p - 'a' + 10);
		else
			return (-1);
	}
	return (*p == '\n' ? 0 : -1);
}

/*
 * Every disposition back to SIG_DFL and an empty mask, whatever the caller
 * or this program set: the command must start as if from a clean shell.
 * Only ignored signals need it: execve(2) resets caught ones (and every
 * sa_flags).  Which are ignored, /proc says in one read; with --chroot
 * (the new root may lack /proc, or hold a file that lies) or when /proc
 * cannot be read, every signal is reset.  The kernel's rt_sigaction(2),
 * not the C library's sigaction(3): no copying, and it also resets the
 * real-time signals glibc reserves for itself (32 and 33), which a caller
 * may have left ignored.
 */
int
signals_reset(bool use_proc)
{
	/*
	 * The kernel's struct sigaction and sigset_t, not the C library's:
	 * the set is 64 bits on every architecture but MIPS (128 bits,
	 * after the flags), whatever the size of a long.
	 */
#if defined(__mips__)
	struct kernel_sigaction {
		unsigned int flags;
		void (*handler)(int);
		uint64_t mask[2];
	};
#else
	struct kernel_sigaction {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask[1];
	};
#endif
	const struct kernel_sigaction dfl = {.handler = SIG_DFL},
	    ignore = {.handler = SIG_IGN};
	const size_t setsize = sizeof(dfl.mask);
	unsigned long long ign = ~0ULL;

	if (use_proc && ignored_signals(&ign) == -1)
		ign = ~0ULL;
	/*
	 * A report written after the original process was killed raised a
	 * SIGPIPE that waits, blocked; unblocked here, it would kill us with
	 * the pidfile written and no command running.  Ignoring a pending
	 * signal discards it (POSIX sigaction()); the loop then restores the
	 * default.
	 */
	if (syscall(SYS_rt_sigaction, SIGPIPE, &ignore, NULL, setsize) == -1)
		return (-1);
	ign |= 1ULL << (SIGPIPE - 1);
	/* SigIgn tells of signals 1 to 64; any above are reset. */
	for (int sig = 1; sig < NSIG; sig++)
		if ((sig > 64 || (ign >> (sig - 1) & 1) != 0) &&
		    sig != SIGKILL && sig != SIGSTOP &&
		    syscall(SYS_rt_sigaction, sig, &dfl, NULL, setsize) == -1)
			return (-1);
	/* The kernel's empty mask, like the kernel's dispositions above. */
	return ((int)syscall(SYS_rt_sigprocmask, SIG_SETMASK, dfl.mask, NULL,
	    setsize));
}

/*
 * A failure after the pidfile was written: in plain mode this process holds
 * the lock, so remove the file while still holding it; then report.
 */
static noreturn void
fail(const struct options *o, int reportfd, const struct prepared *p,
    struct report *r)
{
	if (o->mode == MODE_PLAIN)
		setup_undo(o, p);
	report_fail(o, reportfd, r);
}

noreturn void
exec_command(const struct options *o, int reportfd, const struct prepared *p)
{
	struct report r = {.stage = STAGE_NONE};
	int keep[2 + KEEP_FDS_MAX];
	size_t nkeep = 0;

	if (execenv_apply(o, &r) == -1)
		fail(o, reportfd, p, &r);
	if (chdir(o->chdir_path) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_CHDIR, .err = errno});
	if (execenv_keep_caps(o, &r) == -1)
		fail(o, reportfd, p, &r);
	if (creds_apply(&o->creds, &r) == -1)
		fail(o, reportfd, p, &r);
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
	if (signals_reset(o->chroot_path == NULL) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_SIGNALS, .err = errno});

	if (o->mode == MODE_PLAIN) {
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
	if (o->mode == MODE_PLAIN && redirect_truncate(o, &p->io) == -1)
		fail(o, reportfd, p,
		    &(struct report){.stage = STAGE_STDOUT, .err = errno});
	/* A supervised child: execve(2) next (report.h). */
	if (o->mode == MODE_SUPERVISE)
		report_send(reportfd, &(struct report){.stage = STAGE_CHILD});
	execve(o->command_path, o->argv, environ);

	/* ENOENT for a file that exists: its #! interpreter is missing. */
	r = (struct report){.stage = STAGE_EXEC, .err = errno};
	if (r.err == ENOENT && access(o->command_path, F_OK) == 0)
		r.stage = STAGE_EXEC_INTERP;
	fail(o, reportfd, p, &r);
}
