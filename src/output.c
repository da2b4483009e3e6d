// SPDX-License-Identifier: BSD-2-Clause
/*
 * The output pump, run by the supervisor only.
 *
 * The child's stdout and stderr are the write ends of pipes that live as
 * long as the supervisor: every respawned child gets the same ones, so the
 * order of lines is the order of writes, whoever wrote them.  The
 * supervisor keeps the write ends and never waits for EOF; it learns of a
 * child's end from SIGCHLD and then drains what that child left
 * (output_drain()).
 *
 * To files: splice(2) from the pipe when the file takes it (one not opened
 * O_APPEND), else read(2) and full write(2)s of up to 128 KiB.  One wakeup
 * moves at most 1 MiB per stream, so a child writing flat out cannot
 * starve signals and reaping.  A failing file (ENOSPC, EIO, /dev/full) is
 * reported once and its data dropped until a write works again: the
 * supervisor must outlive its logs.
 *
 * To syslog: one RFC 3164 datagram per line, "<PRI>Mmm dd hh:mm:ss
 * TAG[PID]: line", on a non-blocking socket connected to /dev/log, or to
 * $DAEMONIZE_SYSLOG_SOCKET (a hook for tests and the benchmark).  Lines
 * longer than OUTPUT_LINE_MAX are split; a last line without a newline is
 * sent when the child is drained.  When the syslog daemon falls behind
 * (EAGAIN), the stream stops reading its pipe until the socket is writable
 * again: the child is slowed down by its full pipe, nothing is dropped, and
 * the poll loop keeps serving signals meanwhile.
 *
 * -o and -e naming one file share one pipe (without --syslog), so the
 * child's stdout and stderr keep their relative order.  A stream with
 * neither a file nor syslog is not pumped: the child gets /dev/null.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <paths.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "options.h"
#include "output.h"
#include "redirect.h"
#include "report.h"
#include "util.h"

#define OUTPUT_BUF (128 * 1024)		/* one read(2) */
#define OUTPUT_BUDGET (1024 * 1024)	/* per stream and wakeup */
#define OUTPUT_PIPE_SIZE (1024 * 1024)	/* F_SETPIPE_SZ, the default maximum */
#define OUTPUT_SYSLOG_PIPE 4096		/* with syslog: one page, back-pressure */
#define OUTPUT_WAIT_MS 5000		/* a child's drain waits this long */

enum pump_result {
	PUMP_EMPTY,		/* the pipe is empty */
	PUMP_BLOCKED,		/* syslog is full; lines are owed */
	PUMP_BUDGET,		/* moved all we may in one go */
	PUMP_SINK_FULL,		/* a FIFO or pipe sink takes nothing now */
};

/* "<PRI>Mmm dd hh:mm:ss TAG[PID]: ", as syslog(3) sends it to /dev/log. */
static size_t
format_header(char *buf, size_t len, int pri, const char *tag, pid_t pid,
    time_t t)
{
	char stamp[32];
	struct tm tm;
	int n;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	n = snprintf(buf, len, "<%d>%s %s[%d]: ", pri, stamp, tag, (int)pid);
	if (n < 0)
		return (0);
	return ((size_t)n < len ? (size_t)n : len - 1);
}

