// SPDX-License-Identifier: BSD-2-Clause
/*
 * Parsers for option values.  Pure functions: they read a string, fill an
 * out-parameter and return NULL, or return why the string is not valid.
 * Out-parameters are written only on success.
 */
#include "config.h"

#include <sys/resource.h>
#include <ctype.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "parse.h"

/* The largest number of seconds any option accepts: about 31 years. */
#define SECONDS_MAX 999999999LL

/*
 * A strict octal umask: one to four octal digits, at most 0777.  Rejects
 * what strtol would accept ("0x1f", "-1", " 7") and what is out of range
 * ("8", "01000").
 */
const char *
parse_umask(const char *s, mode_t *out)
{
	mode_t mode = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 4)
		return ("not an octal mode from 000 to 777");
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '7')
			return ("not an octal mode from 000 to 777");
		mode = mode * 8 + (mode_t)(*p - '0');
	}
	if (mode > 0777)
		return ("not an octal mode from 000 to 777");
	*out = mode;
	return (NULL);
}

/* Signal names as kill(1) spells them, without the SIG prefix. */
static const struct {
	const char *name;
	int signo;
} signals[] = {
	{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL},
	{"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"IOT", SIGIOT}, {"BUS", SIGBUS},
	{"FPE", SIGFPE}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
	{"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},
	{"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
	{"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
	{"URG", SIGURG}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
	{"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
	{"IO", SIGIO}, {"POLL", SIGPOLL}, {"PWR", SIGPWR}, {"SYS", SIGSYS},
};

/* The name of a signal without "SIG", or NULL for a number without one. */
const char *
signal_name(int signo)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].signo == signo)
			return (signals[i].name);
	return (NULL);
}

/*
 * A signal by name (TERM, SIGTERM, term), by number (15, and 0 for the
 * liveness test of kill(2)), or a real-time signal as RTMIN+N / RTMAX-N.
 */
const char *
parse_signal(const char *s, int *out)
{
	const char *name = s;
	long long n;

	if (s[0] >= '0' && s[0] <= '9') {
		if (parse_number(s, 0, SIGRTMAX, &n) != NULL)
			return ("not a signal number");
		*out = (int)n;
		return (NULL);
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (strcasecmp(name, signals[i].name) == 0) {
			*out = signals[i].signo;
			return (NULL);
		}
	}
	if (strncasecmp(name, "RTMIN", 5) == 0 ||
	    strncasecmp(name, "RTMAX", 5) == 0) {
		bool min = toupper((unsigned char)name[4]) == 'N';
		const char *rest = name + 5;

		n = 0;
		if (*rest != '\0') {
			if (*rest != (min ? '+' : '-') ||
			    parse_number(rest + 1, 0, SIGRTMAX - SIGRTMIN,
			    &n) != NULL)
				return ("unknown signal");
		}
		*out = min ? SIGRTMIN + (int)n : SIGRTMAX - (int)n;
		return (NULL);
	}
	return ("unknown signal");
}

/*
 * A decimal number with bounds, no spaces, no suffix, no '+', and a '-'
 * only where the range allows negative values.  strtonum(3) would accept a
 * leading '+' or blank; a value in a script should be written one way only.
 */
const char *
parse_number(const char *s, long long min, long long max, long long *out)
{
	long long n = 0;
	bool negative = false;

	if (*s == '-' && min < 0) {
		negative = true;
		s++;
	}
	if (*s == '\0')
		return ("not a number");
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return ("not a number");
		if (n > (LLONG_MAX - 9) / 10)
			return ("out of range");
		n = n * 10 + (*s - '0');
	}
	if (negative)
		n = -n;
	if (n < min || n > max)
		return ("out of range");
	*out = n;
	return (NULL);
}

/*
 * Non-negative decimal seconds ("10", "0.5", "2.25"), converted to whole
 * milliseconds (digits past the third decimal are truncated).
 */
const char *
parse_seconds(const char *s, long long *out_ms)
{
	long long whole = 0, frac = 0;
	int fracdigits = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return ("not a non-negative number of seconds");
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > SECONDS_MAX)
			return ("too many seconds");
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return ("not a non-negative number of seconds");
		for (; *p >= '0' && *p <= '9'; p++) {
			if (fracdigits < 3) {
				frac = frac * 10 + (*p - '0');
				fracdigits++;
			}
		}
		for (; fracdigits < 3; fracdigits++)
			frac *= 10;
	}
	if (*p != '\0')
		return ("not a non-negative number of seconds");
	*out_ms = whole * 1000 + frac;
	return (NULL);
}

