// SPDX-License-Identifier: BSD-2-Clause
/*
 * Control commands, run in a fresh daemonize process by scripts.
 *
 * The daemon is the process that holds the pidfile's fcntl lock, as F_GETLK
 * reports it; the pid written in the file is only a hint.  A stale file
 * whose text names a recycled pid therefore never gets that process
 * signalled, even when root runs --stop on a file an unprivileged user
 * could forge: forging the lock would need the process itself.
 *
 * A stop ends the job, not just the daemon: the lock holder and every
 * process of the session the start created (with --respawn the
 * supervisor, its child and their descendants), or, when the session is
 * not the job's own (--foreground), the daemon and its descendants.  Each
 * step finds the members with one scan of /proc, takes a pidfd for each
 * (pidfd_open(2)) and checks, after taking it, that the pid still names
 * the process the scan saw, so a recycled pid is never signalled; signals
 * go through the pidfds, and the wait polls them all (a pidfd becomes
 * readable the moment its process exits; a zombie counts as gone).
 *
 * Kernels before 5.3 have no pidfds (sys.h says ENOSYS): then the lock
 * holder is checked with F_GETLK, and any other member against the start
 * time the scan saw, immediately before kill(2); the wait blocks on the
 * pidfile's lock, and polls /proc with a short back-off only for members
 * that hold no lock.  See KERNEL SUPPORT in daemonize(1).
 */
#include "config.h"

#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "exitcodes.h"
#include "facts.h"
#include "options.h"
#include "parse.h"
#include "pidlock.h"
#include "procstat.h"
#include "report.h"
#include "statefile.h"
#include "sys.h"
#include "util.h"

/* A KILL step given 0 seconds still waits this long for the kill to land. */
#define KILL_WAIT_MS 2000
/* The longest sleep between looks at a member that has no pidfd. */
#define BACKOFF_MAX_MS 16

/* Read a small /proc file into buf as a string; -1 if it is not there. */
static int
read_proc(const char *path, char *buf, size_t size)
{
	ssize_t len;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	len = read(fd, buf, size - 1);
	close(fd);
	if (len <= 0)
		return (-1);
	buf[len] = '\0';
	return (0);
}

static int
proc_stat(pid_t pid, struct procstat *ps)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return (procstat_read(AT_FDCWD, path, ps));
}

/* Whether the process the scan saw as pid (started at start) still runs. */
static bool
proc_same(pid_t pid, unsigned long long start)
{
	struct procstat ps;

	return (proc_stat(pid, &ps) == 0 && ps.state != 'Z' &&
	    ps.start == start);
}

/* One process of the job; pidfd is -1 on kernels without pidfds. */
struct member {
	pid_t pid;
	int pidfd;
	unsigned long long start;
	bool live;
};

/*
 * The job a stop ends.  m[0] is the daemon, the pidfile's lock holder
 * (with no pidfile, the process the caller named).  own_session: the
 * daemon's session is the job's own, so all of it is the job; otherwise
 * only the daemon's descendants are.
 */
struct job {
	const char *pidfile;
	pid_t sid;
	bool own_session;
	bool scan;		/* false: the daemon alone */
	bool lock_waited;	/* its lock is free; look at /proc instead */
	long last_pid;		/* the newest pid when the scan began, or -1 */
	long long scan_ms;	/* when it began */
	struct member *m;
	size_t n;
};

static bool
member_live(struct member *m)
{
	struct pollfd pfd = {.fd = m->pidfd, .events = POLLIN};

	if (m->live)
		m->live = m->pidfd >= 0 ? poll(&pfd, 1, 0) == 0 :
		    proc_same(m->pid, m->start);
	return (m->live);
}

/*
 * Add pid, as the scan saw it (ps), to the job: take a pidfd, then check
 * that the pid still names that process and that session.  Returns 0, or
 * -1 when it is gone or not the same (nothing added).
 */
