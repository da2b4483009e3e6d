/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What --status -v, --status --format=json and --list say about one
 * pidfile.  The lock holder is the daemon (pidlock_query()); /proc is the
 * source of truth for its pid, user, start time and argv, and a
 * supervisor's state file (statefile.h) for its child, restarts and last
 * exit.  Every field may be unknown; printing escapes whatever a hostile
 * argv holds.
 */
#ifndef FACTS_H
#define FACTS_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "pidlock.h"
#include "statefile.h"

struct options;

struct facts {
	const char *name;	/* --name, or NULL */
	const char *pidfile;
	enum pidlock_state state;
	pid_t pid;		/* the lock holder, 0 if none */
	pid_t hint;		/* the pid the file's text names, 0 if none */
	time_t started;		/* -1: unknown */
	char *user;		/* NULL: unknown */
	char **argv;		/* NULL: unknown */
	bool supervised;
	struct statefile sup;	/* when supervised */
	void *mem;		/* the buffer argv points into */
};

void facts_gather(struct facts *f, const char *name, const char *pidfile,
    enum pidlock_state state, pid_t holder);
void facts_free(struct facts *f);
void facts_json(FILE *out, const struct facts *f);
void facts_line(FILE *out, const struct facts *f);
void facts_uptime(const struct facts *f, char *buf, size_t len);
void facts_command(FILE *out, const struct facts *f);
void facts_status(const struct options *o, enum pidlock_state state,
    pid_t holder);

#endif
