// SPDX-License-Identifier: BSD-2-Clause
/*
 * The pidfile protocol.
 *
 * Classic fcntl(2) record locks belong to a process: fork(2) does not pass
 * them on, execve(2) keeps them, and closing ANY descriptor of the file in
 * the holding process drops them all (close-on-exec at execve(2) too).  A
 * write lock needs a writable descriptor, and the daemon, which may run as
 * -u's user, must not have one: it could rewrite the pid that root's
 * scripts trust.  So the file carries two one-byte lock ranges:
 *
 *   HOLDER (byte 0)  read-locked by the daemon (the supervisor with
 *                    --respawn) through a read-only descriptor that it
 *                    keeps, in plain mode across exec.  F_GETLK on it
 *                    names the daemon: that is what --status, --stop and
 *                    "already running as pid N" ask.
 *   GATE (byte 1)    write-locked, briefly, by whoever changes the file:
 *                    a starting writer, or a remover.
 *
 * A start opens the file (creating it), then forks a writer that holds a
 * writable descriptor: the writer takes the GATE, checks that the path
 * still names the file it locked (lock, then verify: a remover may have
 * unlinked it between open and lock) and that nobody holds HOLDER; then
 * the starting process read-locks HOLDER, and the writer writes the pid
 * and exits, which opens the GATE again.  The starting process closed its
 * own writable descriptor before it took any lock, so it never drops its
 * lock by closing one, and it never holds one afterwards.  A detached
 * start needs no writer of its own: the intermediate process takes the
 * GATE and makes the checks before it forks the daemon, and writes the
 * daemon's pid once the daemon holds HOLDER (pidlock_prepare()); the
 * daemon waits until it has exited, so no command runs as its child.
 *
 * Why this is exclusive although read locks are shared: HOLDER is only
 * ever read-locked by a process whose writer holds the GATE and saw HOLDER
 * free, and the GATE admits one writer at a time; so a second holder can
 * only appear after the first one's lock is gone.  A remover (a failed
 * start's cleanup by the original process, --stop's stale removal) takes
 * the GATE, checks that HOLDER is free and that the path still names the
 * file, then unlinks it; a holder removes its own file while it still
 * holds HOLDER (nobody can take the file over meanwhile) after the same
 * check.  So no process ever holds a lock on an unlinked pidfile, and a
 * new instance's file is never removed.
 *
 * Every path is opened through safeopen.c, which never follows a link that
 * someone other than root could have planted; the file must be a regular
 * file with one link.  It is never chowned.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pidlock.h"
#include "report.h"
#include "safeopen.h"
#include "util.h"

#define HOLDER		0	/* byte read-locked by the daemon */
#define GATE		1	/* byte write-locked by a writer or remover */
#define GATE_WAIT_MS	2000	/* another writer or remover is brief */
#define ACQUIRE_TRIES	10	/* the file was unlinked under us: again */

/* What the writer tells the starting process. */
struct wmsg {
	int what;
	int err;
	pid_t holder;
};

enum { W_GO = 1, W_LOCKED, W_RETRY, W_FAIL, W_DONE };

static int
lock_byte(int fd, short type, off_t start)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET,
	    .l_start = start, .l_len = 1};

	return (fcntl(fd, F_SETLK, &fl));
}

/*
 * Does another process hold a lock on byte start?  1 (*pid the holder),
 * 0 free, -1 error.  A holder from another pid namespace (or an OFD lock)
 * has no pid: ESRCH.
 */
static int
byte_holder(int fd, off_t start, pid_t *pid)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = start, .l_len = 1};

	*pid = 0;
	if (fcntl(fd, F_GETLK, &fl) == -1)
		return (-1);
	if (fl.l_type == F_UNLCK)
		return (0);
	*pid = fl.l_pid;
	if (fl.l_pid <= 0) {
		errno = ESRCH;
		return (-1);
	}
	return (1);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Take the GATE, waiting (bounded) for another writer or remover to be
 * done.  When a daemon holds HOLDER there is nothing to wait for: EAGAIN
 * with *holder its pid.
 */
static int
take_gate(int fd, pid_t *holder)
{
	for (int ms = 0;; ms++) {
		if (lock_byte(fd, F_WRLCK, GATE) == 0)
			return (0);
		if (errno != EAGAIN && errno != EACCES)
			return (-1);
		if (byte_holder(fd, HOLDER, holder) == 1 || ms >= GATE_WAIT_MS) {
			if (*holder == 0)
				(void)byte_holder(fd, GATE, holder);
			errno = EAGAIN;
			return (-1);
		}
		sleep_ms(1);
	}
}

