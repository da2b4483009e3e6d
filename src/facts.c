// SPDX-License-Identifier: BSD-2-Clause
/*
 * The facts behind --status -v, --status --format=json and --list, run in
 * a fresh daemonize process.
 *
 * The lock holder's /proc directory is opened first and the lock asked
 * again afterwards: if the same pid still holds it, everything read
 * through that directory descriptor belongs to the daemon, even if it
 * exits meanwhile (reads then fail with ESRCH rather than describe a
 * recycled pid).  A supervisor's title replaces its argv, so for it the
 * command, child, restarts and last exit come from its state file, which
 * statefile_read() accepts only from the lock holder's own user.
 *
 * Output never passes a byte through unescaped that could break it: JSON
 * strings escape quotes, backslashes and control characters, and every
 * byte that is not valid UTF-8 becomes U+FFFD; the human line shows argv
 * in vis(3) C style, so a terminal never sees a control character.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define LIBBSD_NETBSD_VIS	/* strvis(3) is the same in both; silence the warning */
#include <vis.h>

#include "facts.h"
#include "options.h"
#include "parse.h"
#include "procstat.h"
#include "slurp.h"

/* /proc/PID/cmdline is bounded by ARG_MAX; more than this is not argv. */
#define PROC_READ_MAX (4 * 1024 * 1024)

/* Read a /proc file below dirfd whole, NUL-terminated; NULL on failure. */
static char *
proc_read(int dirfd, const char *name, size_t *lenp)
{
	char *buf;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	buf = slurp_fd(fd, PROC_READ_MAX, lenp);
	close(fd);
	return (buf);
}

/* The effective uid from /proc/PID/status; -1 if unknown. */
static long long
proc_uid(int dirfd)
{
	char *buf, *line;
	size_t len;
	long long uid = -1;
	unsigned long real, eff;

	if ((buf = proc_read(dirfd, "status", &len)) == NULL)
		return (-1);
	if ((line = strstr(buf, "\nUid:")) != NULL &&
	    sscanf(line, "\nUid: %lu %lu", &real, &eff) == 2)
		uid = (long long)eff;
	free(buf);
	return (uid);
}

/*
 * When the process started: its start time in ticks after boot, set
 * against CLOCK_BOOTTIME now (not /proc/stat's btime, which a wall clock
 * set since boot makes wrong), so that uptime and "started" agree.
 */
static time_t
proc_started(int dirfd)
{
	struct procstat ps;
	long hz = sysconf(_SC_CLK_TCK);
	struct timespec boot;

	if (hz <= 0 || procstat_read(dirfd, "stat", &ps) == -1 ||
	    clock_gettime(CLOCK_BOOTTIME, &boot) == -1)
		return (-1);
	return (time(NULL) - (time_t)(boot.tv_sec - (long long)ps.start / hz));
}

/* A user name for uid (its number when the passwd database has none). */
static char *
user_name(long long uid)
{
	struct passwd *pw;
	char *name;

	if (uid < 0)
		return (NULL);
	if ((pw = getpwuid((uid_t)uid)) != NULL)
		return (strdup(pw->pw_name));
	if (asprintf(&name, "%lld", uid) == -1)
		return (NULL);
	return (name);
}

/* Split NUL-separated arguments into a vector; buf has room for a NUL. */
static char **
split_args(char *buf, size_t len)
{
	size_t n = 0, i = 0;
	char **argv;

	if (len == 0)
		return (NULL);
	if (buf[len - 1] != '\0')
		buf[len++] = '\0';	/* a title set without a NUL */
	for (size_t k = 0; k < len; k++)
		n += buf[k] == '\0';
	if ((argv = calloc(n + 1, sizeof(*argv))) == NULL)
		return (NULL);
	for (char *p = buf; p < buf + len; p += strlen(p) + 1)
		argv[i++] = p;
	return (argv);
}

/*
 * The user a supervisor's children run as: the child's /proc if it is still
 * the supervisor's child, else -u as published, else the supervisor's own.
 */
