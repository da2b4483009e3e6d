/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The execution environment knobs (--nice, --ionice, --sched,
 * --oom-score-adj, --limit, --chroot, --caps, --no-new-privs), applied in
 * the process that will exec the command, in the documented order.
 */
#ifndef EXECENV_H
#define EXECENV_H

struct options;
struct report;

const char *execenv_check_caps(const struct options *);
int execenv_apply(const struct options *, struct report *);
int execenv_keep_caps(const struct options *, struct report *);
int execenv_raise_caps(const struct options *, struct report *);
const char *limit_name(int);

#endif