/* Whether dirfd/name is still the file open as fd, with one link. */
static bool
still_named(int fd, int dirfd, const char *name)
{
	struct stat held, named;

	return (fstat(fd, &held) == 0 &&
	    fstatat(dirfd, name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
	    held.st_dev == named.st_dev && held.st_ino == named.st_ino &&
	    held.st_nlink == 1);
}

static bool
same_inode(int a, int b)
{
	struct stat sa, sb;

	return (fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/*
 * Open path read-write, creating it, without following a planted link;
 * it must be a regular file with one link, whoever runs us.  Returns the
 * fd with so naming the entry, or -1 with errno and *refusal (so closed).
 */
static int
open_file(const char *path, struct safeopen *so, int *refusal)
{
	static const struct util_guard g = {.always = true,
	    .owner = (uid_t)-1};
	int fd;

	fd = util_open_guarded(path, O_RDWR | O_CREAT, 0644, &g, so);
	*refusal = so->refusal;
	return (fd);
}

static void
send_msg(int sock, int what, int err, pid_t holder)
{
	struct wmsg m = {what, err, holder};

	(void)write(sock, &m, sizeof(m));
}

/*
 * The writer's checks, the GATE taken through wfd: W_GO when the path
 * still names the file and nobody holds HOLDER; else W_LOCKED (*holder),
 * W_RETRY (the file was unlinked under us) or W_FAIL, with *err.
 */
static int
gate_check(int wfd, const struct safeopen *so, pid_t *holder, int *err)
{
	int r;

	*holder = 0;
	*err = 0;
	if (take_gate(wfd, holder) == -1) {
		*err = errno;
		return (errno == EAGAIN ? W_LOCKED : W_FAIL);
	}
	if (!still_named(wfd, so->dirfd, so->name))
		return (W_RETRY);
	if ((r = byte_holder(wfd, HOLDER, holder)) != 0) {
		*err = errno;
		return (r == 1 ? W_LOCKED : W_FAIL);
	}
	return (W_GO);
}

/*
 * The writer, its checks passed and the GATE still held: wait until the
 * holder says it took HOLDER, write its pid, tell it, and _exit(), which
 * releases the GATE.  EOF instead: the holder could not lock; write
 * nothing.
 */
static noreturn void
write_when_held(int wfd, int sock, bool write_pid, pid_t daemon)
{
	char go;

	if (read(sock, &go, 1) != 1)
		_exit(0);
	if (write_pid && pidlock_write(wfd, daemon) == -1)
		send_msg(sock, W_FAIL, errno, 0);
	else
		send_msg(sock, W_DONE, 0, 0);
	_exit(0);
}

/*
 * The writer as a child of the starting process: it holds the writable
 * descriptor and the GATE, never HOLDER.
 */
static noreturn void
writer(int wfd, const struct safeopen *so, int sock, bool write_pid,
    pid_t daemon)
{
	pid_t holder;
	int r, err;

	if ((r = gate_check(wfd, so, &holder, &err)) != W_GO) {
		send_msg(sock, r, err, holder);
		_exit(0);
	}
	send_msg(sock, W_GO, 0, 0);
	write_when_held(wfd, sock, write_pid, daemon);
}

static int
read_msg(int sock, struct wmsg *m)
{
	ssize_t n;

	do
		n = read(sock, m, sizeof(*m));
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(*m)) {
		/* The writer died without a word. */
		*m = (struct wmsg){W_FAIL, n == -1 ? errno : EPIPE, 0};
		return (-1);
	}
	return (0);
}

/*
 * In the holder, once the writer has the GATE and saw HOLDER free: take
 * HOLDER, let the writer write, and wait for its word.  Returns 0, or -1
 * with *f filled (the file removed again if this start wrote nothing into
 * it but still locked it).
 */
static int
hold(int rfd, int sock, const struct safeopen *so, struct pidlock_fail *f)
{
	struct wmsg m = {W_FAIL, EPIPE, 0};

	if (lock_byte(rfd, F_RDLCK, HOLDER) == -1) {
		*f = (struct pidlock_fail){PIDLOCK_FAIL_OPEN, errno, 0, 0, 0};
		return (-1);
	}
	if (write(sock, "L", 1) != 1 || read_msg(sock, &m) == -1 ||
	    m.what != W_DONE) {
		*f = (struct pidlock_fail){PIDLOCK_FAIL_WRITE, m.err, 0, 0,
		    0};
		(void)safeopen_unlinkat(so->dirfd, so->name, rfd);
		return (-1);
	}
	return (0);
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* Close whatever s still has open. */
static void
close_start(struct pidlock_start *s)
{
	close_fd(&s->wfd);
	close_fd(&s->rfd);
	close_fd(&s->sock[0]);
	close_fd(&s->sock[1]);
	safeopen_close(&s->so);
}

/*
 * Open path twice, writable (creating it) and read-only, and check that
 * both name one file.  Returns 0, -1 failed (*f), or -2 try again (the
 * file was unlinked between the opens); on failure s is closed.
 */
static int
open_start(const char *path, struct pidlock_start *s, struct pidlock_fail *f)
{
	int rc;

	*s = (struct pidlock_start){.wfd = -1, .rfd = -1, .sock = {-1, -1}};
	*f = (struct pidlock_fail){PIDLOCK_FAIL_OPEN, 0, 0, REFUSE_NONE, 0};
	if ((s->wfd = open_file(path, &s->so, &f->refusal)) == -1) {
		f->err = errno;
		f->at = s->so.at;
		return (-1);
	}
	s->rfd = openat(s->so.dirfd, s->so.name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (s->rfd != -1 && same_inode(s->rfd, s->wfd))
		return (0);
	rc = s->rfd == -1 && errno != ENOENT ? -1 : -2;
	f->err = errno;
	close_start(s);
	return (rc);
}

/* One try at pidlock_acquire(): the fd, -1 failed (*f), -2 try again. */
static int
attempt(const char *path, bool write_pid, struct pidlock_fail *f)
{
	struct pidlock_start s;
	struct wmsg m;
	pid_t w = -1, self;
	int rc;

	if ((rc = open_start(path, &s, f)) != 0)
		return (rc);
	rc = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s.sock) == -1)
		goto out;
	fflush(NULL);
	self = getpid();
	if ((w = fork()) == -1)
		goto out;
	if (w == 0) {
		close(s.sock[1]);
		writer(s.wfd, &s.so, s.sock[0], write_pid, self);
	}
	/* Before any lock of ours: this close cannot drop one. */
	close_fd(&s.wfd);
	close_fd(&s.sock[0]);
	(void)read_msg(s.sock[1], &m);
	switch (m.what) {
	case W_GO:
		if (hold(s.rfd, s.sock[1], &s.so, f) == 0) {
			rc = s.rfd;
			s.rfd = -1;
		}
		break;
	case W_RETRY:
		rc = -2;
		break;
	case W_LOCKED:
		*f = (struct pidlock_fail){PIDLOCK_FAIL_LOCKED, EAGAIN,
		    m.holder, 0, 0};
		break;
	default:
		errno = m.err;
		break;
	}
out:
	if (rc == -1 && f->err == 0)
		f->err = errno;
	close_start(&s);
	if (w > 0)
		while (waitpid(w, NULL, 0) == -1 && errno == EINTR)
			;
	return (rc);
}

/*
 * Open (creating if needed) and lock a pidfile or lockfile for the calling
 * process, which becomes its holder; with write_pid, the file then holds
 * "PID\n" with our pid.  Returns a read-only, close-on-exec descriptor
 * that keeps the lock as long as this process keeps it open, or -1 with
 * *f saying why.  Runs in the daemon, the supervisor, or the --foreground
 * process, before privileges are dropped.
 */
int
pidlock_acquire(const char *path, bool write_pid, struct pidlock_fail *f)
{
	int fd;

	for (int tries = 0; tries < ACQUIRE_TRIES; tries++)
		if ((fd = attempt(path, write_pid, f)) != -2)
			return (fd);
	/* Unlinked under us every time: somebody keeps removing it. */
	*f = (struct pidlock_fail){PIDLOCK_FAIL_OPEN, EAGAIN, 0, 0, 0};
	return (-1);
}

/*
 * A start split between two existing processes, so that none is forked
 * for it: the detached start's intermediate process is the writer and
 * the daemon it forks next the holder.  In the writer-to-be, before the
 * fork: open path, take the GATE and check that nobody holds HOLDER
 * (bounded retries, as pidlock_acquire()).  Returns 0, or -1 with *f
 * (nothing left open).
 */
int
pidlock_prepare(const char *path, struct pidlock_start *s,
    struct pidlock_fail *f)
{
	pid_t holder;
	int r, err;

	for (int tries = 0; tries < ACQUIRE_TRIES; tries++) {
		if ((r = open_start(path, s, f)) == -2)
			continue;
		if (r == -1)
			return (-1);
		switch (gate_check(s->wfd, &s->so, &holder, &err)) {
		case W_GO:
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
			    s->sock) == 0)
				return (0);
			f->err = errno;
			break;
		case W_RETRY:
			close_start(s);
			continue;
		case W_LOCKED:
			*f = (struct pidlock_fail){PIDLOCK_FAIL_LOCKED, EAGAIN,
			    holder, 0, 0};
			break;
		default:
			f->err = err;
			break;
		}
		close_start(s);
		return (-1);
	}
	*f = (struct pidlock_fail){PIDLOCK_FAIL_OPEN, EAGAIN, 0, 0, 0};
	return (-1);
}

