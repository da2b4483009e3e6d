// SPDX-License-Identifier: BSD-2-Clause
/*
 * Readiness: the sd_notify(3) protocol, spoken by redis, postgres,
 * systemd-notify(1) and anything linked with libsystemd.
 *
 * The original process binds an AF_UNIX datagram socket before forking and
 * exports its path as NOTIFY_SOCKET, which the daemon inherits with the
 * rest of the environment.  The socket is close-on-exec, so the command
 * never holds it.  It lives in a fresh mkdtemp(3) directory under
 * $RUNTIME_DIRECTORY, /run or /tmp (with --chroot, under the new root's
 * /run or /tmp, or the root itself, and NOTIFY_SOCKET names it as seen
 * from inside).  There is no abstract socket: any user could find one in
 * /proc/net/unix and send to it.  The directory stays the invoking user's
 * (with -u: root's, group the daemon's, mode 0710, so the daemon can
 * reach the socket but never write in the directory); only the socket
 * itself is the daemon user's, mode 0600.
 *
 * A datagram counts only when its SCM_CREDENTIALS name the daemon's user
 * (or root) and its sender is, when the message is read, the daemon or a
 * process of the daemon's session that still exists (a zombie counts).
 * Where the kernel passes an SCM_PIDFD (Linux 6.5+), the check is pinned
 * to the sender itself: its session is read, then the pidfd must still
 * name an unreaped process, so a recycled pid cannot pass.  A sender that
 * exited and was reaped before we read its message cannot be placed in a
 * session and is ignored: otherwise a process of the same user in another
 * session could fork a sender, reap it at once and win the race.
 * systemd-notify(1) waits for its BARRIER=1 to be answered, so it is alive
 * when its message is read.
 *
 * In plain mode the original process reads the socket while it waits for
 * READY=1 (launch.c).
 *
 * With --respawn the supervisor owns the socket after the fork and calls
 * notify_receive() itself; under a Type=notify unit with --foreground it
 * relays its child's messages upwards with notify_forward().
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "notify.h"
#include "options.h"

#define NOTIFY_SOCKET_NAME "notify"
#define NOTIFY_MAX_FDS 253	/* SCM_MAX_FD: more are never passed */
#define NOTIFY_PID_MAX 0x3fffffff
#define NOTIFY_TREE_DEPTH 16	/* notify_close() removes this deep */

/* Linux 6.5; older headers lack them, older kernels refuse the option. */
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

/*
 * Parse an unsigned decimal of n bytes (digits only, no sign, no spaces)
 * not above max.  Returns 0, or -1 if it is not one.
 */
static int
parse_decimal(const char *s, size_t n, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v = 0;

	if (n == 0)
		return (-1);
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return (-1);
		v = v * 10 + d;
	}
	*out = v;
	return (0);
}

/* Is the line [s, s+n) "KEY=..."?  Then *value and *vlen name the rest. */
static bool
field(const char *s, size_t n, const char *key, const char **value,
    size_t *vlen)
{
	size_t klen = strlen(key);

	if (n < klen || memcmp(s, key, klen) != 0)
		return (false);
	*value = s + klen;
	*vlen = n - klen;
	return (true);
}

static bool
is_one(const char *v, size_t n)
{
	return (n == 1 && v[0] == '1');
}

/*
 * Parse one sd_notify datagram: newline-separated KEY=VALUE assignments,
 * unknown keys ignored, as sd_notify(3) describes.  Pure: reads exactly
 * len bytes (no NUL terminator needed), never allocates, fills *m from
 * scratch.  A bad value leaves its field unset and the rest is still
 * parsed; the return value describes the first one (NULL if none).  A
 * datagram with a NUL byte in it is refused whole, as systemd does.
 */
