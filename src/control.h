/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --stop, --status, --signal: asking the pidfile's lock who the daemon is.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <sys/types.h>
#include <stdbool.h>

struct options;
struct retry_schedule;

int control_status(const struct options *);
int control_stop(const struct options *);
int control_signal(const struct options *);
int control_stop_pid(pid_t, const struct retry_schedule *, bool);
int control_wait_gone(pid_t, long long);

#endif