static int
member_add(struct job *j, pid_t pid, const struct procstat *ps)
{
	struct member *v;
	struct procstat now;
	int fd;

	if ((fd = sys_pidfd_open(pid)) == -1 && errno != ENOSYS)
		return (-1);
	if (proc_stat(pid, &now) == -1 || now.state == 'Z' ||
	    now.start != ps->start || now.sid != ps->sid ||
	    (v = reallocarray(j->m, j->n + 1, sizeof(*v))) == NULL) {
		if (fd >= 0)
			close(fd);
		return (-1);
	}
	j->m = v;
	v[j->n++] = (struct member){.pid = pid, .pidfd = fd,
	    .start = ps->start, .live = true};
	return (0);
}

static void
job_free(struct job *j)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->m[i].pidfd >= 0)
			close(j->m[i].pidfd);
	free(j->m);
	j->m = NULL;
	j->n = 0;
}

/*
 * Start a job from its daemon.  The session is the job's own when the
 * daemon leads it, or when it is in the leader's group and the leader is
 * gone: the shape detach leaves (the intermediate called setsid(2),
 * forked the daemon and exited; its pid cannot be reused while the session
 * lives).  A session whose leader runs (the shell that started a
 * --foreground daemon), or our own, is not.
 */
static int
job_init(struct job *j, const char *pidfile, pid_t daemon)
{
	struct procstat ps, leader;

	*j = (struct job){.pidfile = pidfile, .scan = true, .last_pid = -1};
	if (proc_stat(daemon, &ps) == -1 || member_add(j, daemon, &ps) == -1)
		return (-1);
	j->sid = ps.sid;
	j->own_session = ps.sid != getsid(0) && (daemon == ps.sid ||
	    (ps.pgrp == ps.sid && (proc_stat(ps.sid, &leader) == -1 ||
	    leader.state == 'Z')));
	return (0);
}

/*
 * The last pid the kernel handed out in our pid namespace, or -1.  When it
 * has not moved since a scan began, nothing has forked since: no member
 * can be new, and a scan is not needed to know it.
 */
static long
last_pid(void)
{
	char buf[32];

	if (read_proc("/proc/sys/kernel/ns_last_pid", buf, sizeof(buf)) == -1)
		return (-1);
	return (strtol(buf, NULL, 10));
}

static bool
job_has(const struct job *j, pid_t pid, unsigned long long start)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->m[i].pid == pid && j->m[i].start == start &&
		    j->m[i].live)
			return (true);
	return (false);
}

/* A process the scan saw; in: it belongs to the job. */
struct candidate {
	pid_t pid;
	struct procstat ps;
	bool in;
};

/*
 * One scan of /proc: add every live process that is in the job's own
 * session, or a descendant of a member.  With fresh_only, shortly after
 * the last scan, look only at pids handed out since it began (pids grow
 * until they wrap; after a wrap, or a long while, look at all).  Returns
 * how many were added.
 */
static size_t
job_scan(struct job *j, bool fresh_only)
{
	struct candidate *c = NULL, *v;
	size_t nc = 0, added = 0;
	long since = j->last_pid;
	struct dirent *de;
	bool more;
	DIR *d;

	if (!j->scan || (d = opendir("/proc")) == NULL)
		return (0);
	j->last_pid = last_pid();
	if (!fresh_only || since == -1 || j->last_pid < since ||
	    util_now_ms() - j->scan_ms > 1000)
		since = 0;
	j->scan_ms = util_now_ms();
	while ((de = readdir(d)) != NULL) {
		pid_t pid = (pid_t)atoi(de->d_name);
		struct procstat ps;

		if (pid <= since || proc_stat(pid, &ps) == -1 || ps.state == 'Z' ||
		    job_has(j, pid, ps.start))
			continue;
		if ((v = reallocarray(c, nc + 1, sizeof(*c))) == NULL)
			break;
		c = v;
		c[nc++] = (struct candidate){.pid = pid, .ps = ps,
		    .in = j->own_session && ps.sid == j->sid};
	}
	closedir(d);
	/* Descendants: a member's child, or a child of one found so far. */
	do {
		more = false;
		for (size_t i = 0; i < nc; i++) {
			bool parent = false;

			for (size_t k = 0; k < j->n && !parent; k++)
				parent = j->m[k].live &&
				    j->m[k].pid == c[i].ps.ppid;
			for (size_t k = 0; k < nc && !parent; k++)
				parent = c[k].in && c[k].pid == c[i].ps.ppid;
			if (!c[i].in && parent)
				more = c[i].in = true;
		}
	} while (more);
	for (size_t i = 0; i < nc; i++)
		if (c[i].in && member_add(j, c[i].pid, &c[i].ps) == 0)
			added++;
	free(c);
	return (added);
}