const char *
notify_parse(const char *buf, size_t len, struct notify_message *m)
{
	const char *line = buf, *end = buf + len, *v, *bad = NULL;
	unsigned long long n;
	size_t vlen;

	*m = (struct notify_message){.ready = false};
	if (len > NOTIFY_MESSAGE_MAX)
		return ("message longer than 4096 bytes");
	if (memchr(buf, '\0', len) != NULL)
		return ("message with a NUL byte");
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t llen = (size_t)((nl != NULL ? nl : end) - line);

		if (field(line, llen, "READY=", &v, &vlen))
			m->ready = m->ready || is_one(v, vlen);
		else if (field(line, llen, "RELOADING=", &v, &vlen))
			m->reloading = m->reloading || is_one(v, vlen);
		else if (field(line, llen, "STOPPING=", &v, &vlen))
			m->stopping = m->stopping || is_one(v, vlen);
		else if (field(line, llen, "BARRIER=", &v, &vlen))
			m->barrier = m->barrier || is_one(v, vlen);
		else if (field(line, llen, "WATCHDOG=", &v, &vlen))
			m->watchdog = m->watchdog || is_one(v, vlen) ||
			    (vlen == 7 && memcmp(v, "trigger", 7) == 0);
		else if (field(line, llen, "ERRNO=", &v, &vlen)) {
			/* systemd's parse_errno(): 0 to 4095; 0 is no error. */
			if (parse_decimal(v, vlen, 4095, &n) == -1) {
				if (bad == NULL)
					bad = "ERRNO= is not a number from 0 "
					    "to 4095";
			} else {
				m->has_errno = n > 0;
				m->errno_value = (int)n;
			}
		} else if (field(line, llen, "EXTEND_TIMEOUT_USEC=", &v,
		    &vlen)) {
			if (parse_decimal(v, vlen, ULLONG_MAX, &n) == -1) {
				if (bad == NULL)
					bad = "EXTEND_TIMEOUT_USEC= is not a "
					    "number of microseconds";
			} else {
				m->has_extend = true;
				m->extend_usec = n;
			}
		} else if (field(line, llen, "MAINPID=", &v, &vlen)) {
			if (parse_decimal(v, vlen, NOTIFY_PID_MAX, &n) == -1 ||
			    n == 0) {
				if (bad == NULL)
					bad = "MAINPID= is not a process id";
			} else {
				m->has_mainpid = true;
				m->mainpid = (pid_t)n;
			}
		} else if (field(line, llen, "STATUS=", &v, &vlen)) {
			if (vlen >= sizeof(m->status))
				vlen = sizeof(m->status) - 1;
			memcpy(m->status, v, vlen);
			m->status[vlen] = '\0';
			m->has_status = true;
		}
		line += llen + 1;
	}
	return (bad);
}

/*
 * Is pid the daemon or a process in the daemon's session?  The daemon's
 * session was made by our intermediate process, whose only child was the
 * daemon, so a process in it descends from the daemon (a session id stays
 * reserved while the session exists).  A process that is gone (reaped)
 * cannot be placed and is not in it.
 */
bool
notify_in_session(pid_t pid, pid_t daemon)
{
	pid_t sid, dsid;

	if (pid <= 0 || (sid = getsid(pid)) == -1)
		return (false);
	if (pid == daemon)
		return (true);
	dsid = getsid(daemon);
	return (dsid != -1 && sid == dsid);
}

/*
 * Whether the process behind pidfd is still unreaped: its fdinfo says
 * "Pid: -1" once it is reaped.  Read instead of pidfd_send_signal(2),
 * which a seccomp filter may refuse.
 */
static bool
pidfd_unreaped(int pidfd)
{
	char path[64], buf[512], *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (false);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return (false);
	buf[len] = '\0';
	return ((p = strstr(buf, "\nPid:")) != NULL && atoi(p + 5) > 0);
}

/*
 * The sender rule (see the top): in the daemon's session when we look,
 * and with an SCM_PIDFD, still the same unreaped process after we looked.
 */
static bool
sender_counts(pid_t pid, int pidfd, pid_t daemon)
{
	if (!notify_in_session(pid, daemon))
		return (false);
	return (pidfd < 0 || pidfd_unreaped(pidfd));
}

/*
 * Read one datagram from n->fd (non-blocking) and decide whether it came
 * from the daemon (daemon_pid, or a live process of its session, see
 * sender_counts()) as the daemon's user or root.  Descriptors passed with it are closed at
 * once: systemd-notify's BARRIER=1 waits for exactly that.  Returns
 * NOTIFY_ACCEPTED with *out parsed (out->warning names a bad field, if
 * any), NOTIFY_IGNORED with out->sender_* and out->warning saying why,
 * NOTIFY_EMPTY when there is nothing to read, NOTIFY_ERROR with errno.
 * Used by the original process and by the supervisor.
 */
