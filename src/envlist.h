// SPDX-License-Identifier: BSD-2-Clause
/*
 * The command's environment, built in one pass.  envlist_build() is pure:
 * it takes a base environment and a list of NAME=VALUE strings to set, in
 * order, and returns a new NULL-terminated array in which each string
 * replaces the first base entry of the same name (as putenv(3) would) or
 * is appended, and a later string wins over an earlier one.  The cost is
 * linear in the number of entries (one hash table, no per-variable copy
 * of the environment).  The strings themselves are not copied.
 */
#ifndef ENVLIST_H
#define ENVLIST_H

#include <stddef.h>

/* NULL with errno ENOMEM when out of memory; free() the result. */
char **envlist_build(char *const *base, const char *const *set, size_t nset);

#endif
