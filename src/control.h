/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --stop, --status, --signal: asking the pidfile's lock who the daemon is,
 * and stopping its whole job (see control.c).
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
