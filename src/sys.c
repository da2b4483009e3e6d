// SPDX-License-Identifier: BSD-2-Clause
/*
 * Raw system calls that glibc or older kernels may lack (pidfd_open(2)
 * and pidfd_send_signal(2) since Linux 5.3, openat2(2) since 5.6,
 * close_range(2) since 5.9 and CLOSE_RANGE_CLOEXEC since 5.11).  Any
 * process may call these; they keep no state.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "sys.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* A call that exists but does not know a flag we gave: not here either. */
static int
nosys(long r, bool flags_given)
{
	if (r == -1 && (errno == ENOSYS || (flags_given && errno == EINVAL)))
		errno = ENOSYS;
	return ((int)r);
}

int
sys_pidfd_open(pid_t pid)
{
	return (nosys(syscall(SYS_pidfd_open, pid, 0), false));
}

int
sys_pidfd_send_signal(int pidfd, int sig)
{
	return (nosys(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0),
	    false));
}

int
sys_openat2(int dirfd, const char *path, const struct open_how *how)
{
	long r = syscall(SYS_openat2, dirfd, path, how, sizeof(*how));

	/* E2BIG: a kernel that knows a smaller struct open_how. */
	if (r == -1 && errno == E2BIG)
		errno = ENOSYS;
	return (nosys(r, how->resolve != 0));
}

/* Close, or mark close-on-exec, one descriptor of the fallback walk. */
static void
close_one(int fd, int cloexec)
{
	if (cloexec)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	else
		(void)close(fd);
}

/*
 * Close (or, with cloexec, mark close-on-exec) every descriptor from first
 * to last.  Without close_range(2), walk /proc/self/fd: the cost follows
 * the open descriptors, not RLIMIT_NOFILE.  Only where /proc is missing
 * too (inside a --chroot without it) does it loop up to the soft limit.
 */
int
sys_close_range(unsigned int first, unsigned int last, int cloexec)
{
	struct rlimit rl;
	struct dirent *de;
	DIR *d;

	if (nosys(syscall(SYS_close_range, first, last,
	    cloexec ? CLOSE_RANGE_CLOEXEC : 0), cloexec) == 0)
		return (0);
	if (errno != ENOSYS)
		return (-1);
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *end;
			unsigned long fd = strtoul(de->d_name, &end, 10);

			if (*end != '\0' || end == de->d_name ||
			    (int)fd == dirfd(d) || fd < first || fd > last)
				continue;
			close_one((int)fd, cloexec);
		}
		closedir(d);
		return (0);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return (-1);
	for (unsigned long fd = first; fd <= last && fd < rl.rlim_cur; fd++)
		close_one((int)fd, cloexec);
	return (0);
}
