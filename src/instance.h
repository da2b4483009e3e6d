/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Named instances: --name=NAME stands for the pidfile RUNDIR/NAME.pid, where
 * RUNDIR is /run/daemonize for root and $XDG_RUNTIME_DIR/daemonize for
 * anybody else.  instance_name_error() is a pure check for the parser; the
 * rest runs in the original process, still attached, and exits with
 * err(3) and a code of exitcodes.h on a refused RUNDIR.  --list walks
 * RUNDIR.
 */
#ifndef INSTANCE_H
#define INSTANCE_H

#include <stdbool.h>

struct options;

const char *instance_name_error(const char *name);
char *instance_rundir(bool create);
char *instance_pidfile(const char *name, bool create);
int instance_list(const struct options *o);

#endif
