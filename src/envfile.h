/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --env-file=FILE: NAME=VALUE lines for the command's environment, added
 * before -E (so -E wins).  envfile_parse() is pure, for tests and fuzzers;
 * envfile_load() reads the file in the original process, still attached,
 * and exits with err(3): 66 when it cannot be read, 64 for a bad line.
 */
#ifndef ENVFILE_H
#define ENVFILE_H

#include <stddef.h>

const char *envfile_parse(char *buf, size_t len, char ***vars, size_t *nvars,
    size_t *line);
char **envfile_load(const char *path, size_t *nvars);

#endif
