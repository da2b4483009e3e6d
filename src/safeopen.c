// SPDX-License-Identifier: BSD-2-Clause
/*
 * The component walk behind every privileged open of a user-supplied path
 * (-p, -l, --child-pidfile, -i, -o, -e, and the supervisor's reopen).  It
 * runs in the daemon or supervisor while it still has the invoking user's
 * privileges, and in control commands.
 *
 * Why a walk and not openat2(RESOLVE_NO_SYMLINKS): links that only root
 * could have made (/var/run -> /run) must keep working, and the walk works
 * on every kernel.  Each directory is opened O_PATH|O_NOFOLLOW|O_DIRECTORY
 * relative to the previous one, so a user who can rename entries in a
 * directory already passed cannot move the walk; whether a link may be
 * followed is decided from the directories actually held (fstat(2)), so
 * there is no stat-then-open window either.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/vfs.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "safeopen.h"

#define LINKS_MAX	40	/* as the kernel's MAXSYMLINKS */
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* What is left of the path to resolve, and where the caller's text is. */
struct walk {
	char rest[PATH_MAX];
	size_t pos;		/* the next component starts here */
	size_t origlen;		/* length of the caller's path */
	size_t otail;		/* rest ends with this much of the caller's path */
	size_t blame;		/* the caller's component a link came from */
	int links;
	int dfd;		/* the directory reached so far */
	bool trusted;		/* only root could have changed the walk so far */
	bool sticky;		/* dfd is TRUST_ROOT_ENTRIES */
	bool root;		/* we run as root: asked once per walk */
};

/*
 * Who can change the entries of directory fd?  TRUST_ALL: root alone
 * (owned by root, neither group- nor world-writable).  TRUST_ROOT_ENTRIES:
 * a root-owned sticky directory such as /tmp, where others may add
 * entries but cannot rename or replace root's (see unlink(2), EPERM), so
 * an entry counts only if root owns it.  TRUST_NONE otherwise.  When we
 * are not root, everything we can reach counts as trusted.
 */
enum trust { TRUST_NONE, TRUST_ROOT_ENTRIES, TRUST_ALL };

static enum trust
dir_trust(int fd, bool root)
{
	struct stat st;

	if (!root)
		return (TRUST_ALL);
	if (fstat(fd, &st) == -1 || st.st_uid != 0)
		return (TRUST_NONE);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return (TRUST_ALL);
	return ((st.st_mode & S_ISVTX) ? TRUST_ROOT_ENTRIES : TRUST_NONE);
}

/* Whether entry name of the current directory counts (see dir_trust). */
static bool
entry_trusted(const struct walk *w, int dfd, const char *name)
{
	struct stat st;

	if (!w->trusted)
		return (false);
	if (!w->sticky)
		return (true);
	return (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_uid == 0);
}

/* /proc's fd links (/dev/stdout) name no path: only the kernel can follow. */
static bool
on_procfs(int fd)
{
	struct statfs sf;

	return (fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC);
}

static bool
is_symlink(int dfd, const char *name)
{
	struct stat st;

	return (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode));
}

/* Move the walk to directory fd nfd (taking it over). */
static void
enter(struct walk *w, int nfd)
{
	enum trust t = dir_trust(nfd, w->root);

	if (w->dfd != -1)
		close(w->dfd);
	w->dfd = nfd;
	w->trusted = w->trusted && t != TRUST_NONE;
	w->sticky = t == TRUST_ROOT_ENTRIES;
}

static int
start_at_root(struct walk *w)
{
	/* openat, not open: the start path's opens share one binding. */
	int fd = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		return (-1);
	w->trusted = true;
	enter(w, fd);
	return (0);
}

/*
 * Replace the component rest[w->pos..next) (a symlink in w->dfd) with the
 * link's target.  The caller checked that it may be followed.
 */
static int
expand(struct walk *w, const char *name, size_t next)
{
	char target[PATH_MAX], *tail = w->rest + next;
	size_t tlen = strlen(tail);
	ssize_t n;

	if (++w->links > LINKS_MAX) {
		errno = ELOOP;
		return (-1);
	}
	if ((n = readlinkat(w->dfd, name, target, sizeof(target) - 1)) == -1)
		return (-1);
	if ((size_t)n + 1 + tlen >= sizeof(w->rest)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (w->pos >= strlen(w->rest) - w->otail) {
		w->blame = w->origlen - tlen;
		w->otail = tlen;
	}
	memmove(w->rest + n + 1, tail, tlen + 1);
	memcpy(w->rest, target, (size_t)n);
	w->rest[n] = '/';
	w->pos = 0;
	if (target[0] == '/')
		return (start_at_root(w));
	return (0);
}

/* Refuse the link at rest[w->pos..next), naming the caller's component. */
static int
refuse(struct walk *w, size_t next, struct safeopen *so)
{
	so->refusal = REFUSE_SYMLINK;
	if (w->pos >= strlen(w->rest) - w->otail)
		so->at = w->origlen - strlen(w->rest + next);
	else
		so->at = w->blame;
	errno = ELOOP;
	return (-1);
}

/*
 * Path components are short: plain loops, not strspn(3) and strcspn(3),
 * whose first calls would cost the daemon more than every component.
 */
static size_t
slashes(const char *s)
{
	size_t n = 0;

	while (s[n] == '/')
		n++;
	return (n);
}

static size_t
component_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '/' && s[n] != '\0')
		n++;
	return (n);
}

/*
 * Walk every directory of w->rest; stop with w->pos at the last component,
 * copied NUL-terminated into so->buf.
 */
