// SPDX-License-Identifier: BSD-2-Clause
/*
 * The command line.  Every option is one row of option_table: its names,
 * argument, setter, field, whether a control action allows it and its
 * --help text; getopt's tables and --help are built from it.
 * options_parse() runs getopt_long(3) with a leading '+' so that the
 * command's own options are never taken, and checks each value with the
 * pure parsers of parse.c; it reports by returning a message, so that a
 * fuzzer can drive it.  options_resolve() runs in the original
 * process, still attached to the caller's terminal: it looks up users and
 * the command and makes paths absolute against the caller's cwd, calling
 * errx(3) with the exit code of exitcodes.h on failure.
 */
#include "config.h"

#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "envfile.h"
#include "envlist.h"
#include "execenv.h"
#include "exitcodes.h"
#include "instance.h"
#include "options.h"
#include "parse.h"

/* The PATH a command gets with --clear-env, as login(1) gives root. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * What options_parse() learns on the way that struct options does not
 * keep: which options were given, for the checks of the whole line.
 */
struct parse_state {
	struct options *o;
	bool retry_set;
	bool respawn_tuned;
	bool kill_mode_set;
	bool format_set;
	bool bare;		/* the message names the option, not a value */
};

struct option_spec;

/*
 * Set the field that the option spec names (and its companions, which
 * the setter names) from the option's argument, NULL when it has none.
 * Returns why the argument is refused, or NULL.  Pure, like the parse.c
 * parsers they call: options_parse() formats the message.
 */
typedef const char *option_setter(struct parse_state *st,
    const struct option_spec *spec, const char *arg);

static option_setter set_flag, set_string, set_env, set_umask, set_respawn,
    set_respawn_delay, set_respawn_max, set_syslog, set_tag, set_wait_ready,
    set_keep_fd, set_action, set_info, set_retry, set_kill_mode, set_nice,
    set_ionice, set_sched, set_oom, set_limit, set_name, set_format;

struct option_spec {
	const char *name;	/* the long name, without "--" */
	char letter;		/* the short name, or 0 */
	int arg;		/* no_, required_ or optional_argument */
	option_setter *set;
	size_t field;		/* offsetof(struct options, the field set) */
	int value;		/* the action that set_action, set_info set */
	bool control;		/* --stop, --status, ... allow it too */
	int column;		/* --help: where its text starts */
	const char *argname;	/* --help: after the long name */
	const char *help;	/* --help: '\n' starts a continuation line */
};

#define F(field)	offsetof(struct options, field)
#define OPT_LONG	256	/* getopt_long(3) val: OPT_LONG + row index */
#define COL		28	/* --help's column for an option's text */
#define WIDE		34	/* ...and for the first rows of Supervision */

/*
 * Every option, in the order of --help, which is also the order in which
 * an ambiguous prefix lists them (see daemonize(1)).  Short options never
 * take an optional argument: -r, -S and -w take none.
 */
