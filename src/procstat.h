/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * /proc/PID/stat, read and parsed in one place (see proc(5)): the fields
 * the stopper, the supervisor and the status readers need.  Any process
 * may call procstat_read(); it keeps no state.
 */
#ifndef PROCSTAT_H
#define PROCSTAT_H

#include <sys/types.h>

struct procstat {
	char state;			/* R, S, D, Z, T, ... */
	pid_t ppid;
	pid_t pgrp;
	pid_t sid;
	unsigned long long start;	/* clock ticks after boot */
};

/*
 * Read path, relative to dirfd (AT_FDCWD for an absolute path, or an open
 * /proc/PID directory and "stat"), into *ps.  Returns 0, or -1 if the file
 * cannot be read or parsed (the process is gone).
 */
int procstat_read(int dirfd, const char *path, struct procstat *ps);

#endif
