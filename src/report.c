// SPDX-License-Identifier: BSD-2-Clause
/*
 * The report pipe.  Detached processes (intermediate, daemon, supervisor,
 * supervised child) send one fixed-size record per event and never format
 * text: after fork(2) there is no terminal to print to, and strerror(3) or
 * stdio may not be safe there.  The original process, which still has the
 * terminal and knows the option values, turns a record into a message and
 * an exit code with report_describe().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "options.h"
#include "parse.h"
#include "report.h"
#include "util.h"

/* Send one record; a vanished reader is not our problem (EPIPE ignored). */
void
report_send(int fd, const struct report *rec)
{
	struct report r = *rec;
	ssize_t n;

	if (fd < 0)
		return;
	if (r.pid == 0)
		r.pid = getpid();
	do
		n = write(fd, &r, sizeof(r));
	while (n == -1 && errno == EINTR);
}

/*
 * End a detached process after a failure.  With no pipe (--foreground),
 * this process still owns the terminal: print the message and exit with
 * its code.
 */
noreturn void
report_fail(const struct options *o, int fd, const struct report *rec)
{
	int code;

	if (fd >= 0) {
		report_send(fd, rec);
		_exit(EXIT_SOFTWARE);
	}
	code = report_print(o, rec);
	fflush(stderr);
	_exit(code);
}

/*
 * In a process that still has the caller's terminal: describe a failure
 * record on stderr and return its exit code.
 */
int
report_print(const struct options *o, const struct report *rec)
{
	char msg[1024];
	int code;

	code = report_describe(o, rec, msg, sizeof(msg));
	fprintf(stderr, "daemonize: %s\n", msg);
	return (code);
}

/*
 * Read one whole record.  Returns 1 for a record, 0 at EOF, -1 on error
 * (EINTR is retried; a short record is EPROTO).
 */
int
report_read(int fd, struct report *rec)
{
	ssize_t n;

	do
		n = read(fd, rec, sizeof(*rec));
	while (n == -1 && errno == EINTR);
	if (n == 0)
		return (0);
	if (n == (ssize_t)sizeof(*rec))
		return (1);
	if (n > 0)
		errno = EPROTO;
	return (-1);
}

/* The path a stage opens, for a refused link's name. */
static const char *
stage_path(const struct options *o, int stage)
{
	switch (stage) {
	case STAGE_PIDFILE:
		return (o->pidfile);
	case STAGE_LOCKFILE:
		return (o->lockfile);
	case STAGE_CHILD_PIDFILE:
		return (o->child_pidfile);
	case STAGE_STDIN:
		return (o->stdin_path);
	case STAGE_STDOUT:
		return (o->stdout_path);
	case STAGE_STDERR:
		return (o->stderr_path);
	}
	return (NULL);
}

/*
 * Why a file was refused, into buf; NULL if r is not a refusal.  A link
 * refused on the way (r->at) is named by its prefix of the path.
 */
static const char *
refusal_text(const struct options *o, const struct report *r, char *buf,
    size_t len)
{
	const char *path = stage_path(o, r->stage);
	const char *user = o->creds.name != NULL ? o->creds.name : o->user;
	int at;

	if (path == NULL)
		return (NULL);
	switch (REFUSAL_OF(r->extra)) {
	case REFUSE_SYMLINK:
		at = REFUSAL_AT(r->extra);
		if (at <= 0 || (size_t)at >= strlen(path))
			return ("refusing a symbolic link");
		snprintf(buf, len, "refusing the symbolic link %.*s (a user "
		    "other than root could have planted it)", at, path);
		return (buf);
	case REFUSE_NOT_REGULAR:
		return ("refusing a file that is not a regular file");
	case REFUSE_HARDLINK:
		return ("refusing a file with more than one hard link");
	case REFUSE_LOCKED_FILE:
		return ("refusing the pidfile or lockfile (a second descriptor "
		    "of it would drop the lock)");
	case REFUSE_FOREIGN_OWNER:
		if (o->creds.change_user)
			snprintf(buf, len, "refusing a file owned by neither "
			    "root nor %s", user);
		else
			snprintf(buf, len, "refusing a file not owned by root");
		return (buf);
	}
	return (NULL);
}

/* 77 for "not permitted", 64 for a value the kernel rejects, else 71. */
static int
errno_code(int e)
{
	if (e == EPERM || e == EACCES)
		return (EXIT_NOPERM);
	if (e == EINVAL)
		return (EXIT_USAGE);
	return (EXIT_OSERR);
}

/* The interpreter named on a script's "#!" line, for "bad interpreter". */
static void
interpreter_of(const char *path, char *buf, size_t len)
{
	char line[256];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return;
	line[n] = '\0';
	char *p = line + 2;
	p += strspn(p, " \t");
	p[strcspn(p, " \t\n")] = '\0';
	snprintf(buf, len, " %s", p);
}

