// SPDX-License-Identifier: BSD-2-Clause
/*
 * The supervisor's process title, as ps(1) and /proc/PID/cmdline show it.
 * title_init() runs once in the original process, before any fork, and
 * only when the start will supervise: it moves the argument and
 * environment strings to the heap in one copy, so that the memory the
 * kernel shows as the command line can be overwritten; the caller must
 * parse argv again afterwards.  title_set() then writes an exact title
 * there: the kernel shows the string and nothing after it.  Without
 * title_init() (a plain start), title_set() does nothing.
 */
#ifndef TITLE_H
#define TITLE_H

#include <stddef.h>

struct title {
	char *base;		/* argv[0] as the kernel placed it; NULL: none */
	size_t size;		/* bytes we may overwrite from base */
	size_t args_size;	/* of those, the argument strings */
};

/* Move argv[] and environ[] strings to the heap; -1 if out of memory. */
int title_init(struct title *t, int argc, char *argv[]);

/* Show the formatted string as the whole command line (truncated). */
void title_set(const struct title *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
