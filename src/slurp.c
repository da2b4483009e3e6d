// SPDX-License-Identifier: BSD-2-Clause
/*
 * One reader for every file read whole: regular files, FIFOs (an
 * --env-file from a process substitution) and /proc files, whose size
 * stat(2) does not tell.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "slurp.h"

/*
 * Read fd to its end.  Returns a buffer of *len bytes plus a NUL (one more
 * byte of room), or NULL with errno set: EFBIG past max bytes.
 */
char *
slurp_fd(int fd, size_t max, size_t *len)
{
	size_t cap = 4096;
	char *buf = malloc(cap + 1), *bigger;
	ssize_t n;
	int e;

	*len = 0;
	while (buf != NULL) {
		if (*len == cap) {
			if (cap >= max) {
				errno = EFBIG;
				break;
			}
			if ((bigger = realloc(buf, cap * 2 + 1)) == NULL)
				break;
			buf = bigger;
			cap *= 2;
		}
		if ((n = read(fd, buf + *len, cap - *len)) == 0) {
			buf[*len] = '\0';
			return (buf);
		}
		if (n == -1 && errno != EINTR)
			break;
		if (n > 0)
			*len += (size_t)n;
	}
	e = errno;
	free(buf);
	errno = e;
	return (NULL);
}
