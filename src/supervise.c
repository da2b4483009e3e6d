// SPDX-License-Identifier: BSD-2-Clause
/*
 * The supervisor (--respawn, --syslog), run by the daemon process (with
 * --foreground, by daemonize itself) instead of exec'ing the command.  It
 * already holds the pidfile lock (setup_process()) and keeps the invoking
 * user's privileges, and does only this: start the command as a child in
 * its own process group, confirm the first start to the original process,
 * restart the command with back-off, forward signals, reap everything (as a
 * child subreaper it inherits every orphan of the service), pump the
 * child's output (output.c), and on a stop take the whole tree down before
 * removing its pidfile.
 *
 * Every signal stays blocked and there are no handlers: one poll(2) loop
 * waits on a signalfd, the current child's report pipe, the output pipes,
 * the readiness socket and one timer, whose meaning is the state's:
 *
 *   STARTING  forked; the child's report pipe will say how its exec went
 *   RUNNING   the command runs (timer: the --wait-ready deadline)
 *   CLEANUP   the child exited; what it left behind (its group, adopted
 *             orphans) is being stopped with --retry before a restart, so
 *             respawns never pile up copies (timer: the next step)
 *   BACKOFF   no child (timer: the next respawn)
 *   STOPPING  following --retry (timer: the next step); exits as soon as
 *             no descendant is left
 *
 * The first start is the start contract's: the first child's exec failure
 * and a readiness failure are relayed to the original process as records,
 * so the caller sees the message and exit status of plain mode, and only
 * after everything was stopped and the pidfile removed.  Later failures
 * are logged (output_log()): nobody is waiting for them.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "exec.h"
#include "exitcodes.h"
#include "notify.h"
#include "options.h"
#include "output.h"
#include "parse.h"
#include "pidlock.h"
#include "procstat.h"
#include "report.h"
#include "statefile.h"
#include "supervise.h"
#include "sys.h"
#include "title.h"
#include "util.h"

/* At most one log line per this interval for a flood of the same event. */
#define SUP_LOG_INTERVAL_MS 5000

/* Events counted, and logged at most once per SUP_LOG_INTERVAL_MS. */
struct counted {
	unsigned long count;	/* since the last line */
	long long logged;	/* when the last line was written (ms) */
	pid_t pid;		/* the last event's sender */
	const char *why;	/* and what was wrong with it */
};

enum sup_state {
	SUP_STARTING,
	SUP_RUNNING,
	SUP_CLEANUP,
	SUP_BACKOFF,
	SUP_STOPPING,
};

/* All the supervisor's mutable state. */
struct supervisor {
	const struct options *o;
	struct prepared *p;	/* pidfile lock, -i/-o/-e files */
	struct notify *n;	/* readiness socket, fd -1 if none */
	struct output out;
	enum sup_state state;
	pid_t self;
	int reportfd;		/* to the original, until the start is confirmed */
	int sigfd;
	int execfd;		/* the child's report pipe while STARTING, or -1 */
	bool exec_next;		/* ... which said that execve(2) comes next */
	int childpidfd;		/* --child-pidfile, or -1 */
	bool starting;		/* the first start is not confirmed yet */
	bool awaiting_ready;	/* ... and READY=1 is what it waits for */
	pid_t child;		/* the command; 0 between children */
	pid_t pgid;		/* the latest child's process group */
	int status;		/* the last child's wait status */
	bool exited;		/* ... once a child has exited */
	char why[512];		/* how a later child failed before its exec */
	long long started;	/* when the child was forked (ms) */
	long long delay;	/* the next back-off (ms) */
	long long deadline;	/* the state's timer (ms), or -1 */
	long long ready_since;	/* when the wait for READY=1 began (ms) */
	unsigned restarts;
	long long *ring;	/* --respawn-max=N/SECONDS: last N restarts */
	unsigned ring_next;	/* the oldest of them, once there are N */
	int step;		/* STOPPING, CLEANUP: the --retry step we are at */
	long long respawn_at;	/* CLEANUP: when the back-off ends (ms) */
	long long stop_until;	/* a stop signal's schedule ends (ms), or -1 */
	int exitcode;		/* -1: the last child's status */
	struct report fail;	/* a failed first start, relayed at the end */
	struct counted ignored;	/* datagrams that did not count */
	struct counted dropped;	/* messages the service manager did not take */
};

/* A process seen in /proc, for stopping the whole tree. */
struct proc_entry {
	pid_t pid;
	pid_t ppid;
	pid_t pgid;
	bool ours;
};

static void begin_stop(struct supervisor *, int);
static long long schedule_ms(const struct retry_schedule *);

