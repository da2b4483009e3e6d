// SPDX-License-Identifier: BSD-2-Clause
/*
 * Named instances and --list, run in the original daemonize process while
 * it is still attached to the caller's terminal.
 *
 * RUNDIR holds every named instance's pidfile (NAME.pid) and a
 * supervisor's state file next to it (NAME.pid.state).  Root's is
 * /run/daemonize, mode 0755; another user's is $XDG_RUNTIME_DIR/daemonize,
 * mode 0700.  A start creates it; every action refuses it (73) unless it is
 * a real directory (not a symlink) owned by the caller, that nobody else
 * can write (root's) or enter (a user's): whoever could write in it could
 * plant or remove the pidfiles that control trusts.
 */
#include "config.h"

#include <sys/stat.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "facts.h"
#include "instance.h"
#include "options.h"
#include "pidlock.h"

#define NAME_MAX_LEN 64
#define PIDFILE_SUFFIX ".pid"

/* Whether name is 1 to 64 of A-Za-z0-9_.@- not starting with '.'. */
const char *
instance_name_error(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX_LEN)
		return ("a name is 1 to 64 characters");
	if (name[0] == '.')
		return ("a name may not start with '.'");
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.@-") != len)
		return ("a name may only use A-Z a-z 0-9 _ . @ -");
	return (NULL);
}

/* The run directory's path for this user; 64 if it cannot be known. */
static char *
rundir_path(void)
{
	const char *xdg;
	char *path;

	if (geteuid() == 0)
		return (strdup("/run/daemonize"));
	if ((xdg = getenv("XDG_RUNTIME_DIR")) == NULL || xdg[0] != '/')
		errx(EXIT_USAGE, "parse --name: XDG_RUNTIME_DIR is %s; a "
		    "user's instances live in $XDG_RUNTIME_DIR/daemonize",
		    xdg == NULL ? "not set" : "not an absolute path");
	if (asprintf(&path, "%s/daemonize", xdg) == -1)
		err(EXIT_OSERR, "resolve %s/daemonize", xdg);
	return (path);
}

/*
 * Check (and with create, make) the run directory.  Returns its path, or
 * NULL when it does not exist and create is false.
 */
char *
instance_rundir(bool create)
{
	mode_t want = geteuid() == 0 ? 0755 : 0700;
	mode_t forbidden = geteuid() == 0 ? 022 : 077;
	struct stat st;
	bool made = false;
	char *dir;
	int fd;

	dir = rundir_path();
	if (create && mkdir(dir, want) == 0)
		made = true;
	else if (create && errno != EEXIST)
		err(EXIT_CANTCREAT, "create %s", dir);
	/* mkdir(2) applied the umask; the mode is part of the contract. */
	if (made && chmod(dir, want) == -1)
		err(EXIT_CANTCREAT, "create %s", dir);
	/* O_PATH: a directory we may not read is still checked, not 73. */
	if ((fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !create) {
			free(dir);
			return (NULL);
		}
		if (errno == ELOOP || (errno == ENOTDIR &&
		    lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)))
			errx(EXIT_CANTCREAT, "check %s: refusing a symbolic "
			    "link", dir);
		err(EXIT_CANTCREAT, "check %s", dir);
	}
	if (fstat(fd, &st) == -1)
		err(EXIT_CANTCREAT, "check %s", dir);
	close(fd);
	if (st.st_uid != geteuid())
		errx(EXIT_CANTCREAT, "check %s: owned by uid %u, not by "
		    "uid %u", dir, (unsigned)st.st_uid, (unsigned)geteuid());
	if ((st.st_mode & forbidden) != 0)
		errx(EXIT_CANTCREAT, "check %s: mode %04o is open to others "
		    "(want %04o)", dir, (unsigned)(st.st_mode & 07777),
		    (unsigned)want);
	return (dir);
}

/*
 * The pidfile of instance name.  A start creates the run directory;
 * other actions only check it, and a missing one means a missing pidfile.
 */
char *
instance_pidfile(const char *name, bool create)
{
	char *dir, *path;

	if ((dir = instance_rundir(create)) == NULL)
		dir = rundir_path();	/* missing: so is the pidfile */
	if (asprintf(&path, "%s/%s%s", dir, name, PIDFILE_SUFFIX) == -1)
		err(EXIT_OSERR, "resolve --name %s", name);
	free(dir);
	return (path);
}

