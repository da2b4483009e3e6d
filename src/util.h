/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small helpers that several modules need, written once.  util_now_ms()
 * is the monotonic clock every deadline is measured on.
 * util_describe_status() words a wait(2) status for a message.
 * util_open_guarded() opens a file on a path that others may be able to
 * change, the way a privileged process must (no planted link, no hard
 * link, no stranger's file).  util_remove_stale() removes a pidfile that
 * nobody holds any more.  None keeps state, prints or exits, so any
 * process (attached or detached) may call them; the caller reports.
 */
#ifndef UTIL_H
#define UTIL_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

struct safeopen;

/* What util_open_guarded() refuses, besides a link a stranger planted. */
struct util_guard {
	bool follow;	/* the last component may be a link only root set */
	bool always;	/* check the file even when the path is trusted */
	bool fifo_ok;	/* a FIFO is acceptable where a regular file is */
	uid_t owner;	/* an existing file must be root's or owner's;
			   (uid_t)-1 accepts anybody's */
};

long long util_now_ms(void);
void util_describe_status(int status, char *buf, size_t len);
int util_open_guarded(const char *path, int flags, mode_t mode,
    const struct util_guard *g, struct safeopen *so);
int util_remove_stale(const char *path, pid_t only);

#endif
