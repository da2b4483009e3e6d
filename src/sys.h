/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The newer Linux system calls, behind one door.  Each wrapper returns -1
 * with errno ENOSYS when the kernel lacks the call (or, for a call given
 * flags, rejects them with EINVAL as kernels that predate the flag do), so
 * every caller can tell "not here" from a real error and take its
 * fallback; see KERNEL SUPPORT in daemonize(1).  sys_close_range() takes
 * its fallback itself: a walk over /proc/self/fd, O(open fds).
 */
#ifndef SYS_H
#define SYS_H

#include <sys/types.h>
#include <linux/openat2.h>

int sys_pidfd_open(pid_t pid);
int sys_pidfd_send_signal(int pidfd, int sig);
int sys_openat2(int dirfd, const char *path, const struct open_how *how);
int sys_close_range(unsigned int first, unsigned int last, int cloexec);

#endif
