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

/* Which option value names the object of a failed stage in its message. */
enum object {
	OBJ_NONE,
	OBJ_FILE,		/* the file the stage opens: stage_path() */
	OBJ_PIDFILE,
	OBJ_NICE,
	OBJ_IONICE,		/* CLASS:LEVEL */
	OBJ_SCHED,		/* POLICY:PRIORITY */
	OBJ_OOM,
	OBJ_LIMIT,		/* the --limit that r->extra indexes */
	OBJ_CHROOT,
	OBJ_CHDIR,
	OBJ_GROUPS,		/* the user, or -g's group without -u */
	OBJ_GID,
	OBJ_USER,
	OBJ_CAPS,
	OBJ_COMMAND,		/* the resolved path */
	OBJ_ARGV0,		/* the command as given */
};

#define CODE_BY_ERRNO	(-1)	/* the exit code follows r->err: errno_code() */

/*
 * The stages whose message reads "action object: reason", one row per
 * stage; the others are worded by describe_special().
 */
static const struct stage_text {
	const char *action;
	enum object object;
	int code;		/* from exitcodes.h, or CODE_BY_ERRNO */
} stage_texts[] = {
	[STAGE_FORK] = {"fork daemon", OBJ_NONE, EXIT_OSERR},
	[STAGE_SETSID] = {"create session", OBJ_NONE, EXIT_OSERR},
	[STAGE_PIPE] = {"create pipe", OBJ_NONE, EXIT_OSERR},
	[STAGE_PIDFILE] = {"open pidfile", OBJ_FILE, EXIT_CANTCREAT},
	[STAGE_PIDFILE_WRITE] = {"write pidfile", OBJ_PIDFILE, EXIT_CANTCREAT},
	[STAGE_LOCKFILE] = {"open lockfile", OBJ_FILE, EXIT_CANTCREAT},
	[STAGE_CHILD_PIDFILE] = {"write child pidfile", OBJ_FILE,
	    EXIT_CANTCREAT},
	[STAGE_STDIN] = {"open stdin", OBJ_FILE, EXIT_NOINPUT},
	[STAGE_STDOUT] = {"open stdout", OBJ_FILE, EXIT_CANTCREAT},
	[STAGE_STDERR] = {"open stderr", OBJ_FILE, EXIT_CANTCREAT},
	[STAGE_NICE] = {"set nice", OBJ_NICE, CODE_BY_ERRNO},
	[STAGE_IONICE] = {"set ionice", OBJ_IONICE, CODE_BY_ERRNO},
	[STAGE_SCHED] = {"set scheduler", OBJ_SCHED, CODE_BY_ERRNO},
	[STAGE_OOM] = {"set oom_score_adj", OBJ_OOM, CODE_BY_ERRNO},
	[STAGE_LIMIT] = {"set limit", OBJ_LIMIT, CODE_BY_ERRNO},
	[STAGE_CHROOT] = {"chroot", OBJ_CHROOT, CODE_BY_ERRNO},
	[STAGE_CHDIR] = {"chdir", OBJ_CHDIR, EXIT_NOINPUT},
	[STAGE_SETGROUPS] = {"set groups for", OBJ_GROUPS, EXIT_NOPERM},
	[STAGE_SETGID] = {"set group", OBJ_GID, EXIT_NOPERM},
	[STAGE_SETUID] = {"set user", OBJ_USER, EXIT_NOPERM},
	[STAGE_CAPS] = {"keep capabilities", OBJ_CAPS, CODE_BY_ERRNO},
	[STAGE_NO_NEW_PRIVS] = {"set no_new_privs", OBJ_NONE, EXIT_OSERR},
	[STAGE_SIGNALS] = {"reset signals", OBJ_NONE, EXIT_OSERR},
	[STAGE_FDS] = {"close inherited fds", OBJ_NONE, EXIT_OSERR},
	[STAGE_EXEC] = {"exec", OBJ_COMMAND, EXIT_CANNOTEXEC},
	[STAGE_NOTIFY] = {"wait for readiness", OBJ_NONE, EXIT_OSERR},
	[STAGE_SUPERVISE] = {"supervise", OBJ_ARGV0, EXIT_OSERR},
};

/* The user a stage acts for: as resolved, or as given to -u. */
static const char *
user_of(const struct options *o)
{
	return (o->creds.name != NULL ? o->creds.name : o->user);
}

/* The text that names obj, from the option values (buf if formatted). */
static const char *
object_text(const struct options *o, const struct report *r,
    enum object obj, char *buf, size_t len)
{
	switch (obj) {
	case OBJ_NONE:
		return (NULL);
	case OBJ_FILE:
		/* Without -i, -o or -e, stdio is /dev/null. */
		return (stage_path(o, r->stage) != NULL ?
		    stage_path(o, r->stage) : "/dev/null");
	case OBJ_PIDFILE:
		return (o->pidfile);
	case OBJ_NICE:
		snprintf(buf, len, "%d", o->nice);
		return (buf);
	case OBJ_IONICE:
		snprintf(buf, len, "%s:%d", ionice_class_name(o->ionice_class),
		    o->ionice_level);
		return (buf);
	case OBJ_SCHED:
		snprintf(buf, len, "%s:%d", sched_policy_name(o->sched_policy),
		    o->sched_priority);
		return (buf);
	case OBJ_OOM:
		snprintf(buf, len, "%d", o->oom_score_adj);
		return (buf);
	case OBJ_LIMIT:
		limit_text(o, r->extra, buf, len);
		return (buf);
	case OBJ_CHROOT:
		return (o->chroot_path);
	case OBJ_CHDIR:
		return (o->chdir_path);
	case OBJ_GROUPS:
		return (user_of(o) != NULL ? user_of(o) : o->group);
	case OBJ_GID:
		snprintf(buf, len, "%d", (int)o->creds.gid);
		return (buf);
	case OBJ_USER:
		return (user_of(o));
	case OBJ_CAPS:
		return (o->caps);
	case OBJ_COMMAND:
		return (o->command_path);
	case OBJ_ARGV0:
		return (o->argv[0]);
	}
	return (NULL);
}