enum notify_result
notify_receive(const struct notify *n, const struct options *o,
    pid_t daemon_pid, struct notify_message *out)
{
	char buf[NOTIFY_MESSAGE_MAX + 1];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
		    CMSG_SPACE(sizeof(int)) +
		    CMSG_SPACE(sizeof(int) * NOTIFY_MAX_FDS)];
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct ucred cred = {.pid = 0};
	bool have_cred = false;
	const char *warning;
	int pidfd = -1;
	uid_t uid;
	ssize_t len;

	do
		len = recvmsg(n->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC |
		    MSG_TRUNC);
	while (len == -1 && errno == EINTR);
	if (len == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK ?
		    NOTIFY_EMPTY : NOTIFY_ERROR);

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL;
	    c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfds; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
				    sizeof(int));
				close(fd);
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(cred))) {
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			have_cred = true;
		} else if (c->cmsg_type == SCM_PIDFD &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)) && pidfd == -1)
			memcpy(&pidfd, CMSG_DATA(c), sizeof(int));
	}

	*out = (struct notify_message){.sender_pid = cred.pid,
	    .sender_uid = have_cred ? cred.uid : (uid_t)-1};
	uid = o->creds.change_user ? o->creds.uid : getuid();
	if (!have_cred)
		out->warning = "the message carries no credentials";
	else if ((mh.msg_flags & MSG_TRUNC) || (size_t)len > NOTIFY_MESSAGE_MAX)
		out->warning = "message longer than 4096 bytes";
	else if (cred.uid != uid && cred.uid != 0)
		out->warning = "sent by another user";
	else if (!sender_counts(cred.pid, pidfd, daemon_pid))
		out->warning = "sent from outside the daemon's session, or by "
		    "a process already gone";
	else if (memchr(buf, '\0', (size_t)len) != NULL)
		out->warning = "message with a NUL byte";
	if (pidfd >= 0)
		close(pidfd);
	if (out->warning != NULL)
		return (NOTIFY_IGNORED);

	warning = notify_parse(buf, (size_t)len, out);
	out->sender_pid = cred.pid;
	out->sender_uid = cred.uid;
	out->warning = warning;
	return (NOTIFY_ACCEPTED);
}

/* Fill a sockaddr_un from a NOTIFY_SOCKET value ("@name" is abstract). */
static int
notify_address(const char *path, struct sockaddr_un *sa, socklen_t *salen)
{
	size_t len = strlen(path);

	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	if (len == 0 || len >= sizeof(sa->sun_path) ||
	    (path[0] != '/' && path[0] != '@')) {
		errno = EINVAL;
		return (-1);
	}
	memcpy(sa->sun_path, path, len);
	if (path[0] == '@')
		sa->sun_path[0] = '\0';	/* abstract: no trailing NUL */
	else
		len++;
	*salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	return (0);
}

/*
 * Is dir a base for the private directory inside --chroot's new root: a
 * real directory (not a link) that only root can change?  A base that
 * someone else could swap for a link would let root create directories
 * and bind sockets where that user points.
 */
static bool
safe_base(const char *dir)
{
	struct stat st;

	return (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == 0 && ((st.st_mode & 022) == 0 ||
	    (st.st_mode & S_ISVTX)));
}

/*
 * The bases to try, in order: $RUNTIME_DIRECTORY (its first entry; systemd
 * may list several), /run, /tmp; with --chroot, the new root's /run and
 * /tmp and the root itself, each only if safe_base() (and the root too).
 * Fills up to 3 entries of bases (NULL: skip) and returns the text for a
 * failure message.
 */