/*
 * Publish the child, the restarts and the last exit for --status and
 * --list, at every child start and exit (statefile.h).  Best effort: a
 * reader without it shows them as unknown.
 */
static void
publish(const struct supervisor *s)
{
	char last[64];
	struct statefile st = {
		.supervisor = s->self,
		.child = s->child,
		.restarts = s->restarts,
		.last_exit = s->exited ? last : NULL,
		.user = s->o->creds.change_user ? s->o->creds.name : NULL,
		.argv = s->o->argv,
	};

	if (s->o->pidfile == NULL)
		return;
	statefile_describe(s->status, last, sizeof(last));
	(void)statefile_publish(s->o->pidfile, &st);
}

/* A wait status as a shell reports it: 128+N for death by signal N. */
static int
status_code(int status)
{
	if (WIFSIGNALED(status))
		return (128 + WTERMSIG(status));
	return (WEXITSTATUS(status));
}

/*
 * Before exiting: every line of output goes to syslog, however slow it
 * is, unless a stop signal came; then only until that stop's schedule
 * runs out (--stop kills us after it), and the lines dropped are counted
 * and logged.
 */
static void
final_flush(struct supervisor *s)
{
	struct signalfd_siginfo si;
	unsigned long lost;
	int r;

	while ((r = output_flush(&s->out, s->stop_until, s->sigfd)) == 1)
		while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT ||
			    si.ssi_signo == SIGQUIT) && s->stop_until < 0)
				s->stop_until = util_now_ms() +
				    schedule_ms(&s->o->retry);
	if (r == -1 && (lost = output_discard(&s->out)) > 0)
		output_log(&s->out, LOG_ERR, "stop %s: dropped %lu line%s of "
		    "output that syslog did not take before the --retry "
		    "schedule ran out", s->o->tag, lost, lost == 1 ? "" : "s");
}

/*
 * Nothing of the service is left (or nothing was started): send what the
 * caller's terminal has not heard yet, remove the pidfiles while still
 * holding the lock, and exit.  In --foreground, report_fail() prints the
 * failure and exits with its code.
 */
static noreturn void
finish(struct supervisor *s)
{
	const struct options *o = s->o;

	final_flush(s);
	if (s->starting && o->wait_ready && s->reportfd >= 0 &&
	    s->fail.stage == STAGE_NONE)
		s->fail = (struct report){.stage = STAGE_EXITED,
		    .pid = s->pgid, .extra = s->status};
	if (s->childpidfd >= 0)
		(void)pidlock_unlink(o->child_pidfile, s->childpidfd);
	if (s->p->pidfile_fd >= 0) {
		statefile_remove(o->pidfile);
		(void)pidlock_unlink(o->pidfile, s->p->pidfile_fd);
	}
	notify_close(s->n);
	if (s->fail.stage != STAGE_NONE)
		report_fail(o, s->reportfd, &s->fail);
	_exit(s->exitcode >= 0 ? s->exitcode : status_code(s->status));
}

/* Setting up failed, before any child: undo, tell the original, exit. */
static noreturn void
setup_failed(struct supervisor *s, int stage, int err)
{
	s->fail = (struct report){.stage = stage, .err = err};
	finish(s);
}

/* One process of /proc, by its directory name; -1 if not a process. */
static int
proc_stat(const char *name, struct proc_entry *e)
{
	struct procstat ps;
	char path[sizeof("/proc//stat") + NAME_MAX];

	if (name[0] < '1' || name[0] > '9')
		return (-1);
	snprintf(path, sizeof(path), "/proc/%s/stat", name);
	if (procstat_read(AT_FDCWD, path, &ps) == -1)
		return (-1);
	*e = (struct proc_entry){(pid_t)atoi(name), ps.ppid, ps.pgrp, false};
	return (0);
}

static int
by_pid(const void *a, const void *b)
{
	pid_t x = ((const struct proc_entry *)a)->pid;
	pid_t y = ((const struct proc_entry *)b)->pid;

	return (x < y ? -1 : x > y);
}

/*
 * Every process on the system, sorted by pid, with our descendants marked
 * (children of ours, or of a marked one, to a fixpoint).  NULL if /proc
 * cannot be read.  The caller frees it.
 */