/*
 * Wait, signals blocked, until our parent is no longer writer.  Raw
 * system calls, as in signals_reset(): the C library's wrappers would
 * each cost a first-call binding on every start.
 */
static void
wait_reparented(pid_t writer)
{
	uint64_t chld = 1ULL << (SIGCHLD - 1);

	while (syscall(SYS_getppid) == writer)
		(void)syscall(SYS_rt_sigtimedwait, &chld, NULL, NULL,
		    sizeof(chld));
}

/*
 * In the holder, forked by the writer after pidlock_prepare(): take
 * HOLDER, wait until the writer wrote our pid, then until it is gone.
 * Returns the read-only descriptor that keeps the lock (as
 * pidlock_acquire()), or -1 with *f.
 */
int
pidlock_hold(struct pidlock_start *s, struct pidlock_fail *f)
{
	pid_t writer = (pid_t)syscall(SYS_getppid);
	int fd = -1;

	/* The GATE is the writer's, and no lock is ours yet: drops none. */
	close_fd(&s->wfd);
	close_fd(&s->sock[0]);
	/*
	 * The writer, our parent, exits once it answered.  Be told when it
	 * has: the kernel sends PR_SET_PDEATHSIG after it reparented us, so
	 * what we run next never has the writer as its parent.  SIGCHLD,
	 * blocked here like every signal, is harmless if it stays pending.
	 */
	(void)syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGCHLD);
	if (hold(s->rfd, s->sock[1], &s->so, f) == 0) {
		fd = s->rfd;
		s->rfd = -1;
		wait_reparented(writer);
	}
	(void)syscall(SYS_prctl, PR_SET_PDEATHSIG, 0);
	close_start(s);
	return (fd);
}