static const char *
choose_bases(const struct options *o, char bases[3][PATH_MAX])
{
	const char *rd = getenv("RUNTIME_DIRECTORY");
	const char *root = o->chroot_path;
	size_t rlen;

	bases[0][0] = bases[1][0] = bases[2][0] = '\0';
	if (root == NULL) {
		if (rd != NULL && rd[0] == '/')
			snprintf(bases[0], PATH_MAX, "%.*s",
			    (int)strcspn(rd, ":"), rd);
		snprintf(bases[1], PATH_MAX, "/run");
		snprintf(bases[2], PATH_MAX, "/tmp");
		return (bases[0][0] != '\0' ?
		    "$RUNTIME_DIRECTORY, /run or /tmp" : "/run or /tmp");
	}
	rlen = strlen(root);
	while (rlen > 1 && root[rlen - 1] == '/')
		rlen--;
	if (rlen == 1)
		rlen = 0;	/* --chroot=/ */
	if (!safe_base(root))
		return ("the new root");
	snprintf(bases[0], PATH_MAX, "%.*s/run", (int)rlen, root);
	snprintf(bases[1], PATH_MAX, "%.*s/tmp", (int)rlen, root);
	snprintf(bases[2], PATH_MAX, "%.*s", (int)rlen, root);
	for (int i = 0; i < 2; i++)
		if (!safe_base(bases[i]))
			bases[i][0] = '\0';
	if (rlen == 0)
		snprintf(bases[2], PATH_MAX, "/");
	return ("the new root's /run, /tmp or itself");
}

/*
 * Make the private directory under the first base that takes it and bind
 * the socket in it (see the top for who owns what).  With --chroot,
 * NOTIFY_SOCKET (n->env) is the path without the new root's prefix.
 */
static void
bind_private(const struct options *o, struct notify *n)
{
	char bases[3][PATH_MAX];
	const char *where = choose_bases(o, bases);
	bool user = o->creds.change_user;
	struct sockaddr_un sa;
	socklen_t salen;
	size_t skip = 0;
	int e = ENOENT;

	for (size_t i = 0; i < 3; i++) {
		int len;

		if (bases[i][0] == '\0')
			continue;
		len = snprintf(n->dir, sizeof(n->dir), "%s/daemonize.XXXXXX",
		    strcmp(bases[i], "/") == 0 ? "" : bases[i]);
		if (len < 0 || (size_t)len + sizeof("/" NOTIFY_SOCKET_NAME) >
		    sizeof(n->path)) {
			n->dir[0] = '\0';
			e = ENAMETOOLONG;
			continue;
		}
		if (mkdtemp(n->dir) != NULL)
			break;
		e = errno;
		n->dir[0] = '\0';
	}
	if (n->dir[0] == '\0' && bases[2][0] == '\0')
		errx(EXIT_OSERR, "create readiness socket directory in %s: "
		    "refusing %s: not a root-owned directory only root can "
		    "write", where, o->chroot_path);
	if (n->dir[0] == '\0')
		errc(EXIT_OSERR, e, "create readiness socket directory in %s",
		    where);
	if (snprintf(n->path, sizeof(n->path), "%s/%s", n->dir,
	    NOTIFY_SOCKET_NAME) >= (int)sizeof(n->path))
		errc(EXIT_SOFTWARE, ENAMETOOLONG, "name readiness socket");
	if (o->chroot_path != NULL && strcmp(bases[2], "/") != 0)
		skip = strlen(bases[2]);
	snprintf(n->env, sizeof(n->env), "%s", n->path + skip);
	if (notify_address(n->path, &sa, &salen) == -1 ||
	    bind(n->fd, (struct sockaddr *)&sa, salen) == -1) {
		e = errno;
		rmdir(n->dir);
		errc(EXIT_OSERR, e, "bind readiness socket %s", n->path);
	}
	/*
	 * Not left to the caller's umask: the socket is 0600 and, with -u,
	 * the daemon user's; the directory, 0710 with the daemon's group,
	 * lets it reach the socket and nothing more.
	 */
	if (chmod(n->path, 0600) == -1 || (user &&
	    (chown(n->path, o->creds.uid, o->creds.gid) == -1 ||
	    chown(n->dir, (uid_t)-1, o->creds.gid) == -1 ||
	    chmod(n->dir, 0710) == -1))) {
		e = errno;
		notify_close(n);
		errc(EXIT_OSERR, e, "give readiness socket %s to %s", n->path,
		    o->creds.name);
	}
}

/*
 * In the original process, before forking: create the readiness socket
 * when somebody will read it, that is with --wait-ready (read by us in
 * plain mode, by the supervisor otherwise), or when a supervisor in the
 * foreground must relay its child's messages to the service manager that
 * set NOTIFY_SOCKET for us.  Plain --foreground execs the command in place:
 * it inherits the manager's NOTIFY_SOCKET and is the main pid, so there is
 * nothing to do.
 */
