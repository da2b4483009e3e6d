/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Read a whole file from a descriptor, for the small text files of
 * --env-file, the supervisor's state file and /proc.
 */
#ifndef SLURP_H
#define SLURP_H

#include <stddef.h>

char *slurp_fd(int fd, size_t max, size_t *len);

#endif
