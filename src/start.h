/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef START_H
#define START_H

#include <sys/types.h>
#include <signal.h>

struct options;

void start_block_signals(sigset_t *);
struct notify;

int start_wait(const struct options *, struct notify *, int, pid_t);

#endif
