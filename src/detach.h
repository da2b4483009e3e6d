/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * detach(): report pipe, fork, setsid, fork.  Called once, by the original
 * process, after the options o are resolved, unless --foreground.  It
 * returns in two processes: in the original one with the intermediate
 * process's pid (> 0) and *reportfd the read end of the report pipe, to
 * wait for the outcome (launch_wait()); in the daemon with 0 and *reportfd
 * the write end (close-on-exec) and, with a pidfile, *writer prepared for
 * setup_process().  Failures before the first fork exit with err(3); the
 * intermediate process never returns.
 */
#ifndef DETACH_H
#define DETACH_H

#include <sys/types.h>

struct options;
struct pidlock_start;

pid_t detach(const struct options *o, int *reportfd,
    struct pidlock_start *writer);

#endif