static const struct option_spec option_table[] = {
	{"append", 'a', no_argument, set_flag, F(append), 0, false, COL,
	    "", "append to -o/-e files instead of truncating"},
	{"chdir", 'c', required_argument, set_string, F(chdir_path), 0, false,
	    COL, "=DIR", "working directory (default /)"},
	{"stderr", 'e', required_argument, set_string, F(stderr_path), 0,
	    false, COL, "=FILE", "stderr to FILE (default /dev/null)"},
	{"stdout", 'o', required_argument, set_string, F(stdout_path), 0,
	    false, COL, "=FILE", "stdout to FILE (default /dev/null)"},
	{"stdin", 'i', required_argument, set_string, F(stdin_path), 0, false,
	    COL, "=FILE", "stdin from FILE or FIFO (default /dev/null)"},
	{"env", 'E', required_argument, set_env, F(env), 0, false, COL,
	    "=NAME=VALUE", "set an environment variable (repeatable)"},
	{"clear-env", 0, no_argument, set_flag, F(clear_env), 0, false, COL,
	    "", "start from an empty environment"},
	{"env-file", 0, required_argument, set_string, F(env_file), 0, false,
	    COL, "=FILE", "NAME=VALUE lines, added before -E"},
	{"pidfile", 'p', required_argument, set_string, F(pidfile), 0, true,
	    COL, "=FILE", "write the pid to FILE, held under a lock"},
	{"name", 0, required_argument, set_name, F(name), 0, true, COL,
	    "=NAME", "instance NAME: the pidfile RUNDIR/NAME.pid"},
	{"lockfile", 'l', required_argument, set_string, F(lockfile), 0, false,
	    COL, "=FILE", "single-instance lock without a pid"},
	{"user", 'u', required_argument, set_string, F(user), 0, false, COL,
	    "=USER[:GROUP]", "run as USER (root only)"},
	{"group", 'g', required_argument, set_string, F(group), 0, false, COL,
	    "=GROUP", "primary group (root only)"},
	{"umask", 'm', required_argument, set_umask, F(umask), 0, false, COL,
	    "=MODE", "octal umask (default 022)"},
	{"foreground", 'f', no_argument, set_flag, F(foreground), 0, false,
	    COL, "", "do not detach; exec the command in place"},
	{"keep-fd", 0, required_argument, set_keep_fd, F(keep_fds), 0, false,
	    COL, "=N", "pass fd N through to the command"},
	{"oknodo", 0, no_argument, set_flag, F(oknodo), 0, false, COL,
	    "", "exit 0 when already running"},
	{"wait-ready", 'w', optional_argument, set_wait_ready,
	    F(wait_ready_ms), 0, false, COL, "[=SECS]",
	    "wait for READY=1 on $NOTIFY_SOCKET (60)"},

	{"respawn", 'r', optional_argument, set_respawn, F(respawn), 0, false,
	    WIDE, "[=always|failure]", "restart the command when it exits"},
	{"respawn-delay", 0, required_argument, set_respawn_delay,
	    F(respawn_min_ms), 0, false, WIDE, "=MIN[:MAX]",
	    "back-off in seconds (default 1:60)"},
	{"respawn-max", 0, required_argument, set_respawn_max, F(respawn_max),
	    0, false, WIDE, "=N[/SECS]", "give up after N restarts"},
	{"child-pidfile", 0, required_argument, set_string, F(child_pidfile),
	    0, false, WIDE, "=FILE", "also record the child's pid"},
	{"syslog", 'S', optional_argument, set_syslog, F(syslog), 0, false,
	    WIDE, "[=FACILITY.PRIORITY]", "output to syslog (daemon.notice)"},
	{"tag", 't', required_argument, set_tag, F(tag), 0, false, COL,
	    "=TAG", "syslog tag and process title (1-64 bytes,\n"
	    "no control characters)"},

	{"chroot", 0, required_argument, set_string, F(chroot_path), 0, false,
	    COL, "=DIR", "change root (root only)"},
	{"nice", 'n', required_argument, set_nice, F(nice), 0, false, COL,
	    "=N", "absolute nice value, -20 to 19"},
	{"ionice", 0, required_argument, set_ionice, F(ionice_class), 0, false,
	    COL, "=CLASS[:LEVEL]", "realtime, best-effort or idle"},
	{"sched", 0, required_argument, set_sched, F(sched_policy), 0, false,
	    COL, "=POLICY[:PRIO]", "other, batch, idle, fifo or rr"},
	{"oom-score-adj", 0, required_argument, set_oom, F(oom_score_adj), 0,
	    false, COL, "=N", "-1000 to 1000"},
	{"limit", 0, required_argument, set_limit, F(limits), 0, false, COL,
	    "=RES=SOFT[:HARD]", "resource limit (repeatable)"},
	{"caps", 0, required_argument, set_string, F(caps), 0, false, COL,
	    "=CAP[,CAP...]", "ambient capabilities kept across -u"},
	{"no-new-privs", 0, no_argument, set_flag, F(no_new_privs), 0, false,
	    COL, "", "set no_new_privs before exec"},

	{"stop", 0, no_argument, set_action, F(action), ACTION_STOP, true, COL,
	    "", "stop the daemon named by -p"},
	{"retry", 0, required_argument, set_retry, F(retry), 0, true, COL,
	    "=SCHEDULE", "stop schedule (default TERM/10/KILL/5)"},
	{"kill-mode", 0, required_argument, set_kill_mode, F(kill_mixed), 0,
	    true, COL, "=MODE", "control-group (every step to the whole job)\n"
	    "or mixed (only KILL to the whole job)"},
	{"status", 0, no_argument, set_action, F(action), ACTION_STATUS, true,
	    COL, "", "LSB status: 0 running, 1 dead, 3 stopped, 4 unknown"},
	{"signal", 0, required_argument, set_action, F(action), ACTION_SIGNAL,
	    true, COL, "=SIG", "send SIG to the daemon named by -p"},
	{"restart", 0, no_argument, set_action, F(action), ACTION_RESTART,
	    true, COL, "", "stop, then start"},
	{"list", 0, no_argument, set_action, F(action), ACTION_LIST, true, COL,
	    "", "every named instance: NAME PID STATE UPTIME COMMAND"},
	{"format", 0, required_argument, set_format, F(json), 0, true, COL,
	    "=json", "--status and --list as JSON"},

	{"verbose", 'v', no_argument, set_flag, F(verbose), 0, true, COL,
	    "", "say what is done, on stderr (a query's\n"
	    "answer, --status -v, goes to stdout)"},
	{"help", 'h', no_argument, set_info, F(action), ACTION_HELP, true, COL,
	    "", "this help"},
	{"version", 'V', no_argument, set_info, F(action), ACTION_VERSION,
	    true, COL, "", "version"},
};

#define NOPTIONS	(sizeof(option_table) / sizeof(option_table[0]))

/* --help's sections, each named before the row of its first option. */
static const struct {
	const char *first;
	const char *title;	/* "": a blank line only */
} help_sections[] = {
	{"append", "Start"},
	{"respawn", "Supervision"},
	{"chroot", "Execution environment"},
	{"stop", "Control"},
	{"verbose", ""},
};

#define NSECTIONS	(sizeof(help_sections) / sizeof(help_sections[0]))

/* The man page's SYNOPSIS, word for word; tests/help.bats keeps them equal. */
static const char synopsis[] =
    "usage: daemonize [options] [--] command [argument ...]\n"
    "       daemonize -p pidfile --stop [--retry schedule]\n"
    "       daemonize -p pidfile --status\n"
    "       daemonize -p pidfile --signal sig\n"
    "       daemonize -p pidfile --restart [options] [--] command "
    "[argument ...]\n"
    "       daemonize --list [--format=json]\n";

static const char abbrev_help[] =
    "\n"
    "A long option may be abbreviated to a prefix that only it starts with.\n";

static const char exit_help[] =
    "\n"
    "Exit status: 0 started, 64 usage, 66 no input, 67 no user, 70 internal\n"
    "error, 71 system error, 73 cannot create, 75 already running, 77 not\n"
    "permitted, 124 not ready, 125 exited before ready, 126 cannot execute,\n"
    "127 not found, 128+N interrupted by signal N.  --stop: 1 still running;\n"
    "--status: 1 dead but the pidfile remains, 3 not running; --signal: 3 not\n"
    "running; 4 cannot tell.  See daemonize(1).\n";

