// SPDX-License-Identifier: BSD-2-Clause
/*
 * Execution environment.  execenv_apply() runs in the daemon (or in each
 * supervised child, so that a respawned command gets the same treatment),
 * after the pidfile and output files are open and before credentials are
 * dropped, because most of these steps need privileges.  The order is the
 * man page's: nice, I/O priority, scheduler, OOM score, then limits, then
 * chroot(2); exec.c then does chdir inside the new root, credentials, and
 * no_new_privs.  Capabilities are kept across setuid(2) with
 * PR_SET_KEEPCAPS and raised as ambient capabilities afterwards, so that
 * they survive execve(2) of an unprivileged program (see capabilities(7)).
 * Failures are described by a struct report for the report pipe: no text
 * is formatted here (report.c does that in the original process).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>
#include <strings.h>

#include "execenv.h"
#include "options.h"
#include "report.h"
#include "sys.h"

/* From linux/ioprio.h, which not every libc's headers ship. */
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

/* Fill *fail from errno and return -1: the common tail of a failing step. */
static int
failed(struct report *fail, int stage, int extra)
{
	*fail = (struct report){.stage = stage, .err = errno, .extra = extra};
	return (-1);
}

/*
 * Write the OOM score adjustment of this process (see proc(5)).  Lowering
 * it below its current minimum needs CAP_SYS_RESOURCE: EACCES otherwise.
 */
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

/* Whether a later --limit sets the same resource: the last one wins. */
static bool
limit_overridden(const struct options *o, size_t i)
{
	for (size_t j = i + 1; j < o->nlimits; j++)
		if (o->limits[j].resource == o->limits[i].resource)
			return (true);
	return (false);
}

/*
 * Apply nice, ionice, sched, OOM score, limits and chroot, in that order:
 * the priorities first, while no limit (RLIMIT_NICE, RLIMIT_RTPRIO) of our
 * own making can refuse them; chroot last, since /proc is needed before.
 * Returns 0, or -1 with *fail describing the step (for --limit, extra is
 * the index into o->limits).
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
		if (!limit_overridden(o, i) && setrlimit(o->limits[i].resource,
		    &o->limits[i].value) == -1)
			return (failed(fail, STAGE_LIMIT, (int)i));
	if (o->chroot_path != NULL && chroot(o->chroot_path) == -1)
		return (failed(fail, STAGE_CHROOT, 0));
	return (0);
}

/*
 * openat2(2)'s RESOLVE_IN_ROOT by hand, for kernels before 5.6: walk path
 * one component at a time from rootfd, never above it, following each
 * symbolic link by reading it (an absolute target restarts at rootfd).
 * Returns an O_PATH fd, or -1 with errno as the kernel would set it.
 */
