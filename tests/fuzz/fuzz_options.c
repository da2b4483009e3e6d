// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the whole command line: the input is split at NUL
 * bytes into argv[1..] (argv[0] is "daemonize") and given to
 * options_parse(), which must either fill struct options or return -1 with
 * a message, never exit or print; options_free() then releases it, so
 * LeakSanitizer checks every path.  Each argument gets its own allocation
 * of exactly its size.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define ARGS_MAX 64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[ARGS_MAX + 2];
	struct options o;
	char errbuf[512];
	int argc = 1, rc;
	size_t i = 0;

	argv[0] = strdup("daemonize");
	while (i < size && argc <= ARGS_MAX) {
		size_t len = strnlen((const char *)data + i, size - i);

		if ((argv[argc] = malloc(len + 1)) == NULL)
			break;
		memcpy(argv[argc], data + i, len);
		argv[argc][len] = '\0';
		argc++;
		i += len + 1;
	}
	argv[argc] = NULL;

	errbuf[0] = '\0';
	rc = options_parse(&o, argc, argv, errbuf, sizeof(errbuf));
	CHECK(rc == 0 || rc == -1);
	if (rc == -1)
		CHECK(errbuf[0] != '\0' && memchr(errbuf, '\0',
		    sizeof(errbuf)) != NULL);
	else {
		CHECK(o.umask <= 0777);
		CHECK(o.nenv == 0 || o.env != NULL);
		for (size_t k = 0; k < o.nenv; k++)
			CHECK(strchr(o.env[k], '=') != NULL);
		CHECK(o.retry.nsteps >= 1 &&
		    o.retry.nsteps <= RETRY_MAX_STEPS);
		CHECK(o.nlimits <= LIMITS_MAX);
		CHECK(o.respawn_min_ms <= o.respawn_max_ms);
		if (o.action == ACTION_START || o.action == ACTION_RESTART)
			CHECK(o.argv != NULL && o.argv[0] != NULL &&
			    o.argv[0][0] != '\0');
	}
	options_free(&o);
	for (int k = 0; k < argc; k++)
		free(argv[k]);
	return (0);
}
