// SPDX-License-Identifier: BSD-2-Clause
/*
 * The original process's half of a start: everything it does after
 * detach() until it exits, in one place.  It still has the caller's
 * terminal and prints every message of the start.
 *
 * First it reads the report pipe until EOF (the command's execve(2) closed
 * the last write end) or a failure record, which it turns into a message
 * and an exit code; the daemon removes its own pidfile before reporting.
 * Then, in plain mode with --wait-ready (o->parent_waits), it waits for the
 * daemon's READY=1 on the readiness socket (notify.c speaks the protocol),
 * its ERRNO=, its exit or the deadline.  detach() made this process a child
 * subreaper for that wait, so when the intermediate process exits the
 * daemon becomes its child: an early exit is reported with its real
 * status, and processes the daemon left behind are adopted and can be
 * stopped with it.  When the original exits, the daemon passes on to init
 * (or the caller's subreaper) as usual.
 *
 * INT, TERM, HUP and QUIT abort the start like a failure, in either wait;
 * every other signal is blocked, so a stray one changes nothing.  A start
 * that is aborted, or that fails after the exec, takes one undo path
 * (undo()): stop the daemon and what it left, remove the pidfile if nobody
 * holds it.
 */
#include "config.h"

#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "exitcodes.h"
#include "launch.h"
#include "notify.h"
#include "options.h"
#include "report.h"
#include "util.h"

/* What the original process knows while it waits. */
struct launch {
	const struct options *o;
	struct notify *n;	/* the readiness socket, fd -1 if none */
	int reportfd;		/* read end of the report pipe */
	int sfd;		/* signalfd for the signals that abort */
	pid_t intermediate;	/* 0 once reaped */
	pid_t daemon;		/* 0 until its STARTED record */
	int pidfd;		/* readiness wait: the daemon's exit, or -1 */
	pid_t mainpid;		/* 0, or an accepted MAINPID= */
	pid_t mainpid_sid;	/* its session when accepted */
	long long start_ms;
	long long deadline_ms;
	pid_t status_pid;	/* 0, or whose STATUS= was the last */
	char status[NOTIFY_STATUS_MAX];	/* ... printable */
};

/*
 * Block every signal in the original process, first thing in main(), so a
 * signal sent while it starts up finds no window; the ones that abort a
 * start are read from a signalfd.  *old receives the caller's mask, which
 * control actions restore.  The daemon empties its mask before exec.
 */
void
launch_block_signals(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, old);
	/* An inherited SIG_IGN for SIGCHLD would make waitpid(2) fail. */
	signal(SIGCHLD, SIG_DFL);
}

static int
abort_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	return (signalfd(-1, &set, SFD_CLOEXEC));
}

/*
 * The daemon's pid when the abort came before its STARTED record: make
 * sure no daemon can appear any more (the intermediate dies), then read
 * the pipe until the record or EOF.  Bounded: a daemon that exists sends
 * the record first thing.
 */
static pid_t
await_started(int fd, pid_t intermediate)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct report rec;

	kill(intermediate, SIGKILL);
	while (poll(&pfd, 1, 2000) > 0 && report_read(fd, &rec) == 1)
		if (rec.stage == STAGE_STARTED)
			return (rec.pid);
	return (0);
}

/*
 * The processes we adopted as subreaper while waiting: whatever the daemon
 * left behind when it (or its parent inside the session) died.  Reaps
 * the ones already gone.  Returns how many pids were stored.
 */
static size_t
adopted(pid_t *pids, size_t max)
{
	char path[64], buf[4096], *p, *end;
	size_t n = 0;
	ssize_t len;
	int fd;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		continue;
	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
	    (int)getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return (0);
	buf[len] = '\0';
	for (p = buf; n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0)
			pids[n++] = (pid_t)v;
	}
	return (n);
}