static struct proc_entry *
proc_tree(pid_t self, size_t *np)
{
	struct proc_entry *v = NULL, *nv, e, key, *parent;
	size_t n = 0, cap = 0;
	struct dirent *de;
	bool grew = true;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return (NULL);
	while ((de = readdir(d)) != NULL) {
		if (proc_stat(de->d_name, &e) == -1)
			continue;
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 512;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		v[n++] = e;
	}
	closedir(d);
	if (v != NULL)
		qsort(v, n, sizeof(*v), by_pid);
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (v[i].ours)
				continue;
			key.pid = v[i].ppid;
			parent = bsearch(&key, v, n, sizeof(*v), by_pid);
			if (v[i].ppid == self || (parent != NULL && parent->ours))
				v[i].ours = grew = true;
		}
	}
	*np = n;
	return (v);
}

/*
 * A stop step: sig to the command's process group and to every other
 * descendant (orphans we adopted as subreaper, whatever they forked, in
 * any group or session), then SIGCONT so that a stopped process acts on
 * it.  A group is signalled as a group only while one of our descendants
 * is in it: once empty, its id could be reused by a stranger.
 */
static void
signal_tree(struct supervisor *s, int sig)
{
	struct proc_entry *v;
	bool group;
	size_t n = 0;

	if ((v = proc_tree(s->self, &n)) == NULL) {
		if (s->child > 0)
			(void)kill(-s->pgid, sig);
		return;
	}
	for (;;) {
		group = false;
		for (size_t i = 0; i < n; i++) {
			if (!v[i].ours)
				continue;
			if (s->pgid > 0 && v[i].pgid == s->pgid)
				group = true;
			else
				(void)kill(v[i].pid, sig);
		}
		if (group)
			(void)kill(-s->pgid, sig);
		if (sig == SIGKILL || sig == SIGCONT)
			break;
		sig = SIGCONT;
	}
	free(v);
}

/* Whether any process is still our child (running or not yet reaped). */
static bool
descendants_left(void)
{
	siginfo_t si;

	return (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 ||
	    errno != ECHILD);
}

/*
 * How long stop step i waits: a little less than the schedule says (a
 * tenth, at most 250 ms).  --stop follows the same schedule against us,
 * and our KILL must reach the service before its KILL reaches us, or a
 * child that ignores SIGTERM would outlive us (it gets only SIGTERM then).
 */
static long long
step_ms(const struct retry_schedule *r, int i)
{
	long long t = i < r->nsteps ? r->step[i].timeout_ms : 0;

	return (t - (t / 10 < 250 ? t / 10 : 250));
}

/* The whole schedule, as we follow it (step_ms()); forever counts once. */
static long long
schedule_ms(const struct retry_schedule *r)
{
	long long t = 0;

	for (int i = 0; i < r->nsteps; i++)
		t += step_ms(r, i);
	return (t);
}

/*
 * Stop the service: the signal we received (or the schedule's first) to
 * the whole tree, then --retry's steps on the timer; no more respawns.
 * Exits at once if nothing is left.  Called again while stopping, a stop
 * signal is passed on without restarting the schedule.
 */
static void
begin_stop(struct supervisor *s, int sig)
{
	const struct retry_schedule *r = &s->o->retry;

	if (s->state == SUP_STOPPING) {
		if (sig != 0 && s->stop_until < 0)
			s->stop_until = util_now_ms() + schedule_ms(r);
		if (sig != 0)
			signal_tree(s, sig);
		return;
	}
	s->state = SUP_STOPPING;
	s->awaiting_ready = false;
	s->step = 0;
	if (sig != 0)
		s->stop_until = util_now_ms() + schedule_ms(r);
	if (sig == 0)
		sig = r->nsteps > 0 ? r->step[0].signo : SIGKILL;
	signal_tree(s, sig);
	s->deadline = util_now_ms() + step_ms(r, 0);
	if (!descendants_left())
		finish(s);
}

/* The stop step's time is up: the next step, or give up on the rest. */
static void
stop_next(struct supervisor *s)
{
	const struct retry_schedule *r = &s->o->retry;

	if (++s->step >= r->nsteps) {
		if (!r->forever || r->nsteps == 0) {
			output_log(&s->out, LOG_ERR, "stop %s: processes are "
			    "left after the last --retry step; exiting",
			    s->o->tag);
			if (s->exitcode == EXIT_OK)
				s->exitcode = EXIT_GAVEUP;	/* not stopped */
			finish(s);
		}
		s->step = 0;
	}
	signal_tree(s, r->step[s->step].signo);
	s->deadline = util_now_ms() + step_ms(r, s->step);
}

/* The start is confirmed: EOF on the report pipe lets the original exit 0. */
static void
start_done(struct supervisor *s)
{
	if (s->reportfd >= 0)
		close(s->reportfd);
	s->reportfd = -1;
	s->starting = false;
	s->awaiting_ready = false;
	s->deadline = -1;
}