static int
walk_dirs(struct walk *w, struct safeopen *so)
{
	char comp[NAME_MAX + 1];
	size_t len, next;
	int nfd;

	for (;;) {
		w->pos += slashes(w->rest + w->pos);
		len = component_len(w->rest + w->pos);
		next = w->pos + len;
		if (len == 0 || len > NAME_MAX) {
			errno = len == 0 ? EISDIR : ENAMETOOLONG;
			return (-1);
		}
		memcpy(comp, w->rest + w->pos, len);
		comp[len] = '\0';
		if (w->rest[next + slashes(w->rest + next)] == '\0') {
			memcpy(so->buf, comp, len + 1);
			return (0);
		}
		if (strcmp(comp, ".") == 0) {
			w->pos = next;
			continue;
		}
		nfd = openat(w->dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd != -1) {
			enter(w, nfd);
			w->pos = next;
			continue;
		}
		if ((errno != ENOTDIR && errno != ELOOP) ||
		    !is_symlink(w->dfd, comp))
			return (-1);
		if (!entry_trusted(w, w->dfd, comp))
			return (refuse(w, next, so));
		if (on_procfs(w->dfd)) {
			if ((nfd = openat(w->dfd, comp, O_PATH | O_DIRECTORY |
			    O_CLOEXEC)) == -1)
				return (-1);
			enter(w, nfd);
			w->pos = next;
			continue;
		}
		if (expand(w, comp, next) == -1)
			return (-1);
	}
}

static int
walk_init(struct walk *w, const char *path, struct safeopen *so)
{
	size_t len;

	*so = (struct safeopen){.dirfd = -1};
	w->dfd = -1;
	w->links = 0;
	w->pos = 0;
	w->blame = 0;
	w->root = geteuid() == 0;
	/* Copied and measured in one pass, as walk_dirs() splits it. */
	for (len = 0; len < sizeof(w->rest) &&
	    (w->rest[len] = path[len]) != '\0'; len++)
		;
	w->origlen = w->otail = len;
	if (path[0] != '/' || len >= sizeof(w->rest)) {
		/* options_resolve() made every path absolute. */
		errno = path[0] != '/' ? EINVAL : ENAMETOOLONG;
		return (-1);
	}
	return (start_at_root(w));
}

static void
walk_done(struct walk *w, struct safeopen *so)
{
	so->dirfd = w->dfd;
	so->name = so->buf;
	so->trusted = w->trusted;
	w->dfd = -1;
}

/*
 * Resolve every directory of the absolute path; so->dirfd and so->name
 * then name its last component (not looked at).  Returns 0, or -1 with
 * errno (ELOOP and so->refusal for a refused link).
 */
int
safeopen_dir(const char *path, struct safeopen *so)
{
	struct walk w;

	if (walk_init(&w, path, so) == -1 || walk_dirs(&w, so) == -1) {
		if (w.dfd != -1)
			close(w.dfd);
		return (-1);
	}
	walk_done(&w, so);
	return (0);
}

/*
 * Open the absolute path with flags (O_CLOEXEC added) and mode.  The last
 * component is followed if it is a link only with follow, and only while
 * the path is trusted; otherwise a link there is ELOOP with so->refusal
 * set.  Returns the descriptor, with so->dirfd and so->name naming the
 * entry opened (call safeopen_close()), or -1 with errno.
 */
int
safeopen_open(const char *path, int flags, mode_t mode, bool follow,
    struct safeopen *so)
{
	struct walk w;
	struct stat st;
	size_t next;
	int fd = -1, e;

	if (walk_init(&w, path, so) == -1)
		goto fail;
	for (;;) {
		if (walk_dirs(&w, so) == -1)
			goto fail;
		fd = openat(w.dfd, so->buf, flags | O_NOFOLLOW | O_CLOEXEC,
		    mode);
		if (fd != -1 || errno != ELOOP)
			break;
		next = w.pos + component_len(w.rest + w.pos);
		if (!follow || !entry_trusted(&w, w.dfd, so->buf)) {
			so->refusal = REFUSE_SYMLINK;
			errno = ELOOP;
			goto fail;
		}
		if (on_procfs(w.dfd)) {
			fd = openat(w.dfd, so->buf, flags | O_CLOEXEC, mode);
			break;
		}
		if (expand(&w, so->buf, next) == -1)
			goto fail;
	}
	if (fd == -1)
		goto fail;
	/* In /tmp, a file someone else owns is theirs to replace. */
	if (w.sticky && (fstat(fd, &st) == -1 || st.st_uid != 0))
		w.trusted = false;
	walk_done(&w, so);
	return (fd);
fail:
	e = errno;
	if (w.dfd != -1)
		close(w.dfd);
	so->dirfd = -1;
	errno = e;
	return (-1);
}

void
safeopen_close(struct safeopen *so)
{
	if (so->dirfd != -1)
		close(so->dirfd);
	so->dirfd = -1;
}

/*
 * Remove the entry name of directory dirfd if it is still the file open
 * as fd (not followed if a link): whoever replaced it owns the new file.
 * Returns 0 when removed or not ours, -1 with errno.
 */
int
safeopen_unlinkat(int dirfd, const char *name, int fd)
{
	struct stat held, named;

	if (fstat(fd, &held) == -1 ||
	    fstatat(dirfd, name, &named, AT_SYMLINK_NOFOLLOW) == -1)
		return (-1);
	if (held.st_dev != named.st_dev || held.st_ino != named.st_ino)
		return (0);
	return (unlinkat(dirfd, name, 0));
}

/* safeopen_unlinkat() for an absolute path, walked as safeopen_dir() does. */
int
safeopen_unlink(const char *path, int fd)
{
	struct safeopen so;
	int rc;

	if (safeopen_dir(path, &so) == -1)
		return (-1);
	rc = safeopen_unlinkat(so.dirfd, so.name, fd);
	safeopen_close(&so);
	return (rc);
}