/*
 * Undo a start that was aborted or will not be confirmed.  Before the
 * exec, first learn the daemon's pid and reap the intermediate; then stop
 * the daemon with the retry schedule unless it is gone already, then its
 * MAINPID= if it named another process, then every process it left to us,
 * and remove the pidfile if nobody holds it.
 */
static void
undo(struct launch *l)
{
	const struct options *o = l->o;
	pid_t pids[64];
	size_t n;

	if (l->intermediate > 0) {
		if (l->daemon == 0)
			l->daemon = await_started(l->reportfd, l->intermediate);
		waitpid(l->intermediate, NULL, 0);
		l->intermediate = 0;
		if (l->daemon > 0)
			control_stop_pid(l->daemon, &o->retry, o->verbose);
	} else if (l->pidfd >= 0)
		control_stop_pid(l->daemon, &o->retry, o->verbose);
	/* Still in the same session: not a recycled pid. */
	if (l->mainpid > 0 && l->mainpid != l->daemon &&
	    getsid(l->mainpid) == l->mainpid_sid)
		control_stop_pid(l->mainpid, &o->retry, o->verbose);
	/* Each round's survivors may leave orphans of their own. */
	for (int round = 0; round < 8 && (n = adopted(pids, 64)) > 0; round++)
		for (size_t i = 0; i < n; i++)
			control_stop_pid(pids[i], &o->retry, o->verbose);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		continue;
	if (o->pidfile != NULL)
		(void)util_remove_stale(o->pidfile, 0);
}

/* The start was interrupted by signo: undo it and return 128+signo. */
static int
interrupted(struct launch *l, int signo)
{
	undo(l);
	notify_close(l->n);
	warnx("start %s: interrupted by SIG%s", l->o->argv[0],
	    signal_name(signo) ? signal_name(signo) : "?");
	return (128 + signo);
}

/* Print why the start failed, and the last STATUS=; return the code. */
static int
tell(const struct launch *l, const struct report *rec)
{
	int code;

	code = report_print(l->o, rec);
	if (l->status_pid > 0)
		fprintf(stderr, "daemonize: the last STATUS from pid %d was: "
		    "%s\n", (int)l->status_pid, l->status);
	return (code);
}

/* A start that will not be confirmed: undo it, say why, return the code. */
static int
fail(struct launch *l, const struct report *rec)
{
	undo(l);
	notify_close(l->n);
	return (tell(l, rec));
}

/* Read the signal that came on sfd; 0 if none after all. */
static int
abort_signal(const struct launch *l)
{
	struct signalfd_siginfo si;

	if (read(l->sfd, &si, sizeof(si)) != sizeof(si))
		return (0);
	return ((int)si.ssi_signo);
}

/*
 * After a failure record: the daemon removes its pidfile itself, while it
 * still holds the lock, unless it could no longer reach the file (after
 * --chroot, or after -u in a directory only root may write).  Then the
 * file is left unlocked with the daemon's pid: remove it here, once the
 * daemon's exit has released the lock (bounded: it exits right after
 * reporting).  A file locked by anyone else, or naming another pid, is
 * not ours.
 */
static void
remove_left_pidfile(const struct launch *l)
{
	if (l->o->pidfile == NULL || l->daemon <= 0)
		return;
	/* It exits right after reporting; its exit releases the lock. */
	control_wait_gone(l->daemon, 2000);
	(void)util_remove_stale(l->o->pidfile, l->daemon);
}

/*
 * One record from a detached process.  Returns -1 to keep reading, or the
 * exit code once a failure decided the start.
 */