static char *
child_user(const struct facts *f, long long supervisor_uid)
{
	char path[64];
	struct procstat ps;
	long long uid = -1;
	int dirfd;

	snprintf(path, sizeof(path), "/proc/%d", (int)f->sup.child);
	if (f->sup.child > 0 &&
	    (dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (procstat_read(dirfd, "stat", &ps) == 0 && ps.ppid == f->pid)
			uid = proc_uid(dirfd);
		close(dirfd);
	}
	if (uid >= 0)
		return (user_name(uid));
	return (f->sup.user != NULL ? strdup(f->sup.user) :
	    user_name(supervisor_uid));
}

/* Everything /proc and the state file say about the holder behind dirfd. */
static void
gather_proc(struct facts *f, int dirfd)
{
	long long uid = proc_uid(dirfd);
	size_t len;

	f->started = proc_started(dirfd);
	if (uid >= 0 && statefile_read(f->pidfile, f->pid, (uid_t)uid,
	    &f->sup) == 0) {
		f->supervised = true;
		f->argv = f->sup.argv;
		f->user = child_user(f, uid);
		return;
	}
	f->user = user_name(uid);
	if ((f->mem = proc_read(dirfd, "cmdline", &len)) != NULL)
		f->argv = split_args(f->mem, len);
}

/*
 * Fill *f for pidfile, whose lock state (and holder) the caller asked.
 * Details of a holder that let go of the lock meanwhile stay unknown.
 */
void
facts_gather(struct facts *f, const char *name, const char *pidfile,
    enum pidlock_state state, pid_t holder)
{
	struct stat st;
	char path[64];
	pid_t again;
	int dirfd, refusal;

	*f = (struct facts){.name = name, .pidfile = pidfile, .state = state,
	    .started = -1};
	if (state == PIDLOCK_HELD || state == PIDLOCK_FREE)
		f->hint = pidlock_hint(pidfile);
	if (state != PIDLOCK_HELD)
		return;
	f->pid = holder;
	snprintf(path, sizeof(path), "/proc/%d", (int)holder);
	if ((dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if (pidlock_query(pidfile, &again, &st, &refusal) == PIDLOCK_HELD &&
	    again == holder)
		gather_proc(f, dirfd);
	close(dirfd);
}

void
facts_free(struct facts *f)
{
	if (f->supervised)
		statefile_free(&f->sup);
	else
		free(f->argv);
	free(f->mem);
	free(f->user);
	*f = (struct facts){0};
}

/*
 * The length of the valid UTF-8 sequence at s (n bytes left), or 0: no
 * overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629).
 */
static size_t
utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return (1);
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
		*cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
		*cp = c & 0x07;
	} else
		return (0);
	if (n < len)
		return (0);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return (0);
	return (len);
}

/*
 * A JSON string (RFC 8259): quotes and backslashes escaped, control
 * characters (C0, DEL and C1) as \uXXXX, each byte of invalid UTF-8 as
 * \ufffd, so the output is valid JSON and safe on a terminal.
 */
static void
json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len;
	unsigned cp;

	putc('"', out);
	while (n > 0) {
		if ((len = utf8_len(s, n, &cp)) == 0) {
			fputs("\\ufffd", out);
			len = 1;
		} else if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (int)cp);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			fprintf(out, "\\u%04x", cp);
		else
			fwrite(s, 1, len, out);
		s += len;
		n -= len;
	}
	putc('"', out);
}

static void
json_string_or_null(FILE *out, const char *s)
{
	if (s == NULL)
		fputs("null", out);
	else
		json_string(out, s);
}

static void
json_pid(FILE *out, pid_t pid)
{
	if (pid > 0)
		fprintf(out, "%d", (int)pid);
	else
		fputs("null", out);
}

/*
 * One JSON object on one line, every key the man page lists under
 * --format=json always present: scripts read it without probing.
 */
