/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The execution environment knobs (--nice, --ionice, --sched,
 * --oom-score-adj, --limit, --chroot, --caps, --no-new-privs), applied in
 * the process that will exec the command, in the documented order.  The
 * names of resources, I/O classes and policies for messages are in parse.h,
 * next to the tables that parse them.
 */
#ifndef EXECENV_H
#define EXECENV_H

#include <stddef.h>

struct options;
struct report;

const char *execenv_check_caps(const struct options *, char *, size_t);
int execenv_executable_in(const char *, const char *);
int execenv_apply(const struct options *, struct report *);
int execenv_keep_caps(const struct options *, struct report *);
int execenv_raise_caps(const struct options *, struct report *);

#endif