static int
on_record(struct launch *l, const struct report *rec)
{
	switch (rec->stage) {
	case STAGE_STARTED:
		l->daemon = rec->pid;
		return (-1);
	case STAGE_CHILD:
	case STAGE_READY:
		return (-1);
	case STAGE_STATUS:
		/* From a supervisor: err is its child, the text follows. */
		if (rec->extra < 0 || rec->extra >= (int)sizeof(l->status) ||
		    read(l->reportfd, l->status, (size_t)rec->extra) !=
		    rec->extra)
			errx(EXIT_OSERR, "read report pipe: a short STATUS "
			    "record");
		l->status[rec->extra] = '\0';
		l->status_pid = (pid_t)rec->err;
		if (l->o->verbose)
			fprintf(stderr, "daemonize: status from pid %d: %s\n",
			    (int)rec->pid, l->status);
		return (-1);
	}
	waitpid(l->intermediate, NULL, 0);
	l->intermediate = 0;
	notify_close(l->n);	/* a supervisor that failed is gone */
	if ((rec->stage == STAGE_PIDFILE_LOCKED ||
	    rec->stage == STAGE_LOCKFILE_LOCKED) && l->o->oknodo)
		return (EXIT_OK);
	if (rec->stage != STAGE_PIDFILE_LOCKED)
		remove_left_pidfile(l);
	return (tell(l, rec));
}

/*
 * Read the report pipe until EOF (returns -1: the command's exec closed
 * it) or until a failure record or an abort signal decided the start
 * (returns the exit code).
 */
static int
wait_report(struct launch *l)
{
	struct pollfd pfd[2];
	struct report rec;
	int r, sig;

	pfd[0] = (struct pollfd){.fd = l->reportfd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = l->sfd, .events = POLLIN};
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(EXIT_OSERR, "wait for the daemon");
		}
		if ((pfd[1].revents & POLLIN) && (sig = abort_signal(l)) != 0)
			return (interrupted(l, sig));
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((r = report_read(l->reportfd, &rec)) == 0)
			return (-1);
		if (r == -1)
			err(EXIT_OSERR, "read report pipe");
		if ((r = on_record(l, &rec)) != -1)
			return (r);
	}
}

/*
 * The daemon exited before READY=1.  It is our child if the subreaper
 * worked (see the top): reap it for the status.  Otherwise the status is
 * lost with its parent; STAGE_EXITED says so with err set.
 */
static int
daemon_exited(struct launch *l)
{
	struct report rec = {.stage = STAGE_EXITED, .pid = l->daemon};
	int status;
	pid_t r;

	do
		r = waitpid(l->daemon, &status, 0);
	while (r == -1 && errno == EINTR);
	if (r == l->daemon)
		rec.extra = status;
	else
		rec.err = ECHILD;
	close(l->pidfd);
	l->pidfd = -1;
	return (fail(l, &rec));
}

/*
 * After READY=1, before closing the socket: systemd-notify(1) follows its
 * READY=1 with a BARRIER=1 datagram carrying a pipe, and fails unless the
 * receiver closes it; if the socket were gone, "systemd-notify --ready"
 * would fail in a daemon that is running fine.  So keep reading (closing
 * every passed fd) until a BARRIER=1 arrives, or the sender exits, or a
 * short while passes: 1 s for a sender that is a helper process, 20 ms
 * when it is the daemon itself (a libsystemd client rarely sends a
 * barrier; systemd-notify run as root names its parent, the daemon, and
 * sends the barrier microseconds after READY=1).
 */
static void
linger(const struct launch *l, pid_t sender)
{
	long long until = util_now_ms() + (sender == l->daemon ? 20 : 1000);
	struct pollfd pfd[2] = {{.fd = l->n->fd, .events = POLLIN},
	    {.fd = -1}};
	struct notify_message m;
	enum notify_result r;
	long long left;

	if (sender != l->daemon &&
	    (pfd[1].fd = control_exit_fd(sender, false)) == -1)
		until = 0;	/* already gone: just drain */
	pfd[1].events = POLLIN;
	for (;;) {
		while ((r = notify_receive(l->n, l->o, l->daemon, &m)) !=
		    NOTIFY_EMPTY && r != NOTIFY_ERROR)
			if (m.barrier)
				goto out;
		left = until - util_now_ms();
		if (left <= 0 || poll(pfd, 2, (int)left) <= 0 ||
		    ((pfd[1].revents & POLLIN) &&
		    control_exit_seen(pfd[1].fd, sender))) {
			(void)notify_receive(l->n, l->o, l->daemon, &m);
			break;
		}
	}
out:
	if (pfd[1].fd >= 0)
		close(pfd[1].fd);
}

