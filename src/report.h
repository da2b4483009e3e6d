/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The report pipe: how a detached process tells the original one, which
 * still has the user's terminal, what happened.  Records are fixed-size and
 * smaller than PIPE_BUF, so each write(2) is atomic.  The write end is
 * close-on-exec: EOF after a STAGE_STARTED record means the exec succeeded.
 * A supervised child has its own pipe to the supervisor, where EOF after
 * its STAGE_CHILD record means the same.
 */
#ifndef REPORT_H
#define REPORT_H

#include <sys/types.h>
#include <stdnoreturn.h>

struct options;

enum stage {
	STAGE_NONE,
	STAGE_STARTED,		/* not a failure: pid is the daemon (or supervisor) */
	STAGE_CHILD,		/* not a failure: pid is the supervised child,
				   which calls execve(2) next */
	STAGE_READY,		/* not a failure: READY=1 seen by the supervisor */
	STAGE_STATUS,		/* not a failure: a STATUS= from pid seen by the
				   supervisor; err is its child, extra the
				   length of the text written right after */
	STAGE_FORK,
	STAGE_SETSID,
	STAGE_PIPE,
	STAGE_PIDFILE,
	STAGE_PIDFILE_LOCKED,	/* pid is the holder */
	STAGE_PIDFILE_WRITE,
	STAGE_LOCKFILE,
	STAGE_LOCKFILE_LOCKED,	/* pid is the holder */
	STAGE_CHILD_PIDFILE,
	STAGE_STDIN,
	STAGE_STDOUT,
	STAGE_STDERR,
	STAGE_NICE,
	STAGE_IONICE,
	STAGE_SCHED,
	STAGE_OOM,
	STAGE_LIMIT,		/* extra is the index into opts->limits */
	STAGE_CHROOT,
	STAGE_CHDIR,
	STAGE_SETGROUPS,
	STAGE_SETGID,
	STAGE_SETUID,
	STAGE_REGAIN_ROOT,
	STAGE_CAPS,
	STAGE_NO_NEW_PRIVS,
	STAGE_SIGNALS,
	STAGE_FDS,
	STAGE_EXEC,
	STAGE_EXEC_INTERP,	/* ENOENT from execve for a file that exists */
	STAGE_NOTIFY,
	STAGE_NOTIFY_ERRNO,	/* err is the errno the daemon sent */
	STAGE_NOTIFY_TIMEOUT,
	STAGE_EXITED,		/* extra is the wait(2) status */
	STAGE_SUPERVISE,
};

struct report {
	int stage;
	int err;
	pid_t pid;
	int extra;
};

/* Why a file was refused before open(2) or fstat(2) could say it (extra). */
enum refusal {
	REFUSE_NONE,
	REFUSE_SYMLINK,
	REFUSE_NOT_REGULAR,
	REFUSE_HARDLINK,
	REFUSE_LOCKED_FILE,	/* the pidfile or lockfile itself */
	REFUSE_FOREIGN_OWNER,	/* owned by neither root nor -u's user */
};

/*
 * A refused link on the way to the file (not the file itself) travels in
 * extra with the length of the path prefix that names it.
 */
#define REFUSAL_EXTRA(refusal, at)	((refusal) | (int)(at) << 8)
#define REFUSAL_OF(extra)		((extra) & 0xff)
#define REFUSAL_AT(extra)		((extra) >> 8)

void report_send(int fd, const struct report *rec);
noreturn void report_fail(const struct options *o, int fd,
    const struct report *rec);
int report_describe(const struct options *o, const struct report *r, char *buf,
    size_t len);
int report_print(const struct options *o, const struct report *rec);
int report_read(int fd, struct report *rec);

#endif
