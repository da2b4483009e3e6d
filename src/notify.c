// SPDX-License-Identifier: BSD-2-Clause
#include "config.h"
#include <errno.h>
#include "exitcodes.h"
#include "notify.h"
#include "options.h"
void
notify_open(const struct options *o, struct notify *n)
{
	(void)o;
	n->fd = -1;
}
int
notify_wait(const struct options *o, struct notify *n, pid_t pid, int sfd)
{
	(void)o; (void)n; (void)pid; (void)sfd;
	return (EXIT_SOFTWARE);
}
void
notify_close(struct notify *n)
{
	(void)n;
}