/* The first child's exec succeeded; with --wait-ready, READY=1 is next. */
static void
start_confirmed(struct supervisor *s)
{
	report_send(s->reportfd,
	    &(struct report){.stage = STAGE_CHILD, .pid = s->child});
	if (!s->o->wait_ready) {
		start_done(s);
		return;
	}
	s->awaiting_ready = true;
	s->ready_since = util_now_ms();
	s->deadline = s->ready_since + s->o->wait_ready_ms;
}

/*
 * The child's report pipe is readable, or the child has exited.  The child
 * sends STAGE_CHILD just before its execve(2), and the pipe is close-on-
 * exec: EOF after that record means the exec succeeded, any other record
 * that a step failed.  EOF without the record is a child that died before
 * it could say anything (killed from outside): a failure too, never taken
 * for a running command, unless our own stop killed it.  The first child's
 * failure is the original process's to report; a later one's is logged
 * when the child's exit is (why[]).
 */
static void
exec_outcome(struct supervisor *s)
{
	struct report rec;
	int r = report_read(s->execfd, &rec);

	if (r == 1 && rec.stage == STAGE_CHILD && !s->exec_next) {
		s->exec_next = true;	/* EOF is next, or a failure */
		return;
	}
	if (r == -1)
		rec = (struct report){.stage = STAGE_SUPERVISE, .err = errno,
		    .pid = s->child};
	else if (r == 0 && !s->exec_next)
		rec = (struct report){.stage = STAGE_SUPERVISE, .err = ESRCH,
		    .pid = s->child};
	close(s->execfd);
	s->execfd = -1;
	if (r == 0 && s->exec_next) {
		if (s->state == SUP_STARTING)
			s->state = SUP_RUNNING;
		if (s->starting)
			start_confirmed(s);
		return;
	}
	if (r == 0 && s->state == SUP_STOPPING)
		return;		/* the stop is what happened to it */
	if (s->starting) {
		s->fail = rec;
		begin_stop(s, 0);
		return;
	}
	report_describe(s->o, &rec, s->why, sizeof(s->why));
}

/* Restart bookkeeping for --respawn-max: is one more restart too many? */
static bool
too_many_restarts(const struct supervisor *s, long long now)
{
	const struct options *o = s->o;

	if (!o->respawn_limited || s->restarts < o->respawn_max)
		return (false);
	if (o->respawn_window_ms == 0 || o->respawn_max == 0)
		return (true);
	/* The oldest of the last N restarts is inside the window. */
	return (now - s->ring[s->ring_next] < o->respawn_window_ms);
}

static void
count_restart(struct supervisor *s, long long now)
{
	if (s->restarts < UINT_MAX)
		s->restarts++;
	if (s->ring != NULL) {
		s->ring[s->ring_next] = now;
		s->ring_next = (s->ring_next + 1) % s->o->respawn_max;
	}
}

/*
 * Before a restart, like systemd before it restarts a unit: stop what the
 * last run left behind (its process group, orphans we adopted) with the
 * --retry schedule.  The back-off keeps running meanwhile; the restart
 * comes when both are over.  reap() ends the cleanup when no descendant is
 * left.
 */
static void
begin_cleanup(struct supervisor *s)
{
	const struct retry_schedule *r = &s->o->retry;

	s->respawn_at = s->deadline;
	s->state = SUP_CLEANUP;
	s->step = 0;
	output_log(&s->out, LOG_NOTICE, "stopping what pid %d left behind "
	    "before the restart", (int)s->pgid);
	signal_tree(s, r->nsteps > 0 ? r->step[0].signo : SIGKILL);
	s->deadline = util_now_ms() + step_ms(r, 0);
}

/* Nothing is left of the last run: on to the back-off's end. */
static void
end_cleanup(struct supervisor *s)
{
	s->state = SUP_BACKOFF;
	s->deadline = s->respawn_at;
}

/* A cleanup step's time is up: the next step, or restart regardless. */
static void
cleanup_next(struct supervisor *s)
{
	const struct retry_schedule *r = &s->o->retry;

	if (++s->step >= r->nsteps) {
		output_log(&s->out, LOG_ERR, "respawn %s: what pid %d left "
		    "behind survived the last --retry step; restarting "
		    "anyway", s->o->tag, (int)s->pgid);
		end_cleanup(s);
		return;
	}
	signal_tree(s, r->step[s->step].signo);
	s->deadline = util_now_ms() + step_ms(r, s->step);
}

/*
 * The child is gone (what says how): respawn after the back-off, or give
 * up.  The delay doubles after each run shorter than MAX seconds, capped
 * at MAX, and starts over at MIN after a longer run; MIN 0 stays 0.
 */
