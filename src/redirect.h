/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The daemon's standard descriptors.  stdio_sanitize() runs first thing in
 * the original process.  The rest runs in the daemon or supervisor, before
 * it drops privileges: redirect_open() opens -i/-o/-e without following a
 * planted link (none may be a file in avoid, the locks) and fills a struct
 * report on failure; redirect_truncate() cuts -o/-e at the last moment and
 * redirect_undo() removes what a failed start created; redirect_install()
 * makes them 0, 1 and 2, and redirect_sweep() marks every other inherited
 * fd but keep close-on-exec.  redirect_open_output() is the supervisor's
 * reopen of an output file after a log rotation.
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
