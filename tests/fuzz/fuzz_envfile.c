// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for envfile_parse(), the --env-file format.  The input
 * is a whole file (NUL bytes included), copied to a buffer of exactly its
 * size so that ASan sees any read past it.  Besides crashes it checks the
 * contract: on success every variable is NAME=VALUE with a valid NAME, a
 * string inside the buffer; on failure a message and a line number within
 * the file.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, **vars;
	size_t n, line, lines = 1;
	const char *why;

	if ((buf = malloc(size + 1)) == NULL)
		return (0);
	memcpy(buf, data, size);
	for (size_t i = 0; i < size; i++)
		lines += buf[i] == '\n';
	why = envfile_parse(buf, size, &vars, &n, &line);
	if (why == NULL) {
		for (size_t i = 0; i < n; i++) {
			size_t name = strspn(vars[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789_");

			CHECK(vars[i] >= buf && vars[i] < buf + size);
			CHECK(name > 0 && vars[i][name] == '=');
			CHECK(vars[i][0] < '0' || vars[i][0] > '9');
		}
		CHECK(vars[n] == NULL);
		free(vars);
	} else
		CHECK(line >= 1 && line <= lines);
	free(buf);
	return (0);
}