/* --help: the SYNOPSIS, then one line (or more) per row of option_table. */
void
usage(void)
{
	const struct option_spec *s;
	const char *text, *title;
	char left[64];
	size_t section = 0;
	int len;

	fputs(synopsis, stdout);
	fputs(abbrev_help, stdout);
	for (s = option_table; s < option_table + NOPTIONS; s++) {
		if (section < NSECTIONS &&
		    strcmp(s->name, help_sections[section].first) == 0) {
			title = help_sections[section++].title;
			printf("\n%s%s", title, title[0] != '\0' ? ":\n" : "");
		}
		if (s->letter != 0)
			snprintf(left, sizeof(left), "  -%c, --%s%s",
			    s->letter, s->name, s->argname);
		else
			snprintf(left, sizeof(left), "      --%s%s", s->name,
			    s->argname);
		/* One space at least, even after a long left column. */
		printf("%-*s", s->column - 1, left);
		for (text = s->help; *text != '\0'; text += len) {
			len = (int)strcspn(text, "\n");
			printf(" %.*s\n", len, text);
			if (text[len] == '\n')
				printf("%*s", COL - 1, "");
			len += text[len] == '\n';
		}
	}
	fputs(exit_help, stdout);
}

static int bad(char *, size_t, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));

/* Format a usage error into errbuf; always returns -1 for the caller. */
static int
bad(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}

/* Edit distance between a and b (both short: option names). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, d[64];

	if (la >= sizeof(d) / sizeof(d[0]) || lb >= sizeof(d) / sizeof(d[0]))
		return (SIZE_MAX);
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = d[j];
			d[j] = a[i - 1] == b[j - 1] ? prev : 1 + (prev < d[j - 1] ?
			    (prev < d[j] ? prev : d[j]) :
			    (d[j - 1] < d[j] ? d[j - 1] : d[j]));
			prev = cur;
		}
	}
	return (d[lb]);
}

/*
 * The long option closest to the unknown name (without its "--"), or NULL
 * when none is close enough (at most 2 edits, half the name) to be a
 * likely typo.
 */
static const char *
closest_long(const char *name)
{
	const struct option_spec *s, *best = NULL;
	size_t d, bestd = SIZE_MAX, limit = strlen(name) / 2;

	if (limit > 2)
		limit = 2;
	for (s = option_table; s < option_table + NOPTIONS; s++)
		if ((d = distance(name, s->name)) < bestd) {
			bestd = d;
			best = s;
		}
	return (best != NULL && bestd <= limit && bestd > 0 ? best->name :
	    NULL);
}

/*
 * The long options that the abbreviation prefix could stand for, in the
 * table's order, as "--a, --b or --c" into buf; returns how many there are
 * (none for an empty prefix, "--=x", which is simply unknown).
 * getopt_long(3) accepts a unique prefix and says '?' for a shared one.
 */
static size_t
prefixed_longs(const char *prefix, char *buf, size_t len)
{
	const struct option_spec *s, *end = option_table + NOPTIONS;
	size_t n = 0, plen = strlen(prefix), total = 0;

	for (s = option_table; s < end && plen > 0; s++)
		if (strncmp(s->name, prefix, plen) == 0)
			total++;
	buf[0] = '\0';
	for (s = option_table; s < end && total > 1; s++) {
		if (strncmp(s->name, prefix, plen) != 0)
			continue;
		if (n++ > 0)
			strlcat(buf, n == total ? " or " : ", ", len);
		strlcat(buf, "--", len);
		strlcat(buf, s->name, len);
	}
	return (total);
}

/*
 * A short option with a value glued to it (-w10, -Sdaemon.info): short
 * options never take one, so name the long form that does.
 */
static const char *
glued_long(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0' || arg[1] == '-' || arg[2] == '\0')
		return (NULL);
	for (size_t i = 0; i < NOPTIONS; i++)
		if (option_table[i].letter == arg[1] &&
		    option_table[i].arg == optional_argument)
			return (option_table[i].name);
	return (NULL);
}

/*
 * Make room for element n of a growing array of pointers or ints; NULL on
 * overflow.  The capacity doubles, so n options cost O(n) in all.
 */
static void *
grow(void *array, size_t n, size_t size)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return (array);
	return (reallocarray(array, n == 0 ? 1 : 2 * n, size));
}

/* The option as the user wrote it, for messages: "-m" or "--umask". */
static void
option_name(const struct option_spec *s, int longindex, char *buf,
    size_t len)
{
	/* No snprintf(3): this runs once per option, on every start. */
	if (longindex >= 0) {
		strlcpy(buf, "--", len);
		strlcat(buf, s->name, len);
	} else
		strlcpy(buf, (char[]){'-', s->letter, '\0'}, len);
}

/*
 * A syslog tag (and process title): 1 to OPTIONS_TAG_MAX bytes, no
 * control characters (a newline would start a forged second record).
 * Pure: returns why it is refused, or NULL.
 */
const char *
options_check_tag(const char *tag)
{
	size_t len = strlen(tag);

	if (len == 0)
		return ("empty tag");
	if (len > OPTIONS_TAG_MAX)
		return ("longer than 64 bytes");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)tag[i] < 0x20 || tag[i] == 0x7f)
			return ("control character in the tag");
	return (NULL);
}

