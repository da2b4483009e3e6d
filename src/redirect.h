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
	bool out_created;	/* this start created the -o file */
	bool err_created;	/* ... the -e file */
};

int redirect_open(const struct options *o, struct stdio_files *io,
    const int *avoid, size_t navoid, struct report *fail);
int redirect_open_output(const struct options *o, const char *path,
    int *refusal);
int redirect_truncate(const struct options *o, const struct stdio_files *io);
void redirect_undo(const struct options *o, const struct stdio_files *io);
int redirect_install(const struct stdio_files *io);
int redirect_sweep(const int *keep, size_t nkeep);
void stdio_sanitize(void);

#endif