/* Connect to the syslog socket; after a failure, retry once a second. */
static int
log_connect(struct output *out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	long long now = util_now_ms();

	if (out->logfd >= 0)
		return (0);
	if (now - out->log_tried < 1000 ||
	    strlen(out->logpath) >= sizeof(sa.sun_path))
		return (-1);
	out->log_tried = now;
	strcpy(sa.sun_path, out->logpath);
	out->logfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (out->logfd == -1)
		return (-1);
	if (connect(out->logfd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(out->logfd);
		out->logfd = -1;
		return (-1);
	}
	return (0);
}

/*
 * Send one record: the header, then the body in two pieces (a kept partial
 * line and the rest).  Returns -1 when the socket is full (EAGAIN), else 0:
 * sent, or dropped because no syslog daemon listens.
 */
static int
log_send(struct output *out, const char *hdr, size_t hdrlen, const char *a,
    size_t alen, const char *b, size_t blen)
{
	struct iovec iov[3] = {
		{(void *)hdr, hdrlen}, {(void *)a, alen}, {(void *)b, blen},
	};

	for (int tries = 0; tries < 2; tries++) {
		if (log_connect(out) == -1)
			return (0);
		if (writev(out->logfd, iov, 3) >= 0)
			return (0);
		if (errno == EAGAIN || errno == ENOBUFS)
			return (-1);
		if (errno != ECONNREFUSED && errno != ENOTCONN &&
		    errno != ECONNRESET && errno != EPIPE)
			return (0);
		/* The syslog daemon was restarted: connect again, now. */
		close(out->logfd);
		out->logfd = -1;
		out->log_tried = LLONG_MIN / 2;
	}
	return (0);
}

/*
 * Wait until syslog takes more, but not past deadline (-1: no deadline),
 * and not once wakefd (if >= 0) is readable.  Returns 0 when syslog is
 * writable, 1 when woken, -1 at the deadline or when there is no socket.
 */
static int
log_wait(const struct output *out, long long deadline, int wakefd)
{
	struct pollfd pfd[2] = {{.fd = out->logfd, .events = POLLOUT},
	    {.fd = wakefd, .events = POLLIN}};
	long long left = deadline < 0 ? -1 : deadline - util_now_ms();
	int r;

	if (out->logfd < 0 || (deadline >= 0 && left <= 0))
		return (-1);
	do
		r = poll(pfd, 2, left > INT_MAX ? INT_MAX : (int)left);
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return (-1);
	return (pfd[1].revents != 0 ? 1 : 0);
}

/* The stream's header for the current second and child, cached. */
static size_t
stream_header(struct output *out, struct output_stream *s)
{
	time_t t = time(NULL);

	if (s->hdrlen == 0 || t != s->hdr_sec || out->pid != s->hdr_pid) {
		s->hdrlen = format_header(s->hdr, sizeof(s->hdr),
		    out->facility | s->priority, out->tag, out->pid, t);
		s->hdr_sec = t;
		s->hdr_pid = out->pid;
	}
	return (s->hdrlen);
}

/*
 * Send buf[pos..len) to syslog, a record per line, splitting lines longer
 * than OUTPUT_LINE_MAX and keeping a last partial line in line[].  Returns
 * false when the socket is full: the rest stays owed.
 */
static bool
stream_lines(struct output *out, struct output_stream *s)
{
	while (s->pos < s->len) {
		const char *p = s->buf + s->pos;
		size_t avail = s->len - s->pos;
		size_t room = OUTPUT_LINE_MAX - s->linelen;
		const char *nl = memchr(p, '\n', avail);
		size_t take = nl != NULL ? (size_t)(nl - p) : avail;
		bool eol = nl != NULL && take <= room;

		if (!eol && take < room) {
			memcpy(s->line + s->linelen, p, take);
			s->linelen += take;
			break;
		}
		if (!eol)
			take = room;
		if (log_send(out, s->hdr, stream_header(out, s), s->line,
		    s->linelen, p, take) == -1)
			return (false);
		s->linelen = 0;
		s->pos += take + (eol ? 1 : 0);
	}
	s->pos = s->len = 0;
	return (true);
}

/* The last line had no newline: send it as it is. */
static bool
stream_partial(struct output *out, struct output_stream *s)
{
	if (s->linelen == 0)
		return (true);
	if (log_send(out, s->hdr, stream_header(out, s), s->line, s->linelen,
	    NULL, 0) == -1)
		return (false);
	s->linelen = 0;
	return (true);
}

static void
sink_working(struct output *out, struct output_stream *s)
{
	if (!s->failing)
		return;
	s->failing = false;
	output_log(out, LOG_NOTICE, "write %s %s: working again", s->name,
	    s->path);
}

/* Write all of buf to the stream's file; a failure is said once. */
static void
sink_write(struct output *out, struct output_stream *s, const char *buf,
    size_t len)
{
	struct pollfd pfd = {.fd = s->sink, .events = POLLOUT};
	ssize_t n;

	while (len > 0 && s->sink >= 0) {
		n = write(s->sink, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n == -1 && errno == EINTR) {
			continue;
		} else if (n == -1 && errno == EAGAIN) {
			(void)poll(&pfd, 1, -1);
		} else {
			if (!s->failing)
				output_log(out, LOG_ERR, "write %s %s: %s; "
				    "dropping output until it can be written",
				    s->name, s->path,
				    strerror(n == -1 ? errno : ENOSPC));
			s->failing = true;
			return;
		}
	}
	sink_working(out, s);
}

/*
 * Whether the sink takes data now.  A FIFO or pipe whose reader stalls
 * does not: then the stream stops reading the child (whose own pipe fills
 * and blocks it) and waits for POLLOUT on the sink, instead of spinning.
 */
static bool
sink_ready(struct output_stream *s)
{
	struct pollfd pfd = {.fd = s->sink, .events = POLLOUT};

	if (s->sink < 0 || s->failing || poll(&pfd, 1, 0) == 1)
		return (true);
	s->sink_full = true;
	return (false);
}

/*
 * Move up to *budget bytes from the stream's pipe to its file and syslog.
 * splice(2) needs no copy, but refuses O_APPEND files (EINVAL): then, and
 * for syslog, which needs the bytes, read(2) and write(2).
 */
static enum pump_result
stream_pump(struct output *out, struct output_stream *s, size_t *budget)
{
	size_t want;
	ssize_t n;

	for (;;) {
		if (out->syslog && !stream_lines(out, s))
			return (PUMP_BLOCKED);
		if (*budget == 0)
			return (PUMP_BUDGET);
		if (s->splice && !out->syslog && s->sink >= 0) {
			n = splice(s->rfd, NULL, s->sink, NULL, *budget,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				*budget -= (size_t)n < *budget ? (size_t)n :
				    *budget;
				sink_working(out, s);
				continue;
			}
			if (n == -1 && errno == EAGAIN && !sink_ready(s))
				return (PUMP_SINK_FULL);
			if (n == 0 || errno == EAGAIN)
				return (PUMP_EMPTY);
			if (errno == EINVAL)
				s->splice = false;
			/* Otherwise the file fails: the copy below says so. */
		}
		if (!sink_ready(s))
			return (PUMP_SINK_FULL);
		want = *budget < OUTPUT_BUF ? *budget : OUTPUT_BUF;
		n = read(s->rfd, s->buf, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (PUMP_EMPTY);
		*budget -= (size_t)n;
		sink_write(out, s, s->buf, (size_t)n);
		if (out->syslog) {
			s->pos = 0;
			s->len = (size_t)n;
		}
	}
}

/*
 * Set up one stream: which file it writes to and, if anything is to be
 * pumped, its pipe.  Returns -1 with errno on failure.
 */
static int
stream_open(struct output *out, int i, const struct options *o,
    const struct stdio_files *io)
{
	struct output_stream *s = &out->s[i];
	int p[2];

	*s = (struct output_stream){
		.rfd = -1,
		.wfd = -1,
		.sink = -1,
		.path = i == OUTPUT_STDOUT ? o->stdout_path : o->stderr_path,
		.name = i == OUTPUT_STDOUT ? "stdout" : "stderr",
		.priority = i == OUTPUT_STDOUT ? o->syslog_priority : LOG_ERR,
		.splice = true,
	};
	if (s->path != NULL)
		s->sink = i == OUTPUT_STDOUT ? io->out : io->err;
	if (!out->syslog &&
	    (s->path == NULL || (i == OUTPUT_STDERR && out->shared)))
		return (0);
	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	s->rfd = p[0];
	s->wfd = p[1];
	/*
	 * Files: fewer wakeups per megabyte (a user over the pipe quota keeps
	 * 64 KiB).  Syslog: a page, so that a slow syslog slows the child
	 * down instead of the pipe hiding a backlog that its exit would lose.
	 */
	(void)fcntl(s->rfd, F_SETPIPE_SZ, out->syslog ? OUTPUT_SYSLOG_PIPE :
	    OUTPUT_PIPE_SIZE);
	if (fcntl(s->rfd, F_SETFL, O_NONBLOCK) == -1)
		return (-1);
	/* Large, so mmap(2)ed: no resident memory until the first read(2). */
	if ((s->buf = malloc(OUTPUT_BUF)) == NULL)
		return (-1);
	return (0);
}

/*
 * In the supervisor, before the first child: the pipes, the files from
 * setup_process() (io), the syslog socket.  Returns -1 with errno.
 */
int
output_open(struct output *out, const struct options *o,
    const struct stdio_files *io)
{
	const char *sock = getenv("DAEMONIZE_SYSLOG_SOCKET");
	struct stat so, se;

	*out = (struct output){
		/* One file in two spellings: redirect_open() shared it. */
		.shared = o->stdout_path != NULL && o->stderr_path != NULL &&
		    fstat(io->out, &so) == 0 && fstat(io->err, &se) == 0 &&
		    so.st_dev == se.st_dev && so.st_ino == se.st_ino,
		.syslog = o->syslog,
		.facility = o->syslog_facility,
		.logfd = -1,
		.logpath = sock != NULL && sock[0] != '\0' ? sock : _PATH_LOG,
		.log_tried = LLONG_MIN / 2,
		.msgfd = o->stderr_path != NULL ? io->err :
		    o->foreground ? STDERR_FILENO : -1,
		.tag = o->tag,
		.self = getpid(),
	};
	for (int i = 0; i < OUTPUT_NSTREAMS; i++)
		out->s[i].rfd = out->s[i].wfd = out->s[i].sink = -1;
	for (int i = 0; i < OUTPUT_NSTREAMS; i++)
		if (stream_open(out, i, o, io) == -1)
			return (-1);
	if (out->syslog)
		(void)log_connect(out);
	return (0);
}

/* The child's standard descriptors: stdin as opened, pipes where pumped. */
void
output_child_stdio(const struct output *out, const struct stdio_files *io,
    struct stdio_files *child)
{
	const struct output_stream *so = &out->s[OUTPUT_STDOUT];
	const struct output_stream *se = &out->s[OUTPUT_STDERR];

	/*
	 * Every child shares the supervisor's -i file description: rewind a
	 * regular file so each one reads it from the start, as the first did
	 * (a FIFO or device fails with ESPIPE and is left as it is).
	 */
	(void)lseek(io->in, 0, SEEK_SET);
	child->in = io->in;
	child->out = so->wfd >= 0 ? so->wfd : io->out;
	if (se->wfd >= 0)
		child->err = se->wfd;
	else if (out->shared && so->wfd >= 0)
		child->err = so->wfd;
	else
		child->err = io->err;
}

/* Lines read from now on are tagged with this child's pid. */
void
output_set_pid(struct output *out, pid_t pid)
{
	out->pid = pid;
}

/*
 * Fill OUTPUT_NPOLL entries: each pumped pipe, unless syslog owes lines
 * for it or its sink is full (then the sink, for POLLOUT), and the syslog
 * socket while it owes any.
 */
void
output_poll(const struct output *out, struct pollfd *pfd)
{
	bool owed = false;

	for (int i = 0; i < OUTPUT_NSTREAMS; i++) {
		const struct output_stream *s = &out->s[i];
		bool owes = s->pos < s->len;

		owed = owed || owes;
		if (s->sink_full)
			pfd[i] = (struct pollfd){.fd = s->sink,
			    .events = POLLOUT};
		else
			pfd[i] = (struct pollfd){.fd = owes ? -1 : s->rfd,
			    .events = POLLIN};
	}
	pfd[OUTPUT_NSTREAMS] = (struct pollfd){.fd = owed ? out->logfd : -1,
	    .events = POLLOUT};
}

/* poll(2) said so: move what can be moved now. */
void
output_ready(struct output *out, const struct pollfd *pfd)
{
	bool writable = pfd[OUTPUT_NSTREAMS].revents != 0;

	for (int i = 0; i < OUTPUT_NSTREAMS; i++) {
		struct output_stream *s = &out->s[i];
		size_t budget = OUTPUT_BUDGET;

		if (s->sink_full && pfd[i].revents != 0)
			s->sink_full = false;
		if (s->rfd >= 0 && !s->sink_full && (pfd[i].revents != 0 ||
		    (writable && s->pos < s->len)))
			(void)stream_pump(out, s, &budget);
	}
}

/*
 * Move what is left in the pipes, at most a pipe's capacity (an escaped
 * descendant may still be writing), and with partial, send the last
 * partial lines too.  Waits for a full syslog socket until deadline (-1:
 * none) or until wakefd is readable.  Returns 0 when all is sent, 1 when
 * woken, -1 at the deadline; what is still owed is kept.
 */
static int
drain(struct output *out, bool partial, long long deadline, int wakefd)
{
	for (int i = 0; i < OUTPUT_NSTREAMS; i++) {
		struct output_stream *s = &out->s[i];
		size_t budget = OUTPUT_PIPE_SIZE;
		int r;

		if (s->rfd < 0)
			continue;
		for (;;) {
			if (stream_pump(out, s, &budget) != PUMP_BLOCKED &&
			    (!out->syslog || !partial ||
			    stream_partial(out, s)))
				break;
			if ((r = log_wait(out, deadline, wakefd)) != 0)
				return (r);
		}
	}
	return (0);
}

/* A child has exited: its lines go now, a bounded wait for syslog. */
void
output_drain(struct output *out)
{
	(void)drain(out, true, util_now_ms() + OUTPUT_WAIT_MS, -1);
}

/*
 * The supervisor is about to exit: every line goes, however slow syslog
 * is, until deadline (-1: none) or until wakefd is readable (a signal:
 * the caller decides and calls again).  Returns 0, 1 when woken, or -1 at
 * the deadline.
 */
int
output_flush(struct output *out, long long deadline, int wakefd)
{
	return (drain(out, true, deadline, wakefd));
}

/*
 * Give up on what is still owed and in the pipes (the stop's schedule ran
 * out).  Returns how many lines were dropped, a partial one included.
 */
unsigned long
output_discard(struct output *out)
{
	unsigned long lines = 0;
	ssize_t n;

	for (int i = 0; i < OUTPUT_NSTREAMS; i++) {
		struct output_stream *s = &out->s[i];
		bool partial = s->linelen > 0;

		if (s->rfd < 0)
			continue;
		for (;;) {
			for (size_t k = s->pos; k < s->len; k++) {
				partial = s->buf[k] != '\n';
				lines += !partial;
			}
			s->pos = s->len = 0;
			if ((n = read(s->rfd, s->buf, OUTPUT_BUF)) <= 0)
				break;
			s->len = (size_t)n;
		}
		lines += partial;
		s->linelen = 0;
	}
	return (lines);
}

/*
 * SIGHUP (logrotate): what is in the pipes goes to the old files (a
 * partial line stays kept: it is one syslog record with its rest); then
 * the -o/-e paths are opened again, appending, created if rotation moved
 * them away, and take the old descriptors' numbers (dup3), so nothing
 * else needs to know.  A file that cannot be reopened is kept.
 */
void
output_reopen(struct output *out, const struct options *o)
{
	char msg[768];
	int fd, refusal;

	(void)drain(out, false, util_now_ms() + OUTPUT_WAIT_MS, -1);
	for (int i = 0; i < OUTPUT_NSTREAMS; i++) {
		struct output_stream *s = &out->s[i];

		if (s->path == NULL)
			continue;
		if (i == OUTPUT_STDERR && out->shared) {
			(void)dup3(out->s[OUTPUT_STDOUT].sink, s->sink,
			    O_CLOEXEC);
			continue;
		}
		if ((fd = redirect_open_output(o, s->path, &refusal)) ==
		    -1) {
			struct report r = {i == OUTPUT_STDOUT ? STAGE_STDOUT :
			    STAGE_STDERR, errno, 0, refusal};

			/* "open stdout FILE: reason" */
			report_describe(o, &r, msg, sizeof(msg));
			output_log(out, LOG_ERR, "re%s; still writing to the "
			    "old file", msg);
			continue;
		}
		if (dup3(fd, s->sink, O_CLOEXEC) == -1)
			output_log(out, LOG_ERR, "reopen %s %s: %s", s->name,
			    s->path, strerror(errno));
		close(fd);
		s->splice = true;
	}
}

/* Our own message, to syslog: TAG[supervisor pid], "daemonize: text". */
static void
log_message(struct output *out, int priority, const char *text)
{
	char hdr[160], body[OUTPUT_LINE_MAX];
	long long deadline = util_now_ms() + 1000;
	size_t hdrlen;
	int n;

	hdrlen = format_header(hdr, sizeof(hdr), out->facility | priority,
	    out->tag, out->self, time(NULL));
	n = snprintf(body, sizeof(body), "daemonize: %s", text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(body))
		n = sizeof(body) - 1;
	while (log_send(out, hdr, hdrlen, body, (size_t)n, NULL, 0) == -1 &&
	    log_wait(out, deadline, -1) == 0)
		continue;
}

/*
 * The supervisor's own message (a respawn, a give-up, a failure after the
 * start was confirmed): to syslog with --syslog, else one timestamped
 * line in the -e file, else (--foreground) on our stderr, else nowhere.
 */
void
output_log(struct output *out, int priority, const char *fmt, ...)
{
	char text[768], line[1024], stamp[64];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;
	ssize_t w;
	size_t off = 0;
	int n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (out->syslog) {
		log_message(out, priority, text);
		return;
	}
	if (out->msgfd < 0)
		return;
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm);
	n = snprintf(line, sizeof(line), "%s daemonize[%d]: %s\n", stamp,
	    (int)out->self, text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	while (off < (size_t)n) {
		w = write(out->msgfd, line + off, (size_t)n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}