/*
 * A --limit=nofile (the last one wins) must leave room for what the
 * command is given: fds 0, 1, 2 and every --keep-fd.  Below that, a later
 * step would fail with a misleading "Bad file descriptor".
 */
static int
check_nofile(const struct options *o, char *errbuf, size_t errlen)
{
	rlim_t soft = RLIM_INFINITY;

	for (size_t i = 0; i < o->nlimits; i++)
		if (o->limits[i].resource == RLIMIT_NOFILE)
			soft = o->limits[i].value.rlim_cur;
	if (soft < 3)
		return (bad(errbuf, errlen, "parse --limit=nofile=%llu: "
		    "below 3, the command's fds 0, 1 and 2",
		    (unsigned long long)soft));
	for (size_t i = 0; i < o->nkeep_fds; i++)
		if ((rlim_t)o->keep_fds[i] >= soft)
			return (bad(errbuf, errlen, "parse --limit=nofile=%llu: "
			    "--keep-fd=%d does not fit under it",
			    (unsigned long long)soft, o->keep_fds[i]));
	return (0);
}

/* The field of struct options that the option s sets. */
static void *
field_of(struct parse_state *st, const struct option_spec *s)
{
	return ((char *)st->o + s->field);
}

static const char *
set_flag(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	bool *flag = field_of(st, s);

	(void)arg;
	*flag = true;
	return (NULL);
}

static const char *
set_string(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	const char **value = field_of(st, s);

	*value = arg;
	return (NULL);
}

static const char *
set_env(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	struct options *o = st->o;
	const char ***env = field_of(st, s);
	const char *err;

	if ((err = parse_env(arg)) != NULL)
		return (err);
	if ((*env = grow(*env, o->nenv, sizeof(**env))) == NULL) {
		st->bare = true;
		return (strerror(ENOMEM));
	}
	(*env)[o->nenv++] = arg;
	return (NULL);
}

static const char *
set_umask(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	return (parse_umask(arg, field_of(st, s)));
}

static const char *
set_respawn(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	enum respawn_mode *respawn = field_of(st, s);

	*respawn = RESPAWN_ALWAYS;
	if (arg == NULL || strcmp(arg, "always") == 0)
		return (NULL);
	if (strcmp(arg, "failure") != 0)
		return ("not always or failure");
	*respawn = RESPAWN_FAILURE;
	return (NULL);
}

static const char *
set_respawn_delay(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	st->respawn_tuned = true;
	return (parse_respawn_delay(arg, field_of(st, s),
	    &st->o->respawn_max_ms));
}

static const char *
set_respawn_max(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	st->respawn_tuned = true;
	st->o->respawn_limited = true;
	return (parse_respawn_max(arg, field_of(st, s),
	    &st->o->respawn_window_ms));
}

static const char *
set_syslog(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	bool *syslog_on = field_of(st, s);

	*syslog_on = true;
	if (arg == NULL)
		return (NULL);
	return (parse_syslog(arg, &st->o->syslog_facility,
	    &st->o->syslog_priority));
}

/* A string option whose value check() may refuse. */
static const char *
checked_string(struct parse_state *st, const struct option_spec *s,
    const char *arg, const char *(*check)(const char *))
{
	set_string(st, s, arg);
	return (check(arg));
}

static const char *
set_tag(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	return (checked_string(st, s, arg, options_check_tag));
}

static const char *
set_wait_ready(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	long long *ms = field_of(st, s);
	const char *err;

	st->o->wait_ready = true;
	if (arg == NULL)
		return (NULL);
	if ((err = parse_seconds(arg, ms)) == NULL && *ms == 0)
		err = "the timeout must be longer than 0 seconds";
	return (err);
}

static const char *
set_keep_fd(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	struct options *o = st->o;
	int **fds = field_of(st, s);
	long long n;

	if (parse_number(arg, 3, INT_MAX, &n) != NULL)
		return ("not a file descriptor from 3 up");
	if (o->nkeep_fds == KEEP_FDS_MAX)
		return ("too many --keep-fd (at most 64)");
	if ((*fds = grow(*fds, o->nkeep_fds, sizeof(**fds))) == NULL) {
		st->bare = true;
		return (strerror(ENOMEM));
	}
	(*fds)[o->nkeep_fds++] = (int)n;
	return (NULL);
}

/*
 * --stop, --status, --signal, --restart and --list exclude each other;
 * --signal is the one with an argument.
 */
static const char *
set_action(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	enum action *action = field_of(st, s);

	if (*action != ACTION_START && *action != (enum action)s->value) {
		st->bare = true;
		return ("only one of --stop, --status, --signal, --restart "
		    "and --list may be given");
	}
	*action = (enum action)s->value;
	if (arg == NULL)
		return (NULL);
	return (parse_signal(arg, &st->o->signal));
}

/* --help and --version win over anything given with them. */
static const char *
set_info(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	enum action *action = field_of(st, s);

	(void)arg;
	*action = (enum action)s->value;
	return (NULL);
}

static const char *
set_retry(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	st->retry_set = true;
	return (parse_retry(arg, field_of(st, s)));
}

static const char *
set_kill_mode(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	bool *mixed = field_of(st, s);

	st->kill_mode_set = true;
	if (strcmp(arg, "mixed") == 0)
		*mixed = true;
	else if (strcmp(arg, "control-group") != 0)
		return ("not control-group or mixed");
	return (NULL);
}

/*
 * An int option from lo to hi into *value, noting in *given that it was
 * set; returns why for a value out of range.
 */
static const char *
bounded_int(const char *arg, long long lo, long long hi, const char *why,
    bool *given, int *value)
{
	long long n;

	*given = true;
	if (parse_number(arg, lo, hi, &n) != NULL)
		return (why);
	*value = (int)n;
	return (NULL);
}

