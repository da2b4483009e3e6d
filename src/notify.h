/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Readiness: the sd_notify(3) protocol on a private datagram socket.
 *
 * notify_open() runs in the original process before forking and exports
 * NOTIFY_SOCKET; notify_receive() reads one datagram and checks who sent
 * it; notify_parse() is the pure parser behind it; notify_forward() relays a
 * message to the service manager above us (--foreground --respawn under a
 * Type=notify unit); notify_close() removes the socket and its directory.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <sys/types.h>
#include <sys/un.h>
#include <stdbool.h>
#include <stddef.h>

struct options;

/* sd_notify(3) caps a datagram at this size; longer ones are dropped. */
#define NOTIFY_MESSAGE_MAX 4096
#define NOTIFY_STATUS_MAX 256

struct notify {
	int fd;			/* -1 when not listening */
	pid_t owner;		/* the process that created the socket */
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
				/* private directory, "" if none */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
				/* the socket, as we reach it */
	char env[sizeof(((struct sockaddr_un *)0)->sun_path)];
				/* NOTIFY_SOCKET: path, inside --chroot */
	char upstream[sizeof(((struct sockaddr_un *)0)->sun_path)];
				/* the manager's NOTIFY_SOCKET, "" if none */
};

/*
 * One parsed datagram; fields not present are left at their zero value.
 * notify_receive() also fills in the sender and why a datagram was ignored.
 */
struct notify_message {
	bool ready;		/* READY=1 */
	bool reloading;		/* RELOADING=1 */
	bool stopping;		/* STOPPING=1 */
	bool watchdog;		/* WATCHDOG=1 (or =trigger) */
	bool barrier;		/* BARRIER=1: its fd was closed already */
	bool has_errno;		/* ERRNO=N with N > 0 */
	int errno_value;
	bool has_extend;	/* EXTEND_TIMEOUT_USEC=N */
	unsigned long long extend_usec;
	bool has_mainpid;	/* MAINPID=N, N > 0; not yet validated */
	pid_t mainpid;
	bool has_status;	/* STATUS=..., NUL-terminated, maybe cut */
	char status[NOTIFY_STATUS_MAX];

	pid_t sender_pid;	/* from SCM_CREDENTIALS (notify_receive) */
	uid_t sender_uid;
	const char *warning;	/* a bad field, or why it was ignored */
};

enum notify_result {
	NOTIFY_ERROR = -1,	/* recvmsg(2) failed: errno */
	NOTIFY_EMPTY = 0,	/* nothing (more) to read */
	NOTIFY_ACCEPTED,	/* *out is a message from the daemon */
	NOTIFY_IGNORED,		/* a datagram was dropped: out->warning */
};

const char *notify_parse(const char *buf, size_t len, struct notify_message *m);
void notify_open(const struct options *o, struct notify *n);
enum notify_result notify_receive(const struct notify *n,
    const struct options *o, pid_t daemon_pid, struct notify_message *out);
bool notify_in_session(pid_t pid, pid_t daemon);
int notify_forward(const struct notify *n, const struct notify_message *m);
void notify_close(struct notify *n);
void notify_printable(char *dst, size_t len, const char *src);

#endif
