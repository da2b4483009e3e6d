/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --stop, --status and --signal, run in a fresh daemonize process, still
 * attached: the daemon is whoever holds the pidfile's lock (F_GETLK), never
 * the pid written in it, and a stop ends its whole job.  control_status(),
 * control_stop() and control_signal() take the resolved options, print
 * with err(3) and return the exit code of exitcodes.h (LSB codes for
 * --status).  control_stop_pid() stops a job known by pid with schedule r
 * (the original process undoing a start) and control_wait_gone() waits up
 * to timeout_ms for pid to exit; both are for the original process.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <sys/types.h>
#include <stdbool.h>

struct options;
struct retry_schedule;

int control_status(const struct options *o);
int control_stop(const struct options *o);
int control_signal(const struct options *o);
int control_stop_pid(pid_t pid, const struct retry_schedule *r, bool verbose);
int control_wait_gone(pid_t pid, long long timeout_ms);

/*
 * Waiting for a process's exit alongside other fds, with or without
 * pidfds: poll control_exit_fd(pid) for POLLIN, then ask
 * control_exit_seen(fd, pid) whether it really exited.
 */
int control_exit_fd(pid_t pid, bool own_sigchld);
bool control_exit_seen(int fd, pid_t pid);

#endif
