/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <stdnoreturn.h>

struct notify;
struct options;
struct prepared;

noreturn void supervise_run(const struct options *, int, struct prepared *,
    struct notify *);

#endif