/*
 * In the writer, after forking the holder: write its pid once it holds
 * HOLDER, then _exit(), releasing the GATE.  Its exit is the start's
 * signal that the pidfile is written.
 */
noreturn void
pidlock_write_for(struct pidlock_start *s, pid_t holder)
{
	close(s->sock[1]);
	write_when_held(s->wfd, s->sock[0], true, holder);
}

/*
 * In the writer when the holder could not be forked: remove the file it
 * prepared (nobody holds it, and the GATE keeps everyone else out).
 */
void
pidlock_abandon(struct pidlock_start *s)
{
	(void)safeopen_unlinkat(s->so.dirfd, s->so.name, s->wfd);
	close_start(s);
}

/* Whether path (not followed if a link) names the file open as fd. */
bool
pidlock_names(const char *path, int fd)
{
	struct safeopen so;
	struct stat held, named;
	bool same;

	if (safeopen_dir(path, &so) == -1)
		return (false);
	same = fstat(fd, &held) == 0 &&
	    fstatat(so.dirfd, so.name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
	    held.st_dev == named.st_dev && held.st_ino == named.st_ino;
	safeopen_close(&so);
	return (same);
}

/*
 * Open (creating if needed) a file the supervisor writes without a lock
 * (--child-pidfile), read-write, close-on-exec.  Returns the fd, or -1 with
 * errno set and *refusal saying why an existing file was not acceptable.
 */
int
pidlock_open(const char *path, int *refusal)
{
	struct safeopen so;
	int fd;

	if ((fd = open_file(path, &so, refusal)) != -1)
		safeopen_close(&so);
	return (fd);
}

/*
 * Replace the content with "PID\n"; only ever called holding the GATE (or,
 * for the child pidfile, by its only writer).  The pid is written over the
 * old text first and the file cut to its length afterwards: overwriting
 * blocks a stale pidfile already has needs no free space, where truncating
 * first would give them back and could meet ENOSPC on a full filesystem
 * (ext4 frees them only at the next journal commit), leaving an empty file.
 */
int
pidlock_write(int fd, pid_t pid)
{
	char buf[16], *p = buf + sizeof(buf);
	unsigned long v = (unsigned long)pid;
	ssize_t n, len;

	/* By hand: the writer's only use of stdio would cost it more. */
	*--p = '\n';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	len = buf + sizeof(buf) - p;
	if ((n = pwrite(fd, p, (size_t)len, 0)) != len) {
		if (n >= 0)
			errno = ENOSPC;
		return (-1);
	}
	if (ftruncate(fd, len) == -1)
		return (-1);
	return (0);
}

/*
 * Remove the file this process holds locked (or, for the child pidfile,
 * alone writes) through fd, if the path still names it: somebody may have
 * replaced it, and their file is not ours to remove.
 */
int
pidlock_unlink(const char *path, int fd)
{
	return (safeopen_unlink(path, fd));
}

/*
 * Who holds the lock on path?  Opens the file read-only without following
 * a planted link and asks F_GETLK about HOLDER.  A start in progress (the
 * GATE held, HOLDER not yet) is waited for, bounded, so the answer is the
 * one its caller would see a moment later.  *st receives the file's
 * identity for a later pidlock_remove_stale().
 */
enum pidlock_state
pidlock_query(const char *path, pid_t *holder, struct stat *st, int *refusal)
{
	enum pidlock_state state = PIDLOCK_UNKNOWN;
	struct safeopen so;
	pid_t gate;
	int fd, e, r;

	*holder = 0;
	*refusal = REFUSE_NONE;
	fd = safeopen_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, false,
	    &so);
	if (fd == -1) {
		*refusal = so.refusal;
		return (errno == ENOENT ? PIDLOCK_ABSENT : PIDLOCK_UNKNOWN);
	}
	safeopen_close(&so);
	if (fstat(fd, st) == -1)
		goto out;
	if (!S_ISREG(st->st_mode)) {
		*refusal = REFUSE_NOT_REGULAR;
		errno = EINVAL;
		goto out;
	}
	for (int ms = 0;; ms++) {
		if ((r = byte_holder(fd, HOLDER, holder)) != 0) {
			state = r == 1 ? PIDLOCK_HELD : PIDLOCK_UNKNOWN;
			break;
		}
		if (ms >= GATE_WAIT_MS || byte_holder(fd, GATE, &gate) != 1) {
			state = PIDLOCK_FREE;
			break;
		}
		sleep_ms(1);
	}
out:
	e = errno;
	close(fd);
	errno = e;
	return (state);
}