void
facts_json(FILE *out, const struct facts *f)
{
	char when[32];
	struct tm tm;
	bool known = f->state != PIDLOCK_UNKNOWN;

	fputs("{\"name\":", out);
	json_string_or_null(out, f->name);
	fputs(",\"pidfile\":", out);
	json_string(out, f->pidfile);
	fprintf(out, ",\"running\":%s,\"pid\":", !known ? "null" :
	    f->state == PIDLOCK_HELD ? "true" : "false");
	json_pid(out, f->pid);
	fputs(",\"started\":", out);
	if (f->started >= 0 && gmtime_r(&f->started, &tm) != NULL &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		json_string(out, when);
	else
		fputs("null", out);
	fputs(",\"user\":", out);
	json_string_or_null(out, f->user);
	fputs(",\"command\":", out);
	if (f->argv == NULL)
		fputs("null", out);
	else {
		putc('[', out);
		for (char **a = f->argv; *a != NULL; a++) {
			if (a != f->argv)
				putc(',', out);
			json_string(out, *a);
		}
		putc(']', out);
	}
	fprintf(out, ",\"supervised\":%s,\"child_pid\":", !known ||
	    (f->state == PIDLOCK_HELD && f->argv == NULL) ? "null" :
	    f->supervised ? "true" : "false");
	json_pid(out, f->supervised ? f->sup.child : 0);
	fputs(",\"restarts\":", out);
	if (f->supervised)
		fprintf(out, "%u", f->sup.restarts);
	else
		fputs("null", out);
	fputs(",\"last_exit\":", out);
	json_string_or_null(out, f->supervised ? f->sup.last_exit : NULL);
	putc('}', out);
}

/* How long the holder has run: 45s, 12m05s, 2h13m, 3d04h; "-" if unknown. */
void
facts_uptime(const struct facts *f, char *buf, size_t len)
{
	long long d = (long long)(time(NULL) - f->started);

	if (f->started < 0)
		snprintf(buf, len, "-");
	else if (d < 60)
		snprintf(buf, len, "%llds", d < 0 ? 0 : d);
	else if (d < 3600)
		snprintf(buf, len, "%lldm%02llds", d / 60, d % 60);
	else if (d < 86400)
		snprintf(buf, len, "%lldh%02lldm", d / 3600, d / 60 % 60);
	else
		snprintf(buf, len, "%lldd%02lldh", d / 86400, d / 3600 % 24);
}

/* The command for a terminal: arguments in vis(3) C style, space-joined. */
void
facts_command(FILE *out, const struct facts *f)
{
	char *vis;

	if (f->argv == NULL) {
		fputs("-", out);
		return;
	}
	for (char **a = f->argv; *a != NULL; a++) {
		if ((vis = malloc(4 * strlen(*a) + 1)) == NULL)
			return;
		strvis(vis, *a, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
		fprintf(out, "%s%s", a != f->argv ? " " : "", vis);
		free(vis);
	}
}

/*
 * --status -v: "running as pid 812 (supervising 4410, 3 restarts, last:
 * exited 1), up 2h13m, user www-data: python3 -m http.server 8080", each
 * part left out when unknown; or "not running".
 */
void
facts_line(FILE *out, const struct facts *f)
{
	const struct statefile *s = &f->sup;
	char up[32];

	if (f->state != PIDLOCK_HELD) {
		fputs("not running\n", out);
		return;
	}
	fprintf(out, "running as pid %d", (int)f->pid);
	if (f->hint != 0 && f->hint != f->pid)
		fprintf(out, " (the pidfile says %d; the lock holder wins)",
		    (int)f->hint);
	if (f->supervised) {
		if (s->child > 0)
			fprintf(out, " (supervising %d", (int)s->child);
		else
			fputs(" (supervising, no child running", out);
		fprintf(out, ", %u restart%s", s->restarts,
		    s->restarts == 1 ? "" : "s");
		if (s->last_exit != NULL)
			fprintf(out, ", last: %s", s->last_exit);
		putc(')', out);
	}
	if (f->started >= 0) {
		facts_uptime(f, up, sizeof(up));
		fprintf(out, ", up %s", up);
	}
	if (f->user != NULL)
		fprintf(out, ", user %s", f->user);
	if (f->argv != NULL) {
		fputs(": ", out);
		facts_command(out, f);
	}
	putc('\n', out);
}

/* --status with -v or --format=json, after the lock was asked. */
void
facts_status(const struct options *o, enum pidlock_state state,
    pid_t holder)
{
	struct facts f;

	facts_gather(&f, o->name, o->pidfile, state, holder);
	if (o->json) {
		facts_json(stdout, &f);
		putchar('\n');
	} else
		facts_line(stdout, &f);
	facts_free(&f);
}