/*
 * Signal one member.  With a pidfd the kernel guarantees the process; without
 * one, check immediately before kill(2) that the pid still holds the lock
 * (the daemon) or is the process the scan saw (the others).
 */
static int
member_signal(const struct job *j, struct member *m, int sig)
{
	struct stat st;
	pid_t holder;
	int refusal;

	if (m->pidfd >= 0)
		return (sys_pidfd_send_signal(m->pidfd, sig));
	if (m == &j->m[0] && j->pidfile != NULL ?
	    pidlock_query(j->pidfile, &holder, &st, &refusal) != PIDLOCK_HELD ||
	    holder != m->pid : !proc_same(m->pid, m->start)) {
		errno = ESRCH;
		return (-1);
	}
	return (kill(m->pid, sig));
}

/*
 * Send sig to the members from index first on (only the daemon when
 * daemon_only).  Returns 0, or EXIT_NOPERM after saying which one.
 */
static int
job_signal(struct job *j, size_t first, int sig, bool daemon_only)
{
	for (size_t i = first; i < j->n && !(daemon_only && i > 0); i++) {
		if (!member_live(&j->m[i]))
			continue;
		if (member_signal(j, &j->m[i], sig) == 0)
			continue;
		if (errno == EPERM) {
			warnc(errno, "signal pid %d", (int)j->m[i].pid);
			return (EXIT_NOPERM);
		}
		j->m[i].live = false;	/* ESRCH: gone already */
	}
	return (0);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * Without pidfds: block on the pidfile's lock until its holder exits or
 * the deadline passes (F_SETLKW, interrupted by a repeating SIGALRM, so an
 * alarm that fires before the call blocks only delays it).  A write lock
 * conflicts with whatever kind the holder keeps.  Returns true when the
 * lock was free; false on timeout or when the file cannot be opened so.
 */
static bool
lock_wait(const char *path, long long deadline)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct sigaction sa = {.sa_handler = on_alarm}, old_sa;
	struct itimerval it = {.it_interval = {0, 10000}};
	long long left = deadline - util_now_ms();
	sigset_t alrm, old_mask;
	struct stat st;
	int fd, r;

	if (left <= 0)
		return (false);
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return (false);
	}
	it.it_value.tv_sec = left / 1000;
	it.it_value.tv_usec = left % 1000 * 1000;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigaction(SIGALRM, &sa, &old_sa);	/* no SA_RESTART: EINTR */
	sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
	setitimer(ITIMER_REAL, &it, NULL);
	while ((r = fcntl(fd, F_SETLKW, &fl)) == -1 && errno == EINTR &&
	    util_now_ms() < deadline)
		continue;
	setitimer(ITIMER_REAL, &(struct itimerval){0}, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	close(fd);		/* lets go of the lock at once */
	return (r == 0);
}

/*
 * Wait until every member is gone, or the deadline.  When the last one
 * goes, scan once more for members forked meanwhile (signalled with sig
 * unless daemon_only) and wait for those too.  Returns STOP_OK when
 * nothing of the job is left, STOP_STILL_RUNNING at the deadline, or
 * EXIT_NOPERM when a new member cannot be signalled.
 */
