/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The supervisor's output pump: the child's stdout and stderr are pipes
 * that the supervisor copies to the -o/-e files (reopened on SIGHUP) and,
 * with --syslog, line by line to syslog.  Also where the supervisor's own
 * messages go.  Runs only in the supervisor.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <sys/types.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct options;
struct stdio_files;

#define OUTPUT_LINE_MAX 1024	/* longest syslog record; longer lines split */
#define OUTPUT_NPOLL 3		/* pollfd entries output_poll() fills */

enum output_index {
	OUTPUT_STDOUT,
	OUTPUT_STDERR,
	OUTPUT_NSTREAMS,
};

struct output_stream {
	int rfd;		/* our end of the child's pipe; -1: not pumped */
	int wfd;		/* the child's end, its fd 1 or 2 */
	int sink;		/* the -o/-e file; -1: none */
	const char *path;	/* reopened on SIGHUP; NULL: no file */
	const char *name;	/* "stdout" or "stderr", for messages */
	int priority;		/* syslog priority of its lines */
	bool splice;		/* try splice(2) into the sink */
	bool failing;		/* the sink failed and we said so */
	bool sink_full;		/* a FIFO or pipe sink is full: wait for it */
	char *buf;		/* what read(2) got */
	size_t pos, len;	/* buf[pos..len) is still owed to syslog */
	size_t linelen;		/* a partial line, kept in line[] */
	char line[OUTPUT_LINE_MAX];
	time_t hdr_sec;		/* the cached syslog header's second */
	pid_t hdr_pid;		/* and pid */
	size_t hdrlen;
	char hdr[128];
};

struct output {
	struct output_stream s[OUTPUT_NSTREAMS];
	bool shared;		/* -o and -e name one file */
	bool syslog;
	int facility;
	int logfd;		/* connected syslog socket, -1 */
	const char *logpath;	/* /dev/log or $DAEMONIZE_SYSLOG_SOCKET */
	long long log_tried;	/* last connect attempt (ms) */
	int msgfd;		/* our messages without syslog: -e, 2 or -1 */
	const char *tag;
	pid_t self;		/* the supervisor */
	pid_t pid;		/* the child whose lines are being read */
};

int output_open(struct output *out, const struct options *o,
    const struct stdio_files *io);
void output_child_stdio(const struct output *out, const struct stdio_files *io,
    struct stdio_files *child);
void output_set_pid(struct output *out, pid_t pid);
void output_poll(const struct output *out, struct pollfd *pfd);
void output_ready(struct output *out, const struct pollfd *pfd);
void output_drain(struct output *out);
int output_flush(struct output *out, long long deadline, int wakefd);
unsigned long output_discard(struct output *out);
void output_reopen(struct output *out, const struct options *o);
void output_log(struct output *out, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