static int
open_in_root(int rootfd, const char *path)
{
	char done[PATH_MAX] = ".", todo[PATH_MAX], link[PATH_MAX];
	char tmp[PATH_MAX], *rest = todo, *name, *slash;
	struct stat st;
	int links = 0;
	ssize_t len;

	if (snprintf(todo, sizeof(todo), "%s", path) >= (int)sizeof(todo))
		return (errno = ENAMETOOLONG, -1);
	while ((name = strsep(&rest, "/")) != NULL) {
		size_t dl = strlen(done);

		if (*name == '\0' || strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if ((slash = strrchr(done, '/')) != NULL)
				*slash = '\0';	/* ".." of the root is the root */
			continue;
		}
		if (snprintf(done + dl, sizeof(done) - dl, "/%s", name) >=
		    (int)(sizeof(done) - dl))
			return (errno = ENAMETOOLONG, -1);
		if (fstatat(rootfd, done, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return (-1);
		if (S_ISLNK(st.st_mode)) {
			if (++links > 40)
				return (errno = ELOOP, -1);
			if ((len = readlinkat(rootfd, done, link,
			    sizeof(link) - 1)) == -1)
				return (-1);
			link[len] = '\0';
			done[dl] = '\0';
			if (link[0] == '/')
				strcpy(done, ".");
			if (snprintf(tmp, sizeof(tmp), "%s%s%s", link,
			    rest != NULL ? "/" : "", rest != NULL ? rest : "") >=
			    (int)sizeof(tmp))
				return (errno = ENAMETOOLONG, -1);
			memcpy(todo, tmp, sizeof(todo));
			rest = todo;
			continue;
		}
		if (rest != NULL && !S_ISDIR(st.st_mode))
			return (errno = ENOTDIR, -1);
	}
	return (openat(rootfd, done, O_PATH | O_NOFOLLOW | O_CLOEXEC));
}

/*
 * Whether path, as a process chrooted to root will see it, names a file it
 * may execute.  openat2(2) with RESOLVE_IN_ROOT resolves absolute symlinks
 * and ".." inside root, as the kernel will after chroot(2), instead of on
 * the host; before Linux 5.6, open_in_root() does the same walk.  Runs in
 * the original process, before forking.  Returns 0 or an errno as
 * execve(2) would give it: ENOENT, ENOTDIR, EACCES (also for a directory).
 */
int
execenv_executable_in(const char *root, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT,
	};
	struct stat st;
	char proc[32];
	int rootfd, fd, e;

	if ((rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (errno);
	if ((fd = sys_openat2(rootfd, path, &how)) == -1 && errno == ENOSYS)
		fd = open_in_root(rootfd, path);
	e = errno;
	close(rootfd);
	if (fd == -1)
		return (e);
	e = 0;
	if (fstat(fd, &st) == -1)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EACCES;
	else if (faccessat(fd, "", X_OK, AT_EMPTY_PATH) == -1) {
		e = errno;
		/* Before faccessat2 (Linux 5.8): the file through /proc. */
		if (e == EINVAL || e == ENOSYS) {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
			e = access(proc, X_OK) == -1 ? errno : 0;
		}
	}
	close(fd);
	return (e);
}

/*
 * Capability names, as capabilities(7) spells them and in the kernel's
 * order (linux/capability.h).  Our own table and capset(2), not libcap:
 * libcap's constructor makes six prctl(2) calls on every start, --caps or
 * not.
 */
static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid",
	"kill", "setgid", "setuid", "setpcap", "linux_immutable",
	"net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot",
	"sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
	"audit_write", "audit_control", "setfcap", "mac_override",
	"mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read",
	"perfmon", "bpf", "checkpoint_restore",
};

/* Two 32-bit words per set in capset(2)'s version 3. */
#define CAPS_MAX 64

/*
 * One capability: cap_NAME in any case (as libcap's cap_from_name(3)
 * takes it), or a number below 64 for one newer than this table.
 * Returns -1 if it is neither.
 */
static int
cap_number(const char *name)
{
	char *end;
	unsigned long n;

	if (name[0] >= '0' && name[0] <= '9') {
		errno = 0;
		n = strtoul(name, &end, 10);
		return (*end == '\0' && errno == 0 && n < CAPS_MAX ? (int)n : -1);
	}
	if (strncasecmp(name, "cap_", 4) != 0)
		return (-1);
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (strcasecmp(name + 4, cap_names[i]) == 0)
			return ((int)i);
	return (-1);
}

/*
 * Split a --caps list (modified in place) into capability numbers.
 * Returns how many, or -1 with *bad naming the first name that is not one.
 */
static int
caps_parse(char *list, int *caps, const char **bad)
{
	char *name;
	int n = 0;

	while ((name = strsep(&list, ",")) != NULL) {
		if (n == CAPS_MAX || (caps[n] = cap_number(name)) == -1) {
			*bad = name;
			return (-1);
		}
		n++;
	}
	return (n);
}

/*
 * Check --caps before forking: -u given, every name known.  Returns NULL,
 * or what is wrong (in buf when it names a value).
 */
const char *
execenv_check_caps(const struct options *o, char *buf, size_t len)
{
	int caps[CAPS_MAX];
	const char *bad;
	char *list;

	if (o->caps == NULL)
		return (NULL);
	if (o->user == NULL)
		return ("only with -u (the capabilities are kept across the "
		    "change of user)");
	if ((list = strdup(o->caps)) == NULL)
		return (strerror(ENOMEM));
	if (caps_parse(list, caps, &bad) == -1)
		snprintf(buf, len, *bad == '\0' ? "empty capability name" :
		    "unknown capability %s", bad);
	else
		buf = NULL;
	free(list);
	return (buf);
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
 * the command keeps them across execve(2).  A capability outside our
 * bounding or permitted set fails here with EPERM.
 */
int
execenv_raise_caps(const struct options *o, struct report *fail)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {{0}};
	int caps[CAPS_MAX];
	const char *bad;
	char *list;
	int ncaps;

	if (o->caps == NULL)
		return (0);
	/* malloc(3) is safe here: this process has a single thread. */
	if ((list = strdup(o->caps)) == NULL)
		return (failed(fail, STAGE_CAPS, 0));
	ncaps = caps_parse(list, caps, &bad);
	free(list);
	if (ncaps == -1) {
		errno = EINVAL;		/* checked before forking */
		return (failed(fail, STAGE_CAPS, 0));
	}
	for (int i = 0; i < ncaps; i++) {
		uint32_t bit = (uint32_t)1 << (caps[i] % 32);

		data[caps[i] / 32].permitted |= bit;
		data[caps[i] / 32].effective |= bit;
		data[caps[i] / 32].inheritable |= bit;
	}
	if (syscall(SYS_capset, &hdr, data) == -1)
		return (failed(fail, STAGE_CAPS, 0));
	for (int i = 0; i < ncaps; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
		    (unsigned long)caps[i], 0, 0) == -1)
			return (failed(fail, STAGE_CAPS, 0));
	return (0);
}
