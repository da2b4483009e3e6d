// SPDX-License-Identifier: BSD-2-Clause
/*
 * /proc/PID/stat: "pid (comm) state ppid pgrp session ... starttime ...".
 * The command name may hold spaces and parentheses, so the fields are
 * counted from the last ')'.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

int
procstat_read(int dirfd, const char *path, struct procstat *ps)
{
	char buf[1024], *p;
	ssize_t len;
	int fd;

	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return (-1);
	buf[len] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1,
	    " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
	    "%*d %*d %llu", &ps->state, &ps->ppid, &ps->pgrp, &ps->sid,
	    &ps->start) != 5)
		return (-1);
	return (0);
}
