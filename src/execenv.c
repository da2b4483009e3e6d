// SPDX-License-Identifier: BSD-2-Clause
/*
 * Execution environment.  Runs in the daemon (or in each supervised child,
 * so a respawned command gets the same treatment), after the pidfile and
 * output files are open and before credentials are dropped, because most
 * of these need privileges: nice, I/O priority, scheduler, OOM score, then
 * limits, then chroot.  Capabilities are kept across setuid(2) with
 * PR_SET_KEEPCAPS and raised as ambient capabilities afterwards, so that
 * they survive execve(2) of an unprivileged program (see capabilities(7)).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBCAP
#include <sys/capability.h>
#endif

#include "execenv.h"
#include "options.h"
#include "report.h"

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

static const struct {
	int resource;
	const char *name;
} limit_names[] = {
	{RLIMIT_AS, "as"}, {RLIMIT_CORE, "core"}, {RLIMIT_CPU, "cpu"},
	{RLIMIT_DATA, "data"}, {RLIMIT_FSIZE, "fsize"},
	{RLIMIT_MEMLOCK, "memlock"}, {RLIMIT_MSGQUEUE, "msgqueue"},
	{RLIMIT_NICE, "nice"}, {RLIMIT_NOFILE, "nofile"},
	{RLIMIT_NPROC, "nproc"}, {RLIMIT_RSS, "rss"},
	{RLIMIT_RTPRIO, "rtprio"}, {RLIMIT_SIGPENDING, "sigpending"},
	{RLIMIT_STACK, "stack"},
};

const char *
limit_name(int resource)
{
	for (size_t i = 0; i < sizeof(limit_names) / sizeof(limit_names[0]);
	    i++)
		if (limit_names[i].resource == resource)
			return (limit_names[i].name);
	return ("?");
}

/* Fill *fail and return -1: the common tail of every failing step. */
static int
failed(struct report *fail, int stage, int extra)
{
	*fail = (struct report){.stage = stage, .err = errno, .extra = extra};
	return (-1);
}

/* Write the OOM score adjustment of this process (see proc(5)). */
static int
set_oom_score_adj(int score)
{
	char buf[16];
	int fd, len, e;

	if ((fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC)) ==
	    -1)
		return (-1);
	len = snprintf(buf, sizeof(buf), "%d\n", score);
	if (write(fd, buf, (size_t)len) != len) {
		e = errno;
		close(fd);
		errno = e;
		return (-1);
	}
	return (close(fd));
}

/*
 * Apply nice, ionice, sched, OOM score, limits and chroot, in that order.
 * Returns 0, or -1 with *fail describing the step.
 */
int
execenv_apply(const struct options *o, struct report *fail)
{
	if (o->nice_set && setpriority(PRIO_PROCESS, 0, o->nice) == -1)
		return (failed(fail, STAGE_NICE, 0));
	if (o->ionice_set && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
	    o->ionice_class << IOPRIO_CLASS_SHIFT | o->ionice_level) == -1)
		return (failed(fail, STAGE_IONICE, 0));
	if (o->sched_set) {
		struct sched_param sp = {.sched_priority = o->sched_priority};

		if (sched_setscheduler(0, o->sched_policy, &sp) == -1)
			return (failed(fail, STAGE_SCHED, 0));
	}
	if (o->oom_set && set_oom_score_adj(o->oom_score_adj) == -1)
		return (failed(fail, STAGE_OOM, 0));
	for (size_t i = 0; i < o->nlimits; i++)
		if (setrlimit(o->limits[i].resource, &o->limits[i].value) ==
		    -1)
			return (failed(fail, STAGE_LIMIT, (int)i));
	if (o->chroot_path != NULL && chroot(o->chroot_path) == -1)
		return (failed(fail, STAGE_CHROOT, 0));
	return (0);
}

/*
 * Check --caps before forking: names known, -u given, libcap built in.
 * Returns NULL or what is wrong.
 */
const char *
execenv_check_caps(const struct options *o)
{
	if (o->caps == NULL)
		return (NULL);
#ifdef HAVE_LIBCAP
	char *list, *rest, *name;
	const char *bad = NULL;
	cap_value_t cap;

	if (o->user == NULL)
		return ("--caps keeps capabilities across -u; give -u USER");
	if ((list = strdup(o->caps)) == NULL)
		return (strerror(ENOMEM));
	rest = list;
	while ((name = strsep(&rest, ",")) != NULL)
		if (cap_from_name(name, &cap) == -1) {
			bad = "unknown capability";
			break;
		}
	free(list);
	return (bad);
#else
	return ("this daemonize was built without libcap");
#endif
}

/* Before setuid(2): keep the permitted set across the uid change. */
int
execenv_keep_caps(const struct options *o, struct report *fail)
{
	if (o->caps == NULL)
		return (0);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		return (failed(fail, STAGE_CAPS, 0));
	return (0);
}

/*
 * After setuid(2): reduce the permitted set to the named capabilities,
 * make them effective and inheritable, and raise them as ambient so that
 * the command keeps them across execve(2).
 */
int
execenv_raise_caps(const struct options *o, struct report *fail)
{
	if (o->caps == NULL)
		return (0);
#ifdef HAVE_LIBCAP
	cap_value_t caps[64];
	char list[512], *rest, *name;
	int ncaps = 0;
	cap_t c;

	snprintf(list, sizeof(list), "%s", o->caps);
	rest = list;
	while ((name = strsep(&rest, ",")) != NULL && ncaps < 64)
		if (cap_from_name(name, &caps[ncaps]) == 0)
			ncaps++;
	if ((c = cap_init()) == NULL)
		return (failed(fail, STAGE_CAPS, 0));
	if (cap_set_flag(c, CAP_PERMITTED, ncaps, caps, CAP_SET) == -1 ||
	    cap_set_flag(c, CAP_EFFECTIVE, ncaps, caps, CAP_SET) == -1 ||
	    cap_set_flag(c, CAP_INHERITABLE, ncaps, caps, CAP_SET) == -1 ||
	    cap_set_proc(c) == -1) {
		cap_free(c);
		return (failed(fail, STAGE_CAPS, 0));
	}
	cap_free(c);
	for (int i = 0; i < ncaps; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
		    (unsigned long)caps[i], 0, 0) == -1)
			return (failed(fail, STAGE_CAPS, 0));
	return (0);
#else
	errno = ENOTSUP;
	return (failed(fail, STAGE_CAPS, 0));
#endif
}