static int
job_wait(struct job *j, long long deadline, int sig, bool daemon_only)
{
	int backoff = 1;

	for (;;) {
		struct pollfd *pfd;
		size_t live = 0, np = 0, first = j->n;
		long long left;

		for (size_t i = 0; i < j->n; i++)
			live += member_live(&j->m[i]);
		if (live == 0) {
			if (!j->scan || (j->last_pid != -1 &&
			    last_pid() == j->last_pid) || job_scan(j, true) == 0)
				return (STOP_OK);
			if (job_signal(j, first, sig, daemon_only) != 0)
				return (EXIT_NOPERM);
			continue;
		}
		if ((left = deadline - util_now_ms()) <= 0)
			return (STOP_STILL_RUNNING);
		if (j->m[0].live && j->m[0].pidfd < 0 && j->pidfile != NULL &&
		    !j->lock_waited) {
			j->lock_waited = lock_wait(j->pidfile, deadline);
			if (!j->lock_waited && util_now_ms() < deadline)
				j->lock_waited = true;	/* no lock to wait on */
			continue;
		}
		if ((pfd = calloc(live, sizeof(*pfd))) == NULL)
			return (STOP_STILL_RUNNING);
		for (size_t i = 0; i < j->n; i++) {
			if (!j->m[i].live)
				continue;
			if (j->m[i].pidfd >= 0)
				pfd[np++] = (struct pollfd){.fd = j->m[i].pidfd,
				    .events = POLLIN};
			else if (left > backoff)
				left = backoff;
		}
		if (np < live && backoff < BACKOFF_MAX_MS)
			backoff *= 2;
		(void)poll(pfd, np, left > 1000000 ? 1000000 : (int)left);
		free(pfd);
	}
}

/* The first member still alive, for a message; 0 if none. */
static pid_t
job_survivor(struct job *j)
{
	for (size_t i = 0; i < j->n; i++)
		if (member_live(&j->m[i]))
			return (j->m[i].pid);
	return (0);
}

/*
 * Follow the schedule: each step scans for the job's members, signals them
 * (with mixed, only the daemon, except in a KILL step) and waits up to its
 * seconds for all of them to end.  Returns STOP_OK, STOP_STILL_RUNNING or
 * EXIT_NOPERM.
 */
static int
job_stop(struct job *j, const struct retry_schedule *r, bool mixed,
    bool verbose)
{
	int rc;

	do {
		for (int i = 0; i < r->nsteps; i++) {
			int sig = r->step[i].signo;
			long long ms = r->step[i].timeout_ms;
			bool daemon_only = mixed && sig != SIGKILL;
			size_t others = 0;

			(void)job_scan(j, false);
			if (job_survivor(j) == 0)
				return (STOP_OK);
			if ((rc = job_signal(j, 0, sig, daemon_only)) != 0)
				return (rc);
			for (size_t k = 1; k < j->n && !daemon_only; k++)
				others += j->m[k].live;
			if (verbose)
				fprintf(stderr, "daemonize: sent SIG%s to pid "
				    "%d%s\n", signal_name(sig) ?
				    signal_name(sig) : "?", (int)j->m[0].pid,
				    others > 0 ? " and the rest of its job" :
				    "");
			if (sig == SIGKILL && ms == 0)
				ms = KILL_WAIT_MS;
			if ((rc = job_wait(j, util_now_ms() + ms, sig,
			    daemon_only)) != STOP_STILL_RUNNING)
				return (rc);
		}
	} while (r->forever);
	return (STOP_STILL_RUNNING);
}

/*
 * An fd that polls readable when pid exits, for a caller that waits on
 * other fds too: pid's pidfd; without pidfds, a SIGCHLD signalfd when pid
 * is our child (SIGCHLD must be blocked, as it is in the original
 * process), else a timerfd that ticks every few milliseconds.  Either way
 * control_exit_seen() says whether it really exited.  -1 with ESRCH when
 * pid is gone already.
 */
