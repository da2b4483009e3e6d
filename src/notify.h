/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Readiness: the sd_notify(3) protocol on a private datagram socket.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

struct options;

struct notify {
	int fd;			/* -1 when not waiting for readiness */
	char dir[64];		/* private directory holding the socket */
	char path[128];		/* the socket, exported as NOTIFY_SOCKET */
};

/* One parsed datagram; fields not present are left at their zero value. */
struct notify_message {
	bool ready;
	bool stopping;
	bool has_errno;
	int errno_value;
	bool has_extend;
	unsigned long long extend_usec;
	bool has_mainpid;
	pid_t mainpid;
	char status[256];
	bool has_status;
};

const char *notify_parse(const char *, size_t, struct notify_message *);
void notify_open(const struct options *, struct notify *);
int notify_wait(const struct options *, struct notify *, pid_t, int);
void notify_close(struct notify *);

#endif