/*
 * SIG/SECONDS[/SIG/SECONDS...][/forever], or a bare N meaning
 * TERM/N/KILL/N, as start-stop-daemon(8) spells its --retry schedule.
 */
const char *
parse_retry(const char *s, struct retry_schedule *out)
{
	struct retry_schedule r = {.nsteps = 0};
	char buf[512], *field, *rest;
	const char *err;
	long long ms;

	if (parse_seconds(s, &ms) == NULL) {
		r.step[0] = (struct retry_step){SIGTERM, ms};
		r.step[1] = (struct retry_step){SIGKILL, ms};
		r.nsteps = 2;
		*out = r;
		return (NULL);
	}
	if (strlen(s) >= sizeof(buf))
		return ("schedule too long");
	strcpy(buf, s);
	rest = buf;
	while ((field = strsep(&rest, "/")) != NULL) {
		if (strcasecmp(field, "forever") == 0) {
			if (rest != NULL || r.nsteps == 0)
				return ("forever must end a schedule of steps");
			r.forever = true;
			break;
		}
		if (r.nsteps == RETRY_MAX_STEPS)
			return ("too many steps");
		if (*field == '\0')
			return ("empty field");
		if ((err = parse_signal(field, &r.step[r.nsteps].signo)) !=
		    NULL)
			return (err);
		if ((field = strsep(&rest, "/")) == NULL)
			return ("signal without a timeout");
		if ((err = parse_seconds(field, &ms)) != NULL)
			return (err);
		r.step[r.nsteps++].timeout_ms = ms;
	}
	*out = r;
	return (NULL);
}

/* MIN[:MAX] seconds; MAX defaults to 60 (or MIN, if MIN is larger). */
const char *
parse_respawn_delay(const char *s, long long *min_ms, long long *max_ms)
{
	char buf[64], *colon;
	long long lo, hi = 60000;
	const char *err;

	if (strlen(s) >= sizeof(buf))
		return ("not MIN[:MAX] seconds");
	strcpy(buf, s);
	if ((colon = strchr(buf, ':')) != NULL)
		*colon = '\0';
	if ((err = parse_seconds(buf, &lo)) != NULL)
		return (err);
	if (colon != NULL) {
		if ((err = parse_seconds(colon + 1, &hi)) != NULL)
			return (err);
		if (hi < lo)
			return ("MAX is less than MIN");
	} else if (lo > hi)
		hi = lo;
	*min_ms = lo;
	*max_ms = hi;
	return (NULL);
}