int
control_exit_fd(pid_t pid, bool own_sigchld)
{
	struct itimerspec its = {.it_value = {0, 1000000},
	    .it_interval = {0, 4000000}};
	struct procstat ps;
	sigset_t chld;
	int fd;

	if ((fd = sys_pidfd_open(pid)) != -1 || errno != ENOSYS)
		return (fd);
	if (proc_stat(pid, &ps) == -1) {
		errno = ESRCH;
		return (-1);
	}
	if (own_sigchld && ps.ppid == getpid()) {
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		return (signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC));
	}
	if ((fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) != -1)
		(void)timerfd_settime(fd, 0, &its, NULL);
	return (fd);
}

/*
 * After fd from control_exit_fd() polled readable: whether pid has exited
 * (a zombie counts).  Drains the signalfd or timerfd (a pidfd's read fails
 * at once).
 */
bool
control_exit_seen(int fd, pid_t pid)
{
	struct signalfd_siginfo buf;
	siginfo_t si = {0};
	struct procstat ps;

	while (read(fd, &buf, sizeof(buf)) > 0)
		continue;
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0)
		return (si.si_pid == pid);
	return (proc_stat(pid, &ps) == -1 || ps.state == 'Z');
}

/* Describe a query that could not tell, for exit code 4. */
static void
warn_unknown(const char *path, int refusal, int e)
{
	if (refusal == REFUSE_SYMLINK)
		warnx("read pidfile %s: refusing a symbolic link", path);
	else if (refusal == REFUSE_NOT_REGULAR)
		warnx("read pidfile %s: not a regular file", path);
	else if (e == ESRCH)
		warnx("read pidfile %s: the lock holder is not visible "
		    "from here", path);
	else
		warnc(e, "read pidfile %s", path);
}

/* What find_daemon() returns when there is no daemon to give. */
enum {
	FIND_OK = 0,
	FIND_ABSENT = -1,	/* no pidfile */
	FIND_STALE = -2,	/* a pidfile nobody holds: *st says which */
	FIND_UNKNOWN = -3,	/* cannot tell; a message was printed */
};

/*
 * Find the daemon, the pidfile's lock holder, and start its job (j->m[0]):
 * the pidfd is taken after the lock named the pid and checked against the
 * lock again, so the pid cannot have been recycled in between.  Returns
 * FIND_OK or one of the others.
 */
static int
find_daemon(const struct options *o, struct job *j, struct stat *st)
{
	pid_t holder, again;
	int refusal;

	switch (pidlock_query(o->pidfile, &holder, st, &refusal)) {
	case PIDLOCK_ABSENT:
		return (FIND_ABSENT);
	case PIDLOCK_FREE:
		return (FIND_STALE);
	case PIDLOCK_UNKNOWN:
		warn_unknown(o->pidfile, refusal, errno);
		return (FIND_UNKNOWN);
	case PIDLOCK_HELD:
		break;
	}
	if (job_init(j, o->pidfile, holder) == -1)
		return (FIND_STALE);
	switch (pidlock_query(o->pidfile, &again, st, &refusal)) {
	case PIDLOCK_HELD:
		if (again == holder)
			return (FIND_OK);
		break;
	case PIDLOCK_UNKNOWN:
		job_free(j);
		warn_unknown(o->pidfile, refusal, errno);
		return (FIND_UNKNOWN);
	default:
		break;
	}
	/* The holder exited between the two looks: not running. */
	job_free(j);
	return (FIND_STALE);
}

/*
 * The LSB answer from the lock; with -v or --format=json, the facts behind
 * it on stdout (facts.c).
 */
