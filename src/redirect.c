// SPDX-License-Identifier: BSD-2-Clause
/*
 * Standard descriptors and the fd sweep.
 *
 * The -i/-o/-e files are opened by the daemon (or supervisor) before it
 * drops privileges, so they may live in root-owned directories.  When root
 * opens a file on a path that someone else can change, that someone may
 * have planted a symlink (to the file or to a directory on the way) or a
 * hard link to /etc/shadow: safeopen.c never follows such a link, and a
 * hard link or a non-regular file (except a FIFO for stdin) is refused
 * there.  An existing -o/-e file owned by another user than root or -u's
 * is refused: its owner could read and rewrite root's output.  Files are
 * never chowned.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "options.h"
#include "redirect.h"
#include "report.h"
#include "safeopen.h"
#include "sys.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/*
 * Make sure fds 0, 1 and 2 are open (to /dev/null) before anything else
 * is opened, so that no pipe or pidfile lands on a standard descriptor.
 * Runs first thing in main(), in the original process.
 */
void
stdio_sanitize(void)
{
	int fd;

	for (int i = 0; i < 3; i++) {
		if (fcntl(i, F_GETFD) != -1)
			continue;
		fd = open("/dev/null", O_RDWR);
		if (fd == -1)
			_exit(EXIT_OSERR);
		if (fd != i) {
			/* A lower fd was already free: cannot happen, but be sure. */
			close(fd);
			_exit(EXIT_OSERR);
		}
	}
}

/*
 * Open path with flags through the guarded open (util.c): no link that
 * someone other than root could have planted; when root opens a file on a
 * path someone else could change, no hard link and no non-regular file
 * (FIFOs allowed with fifo_ok); no existing file, not created here, owned
 * by neither root nor owner unless owner is (uid_t)-1.  Sets *refusal (and
 * *at, for a refused directory link) for a refused file.
 */