static void
plan_respawn(struct supervisor *s, const char *what)
{
	const struct options *o = s->o;
	long long now = util_now_ms(), wait;

	if (now - s->started > o->respawn_max_ms)
		s->delay = o->respawn_min_ms;
	if (too_many_restarts(s, now)) {
		output_log(&s->out, LOG_ERR, "%s; giving up after %u "
		    "restarts%s (--respawn-max)", what, o->respawn_max,
		    o->respawn_window_ms > 0 ? " within the window" : "");
		s->exitcode = EXIT_GAVEUP;
		begin_stop(s, 0);
		return;
	}
	wait = s->delay;
	s->delay = s->delay > o->respawn_max_ms / 2 ? o->respawn_max_ms :
	    s->delay * 2;
	output_log(&s->out, LOG_NOTICE, "%s; respawning in %lld.%03lld s",
	    what, wait / 1000, wait % 1000);
	s->state = SUP_BACKOFF;
	s->deadline = now + wait;
	title_set(&o->title, "daemonize: %s [restart pending]", o->tag);
	if (descendants_left())
		begin_cleanup(s);
}

/* The command's process has exited with status; it is already reaped. */
static void
child_exited(struct supervisor *s, int status)
{
	const struct options *o = s->o;
	char what[640], how[128];
	pid_t pid = s->child;

	while (s->execfd >= 0)
		exec_outcome(s);	/* its records are in the pipe by now */
	output_drain(&s->out);		/* its last lines carry its pid */
	s->child = 0;
	s->status = status;
	/* No dead child's pid is published: it could be reused. */
	if (s->childpidfd >= 0)
		(void)ftruncate(s->childpidfd, 0);
	s->exited = true;
	publish(s);
	if (s->state == SUP_STOPPING)
		return;
	if (s->awaiting_ready) {
		s->fail = (struct report){.stage = STAGE_EXITED, .pid = pid,
		    .extra = status};
		begin_stop(s, 0);
		return;
	}
	util_describe_status(status, how, sizeof(how));
	if (o->respawn == RESPAWN_FAILURE && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		output_log(&s->out, LOG_NOTICE, "pid %d %s; not respawning "
		    "(--respawn=failure)", (int)pid, how);
	if (o->respawn == RESPAWN_NONE || (o->respawn == RESPAWN_FAILURE &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		begin_stop(s, 0);	/* what it left behind goes with it */
		return;
	}
	if (s->why[0] != '\0')
		snprintf(what, sizeof(what), "respawn %s: %s", o->tag, s->why);
	else
		snprintf(what, sizeof(what), "pid %d %s", (int)pid, how);
	plan_respawn(s, what);
}

/*
 * In the child, after fork(2): its own process group (signals to the
 * service reach everything it forks, and a terminal's ^C reaches only the
 * supervisor), SIGTERM if the supervisor dies (exec_command() sets it again
 * after a credential change clears it), the pipes as stdout and stderr,
 * then plain mode's last steps with this child's own report pipe.  The
 * child never holds the pidfile lock: fcntl locks are not inherited.
 */
static noreturn void
child_exec(const struct supervisor *s, int reportfd)
{
	struct prepared cp = {
		.pidfile_fd = -1,
		.lockfile_fd = -1,
		.pdeathsig = SIGTERM,
		.parent = s->self,
	};

	if (s->reportfd >= 0)
		close(s->reportfd);
	(void)setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		report_fail(s->o, reportfd, &(struct report){
		    .stage = STAGE_SUPERVISE, .err = errno});
	/* If the supervisor died before prctl, we are already someone else's. */
	if (getppid() != s->self)
		report_fail(s->o, reportfd, &(struct report){
		    .stage = STAGE_SUPERVISE, .err = ESRCH});
	output_child_stdio(&s->out, &s->p->io, &cp.io);
	exec_command(s->o, reportfd, &cp);
}

/* A child could not even be forked. */
static void
spawn_failed(struct supervisor *s, int stage, int err)
{
	struct report r = {.stage = stage, .err = err};

	if (s->starting) {
		s->fail = r;
		begin_stop(s, 0);
		return;
	}
	report_describe(s->o, &r, s->why, sizeof(s->why));
	plan_respawn(s, s->why);
}

/* Start a child; in the supervisor, it is STARTING until its exec is known. */
static void
spawn(struct supervisor *s)
{
	int ep[2], e;
	pid_t pid;

	s->why[0] = '\0';
	s->started = util_now_ms();
	if (pipe2(ep, O_CLOEXEC) == -1) {
		spawn_failed(s, STAGE_PIPE, errno);
		return;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		e = errno;
		close(ep[0]);
		close(ep[1]);
		spawn_failed(s, STAGE_FORK, e);
		return;
	}
	if (pid == 0) {
		close(ep[0]);
		child_exec(s, ep[1]);
	}
	close(ep[1]);
	(void)setpgid(pid, pid);	/* no window where the group is missing */
	s->child = s->pgid = pid;
	s->execfd = ep[0];
	s->exec_next = false;
	s->state = SUP_STARTING;
	s->deadline = -1;
	output_set_pid(&s->out, pid);
	title_set(&s->o->title, "daemonize: %s [supervising pid %d]",
	    s->o->tag, (int)pid);
	publish(s);
	if (s->childpidfd >= 0 && pidlock_write(s->childpidfd, pid) == -1) {
		if (s->starting) {
			s->fail = (struct report){STAGE_CHILD_PIDFILE, errno,
			    0, 0};
			begin_stop(s, 0);
		} else
			output_log(&s->out, LOG_ERR, "write child pidfile "
			    "%s: %s", s->o->child_pidfile, strerror(errno));
	}
}

/* Later notifications are logged; WATCHDOG, BARRIER and the like are not. */
static void
log_notification(struct supervisor *s, const struct notify_message *m)
{
	char text[NOTIFY_STATUS_MAX + 128] = "", *c;
	size_t len = 0;

#define ADD(...) (len += (size_t)snprintf(text + len, sizeof(text) - len, \
    __VA_ARGS__))
	if (m->ready)
		ADD(" READY=1");
	if (m->reloading)
		ADD(" RELOADING=1");
	if (m->stopping)
		ADD(" STOPPING=1");
	if (m->has_errno)
		ADD(" ERRNO=%d (%s)", m->errno_value, strerror(m->errno_value));
	if (m->has_status)
		ADD(" STATUS=%s", m->status);
#undef ADD
	if (len == 0)
		return;
	for (c = text; *c != '\0'; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = '?';
	output_log(&s->out, m->has_errno ? LOG_ERR : LOG_NOTICE,
	    "pid %d:%s", (int)m->sender_pid, text);
}

/* While the first start waits for READY=1. */
static void
readiness(struct supervisor *s, const struct notify_message *m)
{
	char text[NOTIFY_STATUS_MAX];
	long long until;

	/*
	 * Shown by the original with -v and on failure, as in plain mode:
	 * the record, then its text (we are the pipe's only writer now).
	 */
	if (m->has_status && s->reportfd >= 0) {
		notify_printable(text, sizeof(text), m->status);
		report_send(s->reportfd, &(struct report){.stage = STAGE_STATUS,
		    .err = s->child, .pid = m->sender_pid,
		    .extra = (int)strlen(text)});
		(void)write(s->reportfd, text, strlen(text));
	}
	if (m->has_errno) {
		s->fail = (struct report){.stage = STAGE_NOTIFY_ERRNO,
		    .err = m->errno_value, .pid = s->child};
		begin_stop(s, 0);
	} else if (m->ready) {
		report_send(s->reportfd,
		    &(struct report){.stage = STAGE_READY, .pid = s->child});
		start_done(s);
	} else if (m->has_extend) {
		/* Like systemd: now + N microseconds, never shorter. */
		until = util_now_ms() + (long long)(m->extend_usec / 1000 > LLONG_MAX
		    / 4 ? LLONG_MAX / 4 : m->extend_usec / 1000);
		if (until > s->deadline)
			s->deadline = until;
	}
}

static void
count_event(struct counted *c, pid_t pid, const char *why)
{
	c->count++;
	c->pid = pid;
	c->why = why != NULL ? why : "not accepted";
}

/*
 * Log what was counted, unless a line was written less than an interval
 * ago: a flood of datagrams must not flood the log.  The first event is
 * logged at once.  Returns when to look again (ms), or -1.
 */
static long long
log_counted(struct supervisor *s, long long now)
{
	struct counted *c[2] = {&s->ignored, &s->dropped};
	long long next = -1;

	for (int i = 0; i < 2; i++) {
		if (c[i]->count == 0)
			continue;
		if (now - c[i]->logged < SUP_LOG_INTERVAL_MS) {
			if (next == -1 || c[i]->logged + SUP_LOG_INTERVAL_MS < next)
				next = c[i]->logged + SUP_LOG_INTERVAL_MS;
			continue;
		}
		if (i == 0)
			output_log(&s->out, LOG_NOTICE, "ignored %lu "
			    "notification%s in the last %d s; the last from "
			    "pid %d: %s", c[i]->count, c[i]->count == 1 ? "" :
			    "s", SUP_LOG_INTERVAL_MS / 1000, (int)c[i]->pid,
			    c[i]->why);
		else
			output_log(&s->out, LOG_WARNING, "dropped %lu "
			    "notification%s for the service manager in the "
			    "last %d s: %s", c[i]->count, c[i]->count == 1 ?
			    "" : "s", SUP_LOG_INTERVAL_MS / 1000, c[i]->why);
		c[i]->count = 0;
		c[i]->logged = now;
	}
	return (next);
}

/* Datagrams on the readiness socket (checked by notify_receive()). */
static void
on_notify(struct supervisor *s)
{
	struct notify_message m;
	enum notify_result r;

	/*
	 * The command can only speak after its exec closed the exec pipe:
	 * take that EOF first if this poll round saw the socket before it,
	 * or a READY=1 would find the start not yet waiting for it.
	 */
	while (s->execfd >= 0 && poll(&(struct pollfd){.fd = s->execfd,
	    .events = POLLIN}, 1, 0) > 0)
		exec_outcome(s);
	while ((r = notify_receive(s->n, s->o, s->self, &m)) != NOTIFY_EMPTY) {
		if (r == NOTIFY_ERROR) {
			output_log(&s->out, LOG_ERR, "read readiness socket: "
			    "%s", strerror(errno));
			notify_close(s->n);
			return;
		}
		if (r == NOTIFY_IGNORED) {
			count_event(&s->ignored, m.sender_pid, m.warning);
			continue;
		}
		if (notify_forward(s->n, &m) == -1)
			count_event(&s->dropped, 0, strerror(errno));
		if (s->awaiting_ready)
			readiness(s, &m);
		else
			log_notification(s, &m);
	}
}

/* Collect every child that exited: the command, and adopted orphans. */
static void
reap(struct supervisor *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) != 0) {
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD && s->state == SUP_STOPPING)
				finish(s);
			if (errno == ECHILD && s->state == SUP_CLEANUP)
				end_cleanup(s);
			return;
		}
		if (pid == s->child)
			child_exited(s, status);
	}
}