/* The i-th --limit as "RESOURCE=SOFT:HARD", the way the user can write it. */
static void
limit_text(const struct options *o, int i, char *buf, size_t len)
{
	char v[2][24];

	if (i < 0 || (size_t)i >= o->nlimits) {
		snprintf(buf, len, "?");
		return;
	}
	for (int k = 0; k < 2; k++) {
		rlim_t n = k == 0 ? o->limits[i].value.rlim_cur :
		    o->limits[i].value.rlim_max;

		if (n == RLIM_INFINITY)
			snprintf(v[k], sizeof(v[k]), "unlimited");
		else
			snprintf(v[k], sizeof(v[k]), "%llu",
			    (unsigned long long)n);
	}
	snprintf(buf, len, "%s=%s:%s", limit_name(o->limits[i].resource),
	    v[0], v[1]);
}

/* The index of the --limit that sets resource (the last wins), or -1. */
static int
last_limit(const struct options *o, int resource)
{
	int found = -1;

	for (size_t i = 0; i < o->nlimits; i++)
		if ((int)o->limits[i].resource == resource)
			found = (int)i;
	return (found);
}

/*
 * Turn a failure record into "action object: reason" (without the
 * "daemonize: " prefix) and return the exit code from exitcodes.h.
 */
int
report_describe(const struct options *o, const struct report *r, char *buf,
    size_t len)
{
	char extra[128], path[PATH_MAX], why[PATH_MAX + 80];
	const char *reason = refusal_text(o, r, why, sizeof(why));
	const char *user = o->creds.name != NULL ? o->creds.name : o->user;
	int i;

	if (reason == NULL)
		reason = strerror(r->err);
	switch (r->stage) {
	case STAGE_FORK:
		snprintf(buf, len, "fork daemon: %s", reason);
		return (EXIT_OSERR);
	case STAGE_SETSID:
		snprintf(buf, len, "create session: %s", reason);
		return (EXIT_OSERR);
	case STAGE_PIPE:
		snprintf(buf, len, "create pipe: %s", reason);
		return (EXIT_OSERR);
	case STAGE_PIDFILE:
		snprintf(buf, len, "open pidfile %s: %s", o->pidfile, reason);
		return (EXIT_CANTCREAT);
	case STAGE_PIDFILE_LOCKED:
		snprintf(buf, len, "%s: already running as pid %d", o->pidfile,
		    (int)r->pid);
		return (EXIT_TEMPFAIL);
	case STAGE_PIDFILE_WRITE:
		snprintf(buf, len, "write pidfile %s: %s", o->pidfile, reason);
		return (EXIT_CANTCREAT);
	case STAGE_LOCKFILE:
		snprintf(buf, len, "open lockfile %s: %s", o->lockfile, reason);
		return (EXIT_CANTCREAT);
	case STAGE_LOCKFILE_LOCKED:
		snprintf(buf, len, "%s: already running as pid %d", o->lockfile,
		    (int)r->pid);
		return (EXIT_TEMPFAIL);
	case STAGE_CHILD_PIDFILE:
		snprintf(buf, len, "write child pidfile %s: %s",
		    o->child_pidfile, reason);
		return (EXIT_CANTCREAT);
	case STAGE_STDIN:
		snprintf(buf, len, "open stdin %s: %s", o->stdin_path != NULL ?
		    o->stdin_path : "/dev/null", reason);
		/*
		 * A planted link is 73 on every path root opens, -i's too:
		 * one code for the attack, apart from a missing input (66).
		 */
		return (REFUSAL_OF(r->extra) == REFUSE_SYMLINK ? EXIT_CANTCREAT :
		    EXIT_NOINPUT);
	case STAGE_STDOUT:
		snprintf(buf, len, "open stdout %s: %s", o->stdout_path != NULL ?
		    o->stdout_path : "/dev/null", reason);
		return (EXIT_CANTCREAT);
	case STAGE_STDERR:
		snprintf(buf, len, "open stderr %s: %s", o->stderr_path != NULL ?
		    o->stderr_path : "/dev/null", reason);
		return (EXIT_CANTCREAT);
	case STAGE_NICE:
		snprintf(buf, len, "set nice %d: %s", o->nice, reason);
		return (errno_code(r->err));
	case STAGE_IONICE:
		snprintf(buf, len, "set ionice %s:%d: %s",
		    ionice_class_name(o->ionice_class), o->ionice_level,
		    reason);
		return (errno_code(r->err));
	case STAGE_SCHED:
		snprintf(buf, len, "set scheduler %s:%d: %s",
		    sched_policy_name(o->sched_policy), o->sched_priority,
		    reason);
		return (errno_code(r->err));
	case STAGE_OOM:
		snprintf(buf, len, "set oom_score_adj %d: %s",
		    o->oom_score_adj, reason);
		return (errno_code(r->err));
	case STAGE_LIMIT:
		limit_text(o, r->extra, extra, sizeof(extra));
		snprintf(buf, len, "set limit %s: %s", extra, reason);
		return (errno_code(r->err));
	case STAGE_CHROOT:
		snprintf(buf, len, "chroot %s: %s", o->chroot_path, reason);
		if (r->err == ENOENT || r->err == ENOTDIR)
			return (EXIT_NOINPUT);
		return (errno_code(r->err));
	case STAGE_CHDIR:
		snprintf(buf, len, "chdir %s: %s", o->chdir_path, reason);
		return (EXIT_NOINPUT);
	case STAGE_SETGROUPS:
		snprintf(buf, len, "set groups for %s: %s",
		    user ? user : o->group, reason);
		return (EXIT_NOPERM);
	case STAGE_SETGID:
		snprintf(buf, len, "set group %d: %s", (int)o->creds.gid,
		    reason);
		return (EXIT_NOPERM);
	case STAGE_SETUID:
		snprintf(buf, len, "set user %s: %s", user, reason);
		return (EXIT_NOPERM);
	case STAGE_REGAIN_ROOT:
		snprintf(buf, len, "drop privileges to %s: root could be "
		    "regained", user);
		return (EXIT_NOPERM);
	case STAGE_CAPS:
		snprintf(buf, len, "keep capabilities %s: %s", o->caps, reason);
		return (errno_code(r->err));
	case STAGE_NO_NEW_PRIVS:
		snprintf(buf, len, "set no_new_privs: %s", reason);
		return (EXIT_OSERR);
	case STAGE_SIGNALS:
		snprintf(buf, len, "reset signals: %s", reason);
		return (EXIT_OSERR);
	case STAGE_FDS:
		snprintf(buf, len, "close inherited fds: %s", reason);
		return (EXIT_OSERR);
	case STAGE_EXEC:
		/*
		 * execve(2) fails with EAGAIN only when the user is over
		 * RLIMIT_NPROC: blame the --limit that set it, if one did.
		 */
		if (r->err == EAGAIN && (i = last_limit(o, RLIMIT_NPROC)) >= 0) {
			limit_text(o, i, extra, sizeof(extra));
			snprintf(buf, len, "exec %s: --limit=%s: user %s already "
			    "runs that many processes: %s", o->command_path,
			    extra, user != NULL ? user : "(invoking)", reason);
			return (EXIT_OSERR);
		}
		snprintf(buf, len, "exec %s: %s", o->command_path, reason);
		return (r->err == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOTEXEC);
	case STAGE_EXEC_INTERP:
		/* This process is outside --chroot: look at the file inside. */
		snprintf(path, sizeof(path), "%s%s", o->chroot_path != NULL ?
		    o->chroot_path : "", o->command_path);
		interpreter_of(path, extra, sizeof(extra));
		snprintf(buf, len, "exec %s: bad interpreter%s: %s",
		    o->command_path, extra, reason);
		return (EXIT_CANNOTEXEC);
	case STAGE_NOTIFY:
		snprintf(buf, len, "wait for readiness: %s", reason);
		return (EXIT_OSERR);
	case STAGE_NOTIFY_ERRNO:
		snprintf(buf, len, "wait for READY=1 from pid %d: it reported "
		    "ERRNO=%d: %s", (int)r->pid, r->err, reason);
		return (EXIT_NOTREADY);
	case STAGE_NOTIFY_TIMEOUT: {
		/* extra: milliseconds waited, EXTEND_TIMEOUT_USEC included. */
		long long ms = r->extra > 0 ? r->extra : o->wait_ready_ms;

		snprintf(buf, len, "wait for READY=1 from pid %d: timed out "
		    "after %lld.%03lld s", (int)r->pid, ms / 1000, ms % 1000);
		return (EXIT_NOTREADY);
	}
	case STAGE_EXITED:
		/* err set: not our child, its status is lost. */
		if (r->err != 0)
			snprintf(extra, sizeof(extra), "exited");
		else
			util_describe_status(r->extra, extra, sizeof(extra));
		snprintf(buf, len, "wait for READY=1 from pid %d: it %s",
		    (int)r->pid, extra);
		return (EXIT_DIEDEARLY);
	case STAGE_SUPERVISE:
		snprintf(buf, len, "supervise %s: %s", o->argv[0], reason);
		return (EXIT_OSERR);
	}
	snprintf(buf, len, "start %s: unexpected report %d (errno %d)",
	    o->argv[0], r->stage, r->err);
	return (EXIT_SOFTWARE);
}