static const char *
set_nice(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	return (bounded_int(arg, -20, 19, "not a nice value from -20 to 19",
	    &st->o->nice_set, field_of(st, s)));
}

static const char *
set_ionice(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	st->o->ionice_set = true;
	return (parse_ionice(arg, field_of(st, s), &st->o->ionice_level));
}

static const char *
set_sched(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	st->o->sched_set = true;
	return (parse_sched(arg, field_of(st, s), &st->o->sched_priority));
}

static const char *
set_oom(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	return (bounded_int(arg, -1000, 1000, "not a score from -1000 to 1000",
	    &st->o->oom_set, field_of(st, s)));
}

static const char *
set_limit(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	struct limit_setting *limits = field_of(st, s);
	const char *err;

	if (st->o->nlimits == LIMITS_MAX)
		return ("too many limits");
	if ((err = parse_limit(arg, &limits[st->o->nlimits])) == NULL)
		st->o->nlimits++;
	return (err);
}

static const char *
set_name(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	return (checked_string(st, s, arg, instance_name_error));
}

static const char *
set_format(struct parse_state *st, const struct option_spec *s,
    const char *arg)
{
	bool *json = field_of(st, s);

	st->format_set = true;
	if (strcmp(arg, "json") == 0)
		*json = true;
	else if (strcmp(arg, "text") == 0)
		*json = false;
	else
		return ("not json or text");
	return (NULL);
}

/*
 * getopt_long(3)'s tables, built from option_table: a short option's val
 * is its letter, a long-only option's OPT_LONG plus its row.
 */
static void
getopt_tables(char *shortopts, struct option *longopts)
{
	const struct option_spec *s;
	size_t i, n = 0;

	shortopts[n++] = '+';
	for (i = 0; i < NOPTIONS; i++) {
		s = &option_table[i];
		longopts[i] = (struct option){s->name, s->arg, NULL,
		    s->letter != 0 ? s->letter : OPT_LONG + (int)i};
		if (s->letter == 0)
			continue;
		shortopts[n++] = s->letter;
		if (s->arg == required_argument)
			shortopts[n++] = ':';
	}
	shortopts[n] = '\0';
	longopts[i] = (struct option){NULL, 0, NULL, 0};
}

/* The row for getopt_long(3)'s answer c, or NULL for '?'. */
static const struct option_spec *
spec_of(int c)
{
	if (c >= OPT_LONG && c < OPT_LONG + (int)NOPTIONS)
		return (&option_table[c - OPT_LONG]);
	for (size_t i = 0; i < NOPTIONS; i++)
		if (option_table[i].letter != 0 && option_table[i].letter == c)
			return (&option_table[i]);
	return (NULL);
}

/*
 * getopt_long(3) says '?' for an unknown option and for a missing or
 * unwanted argument; tell them apart.  lastind is optind before the call.
 */
static int
unknown_option(int argc, char *argv[], int lastind, const char *shortopts,
    char *errbuf, size_t errlen)
{
	const char *arg = argv[optind - 1];
	const char *hint, *err;
	char name[64], list[400];
	bool is_long;

	/* In the middle of "-w10", optind has not moved on. */
	if (optind == lastind && optind < argc)
		arg = argv[optind];
	is_long = strncmp(arg, "--", 2) == 0;
	if (!is_long && (hint = glued_long(arg)) != NULL)
		return (bad(errbuf, errlen, "parse %s: short options take no "
		    "value; use --%s=%s", arg, hint, arg + 2));

	if (is_long)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="),
		    arg);
	else
		snprintf(name, sizeof(name), "-%c", optopt);
	if (is_long && optopt != 0 && strchr(arg, '=') != NULL)
		err = "takes no argument";
	else if (optopt != 0 && (is_long ||
	    strchr(shortopts + 1, optopt) != NULL))
		err = "missing argument";
	else if (is_long && prefixed_longs(name + 2, list, sizeof(list)) > 1)
		return (bad(errbuf, errlen, "parse %s: ambiguous option; "
		    "could be %s", name, list));
	else if (is_long && (hint = closest_long(name + 2)) != NULL)
		return (bad(errbuf, errlen, "parse %s: unknown option; did "
		    "you mean --%s?", name, hint));
	else
		err = "unknown option";
	return (bad(errbuf, errlen, "parse %s: %s", name, err));
}

/*
 * The checks of the whole line that concern the action: the command (or
 * its absence), the pidfile, and no start option with a control action,
 * so that nothing is silently ignored.  start_option is the first option
 * given that a control action does not allow, or "".
 */
