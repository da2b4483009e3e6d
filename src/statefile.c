// SPDX-License-Identifier: BSD-2-Clause
/*
 * The supervisor's state file.  Written only by the supervisor (which keeps
 * the invoking user's privileges, typically root) at every child start and
 * exit; read by --status and --list in a fresh daemonize process.
 *
 * Format: "key value" lines (supervisor, child, restarts, last_exit, user),
 * then a line "argv" followed by the command's arguments, each ended by a
 * NUL byte, so that any argument (newlines included) survives unchanged.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "slurp.h"
#include "statefile.h"

/* A state file larger than this is not ours: argv is bounded by ARG_MAX. */
#define STATEFILE_MAX (4 * 1024 * 1024)

static char *
state_path(const char *pidfile)
{
	char *path;

	if (asprintf(&path, "%s.state", pidfile) == -1)
		return (NULL);
	return (path);
}

/* How a wait status reads in --status: "exited 1", "killed by SIGSEGV". */
void
statefile_describe(int status, char *buf, size_t len)
{
	const char *name;

	if (WIFSIGNALED(status)) {
		name = signal_name(WTERMSIG(status));
		if (name != NULL)
			snprintf(buf, len, "killed by SIG%s", name);
		else
			snprintf(buf, len, "killed by signal %d",
			    WTERMSIG(status));
	} else
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * In the supervisor: replace PIDFILE.state atomically.  The new file is
 * created O_EXCL under a random name (mkostemp(3)), so a link planted in a
 * directory others can write is never followed, and rename(2) replaces
 * the name, never what a planted link points to.  Returns 0 or -1.
 */
int
statefile_publish(const char *pidfile, const struct statefile *st)
{
	char *path, *tmp = NULL, *head = NULL;
	int fd = -1, len, rc = -1;
	bool created = false;

	if ((path = state_path(pidfile)) == NULL ||
	    asprintf(&tmp, "%s.XXXXXX", path) == -1) {
		free(path);
		return (-1);
	}
	len = asprintf(&head, "supervisor %d\nchild %d\nrestarts %u\n"
	    "last_exit %s\nuser %s\nargv\n", (int)st->supervisor,
	    (int)st->child, st->restarts,
	    st->last_exit != NULL ? st->last_exit : "",
	    st->user != NULL ? st->user : "");
	if (len == -1 || (fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		goto out;
	created = true;
	if (fchmod(fd, 0644) == -1 || write_all(fd, head, (size_t)len) == -1)
		goto out;
	for (char **a = st->argv; *a != NULL; a++)
		if (write_all(fd, *a, strlen(*a) + 1) == -1)
			goto out;
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	rc = rename(tmp, path);
out:
	if (fd >= 0)
		close(fd);
	if (rc == -1 && created)
		(void)unlink(tmp);
	free(head);
	free(tmp);
	free(path);
	return (rc);
}

/* In the supervisor, holding the pidfile's lock: the state goes with it. */
void
statefile_remove(const char *pidfile)
{
	char *path;

	if ((path = state_path(pidfile)) == NULL)
		return;
	(void)unlink(path);
	free(path);
}

/*
 * After --stop removed a stale pidfile: a supervisor killed hard left its
 * state file behind.  Removed only while no pidfile exists, so the state
 * of an instance that has started since is kept.
 */
void
statefile_remove_orphan(const char *pidfile)
{
	struct stat st;

	if (lstat(pidfile, &st) == -1 && errno == ENOENT)
		statefile_remove(pidfile);
}

/* The value of "key value\n" at *p, advancing *p; NULL if it is not key. */
static char *
field(char **p, const char *key)
{
	size_t klen = strlen(key);
	char *value, *nl;

	if (strncmp(*p, key, klen) != 0 || (*p)[klen] != ' ' ||
	    (nl = strchr(*p, '\n')) == NULL)
		return (NULL);
	*nl = '\0';
	value = *p + klen + 1;
	*p = nl + 1;
	return (value);
}

static int
number(const char *s, long long max, long long *out)
{
	return (s == NULL || parse_number(s, 0, max, out) != NULL ? -1 : 0);
}

/* Split the NUL-ended arguments in [p, end) into a NULL-ended vector. */
static char **
split_argv(char *p, char *end)
{
	size_t n = 0, i = 0;
	char **argv;

	if (p == end || end[-1] != '\0')
		return (NULL);
	for (char *q = p; q < end; q++)
		n += *q == '\0';
	if ((argv = calloc(n + 1, sizeof(*argv))) == NULL)
		return (NULL);
	for (; p < end; p += strlen(p) + 1)
		argv[i++] = p;
	return (argv);
}

/* Parse the text of a state file into *st, which then owns buf. */
static int
parse_state(char *buf, size_t len, struct statefile *st)
{
	char *p = buf, *sup, *child, *restarts, *last, *user;
	long long v[3];

	sup = field(&p, "supervisor");
	child = field(&p, "child");
	restarts = field(&p, "restarts");
	last = field(&p, "last_exit");
	user = field(&p, "user");
	if (number(sup, INT_MAX, &v[0]) == -1 ||
	    number(child, INT_MAX, &v[1]) == -1 ||
	    number(restarts, UINT_MAX, &v[2]) == -1 || last == NULL ||
	    user == NULL || strncmp(p, "argv\n", 5) != 0 ||
	    (st->argv = split_argv(p + 5, buf + len)) == NULL)
		return (-1);
	st->supervisor = (pid_t)v[0];
	st->child = (pid_t)v[1];
	st->restarts = (unsigned)v[2];
	st->last_exit = last[0] != '\0' ? last : NULL;
	st->user = user[0] != '\0' ? user : NULL;
	st->mem = buf;
	return (0);
}

/*
 * Read PIDFILE.state, trusting it only if it was written by the supervisor
 * that holds the lock now: owned by owner (the holder's user), which must
 * be root or the reader, writable by nobody else, a regular file with one
 * link, naming supervisor.  Returns 0 with *st filled, or -1.
 */
int
statefile_read(const char *pidfile, pid_t supervisor, uid_t owner,
    struct statefile *st)
{
	struct stat sb;
	char *path, *buf = NULL;
	size_t len;
	int fd;

	*st = (struct statefile){0};
	if ((path = state_path(pidfile)) == NULL)
		return (-1);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	free(path);
	if (fd == -1)
		return (-1);
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_nlink == 1 &&
	    sb.st_uid == owner && (owner == 0 || owner == geteuid()) &&
	    (sb.st_mode & 022) == 0)
		buf = slurp_fd(fd, STATEFILE_MAX, &len);
	close(fd);
	if (buf == NULL)
		return (-1);
	if (parse_state(buf, len, st) == -1 || st->supervisor != supervisor) {
		free(st->argv);
		free(buf);
		*st = (struct statefile){0};
		return (-1);
	}
	return (0);
}

/* Free what statefile_read() filled in. */
void
statefile_free(struct statefile *st)
{
	free(st->argv);
	free(st->mem);
	*st = (struct statefile){0};
}