/* READY=1 accepted: let a barrier through, close up, say so. */
static int
confirmed(struct launch *l, const struct notify_message *m, long long now)
{
	const struct options *o = l->o;

	if (!m->barrier)
		linger(l, m->sender_pid);
	notify_close(l->n);
	if (l->pidfd >= 0)
		close(l->pidfd);
	if (o->verbose) {
		fprintf(stderr, "daemonize: started %s as pid %d, ready after "
		    "%lld.%03lld s\n", o->command_path, (int)l->daemon,
		    (now - l->start_ms) / 1000, (now - l->start_ms) % 1000);
		if (l->mainpid > 0 && l->mainpid != l->daemon)
			fprintf(stderr, "daemonize: its main process is pid "
			    "%d; the pidfile names pid %d, which holds the "
			    "lock\n", (int)l->mainpid, (int)l->daemon);
	}
	return (EXIT_OK);
}

/*
 * Act on one accepted message.  Returns -1 to keep waiting, or the exit
 * code.
 */
static int
on_message(struct launch *l, const struct notify_message *m)
{
	const struct options *o = l->o;
	long long now = util_now_ms();

	if (m->warning != NULL && o->verbose)
		fprintf(stderr, "daemonize: message from pid %d: %s\n",
		    (int)m->sender_pid, m->warning);
	if (m->has_status) {
		notify_printable(l->status, sizeof(l->status), m->status);
		l->status_pid = l->daemon;
		if (o->verbose)
			fprintf(stderr, "daemonize: status from pid %d: %s\n",
			    (int)m->sender_pid, l->status);
	}
	if (m->has_mainpid) {
		/* In the daemon's session means descended from it. */
		pid_t sid = getsid(m->mainpid);

		if (sid > 0 && notify_in_session(m->mainpid, l->daemon)) {
			l->mainpid = m->mainpid;
			l->mainpid_sid = sid;
		} else if (o->verbose)
			fprintf(stderr, "daemonize: ignored MAINPID=%d from "
			    "pid %d: not a process of the daemon's session\n",
			    (int)m->mainpid, (int)m->sender_pid);
	}
	if (m->has_extend) {
		/* Like systemd: now + N microseconds, never shorter. */
		unsigned long long ms = m->extend_usec / 1000 +
		    (m->extend_usec % 1000 != 0);
		long long until = ms > (unsigned long long)(LLONG_MAX / 2) ?
		    LLONG_MAX / 2 : now + (long long)ms;

		if (until > l->deadline_ms)
			l->deadline_ms = until;
		if (o->verbose)
			fprintf(stderr, "daemonize: pid %d extended the "
			    "timeout by %llu us\n", (int)m->sender_pid,
			    m->extend_usec);
	}
	if (m->has_errno)
		return (fail(l, &(struct report){
		    .stage = STAGE_NOTIFY_ERRNO, .err = m->errno_value,
		    .pid = l->daemon}));
	return (m->ready ? confirmed(l, m, now) : -1);
}

/*
 * Read every queued datagram.  Returns -1 to keep waiting, or the exit
 * code once a message decided the start.
 */
static int
drain(struct launch *l)
{
	struct notify_message m;
	int rc;

	for (;;) {
		switch (notify_receive(l->n, l->o, l->daemon, &m)) {
		case NOTIFY_EMPTY:
			return (-1);
		case NOTIFY_ERROR:
			return (fail(l, &(struct report){
			    .stage = STAGE_NOTIFY, .err = errno}));
		case NOTIFY_IGNORED:
			if (l->o->verbose)
				fprintf(stderr, "daemonize: ignored a message "
				    "from pid %d (uid %d): %s\n",
				    (int)m.sender_pid, (int)m.sender_uid,
				    m.warning);
			continue;
		case NOTIFY_ACCEPTED:
			if ((rc = on_message(l, &m)) != -1)
				return (rc);
			continue;
		}
	}
}