static int
check_action(const struct options *o, const struct parse_state *st,
    const char *start_option, char *errbuf, size_t errlen)
{
	if (o->name != NULL && o->pidfile != NULL)
		return (bad(errbuf, errlen, "parse --name: not with -p (the "
		    "name is the pidfile RUNDIR/NAME.pid)"));
	if (st->format_set && o->action != ACTION_STATUS &&
	    o->action != ACTION_LIST)
		return (bad(errbuf, errlen,
		    "parse --format: only with --status and --list"));
	if (o->action == ACTION_LIST && (o->pidfile != NULL ||
	    o->name != NULL))
		return (bad(errbuf, errlen, "parse --list: lists every "
		    "named instance; not with -p or --name"));
	if (o->action == ACTION_START || o->action == ACTION_RESTART) {
		if (o->argv[0] == NULL)
			return (bad(errbuf, errlen,
			    "parse command line: no command given"));
		if (o->argv[0][0] == '\0')
			return (bad(errbuf, errlen,
			    "parse command line: empty command name"));
	} else {
		if (o->argv[0] != NULL)
			return (bad(errbuf, errlen, "parse %s: unexpected "
			    "argument (a control action takes no command)",
			    o->argv[0]));
		if (o->pidfile == NULL && o->name == NULL &&
		    o->action != ACTION_LIST)
			return (bad(errbuf, errlen, "parse command line: "
			    "--stop, --status and --signal need -p pidfile or "
			    "--name"));
		if (start_option[0] != '\0')
			return (bad(errbuf, errlen, "parse %s: a start option; "
			    "--stop, --status and --signal take only -p or "
			    "--name, -v, --format, --retry and --kill-mode",
			    start_option));
	}
	if (o->action == ACTION_RESTART && o->pidfile == NULL &&
	    o->name == NULL)
		return (bad(errbuf, errlen,
		    "parse command line: --restart needs -p pidfile or "
		    "--name"));
	return (0);
}

/*
 * The run mode and whether the original process waits for readiness:
 * derived from the flags alone, once, before the checks that depend on it.
 */
static void
decide_mode(struct options *o)
{
	o->mode = o->respawn != RESPAWN_NONE || o->syslog ? MODE_SUPERVISE :
	    MODE_PLAIN;
	o->parent_waits = o->mode == MODE_PLAIN && o->wait_ready &&
	    !o->foreground;
}

/*
 * The checks of the whole line that concern how the command is run: an
 * option that only a supervisor, or only a stop, would use is refused
 * without one.
 */
static int
check_run(const struct options *o, const struct parse_state *st,
    char *errbuf, size_t errlen)
{
	/*
	 * Who stops the daemon: --stop and --restart; a supervisor when it is
	 * stopped; the original process when readiness fails.  -f -w without
	 * a supervisor execs in place, and a plain start stops nothing.
	 */
	if (st->retry_set && o->action != ACTION_STOP &&
	    o->action != ACTION_RESTART && o->mode == MODE_PLAIN &&
	    !o->parent_waits)
		return (bad(errbuf, errlen, "parse --retry: only --stop, "
		    "--restart, a supervisor (--respawn, --syslog) and "
		    "--wait-ready without --foreground use a stop schedule"));
	if (st->kill_mode_set && o->action != ACTION_STOP &&
	    o->action != ACTION_RESTART)
		return (bad(errbuf, errlen, "parse --kill-mode: only --stop "
		    "and --restart stop a job"));
	if (o->foreground && o->wait_ready && o->respawn == RESPAWN_NONE &&
	    getenv("NOTIFY_SOCKET") == NULL)
		return (bad(errbuf, errlen, "parse --wait-ready: with "
		    "--foreground there is nobody to wait (no NOTIFY_SOCKET)"));
	if (o->child_pidfile != NULL && o->mode == MODE_PLAIN)
		return (bad(errbuf, errlen,
		    "parse --child-pidfile: only with --respawn or --syslog"));
	if (o->tag != NULL && o->mode == MODE_PLAIN)
		return (bad(errbuf, errlen,
		    "parse --tag: only with --respawn or --syslog"));
	if (st->respawn_tuned && o->respawn == RESPAWN_NONE)
		return (bad(errbuf, errlen, "parse --respawn-delay, "
		    "--respawn-max: only with --respawn"));
	return (check_nofile(o, errbuf, errlen));
}

/*
 * Parse argv into *o, one row of option_table per option given.  Returns
 * 0, or -1 with a message in errbuf (the caller exits 64).  Leaves o->argv
 * pointing into argv.
 */
int
options_parse(struct options *o, int argc, char *argv[], char *errbuf,
    size_t errlen)
{
	struct option longopts[NOPTIONS + 1];
	struct parse_state st = {.o = o};
	const struct option_spec *s;
	const char *err;
	char shortopts[1 + 2 * NOPTIONS + 1], name[64], start_option[64] = "";
	int c, lastind, longindex;

	*o = (struct options){
		.action = ACTION_START,
		.chdir_path = "/",
		.umask = 022,
		.respawn_min_ms = 1000,
		.respawn_max_ms = 60000,
		.syslog_facility = LOG_DAEMON,
		.syslog_priority = LOG_NOTICE,
		.wait_ready_ms = 60000,
		.retry = {
			.step = {{SIGTERM, 10000}, {SIGKILL, 5000}},
			.nsteps = 2,
		},
	};

	getopt_tables(shortopts, longopts);
	optind = 0;
	opterr = 0;
	for (;;) {
		longindex = -1;
		lastind = optind == 0 ? 1 : optind;
		c = getopt_long(argc, argv, shortopts, longopts, &longindex);
		if (c == -1)
			break;
		if ((s = spec_of(c)) == NULL)
			return (unknown_option(argc, argv, lastind, shortopts,
			    errbuf, errlen));
		option_name(s, longindex, name, sizeof(name));
		if (start_option[0] == '\0' && !s->control)
			strlcpy(start_option, name, sizeof(start_option));
		st.bare = false;
		if ((err = s->set(&st, s, optarg)) != NULL && st.bare)
			return (bad(errbuf, errlen, "parse %s: %s", name, err));
		if (err != NULL)
			return (bad(errbuf, errlen, "parse %s%s%s: %s", name,
			    longindex >= 0 ? "=" : " ", optarg, err));
		if (o->action == ACTION_HELP || o->action == ACTION_VERSION)
			return (0);
	}

	o->argv = argv + optind;
	decide_mode(o);
	if (check_action(o, &st, start_option, errbuf, errlen) == -1)
		return (-1);
	return (check_run(o, &st, errbuf, errlen));
}

