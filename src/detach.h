/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * detach(): report pipe, fork, setsid, fork.  Called once, by the original
 * process, after the options are resolved.  It returns only in the daemon,
 * with the write end of the report pipe (close-on-exec); the original
 * process never returns from it: it waits for the outcome (start_wait())
 * and exits with it.  Failures before the first fork exit with err(3).
 */
#ifndef DETACH_H
#define DETACH_H

struct options;

struct notify;

int detach(const struct options *o, struct notify *n);

#endif