/* HUP, USR1, USR2, WINCH, CONT: to the command's group, once it runs. */
static void
forward(const struct supervisor *s, int sig)
{
	if (s->state == SUP_RUNNING && s->child > 0)
		(void)kill(-s->pgid, sig);
}

static void
on_signals(struct supervisor *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch ((int)si.ssi_signo) {
		case SIGCHLD:
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			/*
			 * Stopped on request: a success once nothing is left,
			 * whatever the stop's signal did to the command, so a
			 * service manager (systemd's Type=simple) does not
			 * call the unit failed.  --respawn-max's 1 stays.
			 */
			if (s->exitcode < 0)
				s->exitcode = EXIT_OK;
			begin_stop(s, (int)si.ssi_signo);
			break;
		case SIGHUP:
			output_reopen(&s->out, s->o);
			forward(s, SIGHUP);
			break;
		default:
			forward(s, (int)si.ssi_signo);
			break;
		}
	}
	reap(s);
}

static void
on_timer(struct supervisor *s)
{
	long long now = util_now_ms(), deadline = s->deadline;

	if (deadline < 0 || now < deadline)
		return;
	s->deadline = -1;
	switch (s->state) {
	case SUP_BACKOFF:
		count_restart(s, now);
		spawn(s);
		break;
	case SUP_STOPPING:
		stop_next(s);
		break;
	case SUP_CLEANUP:
		cleanup_next(s);
		break;
	case SUP_STARTING:
	case SUP_RUNNING:
		if (s->awaiting_ready) {
			/* extra: how long we waited, extensions included. */
			s->fail = (struct report){.stage = STAGE_NOTIFY_TIMEOUT,
			    .pid = s->child,
			    .extra = (int)(deadline - s->ready_since)};
			begin_stop(s, 0);
		}
		break;
	}
}

