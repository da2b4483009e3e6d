// SPDX-License-Identifier: BSD-2-Clause
/*
 * Standard descriptors and the fd sweep.
 *
 * The -i/-o/-e files are opened by the daemon (or supervisor) before it
 * drops privileges, so they may live in root-owned directories.  When root
 * opens a file in a directory that someone else can write to, that someone
 * may have planted a symlink or a hard link to /etc/shadow; such files are
 * refused, as are non-regular files (except a FIFO for stdin).  Files are
 * never chowned.
 */
#include "config.h"

#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "redirect.h"
#include "report.h"

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
			_exit(71);
		if (fd != i) {
			/* A lower fd was already free: cannot happen, but be sure. */
			close(fd);
			_exit(71);
		}
	}
}

/* Whether someone other than root can write to the directory of path. */
static bool
directory_writable_by_others(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	if (strlen(path) >= sizeof(buf))
		return (true);
	strcpy(buf, path);
	if (stat(dirname(buf), &st) == -1)
		return (true);
	return (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0);
}

/*
 * Open path with flags; when root opens a file in a directory others can
 * write, refuse symlinks, hard links and non-regular files (FIFOs too
 * unless fifo_ok).  Sets *refusal for a refused file.
 */
static int
open_guarded(const char *path, int flags, bool fifo_ok, int *refusal)
{
	bool guard = geteuid() == 0 && directory_writable_by_others(path);
	struct stat st;
	int fd, e;

	*refusal = REFUSE_NONE;
	fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
	    (guard ? O_NOFOLLOW : 0), 0666);
	if (fd == -1) {
		if (guard && errno == ELOOP)
			*refusal = REFUSE_SYMLINK;
		/* A directory, or a FIFO or socket nobody reads. */
		else if (guard && (errno == EISDIR || errno == ENXIO))
			*refusal = REFUSE_NOT_REGULAR;
		return (-1);
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (guard && !S_ISREG(st.st_mode) && !(fifo_ok && S_ISFIFO(st.st_mode))) {
		*refusal = REFUSE_NOT_REGULAR;
		errno = EINVAL;
		goto fail;
	}
	if (guard && S_ISREG(st.st_mode) && st.st_nlink > 1) {
		*refusal = REFUSE_HARDLINK;
		errno = EINVAL;
		goto fail;
	}
	/* O_NONBLOCK only kept open(2) from waiting on a FIFO. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1)
		goto fail;
	return (fd);
fail:
	e = errno;
	close(fd);
	errno = e;
	return (-1);
}

/*
 * Open an output file: created 0666 & ~umask, appended to or truncated
 * (after the checks, so a refused file is never truncated).
 */
int
redirect_open_output(const char *path, bool append, int *refusal)
{
	struct stat st;
	int fd, e;

	fd = open_guarded(path, O_WRONLY | O_CREAT | (append ? O_APPEND : 0),
	    false, refusal);
	if (fd == -1 || append)
		return (fd);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ftruncate(fd, 0) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return (-1);
	}
	return (fd);
}

/*
 * Open stdin, stdout and stderr as the options say (default /dev/null).
 * The same path for -o and -e shares one open file description.  Returns
 * 0, or -1 with *fail filled for the report pipe.
 */
int
redirect_open(const struct options *o, struct stdio_files *io,
    struct report *fail)
{
	int refusal;

	*io = (struct stdio_files){-1, -1, -1};
	if (o->stdin_path != NULL)
		io->in = open_guarded(o->stdin_path, O_RDONLY, true, &refusal);
	else
		io->in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (io->in == -1) {
		*fail = (struct report){STAGE_STDIN, errno, 0, refusal};
		return (-1);
	}
	if (o->stdout_path != NULL)
		io->out = redirect_open_output(o->stdout_path, o->append,
		    &refusal);
	else
		io->out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (io->out == -1) {
		*fail = (struct report){STAGE_STDOUT, errno, 0, refusal};
		return (-1);
	}
	if (o->stderr_path != NULL && o->stdout_path != NULL &&
	    strcmp(o->stderr_path, o->stdout_path) == 0)
		io->err = fcntl(io->out, F_DUPFD_CLOEXEC, 3);
	else if (o->stderr_path != NULL)
		io->err = redirect_open_output(o->stderr_path, o->append,
		    &refusal);
	else
		io->err = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (io->err == -1) {
		*fail = (struct report){STAGE_STDERR, errno, 0, refusal};
		return (-1);
	}
	return (0);
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
 * Kernels before 5.11 lack CLOSE_RANGE_CLOEXEC: walk /proc/self/fd then.
 */
int
redirect_sweep(const int *keep, size_t nkeep)
{
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;

		if (d == NULL)
			return (-1);
		while ((de = readdir(d)) != NULL) {
			int fd = atoi(de->d_name);

			if (fd >= 3 && fd != dirfd(d))
				fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
		closedir(d);
	}
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, 0) == -1)
			return (-1);
	return (0);
}
