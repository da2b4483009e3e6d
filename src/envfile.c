// SPDX-License-Identifier: BSD-2-Clause
/*
 * The --env-file format, as docker's --env-file and close to systemd's
 * EnvironmentFile= without its quoting: one NAME=VALUE per line, NAME a
 * shell variable name starting the line, VALUE everything after the first
 * '=' up to the end of the line, taken literally (quotes, '$' and trailing
 * blanks included: nothing is expanded or stripped).  Lines that are empty
 * or blank, and lines whose first non-blank character is '#', are ignored.
 * Anything else is refused rather than guessed at.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envfile.h"
#include "exitcodes.h"
#include "slurp.h"

/* A file larger than this is not an environment (ARG_MAX is smaller). */
#define ENVFILE_MAX (4 * 1024 * 1024)

static bool
blank_or_comment(const char *line)
{
	line += strspn(line, " \t");
	return (*line == '\0' || *line == '#');
}

static const char *
check_line(const char *line)
{
	size_t n = strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_");

	if (n == 0 || (line[0] >= '0' && line[0] <= '9') || line[n] != '=')
		return ("not NAME=VALUE (NAME: letters, digits and '_', not "
		    "starting with a digit)");
	return (NULL);
}

/*
 * Split buf (len bytes, modified in place) into NAME=VALUE strings that
 * point into it.  Returns NULL with *vars (allocated) and *nvars, or an
 * error description with *line the 1-based line it is about.
 */
const char *
envfile_parse(char *buf, size_t len, char ***vars, size_t *nvars,
    size_t *line)
{
	char *p = buf, *end = buf + len, *nl, **v, **bigger;
	const char *why;
	size_t n = 0;

	*vars = NULL;
	*nvars = 0;
	*line = 0;
	if (memchr(buf, '\0', len) != NULL) {
		*line = 1;
		for (char *q = buf; *q != '\0'; q++)
			*line += *q == '\n';
		return ("contains a NUL byte");
	}
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return ("out of memory");
	while (p < end) {
		++*line;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if (!blank_or_comment(p)) {
			if ((why = check_line(p)) != NULL) {
				free(v);
				return (why);
			}
			if ((bigger = reallocarray(v, n + 2,
			    sizeof(*v))) == NULL) {
				free(v);
				return ("out of memory");
			}
			v = bigger;
			v[n++] = p;
			v[n] = NULL;
		}
		p = nl + 1;
	}
	*vars = v;
	*nvars = n;
	return (NULL);
}

/* Read FILE whole (NUL-terminated, for the parser); exits 66 on failure. */
static char *
read_file(const char *path, size_t *lenp)
{
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    (buf = slurp_fd(fd, ENVFILE_MAX, lenp)) == NULL)
		err(EXIT_NOINPUT, "read --env-file %s", path);
	close(fd);
	return (buf);
}

/*
 * In the original process: the variables of FILE, as NAME=VALUE strings
 * that stay allocated for putenv(3).  Exits 66 or 64 on failure.
 */
char **
envfile_load(const char *path, size_t *nvars)
{
	char **vars, *buf;
	const char *why;
	size_t len, line;

	buf = read_file(path, &len);
	if ((why = envfile_parse(buf, len, &vars, nvars, &line)) != NULL)
		errx(EXIT_USAGE, "parse --env-file %s: line %zu: %s", path,
		    line, why);
	return (vars);
}