/* One round of the loop: wait for anything, then handle what happened. */
static void
supervise_wait(struct supervisor *s)
{
	struct pollfd pfd[3 + OUTPUT_NPOLL];
	long long left, wake = s->deadline, logwake;
	int timeout = -1;

	pfd[0] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = s->execfd, .events = POLLIN};
	pfd[2] = (struct pollfd){.fd = s->n->fd, .events = POLLIN};
	output_poll(&s->out, pfd + 3);
	if ((logwake = log_counted(s, util_now_ms())) >= 0 &&
	    (wake < 0 || logwake < wake))
		wake = logwake;
	if (wake >= 0) {
		left = wake - util_now_ms();
		timeout = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
	}
	if (poll(pfd, 3 + OUTPUT_NPOLL, timeout) == -1)
		return;		/* EINTR; ENOMEM passes */
	/* Output first: a child's last lines before its exit is handled. */
	output_ready(&s->out, pfd + 3);
	if (pfd[1].revents != 0 && s->execfd >= 0)
		exec_outcome(s);
	if (pfd[2].revents != 0 && s->n->fd >= 0)
		on_notify(s);
	if (pfd[0].revents != 0)
		on_signals(s);
	on_timer(s);
}

static int
by_value(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x < y ? -1 : x > y);
}