/* A row's exit code, but for the three errnos that change it. */
static int
stage_code(const struct stage_text *t, const struct report *r)
{
	/*
	 * A planted link is 73 on every path root opens, -i's too: one code
	 * for the attack, apart from a missing input (66).
	 */
	if (r->stage == STAGE_STDIN && REFUSAL_OF(r->extra) == REFUSE_SYMLINK)
		return (EXIT_CANTCREAT);
	if (r->stage == STAGE_CHROOT && (r->err == ENOENT || r->err == ENOTDIR))
		return (EXIT_NOINPUT);
	if (r->stage == STAGE_EXEC && r->err == ENOENT)
		return (EXIT_NOTFOUND);
	return (t->code == CODE_BY_ERRNO ? errno_code(r->err) : t->code);
}

/*
 * The failures whose message has its own shape: a lock held by another
 * process, root regained, the exec blamed on a --limit or on a script's
 * interpreter, and readiness.  Returns the exit code, or -1 when r is
 * worded by its row of stage_texts.
 */
static int
describe_special(const struct options *o, const struct report *r,
    const char *reason, char *buf, size_t len)
{
	char extra[128], path[PATH_MAX];
	long long ms;
	int i;

	switch (r->stage) {
	case STAGE_PIDFILE_LOCKED:
	case STAGE_LOCKFILE_LOCKED:
		snprintf(buf, len, "%s: already running as pid %d",
		    r->stage == STAGE_PIDFILE_LOCKED ? o->pidfile : o->lockfile,
		    (int)r->pid);
		return (EXIT_TEMPFAIL);
	case STAGE_REGAIN_ROOT:
		snprintf(buf, len, "drop privileges to %s: root could be "
		    "regained", user_of(o));
		return (EXIT_NOPERM);
	case STAGE_EXEC:
		/*
		 * execve(2) fails with EAGAIN only when the user is over
		 * RLIMIT_NPROC: blame the --limit that set it, if one did.
		 */
		if (r->err != EAGAIN || (i = last_limit(o, RLIMIT_NPROC)) < 0)
			return (-1);
		limit_text(o, i, extra, sizeof(extra));
		snprintf(buf, len, "exec %s: --limit=%s: user %s already runs "
		    "that many processes: %s", o->command_path, extra,
		    user_of(o) != NULL ? user_of(o) : "(invoking)", reason);
		return (EXIT_OSERR);
	case STAGE_EXEC_INTERP:
		/* This process is outside --chroot: look at the file inside. */
		snprintf(path, sizeof(path), "%s%s", o->chroot_path != NULL ?
		    o->chroot_path : "", o->command_path);
		interpreter_of(path, extra, sizeof(extra));
		snprintf(buf, len, "exec %s: bad interpreter%s: %s",
		    o->command_path, extra, reason);
		return (EXIT_CANNOTEXEC);
	case STAGE_NOTIFY_ERRNO:
		snprintf(buf, len, "wait for READY=1 from pid %d: it reported "
		    "ERRNO=%d: %s", (int)r->pid, r->err, reason);
		return (EXIT_NOTREADY);
	case STAGE_NOTIFY_TIMEOUT:
		/* extra: milliseconds waited, EXTEND_TIMEOUT_USEC included. */
		ms = r->extra > 0 ? r->extra : o->wait_ready_ms;
		snprintf(buf, len, "wait for READY=1 from pid %d: timed out "
		    "after %lld.%03lld s", (int)r->pid, ms / 1000, ms % 1000);
		return (EXIT_NOTREADY);
	case STAGE_EXITED:
		/* err set: not our child, its status is lost. */
		if (r->err != 0)
			snprintf(extra, sizeof(extra), "exited");
		else
			util_describe_status(r->extra, extra, sizeof(extra));
		snprintf(buf, len, "wait for READY=1 from pid %d: it %s",
		    (int)r->pid, extra);
		return (EXIT_DIEDEARLY);
	}
	return (-1);
}

/*
 * Turn a failure record into "action object: reason" (without the
 * "daemonize: " prefix) and return the exit code from exitcodes.h.
 */
int
report_describe(const struct options *o, const struct report *r, char *buf,
    size_t len)
{
	char why[PATH_MAX + 80], object[128];
	const char *reason = refusal_text(o, r, why, sizeof(why));
	const struct stage_text *t;
	int code;

	if (reason == NULL)
		reason = strerror(r->err);
	if ((code = describe_special(o, r, reason, buf, len)) != -1)
		return (code);
	if (r->stage < 0 || (size_t)r->stage >= sizeof(stage_texts) /
	    sizeof(stage_texts[0]) || stage_texts[r->stage].action == NULL) {
		snprintf(buf, len, "start %s: unexpected report %d (errno %d)",
		    o->argv[0], r->stage, r->err);
		return (EXIT_SOFTWARE);
	}
	t = &stage_texts[r->stage];
	if (t->object == OBJ_NONE)
		snprintf(buf, len, "%s: %s", t->action, reason);
	else
		snprintf(buf, len, "%s %s: %s", t->action,
		    object_text(o, r, t->object, object, sizeof(object)),
		    reason);
	return (stage_code(t, r));
}
