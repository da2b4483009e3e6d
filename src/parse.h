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

const char *parse_umask(const char *s, mode_t *out);
const char *parse_signal(const char *s, int *out);
const char *parse_seconds(const char *s, long long *out_ms);
const char *parse_retry(const char *s, struct retry_schedule *out);
const char *parse_respawn_delay(const char *s, long long *min_ms,
    long long *max_ms);
const char *parse_respawn_max(const char *s, unsigned *n, long long *window_ms);
const char *parse_syslog(const char *s, int *facility, int *priority);
const char *parse_env(const char *s);
const char *parse_number(const char *s, long long min, long long max,
    long long *out);
const char *parse_limit(const char *s, struct limit_setting *out);
const char *parse_ionice(const char *s, int *class, int *level);
const char *parse_sched(const char *s, int *policy, int *prio);
const char *signal_name(int signo);
const char *limit_name(int resource);
const char *ionice_class_name(int class);
const char *sched_policy_name(int policy);

#endif