/* A path from the caller, made absolute against the caller's cwd. */
static const char *
absolute(const char *path, const char *cwd)
{
	char *abs;

	if (path == NULL || path[0] == '/')
		return (path);
	if (asprintf(&abs, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd,
	    path) == -1)
		err(EXIT_OSERR, "resolve %s", path);
	return (abs);
}

/* The path with "." components and repeated slashes removed, into buf. */
static void
lexical(const char *path, char *buf, size_t len)
{
	size_t n = 0, c;

	while (*path != '\0' && n + 1 < len) {
		path += strspn(path, "/");
		c = strcspn(path, "/");
		if (c == 0 || (c == 1 && path[0] == '.')) {
			path += c;
			continue;
		}
		if (n + 1 + c >= len)
			break;
		buf[n++] = '/';
		memcpy(buf + n, path, c);
		n += c;
		path += c;
	}
	buf[n] = '\0';
}

/* Whether two absolute paths name one file: as written, or by inode. */
static bool
same_file_path(const char *a, const char *b)
{
	char la[PATH_MAX], lb[PATH_MAX];
	struct stat sa, sb;

	if (a == NULL || b == NULL)
		return (false);
	lexical(a, la, sizeof(la));
	lexical(b, lb, sizeof(lb));
	if (strcmp(la, lb) == 0)
		return (true);
	return (stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/*
 * The supervisor writes --child-pidfile with the child's pid: naming its
 * own locked pidfile, the lockfile or an output file would overwrite it.
 */
static void
check_child_pidfile(const struct options *o)
{
	const struct {
		const char *path;
		const char *what;
	} others[] = {
		{o->pidfile, "the pidfile (-p)"},
		{o->lockfile, "the lockfile (-l)"},
		{o->stdout_path, "the stdout file (-o)"},
		{o->stderr_path, "the stderr file (-e)"},
	};

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (same_file_path(o->child_pidfile, others[i].path))
			errx(EXIT_USAGE, "parse --child-pidfile %s: it is "
			    "also %s", o->child_pidfile, others[i].what);
}

/*
 * Whether path names a file we may execute, with --chroot as seen inside
 * root (NULL: no chroot).  Returns 0 or an errno like execve(2) would:
 * ENOENT, EACCES (also for a directory).
 */
static int
executable(const char *root, const char *path)
{
	struct stat st;

	if (root != NULL)
		return (execenv_executable_in(root, path));
	if (stat(path, &st) == -1)
		return (errno);
	if (S_ISDIR(st.st_mode))
		return (EACCES);
	if (access(path, X_OK) == -1)
		return (errno);
	return (0);
}

/*
 * Find the command as execvp(3) would, but before forking: in the PATH the
 * command will see, or, for a name with a slash, relative to the caller's
 * cwd.  With --chroot, look inside the new root; command_path is then the
 * path as seen from inside it.
 */
static void
resolve_command(struct options *o, const char *cwd)
{
	const char *name = o->argv[0];
	const char *root = o->chroot_path;
	const char *search;
	char *copy, *dir, *rest, *candidate;
	int e, denied = 0;

	if (strchr(name, '/') != NULL) {
		o->command_path = (char *)absolute(name,
		    root != NULL ? "/" : cwd);
		e = executable(root, o->command_path);
		/* The classic mistake: expecting -c to apply (SYNOPSIS). */
		if ((e == ENOENT || e == ENOTDIR) && name[0] != '/' &&
		    strcmp(o->chdir_path, "/") != 0 && root == NULL)
			errx(EXIT_NOTFOUND, "exec %s: command not found in %s "
			    "(a relative command is looked up from the "
			    "caller's directory, not from -c); give its "
			    "absolute path, e.g. %s/%s", name, cwd,
			    o->chdir_path, strncmp(name, "./", 2) == 0 ?
			    name + 2 : name);
		if (e == ENOENT || e == ENOTDIR)
			errx(EXIT_NOTFOUND, "exec %s: command not found", name);
		if (e != 0)
			errc(EXIT_CANNOTEXEC, e, "exec %s", name);
		return;
	}

	if ((search = getenv("PATH")) == NULL)
		search = DEFAULT_PATH;
	if ((copy = strdup(search)) == NULL)
		err(EXIT_OSERR, "resolve %s", name);
	rest = copy;
	while ((dir = strsep(&rest, ":")) != NULL) {
		if (*dir == '\0')
			dir = ".";
		if (asprintf(&candidate, "%s/%s", dir, name) == -1)
			err(EXIT_OSERR, "resolve %s", name);
		char *inside = (char *)absolute(candidate,
		    root != NULL ? "/" : cwd);

		e = executable(root, inside);
		if (inside != candidate)
			free(candidate);
		if (e == 0) {
			o->command_path = inside;
			free(copy);
			return;
		}
		free(inside);
		if (e == EACCES)
			denied = 1;
	}
	free(copy);
	if (denied)
		errc(EXIT_CANNOTEXEC, EACCES, "exec %s", name);
	errx(EXIT_NOTFOUND, "exec %s: command not found", name);
}

/*
 * Build the command's environment in this process, which is inherited by
 * the daemon: --clear-env, then the -u variables, then -E, so that an
 * explicit -E wins.  One pass (envlist.c) whatever the sizes; a start
 * with none of these options keeps the inherited environment untouched.
 * Done before the command lookup, which uses PATH.
 */
static void
prepare_environment(const struct options *o)
{
	static char *const empty[] = {NULL};
	/*
	 * The array's owner for the process's life: environ alone would
	 * not do, because glibc's exit-time cleanup (valgrind runs it)
	 * clears environ and frees only arrays setenv(3) made.
	 */
	static char **built __attribute__((used));
	const struct creds *c = &o->creds;
	const char **set;
	char **env, **filevars = NULL;
	size_t n = 0, nfile = 0;

	if (!o->clear_env && !c->change_user && o->nenv == 0 &&
	    o->env_file == NULL)
		return;
	/* --env-file's lines come before -E, which may override them. */
	if (o->env_file != NULL)
		filevars = envfile_load(o->env_file, &nfile);
	if ((set = reallocarray(NULL, o->nenv + nfile + 6,
	    sizeof(*set))) == NULL)
		err(EXIT_OSERR, "set environment");
	if (o->clear_env) {
		set[n++] = "PATH=" DEFAULT_PATH;
		/*
		 * In the foreground under a service manager (systemd
		 * Type=notify), its NOTIFY_SOCKET is part of the contract
		 * with the manager, not of the caller's environment: keep it.
		 */
		for (char **e = environ; o->foreground && *e != NULL; e++)
			if (strncmp(*e, "NOTIFY_SOCKET=", 14) == 0) {
				set[n++] = *e;
				break;
			}
	}
	if (c->change_user && (
	    asprintf((char **)&set[n++], "HOME=%s", c->home) == -1 ||
	    asprintf((char **)&set[n++], "USER=%s", c->name) == -1 ||
	    asprintf((char **)&set[n++], "LOGNAME=%s", c->name) == -1 ||
	    asprintf((char **)&set[n++], "SHELL=%s", c->shell) == -1))
		err(EXIT_OSERR, "set environment");
	for (size_t i = 0; i < nfile; i++)
		set[n++] = filevars[i];
	for (size_t i = 0; i < o->nenv; i++)
		set[n++] = o->env[i];
	if ((env = envlist_build(o->clear_env ? empty : environ, set,
	    n)) == NULL)
		err(EXIT_OSERR, "set environment");
	free(set);
	environ = built = env;	/* the -u strings live as long as it */
}

void
options_resolve(struct options *o)
{
	struct stat st;
	char buf[PATH_MAX], *cwd;

	/* On the stack: a plain start makes no malloc(3) at all. */
	if ((cwd = getcwd(buf, sizeof(buf))) == NULL && errno == ERANGE)
		cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		err(EXIT_OSERR, "getcwd");
	if (o->name != NULL)	/* a start makes the run directory */
		o->pidfile = instance_pidfile(o->name,
		    o->action == ACTION_START || o->action == ACTION_RESTART);
	o->pidfile = absolute(o->pidfile, cwd);
	if (o->action != ACTION_START && o->action != ACTION_RESTART) {
		if (cwd != buf)
			free(cwd);
		return;
	}
	o->lockfile = absolute(o->lockfile, cwd);
	o->child_pidfile = absolute(o->child_pidfile, cwd);
	o->stdin_path = absolute(o->stdin_path, cwd);
	o->stdout_path = absolute(o->stdout_path, cwd);
	o->stderr_path = absolute(o->stderr_path, cwd);
	check_child_pidfile(o);
	o->chroot_path = absolute(o->chroot_path, cwd);
	if (o->chroot_path == NULL)
		o->chdir_path = absolute(o->chdir_path, cwd);
	else if (o->chdir_path[0] != '/')
		errx(EXIT_USAGE, "parse --chdir %s: with --chroot, the "
		    "directory must be absolute inside the new root",
		    o->chdir_path);

	for (size_t i = 0; i < o->nkeep_fds; i++)
		if (fcntl(o->keep_fds[i], F_GETFD) == -1)
			err(EXIT_USAGE, "keep fd %d", o->keep_fds[i]);
	if (o->chroot_path != NULL && stat(o->chroot_path, &st) == -1)
		err(EXIT_NOINPUT, "chroot %s", o->chroot_path);
	if (o->chroot_path != NULL && !S_ISDIR(st.st_mode))
		errc(EXIT_NOINPUT, ENOTDIR, "chroot %s", o->chroot_path);
	if (o->chroot_path != NULL && geteuid() != 0)
		errc(EXIT_NOPERM, EPERM, "chroot %s", o->chroot_path);
	if (o->user != NULL && geteuid() != 0)
		errc(EXIT_NOPERM, EPERM, "set user %s", o->user);
	if (o->group != NULL && geteuid() != 0)
		errc(EXIT_NOPERM, EPERM, "set group %s", o->group);
	creds_resolve(&o->creds, o->user, o->group);
	prepare_environment(o);
	resolve_command(o, cwd);
	/* Only the supervisor uses it: a plain start makes no copy. */
	if (o->tag == NULL && o->mode == MODE_SUPERVISE) {
		const char *slash = strrchr(o->argv[0], '/');
		const char *base = slash != NULL ? slash + 1 : o->argv[0];

		/* Cut, never refused, unless... */
		if ((o->tag = strndup(base, OPTIONS_TAG_MAX)) == NULL)
			err(EXIT_OSERR, "set tag");
		/* ...a control character would forge a syslog record. */
		if (options_check_tag(o->tag) != NULL)
			errx(EXIT_USAGE, "parse tag from the command name: "
			    "control character; give one with --tag");
	}
	if (cwd != buf)
		free(cwd);
}

/* Free what options_parse() allocated (the fuzzers call this). */
void
options_free(struct options *o)
{
	free(o->env);
	free(o->keep_fds);
	o->env = NULL;
	o->keep_fds = NULL;
}
