/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The original process's half of a start.  start_block_signals() blocks
 * every signal, first thing in main(), and returns the caller's mask in old,
 * which control actions restore.  start_wait() reads the report pipe fd until
 * the command's exec or a failure, waits for readiness when asked, reaps the
 * intermediate process and returns the exit code for the caller.
 */
#ifndef START_H
#define START_H

#include <sys/types.h>
#include <signal.h>

struct options;

void start_block_signals(sigset_t *old);
struct notify;

int start_wait(const struct options *o, struct notify *n, int fd,
    pid_t intermediate);

#endif
