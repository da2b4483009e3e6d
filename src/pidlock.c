// SPDX-License-Identifier: BSD-2-Clause
/*
 * The pidfile protocol.
 *
 * Classic fcntl(2) record locks belong to a process: fork(2) does not pass
 * them on, execve(2) keeps them, and closing ANY descriptor of the file in
 * the holding process drops them.  So the lock is taken in the process that
 * keeps it (the daemon in plain mode, the supervisor with --respawn), the
 * path is never opened a second time there, and in plain mode the fd is
 * left open across exec (the daemon sees one extra descriptor).
 *
 * Control commands ask F_GETLK who holds the lock.  That holder is the
 * daemon; the text in the file is a hint that may name a recycled pid.
 *
 * The file is opened O_NOFOLLOW and must be a regular file with one link,
 * so a symlink or hard link planted by a less privileged user cannot make
 * root write or truncate another file.  It is never chowned.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidlock.h"
#include "report.h"

/* Check what an open fd refers to; sets *refusal and returns -1 if bad. */
static int
check_regular(int fd, int *refusal)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return (-1);
	if (!S_ISREG(st.st_mode)) {
		*refusal = REFUSE_NOT_REGULAR;
		errno = EINVAL;
		return (-1);
	}
	if (st.st_nlink > 1) {
		*refusal = REFUSE_HARDLINK;
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

/*
 * Open (creating if needed) a pidfile or lockfile, close-on-exec.  Returns
 * the fd, or -1 with errno set and *refusal saying why a file that exists
 * was not acceptable.  Nothing is truncated here.
 */
int
pidlock_open(const char *path, int *refusal)
{
	int fd, e;

	*refusal = REFUSE_NONE;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0644);
	if (fd == -1) {
		if (errno == ELOOP)
			*refusal = REFUSE_SYMLINK;
		else if (errno == EISDIR || errno == ENXIO)
			*refusal = REFUSE_NOT_REGULAR;
		return (-1);
	}
	if (check_regular(fd, refusal) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return (-1);
	}
	return (fd);
}

/*
 * Take the whole-file write lock without waiting.  On EAGAIN (or EACCES)
 * *holder is the pid holding it, as F_GETLK reports.
 */
int
pidlock_lock(int fd, pid_t *holder)
{
	struct flock fl;

	*holder = 0;
	/* A holder that exits between F_SETLK and F_GETLK: try again. */
	for (int tries = 0; tries < 3; tries++) {
		fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return (0);
		if (errno != EAGAIN && errno != EACCES)
			return (-1);
		fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
			*holder = fl.l_pid;
			break;
		}
	}
	errno = EAGAIN;
	return (-1);
}

/*
 * Replace the content with "PID\n"; only ever called holding the lock.
 * The pid is written over the old text first and the file cut to its
 * length afterwards: overwriting blocks a stale pidfile already has needs
 * no free space, where truncating first would give them back and could
 * meet ENOSPC on a full filesystem (ext4 frees them only at the next
 * journal commit), leaving an empty file.
 */
int
pidlock_write(int fd, pid_t pid)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	ssize_t n;

	if ((n = pwrite(fd, buf, (size_t)len, 0)) != len) {
		if (n >= 0)
			errno = ENOSPC;
		return (-1);
	}
	if (ftruncate(fd, len) == -1)
		return (-1);
	return (0);
}

/*
 * Remove the file we hold locked through fd, if the path still names it:
 * somebody may have replaced it, and their file is not ours to remove.
 */
int
pidlock_unlink(const char *path, int fd)
{
	struct stat held, named;

	if (fstat(fd, &held) == -1 || lstat(path, &named) == -1)
		return (-1);
	if (held.st_dev != named.st_dev || held.st_ino != named.st_ino)
		return (0);
	return (unlink(path));
}

/*
 * Who holds the lock on path?  Opens the file read-only without following
 * a symlink and asks F_GETLK.  *st receives the file's identity for a later
 * pidlock_remove_stale().
 */
enum pidlock_state
pidlock_query(const char *path, pid_t *holder, struct stat *st, int *refusal)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd, e;

	*holder = 0;
	*refusal = REFUSE_NONE;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return (PIDLOCK_ABSENT);
		if (errno == ELOOP)
			*refusal = REFUSE_SYMLINK;
		return (PIDLOCK_UNKNOWN);
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		e = errno;
		if (S_ISREG(st->st_mode) == 0)
			*refusal = REFUSE_NOT_REGULAR;
		close(fd);
		errno = e;
		return (PIDLOCK_UNKNOWN);
	}
	if (fcntl(fd, F_GETLK, &fl) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return (PIDLOCK_UNKNOWN);
	}
	close(fd);
	if (fl.l_type == F_UNLCK)
		return (PIDLOCK_FREE);
	if (fl.l_pid <= 0) {
		/* Held from another pid namespace, or an OFD lock. */
		errno = ESRCH;
		return (PIDLOCK_UNKNOWN);
	}
	*holder = fl.l_pid;
	return (PIDLOCK_HELD);
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
 * the lock first, so a new instance (which must lock before writing) cannot
 * be starting in it, and removes it only if the path still names the file
 * that was examined (*seen).  Returns 0 if removed or already gone.
 */
int
pidlock_remove_stale(const char *path, const struct stat *seen)
{
	struct stat st;
	pid_t holder;
	int fd, rc = -1;

	fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1)
		return (errno == ENOENT ? 0 : -1);
	if (fstat(fd, &st) == 0 && st.st_dev == seen->st_dev &&
	    st.st_ino == seen->st_ino && pidlock_lock(fd, &holder) == 0)
		rc = pidlock_unlink(path, fd);
	close(fd);
	return (rc);
}
