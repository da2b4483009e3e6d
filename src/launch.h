/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The original process's whole half of a start, the only process that
 * still has the caller's terminal.  launch_block_signals() runs first thing
 * in main(), for every action: it blocks every signal and stores the
 * caller's mask in *old, which control actions restore.  After detach(),
 * launch_wait() reads the report pipe reportfd until the command's exec or
 * a failure, waits for READY=1 on the readiness socket n when
 * o->parent_waits, reaps the intermediate process (pid intermediate),
 * undoes a start that was interrupted or failed after the exec (the daemon
 * undoes its own failures before that), prints every message and returns
 * the exit code for the caller.
 */
#ifndef LAUNCH_H
#define LAUNCH_H

#include <sys/types.h>
#include <signal.h>

struct notify;
struct options;

void launch_block_signals(sigset_t *old);
int launch_wait(const struct options *o, struct notify *n, int reportfd,
    pid_t intermediate);

#endif
