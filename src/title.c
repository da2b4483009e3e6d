// SPDX-License-Identifier: BSD-2-Clause
/*
 * The process title.  Linux shows as /proc/PID/cmdline the memory between
 * the first and the last argument string; when the last byte of that
 * range is not NUL, it shows instead the string that starts there, up to
 * its NUL and within one page (see proc(5), "cmdline").  So a title is
 * written over the argument strings and, if it is longer, over the
 * environment strings that follow them; both were copied to the heap
 * first, in one pass, by title_init() in the original process.  A start
 * that does not supervise never calls title_init() and pays nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "title.h"

extern char **environ;

/* The kernel reads at most one page of a rewritten title. */
#define TITLE_MAX 4096

/* Point p, if it lies in [base, base + size), at the same byte of copy. */
static char *
moved(char *p, const char *base, size_t size, char *copy)
{
	if (p >= base && p < base + size)
		return (copy + (p - base));
	return (p);
}

/*
 * The strings the kernel laid out back to back: the arguments, then the
 * environment strings still in place right after them.  One copy, then
 * one pass over each pointer array; glibc's own names for the program
 * (used by err(3)) move too.
 */
int
title_init(struct title *t, int argc, char *argv[])
{
	char *base, *end, *copy;
	size_t args_size;

	*t = (struct title){.base = NULL};
	if (argc < 1)
		return (0);
	base = end = argv[0];
	for (int i = 0; i < argc && argv[i] == end; i++)
		end += strlen(end) + 1;
	args_size = end - base;
	for (char **e = environ; *e != NULL && *e == end; e++)
		end += strlen(end) + 1;
	if ((copy = malloc(end - base)) == NULL)
		return (-1);
	memcpy(copy, base, end - base);
	for (int i = 0; i < argc; i++)
		argv[i] = moved(argv[i], base, end - base, copy);
	for (char **e = environ; *e != NULL; e++)
		*e = moved(*e, base, end - base, copy);
	program_invocation_name = moved(program_invocation_name, base,
	    end - base, copy);
	program_invocation_short_name = moved(program_invocation_short_name,
	    base, end - base, copy);
	*t = (struct title){base, end - base, args_size};
	return (0);
}

/*
 * Runs in the supervisor.  The rest of the range is zeroed, and when the
 * title ends before the argument strings did, their last byte is set
 * non-NUL: the kernel then shows the title and its NUL, nothing more (a
 * zeroed range would show as trailing NULs, spaces in ps(1)).
 */
void
title_set(const struct title *t, const char *fmt, ...)
{
	char buf[TITLE_MAX];
	va_list ap;
	size_t len;
	int n;

	if (t->base == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	if (len > t->size - 1)
		len = t->size - 1;
	memcpy(t->base, buf, len);
	memset(t->base + len, '\0', t->size - len);
	if (len + 1 < t->args_size)
		t->base[t->args_size - 1] = ' ';
}