/*
 * The daemon inherited the caller's descriptors; a command closes them at
 * exec, but we never exec.  Keep ours (report pipe, locks, stdio files,
 * readiness socket) and --keep-fd's, which every child must get.
 */
static void
close_inherited(const struct supervisor *s)
{
	const struct options *o = s->o;
	size_t n = 0;
	int *keep, lo = 3;

	if ((keep = calloc(7 + o->nkeep_fds, sizeof(*keep))) == NULL)
		return;
	keep[n++] = s->reportfd;
	keep[n++] = s->p->pidfile_fd;
	keep[n++] = s->p->lockfile_fd;
	keep[n++] = s->p->io.in;
	keep[n++] = s->p->io.out;
	keep[n++] = s->p->io.err;
	keep[n++] = s->n->fd;
	for (size_t i = 0; i < o->nkeep_fds; i++)
		keep[n++] = o->keep_fds[i];
	qsort(keep, n, sizeof(*keep), by_value);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < lo)
			continue;
		if (keep[i] > lo)
			(void)sys_close_range((unsigned)lo,
			    (unsigned)keep[i] - 1, 0);
		lo = keep[i] + 1;
	}
	(void)sys_close_range((unsigned)lo, ~0U, 0);
	free(keep);
}

/* Detached, fds 0-2 are still the caller's terminal or pipes: let go. */
static int
stdio_null(void)
{
	int fd;

	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return (-1);
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) == -1)
			return (-1);
	close(fd);
	return (0);
}

/*
 * The signals we act on, read from a signalfd.  They stay blocked (the
 * original process blocked everything before forking); an ignored signal
 * would be discarded instead of queued, and detach() ignores SIGHUP.
 */
static int
signals_open(void)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1,
	    SIGUSR2, SIGWINCH, SIGCONT, SIGCHLD};
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return (-1);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)signal(sigs[i], SIG_DFL);
	return (signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
}

/* Everything before the first child; a failure is the start's failure. */
static void
supervise_setup(struct supervisor *s)
{
	const struct options *o = s->o;
	int refusal;

	close_inherited(s);
	if (output_open(&s->out, o, &s->p->io) == -1)
		setup_failed(s, STAGE_SUPERVISE, errno);
	if (!o->foreground && stdio_null() == -1)
		setup_failed(s, STAGE_SUPERVISE, errno);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1 ||
	    (s->sigfd = signals_open()) == -1)
		setup_failed(s, STAGE_SUPERVISE, errno);
	if (o->child_pidfile != NULL &&
	    (s->childpidfd = pidlock_open(o->child_pidfile, &refusal)) == -1) {
		s->fail = (struct report){STAGE_CHILD_PIDFILE, errno, 0,
		    refusal};
		finish(s);
	}
	if (o->respawn_limited && o->respawn_window_ms > 0 &&
	    o->respawn_max > 0 &&
	    (s->ring = calloc(o->respawn_max, sizeof(*s->ring))) == NULL)
		setup_failed(s, STAGE_SUPERVISE, errno);
}

noreturn void
supervise_run(const struct options *o, int reportfd, struct prepared *p,
    struct notify *n)
{
	struct supervisor s = {
		.o = o,
		.p = p,
		.n = n,
		.state = SUP_STARTING,
		.self = getpid(),
		.reportfd = reportfd,
		.sigfd = -1,
		.execfd = -1,
		.childpidfd = -1,
		.starting = true,
		.delay = o->respawn_min_ms,
		.deadline = -1,
		.exitcode = -1,
		.stop_until = -1,
		.ignored = {.logged = LLONG_MIN / 2},
		.dropped = {.logged = LLONG_MIN / 2},
	};

	for (int i = 0; i < OUTPUT_NSTREAMS; i++)
		s.out.s[i].rfd = s.out.s[i].sink = -1;
	s.out.logfd = s.out.msgfd = -1;
	supervise_setup(&s);
	spawn(&s);
	for (;;)
		supervise_wait(&s);
}