/* N[/SECONDS]: N restarts, in the supervisor's life or within SECONDS. */
const char *
parse_respawn_max(const char *s, unsigned *n, long long *window_ms)
{
	char buf[64], *slash;
	long long count, window = 0;
	const char *err;

	if (strlen(s) >= sizeof(buf))
		return ("not N[/SECONDS]");
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (parse_number(buf, 0, 1000000, &count) != NULL)
		return ("not a count from 0 to 1000000");
	if (slash != NULL) {
		if ((err = parse_seconds(slash + 1, &window)) != NULL)
			return (err);
		if (window == 0)
			return ("the window must be longer than 0 seconds");
	}
	*n = (unsigned)count;
	*window_ms = window;
	return (NULL);
}

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{"auth", LOG_AUTH}, {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
	{"daemon", LOG_DAEMON}, {"ftp", LOG_FTP}, {"kern", LOG_KERN},
	{"lpr", LOG_LPR}, {"mail", LOG_MAIL}, {"news", LOG_NEWS},
	{"syslog", LOG_SYSLOG}, {"user", LOG_USER}, {"uucp", LOG_UUCP},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
	{"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
	{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
}, priorities[] = {
	{"emerg", LOG_EMERG}, {"alert", LOG_ALERT}, {"crit", LOG_CRIT},
	{"err", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
	{"info", LOG_INFO}, {"debug", LOG_DEBUG},
};

/* FACILITY[.PRIORITY] as logger(1) names them; PRIORITY defaults to notice. */
const char *
parse_syslog(const char *s, int *facility, int *priority)
{
	const char *dot = strchr(s, '.');
	size_t flen = dot != NULL ? (size_t)(dot - s) : strlen(s);
	int f = -1, p = LOG_NOTICE;

	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strlen(facilities[i].name) == flen &&
		    strncasecmp(s, facilities[i].name, flen) == 0)
			f = facilities[i].value;
	if (f == -1)
		return ("unknown syslog facility");
	if (dot != NULL) {
		p = -1;
		for (size_t i = 0;
		    i < sizeof(priorities) / sizeof(priorities[0]); i++)
			if (strcasecmp(dot + 1, priorities[i].name) == 0)
				p = priorities[i].value;
		if (p == -1)
			return ("unknown syslog priority");
	}
	*facility = f;
	*priority = p;
	return (NULL);
}

/* NAME=VALUE with a non-empty NAME, as putenv(3) needs it. */
const char *
parse_env(const char *s)
{
	const char *eq = strchr(s, '=');

	if (eq == NULL)
		return ("not NAME=VALUE");
	if (eq == s)
		return ("empty variable name");
	return (NULL);
}

static const struct {
	const char *name;
	int resource;
} resources[] = {
	{"as", RLIMIT_AS}, {"core", RLIMIT_CORE}, {"cpu", RLIMIT_CPU},
	{"data", RLIMIT_DATA}, {"fsize", RLIMIT_FSIZE},
	{"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE},
	{"nice", RLIMIT_NICE}, {"nofile", RLIMIT_NOFILE},
	{"nproc", RLIMIT_NPROC}, {"rss", RLIMIT_RSS},
	{"rtprio", RLIMIT_RTPRIO}, {"sigpending", RLIMIT_SIGPENDING},
	{"stack", RLIMIT_STACK},
};

/* A resource's name as --limit spells it, for messages ("?" if unknown). */
const char *
limit_name(int resource)
{
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		if (resources[i].resource == resource)
			return (resources[i].name);
	return ("?");
}

/* A limit value: "unlimited", or a number with an optional K, M or G. */
static const char *
parse_rlim(const char *s, rlim_t *out)
{
	char buf[32];
	size_t len = strlen(s);
	unsigned shift = 0;
	long long n;

	if (strcasecmp(s, "unlimited") == 0 || strcasecmp(s, "infinity") == 0) {
		*out = RLIM_INFINITY;
		return (NULL);
	}
	if (len == 0 || len >= sizeof(buf))
		return ("not a limit value (a number with K, M or G, or "
		    "unlimited)");
	strcpy(buf, s);
	switch (toupper((unsigned char)buf[len - 1])) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	}
	if (shift != 0)
		buf[len - 1] = '\0';
	if (parse_number(buf, 0, LLONG_MAX >> shift, &n) != NULL)
		return ("not a limit value (a number with K, M or G, or "
		    "unlimited)");
	*out = (rlim_t)n << shift;
	return (NULL);
}

/* RESOURCE=SOFT[:HARD], one value setting both, as prlimit(1) does. */
const char *
parse_limit(const char *s, struct limit_setting *out)
{
	char buf[128], *eq, *colon;
	struct limit_setting l = {.resource = -1};
	const char *err;

	if (strlen(s) >= sizeof(buf))
		return ("not RESOURCE=SOFT[:HARD]");
	strcpy(buf, s);
	if ((eq = strchr(buf, '=')) == NULL)
		return ("not RESOURCE=SOFT[:HARD]");
	*eq = '\0';
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		if (strcasecmp(buf, resources[i].name) == 0)
			l.resource = resources[i].resource;
	if (l.resource == -1)
		return ("unknown resource (as, core, cpu, data, fsize, "
		    "memlock, msgqueue, nice, nofile, nproc, rss, rtprio, "
		    "sigpending or stack)");
	if ((colon = strchr(eq + 1, ':')) != NULL)
		*colon = '\0';
	if ((err = parse_rlim(eq + 1, &l.value.rlim_cur)) != NULL)
		return (err);
	l.value.rlim_max = l.value.rlim_cur;
	if (colon != NULL &&
	    (err = parse_rlim(colon + 1, &l.value.rlim_max)) != NULL)
		return (err);
	if (l.value.rlim_cur > l.value.rlim_max)
		return ("soft limit above hard limit");
	*out = l;
	return (NULL);
}

/* I/O classes by the kernel's IOPRIO_CLASS_* number minus one. */
static const char *const ionice_classes[] = {"realtime", "best-effort",
    "idle"};

/* An I/O class's name as --ionice spells it, for messages. */
const char *
ionice_class_name(int class)
{
	if (class < 1 || class > 3)
		return ("?");
	return (ionice_classes[class - 1]);
}

/*
 * CLASS[:LEVEL] as ionice(1) names the classes; LEVEL 0-7 for realtime and
 * best-effort (default 4), none for idle.  Classes are the kernel's
 * IOPRIO_CLASS_* numbers: 1 realtime, 2 best-effort, 3 idle.
 */
const char *
parse_ionice(const char *s, int *class, int *level)
{
	const char *colon = strchr(s, ':');
	size_t len = colon != NULL ? (size_t)(colon - s) : strlen(s);
	long long lvl = 4;
	int c = 0;

	for (int i = 0; i < 3; i++)
		if (strlen(ionice_classes[i]) == len &&
		    strncasecmp(s, ionice_classes[i], len) == 0)
			c = i + 1;
	if (c == 0)
		return ("unknown I/O class (realtime, best-effort or idle)");
	if (colon != NULL) {
		if (c == 3)
			return ("the idle class takes no level");
		if (parse_number(colon + 1, 0, 7, &lvl) != NULL)
			return ("not a level from 0 to 7");
	}
	*class = c;
	*level = c == 3 ? 0 : (int)lvl;
	return (NULL);
}

static const struct {
	const char *name;
	int policy;
} policies[] = {
	{"other", SCHED_OTHER}, {"batch", SCHED_BATCH},
	{"idle", SCHED_IDLE}, {"fifo", SCHED_FIFO}, {"rr", SCHED_RR},
};

/* A scheduling policy's name as --sched spells it, for messages. */
const char *
sched_policy_name(int policy)
{
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (policies[i].policy == policy)
			return (policies[i].name);
	return ("?");
}

/* POLICY[:PRIORITY]: other, batch, idle (priority 0); fifo, rr (1-99). */
const char *
parse_sched(const char *s, int *policy, int *prio)
{
	const char *colon = strchr(s, ':');
	size_t len = colon != NULL ? (size_t)(colon - s) : strlen(s);
	long long p;
	int pol = -1;

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (strlen(policies[i].name) == len &&
		    strncasecmp(s, policies[i].name, len) == 0)
			pol = policies[i].policy;
	if (pol == -1)
		return ("unknown policy (other, batch, idle, fifo or rr)");
	if (pol == SCHED_FIFO || pol == SCHED_RR) {
		p = 1;
		if (colon != NULL &&
		    parse_number(colon + 1, 1, 99, &p) != NULL)
			return ("not a priority from 1 to 99");
	} else {
		p = 0;
		if (colon != NULL &&
		    parse_number(colon + 1, 0, 0, &p) != NULL)
			return ("this policy takes priority 0 only");
	}
	*policy = pol;
	*prio = (int)p;
	return (NULL);
}