/* The pid written in the file, or 0 if it holds no valid pid. */
pid_t
pidlock_hint(const char *path)
{
	char buf[32];
	ssize_t n;
	long pid;
	char *end;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') ||
	    pid <= 0 || pid > 0x3fffffff)
		return (0);
	return ((pid_t)pid);
}

/*
 * Remove a pidfile nobody holds, left behind by a daemon that died.  Takes
 * the GATE first, so a new instance cannot be starting in it, checks that
 * HOLDER is free and that the path still names the file examined before
 * (*seen), and only then unlinks it.  Returns 0 if removed or already
 * gone.  Runs in control commands and in the original process.
 */
int
pidlock_remove_stale(const char *path, const struct stat *seen)
{
	struct safeopen so;
	struct stat st;
	pid_t holder;
	int fd, rc = -1;

	fd = safeopen_open(path, O_RDWR | O_NONBLOCK | O_NOCTTY, 0, false,
	    &so);
	if (fd == -1)
		return (errno == ENOENT ? 0 : -1);
	if (fstat(fd, &st) == 0 && st.st_dev == seen->st_dev &&
	    st.st_ino == seen->st_ino && lock_byte(fd, F_WRLCK, GATE) == 0 &&
	    byte_holder(fd, HOLDER, &holder) == 0)
		rc = safeopen_unlinkat(so.dirfd, so.name, fd);
	close(fd);
	safeopen_close(&so);
	return (rc);
}
