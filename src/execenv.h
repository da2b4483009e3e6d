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

const char *execenv_check_caps(const struct options *o, char *buf, size_t len);
int execenv_executable_in(const char *root, const char *path);
int execenv_apply(const struct options *o, struct report *fail);
int execenv_keep_caps(const struct options *o, struct report *fail);
int execenv_raise_caps(const struct options *o, struct report *fail);

#endif