int
control_status(const struct options *o)
{
	enum pidlock_state state;
	struct stat st;
	pid_t holder;
	int refusal;

	state = pidlock_query(o->pidfile, &holder, &st, &refusal);
	if (state == PIDLOCK_UNKNOWN) {
		warn_unknown(o->pidfile, refusal, errno);
		return (LSB_UNKNOWN);
	}
	if (o->verbose || o->json)
		facts_status(o, state, holder);
	return (state == PIDLOCK_HELD ? LSB_RUNNING :
	    state == PIDLOCK_FREE ? LSB_DEAD_PIDFILE : LSB_NOT_RUNNING);
}

/*
 * Wait up to timeout_ms for pid to exit (a zombie counts as gone).
 * Returns 1 when it is gone, 0 on timeout.
 */
int
control_wait_gone(pid_t pid, long long timeout_ms)
{
	struct job j;
	int gone;

	if (job_init(&j, NULL, pid) == -1)
		return (1);
	j.scan = false;
	gone = job_wait(&j, util_now_ms() + timeout_ms, 0, true) == STOP_OK;
	job_free(&j);
	return (gone);
}

/*
 * Stop a process we know by pid, and its job (the original process's
 * abort path, which has no lock holder to ask).
 */
int
control_stop_pid(pid_t pid, const struct retry_schedule *r, bool verbose)
{
	struct job j;
	int rc;

	if (job_init(&j, NULL, pid) == -1)
		return (STOP_OK);
	rc = job_stop(&j, r, false, verbose);
	job_free(&j);
	return (rc);
}

int
control_stop(const struct options *o)
{
	struct stat st;
	struct job j;
	pid_t holder, left;
	int rc;

	if ((rc = find_daemon(o, &j, &st)) != FIND_OK) {
		if (rc == FIND_UNKNOWN)
			return (CONTROL_UNKNOWN);
		if (o->verbose)
			fprintf(stderr, "daemonize: not running\n");
		if (rc == FIND_STALE && util_remove_stale(o->pidfile, 0) == 0)
			statefile_remove_orphan(o->pidfile);
		return (STOP_OK);
	}
	holder = j.m[0].pid;
	rc = job_stop(&j, &o->retry, o->kill_mixed, o->verbose);
	left = rc == STOP_STILL_RUNNING ? job_survivor(&j) : 0;
	job_free(&j);
	if (rc == STOP_STILL_RUNNING && left == holder)
		warnx("stop pid %d: still running after the retry schedule",
		    (int)holder);
	else if (rc == STOP_STILL_RUNNING)
		warnx("stop pid %d: pid %d of its job still running after the "
		    "retry schedule", (int)holder, (int)left);
	if (rc != STOP_OK)
		return (rc);
	if (o->verbose)
		fprintf(stderr, "daemonize: stopped pid %d\n", (int)holder);
	/* A daemon killed hard leaves its file behind: remove it if stale. */
	if (util_remove_stale(o->pidfile, 0) == 0)
		statefile_remove_orphan(o->pidfile);
	return (STOP_OK);
}

int
control_signal(const struct options *o)
{
	struct stat st;
	struct job j;
	pid_t holder;
	int rc, e;

	if ((rc = find_daemon(o, &j, &st)) != FIND_OK) {
		if (rc == FIND_UNKNOWN)
			return (CONTROL_UNKNOWN);
		if (o->verbose)
			fprintf(stderr, "daemonize: not running\n");
		return (SIGNAL_NOT_RUNNING);
	}
	holder = j.m[0].pid;
	rc = member_signal(&j, &j.m[0], o->signal);
	e = errno;
	job_free(&j);
	if (rc == -1) {
		if (e == ESRCH)
			return (SIGNAL_NOT_RUNNING);
		warnc(e, "signal pid %d", (int)holder);
		return (e == EPERM ? EXIT_NOPERM : CONTROL_UNKNOWN);
	}
	if (o->verbose)
		fprintf(stderr, "daemonize: sent signal %d to pid %d\n",
		    o->signal, (int)holder);
	return (EXIT_OK);
}