/* A pidfile of a valid instance name: NAME.pid. */
static int
is_instance(const struct dirent *d)
{
	size_t len = strlen(d->d_name), slen = strlen(PIDFILE_SUFFIX);
	char name[NAME_MAX_LEN + 1];

	if (len <= slen || len - slen > NAME_MAX_LEN ||
	    strcmp(d->d_name + len - slen, PIDFILE_SUFFIX) != 0)
		return (0);
	snprintf(name, sizeof(name), "%.*s", (int)(len - slen), d->d_name);
	return (instance_name_error(name) == NULL);
}

/* Byte order, whatever the locale: the same list for every caller. */
static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return (strcmp((*a)->d_name, (*b)->d_name));
}

static const char *
state_word(enum pidlock_state state)
{
	return (state == PIDLOCK_HELD ? "running" :
	    state == PIDLOCK_FREE ? "stale" : "unknown");
}

/* The columns: widths of NAME, PID and UPTIME over every line. */
static void
print_table(const struct facts *f, size_t n)
{
	int wname = 1, wpid = 1, wup = 1, len;
	char up[32], pid[16];

	for (size_t i = 0; i < n; i++) {
		facts_uptime(&f[i], up, sizeof(up));
		if ((len = (int)strlen(f[i].name)) > wname)
			wname = len;
		if ((len = snprintf(pid, sizeof(pid), "%d", (int)f[i].pid)) >
		    wpid && f[i].pid > 0)
			wpid = len;
		if ((len = (int)strlen(up)) > wup)
			wup = len;
	}
	for (size_t i = 0; i < n; i++) {
		facts_uptime(&f[i], up, sizeof(up));
		if (f[i].pid > 0)
			snprintf(pid, sizeof(pid), "%d", (int)f[i].pid);
		else
			snprintf(pid, sizeof(pid), "-");
		printf("%-*s %*s %-7s %*s ", wname, f[i].name, wpid, pid,
		    state_word(f[i].state), wup, up);
		facts_command(stdout, &f[i]);
		putchar('\n');
	}
}

static void
print_json(const struct facts *f, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++) {
		fputs(i == 0 ? "\n" : ",\n", stdout);
		facts_json(stdout, &f[i]);
	}
	fputs(n > 0 ? "\n]\n" : "]\n", stdout);
}

/*
 * --list: one line (or JSON object) per NAME.pid in the run directory,
 * sorted by name.  A missing run directory is an empty list; one that
 * cannot be read is 4, like a --status that cannot tell.
 */
int
instance_list(const struct options *o)
{
	struct dirent **ents = NULL;
	struct facts *f;
	struct stat st;
	char *dir, *path;
	size_t n = 0, k = 0;
	pid_t holder;
	int count = 0, refusal;
	enum pidlock_state state;

	dir = instance_rundir(false);
	if (dir != NULL && (count = scandir(dir, &ents, is_instance,
	    by_name)) == -1) {
		warn("list %s", dir);
		free(dir);
		return (CONTROL_UNKNOWN);
	}
	n = (size_t)count;
	if ((f = calloc(n + 1, sizeof(*f))) == NULL)
		err(EXIT_OSERR, "list %s", dir);
	for (size_t i = 0; i < n; i++) {
		ents[i]->d_name[strlen(ents[i]->d_name) -
		    strlen(PIDFILE_SUFFIX)] = '\0';
		if (asprintf(&path, "%s/%s%s", dir, ents[i]->d_name,
		    PIDFILE_SUFFIX) == -1)
			err(EXIT_OSERR, "list %s", dir);
		/* Removed since the directory was read: not an instance. */
		if ((state = pidlock_query(path, &holder, &st, &refusal)) ==
		    PIDLOCK_ABSENT) {
			free(path);
			continue;
		}
		facts_gather(&f[k++], ents[i]->d_name, path, state, holder);
	}
	if (o->json)
		print_json(f, k);
	else
		print_table(f, k);
	for (size_t i = 0; i < k; i++) {
		free((char *)f[i].pidfile);
		facts_free(&f[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(f);
	free(dir);
	return (EXIT_OK);
}
