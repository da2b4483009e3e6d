/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pure parsers for option values.  Each returns NULL on success or a short
 * description of what is wrong, never prints and never exits, so that the
 * caller reports and the fuzzers in tests/fuzz/ can drive them directly.
 */
#ifndef PARSE_H
#define PARSE_H

#include <sys/resource.h>
#include <sys/types.h>
#include <stdbool.h>

#define RETRY_MAX_STEPS 16

struct retry_step {
	int signo;
	long long timeout_ms;
};

/* A --retry schedule; "forever" repeats the steps until the target is gone. */
struct retry_schedule {
	struct retry_step step[RETRY_MAX_STEPS];
	int nsteps;
	bool forever;
};

struct limit_setting {
	int resource;		/* RLIMIT_* */
	struct rlimit value;
};

const char *parse_umask(const char *, mode_t *);
const char *parse_signal(const char *, int *);
const char *parse_seconds(const char *, long long *);
const char *parse_retry(const char *, struct retry_schedule *);
const char *parse_respawn_delay(const char *, long long *, long long *);
const char *parse_respawn_max(const char *, unsigned *, long long *);
const char *parse_syslog(const char *, int *, int *);
const char *parse_env(const char *);
const char *parse_number(const char *, long long, long long, long long *);
const char *parse_limit(const char *, struct limit_setting *);
const char *parse_ionice(const char *, int *, int *);
const char *parse_sched(const char *, int *, int *);
const char *signal_name(int);
const char *limit_name(int);
const char *ionice_class_name(int);
const char *sched_policy_name(int);

#endif