/*
 * Plain mode with --wait-ready, after the command's exec: wait for the
 * daemon's READY=1, its ERRNO=, its exit (pidfd), an abort signal, or the
 * deadline (--wait-ready, moved by EXTEND_TIMEOUT_USEC=).  Every failure
 * undoes the start.  Returns the exit code; the socket is gone after.
 */
static int
wait_ready(struct launch *l)
{
	struct pollfd pfd[3];
	int rc, sig;

	l->start_ms = util_now_ms();
	l->deadline_ms = l->start_ms + l->o->wait_ready_ms;
	if ((l->pidfd = control_exit_fd(l->daemon, true)) == -1 &&
	    errno != ESRCH)
		return (fail(l, &(struct report){
		    .stage = STAGE_NOTIFY, .err = errno}));
	pfd[0] = (struct pollfd){.fd = l->n->fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = l->sfd, .events = POLLIN};
	pfd[2] = (struct pollfd){.fd = l->pidfd, .events = POLLIN};
	for (;;) {
		long long left = l->deadline_ms - util_now_ms();
		int ready;

		if (left < 0)
			left = 0;
		/* Without a pidfd the daemon was gone before we looked. */
		ready = l->pidfd == -1 ? 0 : poll(pfd, 3,
		    left > INT_MAX ? INT_MAX : (int)left);
		if (ready == -1) {
			if (errno == EINTR)
				continue;
			return (fail(l, &(struct report){
			    .stage = STAGE_NOTIFY, .err = errno}));
		}
		if ((pfd[1].revents & POLLIN) && (sig = abort_signal(l)) != 0)
			return (interrupted(l, sig));
		/* Messages first: READY=1 sent just before exiting counts. */
		if ((rc = drain(l)) != -1)
			return (rc);
		if (l->pidfd == -1 || ((pfd[2].revents & POLLIN) &&
		    control_exit_seen(l->pidfd, l->daemon)))
			return (daemon_exited(l));
		/* Checked every turn: a chatty sender cannot outrun it. */
		if (util_now_ms() >= l->deadline_ms)
			return (fail(l, &(struct report){
			    .stage = STAGE_NOTIFY_TIMEOUT, .pid = l->daemon,
			    .extra = l->deadline_ms - l->start_ms > INT_MAX ?
			    INT_MAX : (int)(l->deadline_ms - l->start_ms)}));
	}
}

/*
 * In the original process, after detach(): wait for the outcome of the
 * start and return the exit code for the caller of daemonize.
 */
int
launch_wait(const struct options *o, struct notify *n, int reportfd,
    pid_t intermediate)
{
	struct launch l = {.o = o, .n = n, .reportfd = reportfd,
	    .intermediate = intermediate, .pidfd = -1};
	int status, rc;

	if ((l.sfd = abort_signalfd()) == -1)
		err(EXIT_OSERR, "create signalfd");
	if ((rc = wait_report(&l)) != -1)
		return (rc);
	if (waitpid(intermediate, &status, 0) == -1)
		err(EXIT_OSERR, "wait for the intermediate process");
	l.intermediate = 0;
	if (l.daemon == 0) {
		/* The intermediate died without a word: killed from outside. */
		notify_close(n);
		if (WIFSIGNALED(status))
			errx(EXIT_OSERR, "start %s: the intermediate process "
			    "was killed by signal %d", o->argv[0],
			    WTERMSIG(status));
		errx(EXIT_OSERR, "start %s: the intermediate process exited "
		    "with status %d", o->argv[0], WEXITSTATUS(status));
	}
	if (o->parent_waits)
		return (wait_ready(&l));
	if (o->verbose)
		fprintf(stderr, "daemonize: started %s as pid %d\n",
		    o->command_path, (int)l.daemon);
	return (EXIT_OK);
}
