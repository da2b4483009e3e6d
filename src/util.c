// SPDX-License-Identifier: BSD-2-Clause
/*
 * Shared helpers (util.h).  Each was once copied into the modules that
 * need it, and the copies had started to differ; one copy here keeps a
 * message, a deadline and a refusal the same wherever they come from.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "pidlock.h"
#include "report.h"
#include "safeopen.h"
#include "util.h"

/* Milliseconds on CLOCK_MONOTONIC: a clock set back shortens no deadline. */
long long
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* "exited with status N" or "was killed by signal N (SIGNAME)", into buf. */
void
util_describe_status(int status, char *buf, size_t len)
{
	const char *name;

	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		name = signal_name(WTERMSIG(status));
		snprintf(buf, len, "was killed by signal %d%s%s%s",
		    WTERMSIG(status), name ? " (SIG" : "", name ? name : "",
		    name ? ")" : "");
	} else
		snprintf(buf, len, "stopped with status 0x%x", status);
}

/*
 * Open path with flags (O_NONBLOCK and O_NOCTTY added: a FIFO nobody
 * writes must not hang us) through safeopen.c, which refuses a link a
 * stranger could have planted.  Where that matters (g->always, or root on
 * a path someone else can change), the file must be regular (or a FIFO,
 * with g->fifo_ok) with one link; an existing file must belong to root or
 * g->owner.  Returns the fd with *so naming its entry (the caller calls
 * safeopen_close()), or -1 with errno and so->refusal (and so->at) saying
 * why, *so released.
 */
int
util_open_guarded(const char *path, int flags, mode_t mode,
    const struct util_guard *g, struct safeopen *so)
{
	struct stat st;
	bool check;
	int fd, e;

	fd = safeopen_open(path, flags | O_NONBLOCK | O_NOCTTY, mode,
	    g->follow, so);
	if (fd == -1) {
		/* A directory, or a FIFO or socket nobody reads. */
		if (so->refusal == REFUSE_NONE && (errno == EISDIR ||
		    errno == ENXIO) && (g->always || geteuid() == 0))
			so->refusal = REFUSE_NOT_REGULAR;
		return (-1);
	}
	check = g->always || (geteuid() == 0 && !so->trusted);
	if (fstat(fd, &st) == -1)
		goto fail;
	if (check && !S_ISREG(st.st_mode) &&
	    !(g->fifo_ok && S_ISFIFO(st.st_mode))) {
		so->refusal = REFUSE_NOT_REGULAR;
		errno = EINVAL;
		goto fail;
	}
	if (check && S_ISREG(st.st_mode) && st.st_nlink > 1) {
		so->refusal = REFUSE_HARDLINK;
		errno = EINVAL;
		goto fail;
	}
	if (g->owner != (uid_t)-1 && !(flags & O_EXCL) && st.st_uid != 0 &&
	    st.st_uid != g->owner) {
		so->refusal = REFUSE_FOREIGN_OWNER;
		errno = EPERM;
		goto fail;
	}
	return (fd);
fail:
	e = errno;
	close(fd);
	safeopen_close(so);
	errno = e;
	return (-1);
}

/*
 * Remove path if nobody holds its lock: a daemon that died left it.  With
 * only > 0, only if the file names that pid (a failed start's own file,
 * not one somebody else left).  Returns 0 if it was removed (or was gone
 * by then), -1 if it was not: held, absent, or not ours.
 */
int
util_remove_stale(const char *path, pid_t only)
{
	struct stat st;
	pid_t holder;
	int refusal;

	if (pidlock_query(path, &holder, &st, &refusal) != PIDLOCK_FREE ||
	    (only > 0 && pidlock_hint(path) != only))
		return (-1);
	return (pidlock_remove_stale(path, &st));
}
