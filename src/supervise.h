/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The supervisor (--respawn, --syslog): runs the command as a child,
 * restarts it with back-off, forwards signals, pumps its output.
 * supervise_run() runs in the daemon (with --foreground, in daemonize
 * itself) after setup_process() prepared p (pidfile lock, -i/-o/-e); it
 * reports the first start's outcome, readiness included (n), through
 * reportfd as plain mode would, logs later failures, and never returns.
 */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <stdnoreturn.h>

struct notify;
struct options;
struct prepared;

noreturn void supervise_run(const struct options *o, int reportfd,
    struct prepared *p, struct notify *n);

#endif