void
notify_open(const struct options *o, struct notify *n)
{
	const char *up;
	int on = 1;

	*n = (struct notify){.fd = -1};
	/* Only a foreground supervisor relays: a detached start never looks. */
	up = o->foreground ? getenv("NOTIFY_SOCKET") : NULL;
	if (o->foreground && o->mode == MODE_PLAIN)
		return;
	if (o->foreground && up != NULL && up[0] != '\0') {
		struct sockaddr_un sa;
		socklen_t salen;

		if (notify_address(up, &sa, &salen) == -1)
			errx(EXIT_USAGE, "parse NOTIFY_SOCKET %s: not an "
			    "absolute or abstract socket address", up);
		snprintf(n->upstream, sizeof(n->upstream), "%s", up);
	} else if (!o->wait_ready)
		return;

	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd == -1)
		err(EXIT_OSERR, "create readiness socket");
	if (setsockopt(n->fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1)
		err(EXIT_OSERR, "create readiness socket: SO_PASSCRED");
	/* Before Linux 6.5 (ENOPROTOOPT): the pid alone, checked while alive. */
	(void)setsockopt(n->fd, SOL_SOCKET, SO_PASSPIDFD, &on, sizeof(on));
	bind_private(o, n);
	if (setenv("NOTIFY_SOCKET", n->env, 1) == -1) {
		int e = errno;

		notify_close(n);
		errc(EXIT_OSERR, e, "set environment NOTIFY_SOCKET");
	}
}

/*
 * Relay a child's message to the service manager above us, as ourselves:
 * we are the unit's main process, so MAINPID is our pid whatever the child
 * said, and STOPPING=1 (a child stopping is not the service stopping) and
 * BARRIER are not passed on.  Never blocks: a manager that does not read
 * must not wedge the supervisor, so a full queue (EAGAIN) drops the
 * message.  Returns 0, also when there is no manager or nothing to relay,
 * or -1 with errno (the caller counts the drop).
 */
int
notify_forward(const struct notify *n, const struct notify_message *m)
{
	char buf[NOTIFY_STATUS_MAX + 256];
	struct sockaddr_un sa;
	socklen_t salen;
	size_t len = 0;
	ssize_t r;
	int fd, e;

	if (n->upstream[0] == '\0')
		return (0);
#define ADD(...) (len += (size_t)snprintf(buf + len, sizeof(buf) - len, \
    __VA_ARGS__))
	if (m->ready)
		ADD("READY=1\nMAINPID=%d\n", (int)getpid());
	if (m->reloading)
		ADD("RELOADING=1\n");
	if (m->has_status)
		ADD("STATUS=%s\n", m->status);
	if (m->has_errno)
		ADD("ERRNO=%d\n", m->errno_value);
	if (m->has_extend)
		ADD("EXTEND_TIMEOUT_USEC=%llu\n", m->extend_usec);
	if (m->watchdog)
		ADD("WATCHDOG=1\n");
#undef ADD
	if (len == 0)
		return (0);
	if (notify_address(n->upstream, &sa, &salen) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	do
		r = sendto(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT,
		    (struct sockaddr *)&sa, salen);
	while (r == -1 && errno == EINTR);
	e = errno;
	close(fd);
	errno = e;
	return (r == -1 ? -1 : 0);
}

/*
 * Empty the directory open as dirfd, recursing at most depth levels,
 * without following links: whatever a daemon running as root put there.
 */
static void
remove_contents(int dirfd, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((d = fdopendir(dirfd)) == NULL) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0 || errno != EISDIR ||
		    depth == 0)
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			remove_contents(fd, depth - 1);
		(void)unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

/*
 * Remove the socket directory with whatever is in it and close our
 * descriptor.  Safe to call twice, and from the supervisor, which owns
 * them after the fork.
 */
void
notify_close(struct notify *n)
{
	int fd;

	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	if (n->dir[0] != '\0') {
		fd = open(n->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd >= 0)
			remove_contents(fd, NOTIFY_TREE_DEPTH);
		rmdir(n->dir);
		n->dir[0] = '\0';
	}
}

/* Copy text a daemon sent, with control characters made harmless. */
void
notify_printable(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i] != '\0'; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ?
		    '?' : src[i];
	dst[i] = '\0';
}