static int
open_guarded(const char *path, int flags, bool fifo_ok, uid_t owner,
    int *refusal, int *at)
{
	const struct util_guard g = {.follow = true, .fifo_ok = fifo_ok,
	    .owner = owner};
	struct safeopen so;
	int fd, e;

	fd = util_open_guarded(path, flags, 0666, &g, &so);
	*refusal = so.refusal;
	if (fd == -1) {
		*at = (int)so.at;
		return (-1);
	}
	safeopen_close(&so);
	/* O_NONBLOCK only kept open(2) from waiting on a FIFO. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return (-1);
	}
	return (fd);
}

/*
 * Whose existing -o/-e file root accepts besides its own: -u's user's
 * (the daemon writes it anyway), nobody else's (they could read or rewrite
 * root's output).  (uid_t)-1 when not root: no check, as before.
 */
static uid_t
output_owner(const struct options *o)
{
	if (geteuid() != 0)
		return ((uid_t)-1);
	return (o->creds.change_user ? o->creds.uid : 0);
}

/*
 * Open an output file, created 0666 & ~umask, without truncating it.
 * *created says whether this call created it (O_EXCL first), so that a
 * start that fails later can remove it again.
 */
static int
open_output(const struct options *o, const char *path, bool append,
    int *refusal, int *at, bool *created)
{
	int flags = O_WRONLY | (append ? O_APPEND : 0), fd;

	fd = open_guarded(path, flags | O_CREAT | O_EXCL, false,
	    output_owner(o), refusal, at);
	*created = fd != -1;
	/* O_EXCL also fails on a symlink, even a dangling one: follow it. */
	if (fd == -1 && errno == EEXIST)
		fd = open_guarded(path, flags | O_CREAT, false,
		    output_owner(o), refusal, at);
	return (fd);
}

/*
 * Open an output file for appending (the supervisor's reopen after a log
 * rotation): created if it was moved away, never truncated, with the same
 * rules as at start.
 */
int
redirect_open_output(const struct options *o, const char *path,
    int *refusal)
{
	bool created;
	int at;

	return (open_output(o, path, true, refusal, &at, &created));
}

/* Whether fd is the same file as one of the fds in avoid. */
static bool
same_file(int fd, const int *avoid, size_t navoid)
{
	struct stat a, b;

	if (fstat(fd, &a) == -1)
		return (false);
	for (size_t i = 0; i < navoid; i++)
		if (avoid[i] >= 0 && fstat(avoid[i], &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return (true);
	return (false);
}

/*
 * Open stdin, stdout and stderr as the options say (default /dev/null),
 * nothing truncated yet.  -o and -e naming one file (in any spelling)
 * share one open file description; none may be a file in avoid (the locked
 * pidfile and lockfile: a second descriptor of it, closed at exec, would
 * drop the lock).  Returns 0, or -1 with *fail filled for the report pipe.
 */
int
redirect_open(const struct options *o, struct stdio_files *io,
    const int *avoid, size_t navoid, struct report *fail)
{
	int refusal = REFUSE_NONE, at = 0, err_fd;
	bool created;

	*io = (struct stdio_files){-1, -1, -1, false, false};
	if (o->stdin_path != NULL)
		io->in = open_guarded(o->stdin_path, O_RDONLY, true, (uid_t)-1,
		    &refusal, &at);
	else
		io->in = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
	/* The default /dev/null cannot be a lock file: no fstat(2) for it. */
	if (io->in != -1 && o->stdin_path != NULL &&
	    same_file(io->in, avoid, navoid))
		refusal = REFUSE_LOCKED_FILE;
	if (io->in == -1 || refusal != REFUSE_NONE) {
		*fail = (struct report){STAGE_STDIN, errno, 0,
		    REFUSAL_EXTRA(refusal, at)};
		return (-1);
	}
	if (o->stdout_path != NULL)
		io->out = open_output(o, o->stdout_path, o->append, &refusal,
		    &at, &io->out_created);
	else
		io->out = openat(AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC);
	if (io->out != -1 && o->stdout_path != NULL &&
	    same_file(io->out, avoid, navoid))
		refusal = REFUSE_LOCKED_FILE;
	if (io->out == -1 || refusal != REFUSE_NONE) {
		*fail = (struct report){STAGE_STDOUT, errno, 0,
		    REFUSAL_EXTRA(refusal, at)};
		return (-1);
	}
	if (o->stderr_path != NULL) {
		err_fd = open_output(o, o->stderr_path, o->append, &refusal,
		    &at, &created);
		if (err_fd != -1 && same_file(err_fd, avoid, navoid))
			refusal = REFUSE_LOCKED_FILE;
		if (err_fd != -1 && refusal == REFUSE_NONE &&
		    o->stdout_path != NULL && same_file(err_fd, &io->out, 1)) {
			close(err_fd);
			err_fd = fcntl(io->out, F_DUPFD_CLOEXEC, 3);
			created = false;
		}
		io->err = err_fd;
		io->err_created = created;
	} else if (o->stdout_path == NULL)
		io->err = fcntl(io->out, F_DUPFD_CLOEXEC, 3);	/* one open */
	else
		io->err = openat(AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC);
	if (io->err == -1 || refusal != REFUSE_NONE) {
		*fail = (struct report){STAGE_STDERR, errno, 0,
		    REFUSAL_EXTRA(refusal, at)};
		return (-1);
	}
	return (0);
}

/*
 * Truncate the -o and -e files unless -a: done at the last moment (just
 * before exec, or when the supervisor starts), so that a start that fails
 * does not destroy the previous log.
 */
int
redirect_truncate(const struct options *o, const struct stdio_files *io)
{
	struct stat st;
	int fds[2] = {o->stdout_path != NULL ? io->out : -1,
	    o->stderr_path != NULL ? io->err : -1};

	if (o->append)
		return (0);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0 && fstat(fds[i], &st) == 0 &&
		    S_ISREG(st.st_mode) && st.st_size > 0 &&
		    ftruncate(fds[i], 0) == -1)
			return (-1);
	return (0);
}

/* A failed start: remove the output files it created, and only those. */
void
redirect_undo(const struct options *o, const struct stdio_files *io)
{
	if (io->out_created)
		(void)safeopen_unlink(o->stdout_path, io->out);
	if (io->err_created)
		(void)safeopen_unlink(o->stderr_path, io->err);
}

/* Make io the standard descriptors 0, 1 and 2 (not close-on-exec). */
int
redirect_install(const struct stdio_files *io)
{
	if (dup2(io->in, 0) == -1 || dup2(io->out, 1) == -1 ||
	    dup2(io->err, 2) == -1)
		return (-1);
	return (0);
}

/*
 * Mark every descriptor from 3 up close-on-exec, then clear the flag on
 * the ones to keep.  One close_range(2) call, whatever RLIMIT_NOFILE is;
 * internal descriptors (the report pipe) stay usable until the exec.
 * Kernels before 5.11 lack CLOSE_RANGE_CLOEXEC: sys.c walks /proc/self/fd.
 */
int
redirect_sweep(const int *keep, size_t nkeep)
{
	if (sys_close_range(3, ~0U, 1) == -1)
		return (-1);
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, 0) == -1)
			return (-1);
	return (0);
}
