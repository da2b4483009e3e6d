/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The daemon's standard descriptors: opening -i/-o/-e safely, installing
 * them as 0, 1 and 2, and closing everything else that was inherited.
 */
#ifndef REDIRECT_H
#define REDIRECT_H

#include <stdbool.h>
#include <stddef.h>

struct options;
struct report;

struct stdio_files {
	int in;
	int out;
	int err;
};

int redirect_open(const struct options *, struct stdio_files *,
    struct report *);
int redirect_open_output(const char *, bool, int *);
int redirect_install(const struct stdio_files *);
int redirect_sweep(const int *, size_t);
void stdio_sanitize(void);

#endif
