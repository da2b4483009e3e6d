/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The command line, parsed once in the original process and passed around
 * as const afterwards.  options_parse() checks syntax and ranges only;
 * options_resolve() checks meaning (users exist, the command is found,
 * paths made absolute) while the caller's terminal is still there.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "creds.h"
#include "parse.h"
#include "title.h"

enum action {
	ACTION_START,
	ACTION_STOP,
	ACTION_STATUS,
	ACTION_SIGNAL,
	ACTION_RESTART,
	ACTION_LIST,
	ACTION_HELP,
	ACTION_VERSION,
};

enum respawn_mode {
	RESPAWN_NONE,
	RESPAWN_ALWAYS,
	RESPAWN_FAILURE,
};

/*
 * How a start runs, decided once by options_parse() from the flags and
 * read everywhere else: the daemon execs the command (plain), or stays as
 * a supervisor and runs it in a child (--respawn, --syslog).
 */
enum run_mode {
	MODE_PLAIN,
	MODE_SUPERVISE,
};

#define LIMITS_MAX 16
#define KEEP_FDS_MAX 64
#define OPTIONS_TAG_MAX 64	/* bytes of a syslog tag */

struct options {
	enum action action;
	enum run_mode mode;		/* decided once, see above */
	bool parent_waits;		/* the original process waits for
					   READY=1: --wait-ready, plain, not
					   --foreground */
	bool append;
	bool clear_env;
	bool foreground;
	bool verbose;
	bool oknodo;
	bool no_new_privs;

	const char *chdir_path;		/* inside --chroot if given */
	const char *stdin_path;		/* NULL: /dev/null */
	const char *stdout_path;
	const char *stderr_path;
	const char *pidfile;		/* -p, or RUNDIR/NAME.pid with --name */
	const char *name;		/* --name */
	bool json;			/* --format=json */
	const char *env_file;		/* --env-file */
	const char *lockfile;
	const char *child_pidfile;
	const char *user;		/* as given to -u: USER or USER:GROUP */
	const char *group;		/* -g (it wins over -u's GROUP) */
	mode_t umask;

	const char **env;		/* -E NAME=VALUE, in order */
	size_t nenv;
	int *keep_fds;
	size_t nkeep_fds;

	enum respawn_mode respawn;
	long long respawn_min_ms;
	long long respawn_max_ms;
	bool respawn_limited;		/* --respawn-max given */
	unsigned respawn_max;
	long long respawn_window_ms;	/* 0: the supervisor's life */

	bool syslog;
	int syslog_facility;
	int syslog_priority;
	const char *tag;		/* NULL: the command's basename */

	bool wait_ready;
	long long wait_ready_ms;

	struct retry_schedule retry;
	bool kill_mixed;		/* --kill-mode=mixed */
	int signal;			/* --signal */

	const char *chroot_path;
	bool nice_set;
	int nice;
	bool ionice_set;
	int ionice_class;
	int ionice_level;
	bool sched_set;
	int sched_policy;
	int sched_priority;
	bool oom_set;
	int oom_score_adj;
	struct limit_setting limits[LIMITS_MAX];
	size_t nlimits;
	const char *caps;		/* comma-separated capability names */

	char **argv;			/* the command and its arguments */
	char *command_path;		/* resolved by options_resolve() */
	struct creds creds;		/* resolved by options_resolve() */
	struct title title;		/* set by main() when supervising */
};

int options_parse(struct options *o, int argc, char *argv[], char *errbuf,
    size_t errlen);
void options_resolve(struct options *o);
void options_free(struct options *o);
void usage(void);
const char *options_check_tag(const char *tag);
#endif
