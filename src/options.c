// SPDX-License-Identifier: BSD-2-Clause
/*
 * The command line.  options_parse() runs getopt_long(3) with a leading '+'
 * so that the command's own options are never taken, and checks each value
 * with the pure parsers of parse.c; it reports by returning a message, so
 * that a fuzzer can drive it.  options_resolve() runs in the original
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

enum long_only {
	OPT_CLEAR_ENV = 256,
	OPT_KEEP_FD,
	OPT_STOP,
	OPT_RETRY,
	OPT_STATUS,
	OPT_SIGNAL,
	OPT_RESTART,
	OPT_OKNODO,
	OPT_RESPAWN_DELAY,
	OPT_RESPAWN_MAX,
	OPT_CHILD_PIDFILE,
	OPT_CHROOT,
	OPT_IONICE,
	OPT_SCHED,
	OPT_OOM,
	OPT_LIMIT,
	OPT_CAPS,
	OPT_NO_NEW_PRIVS,
	OPT_KILL_MODE,
	OPT_NAME,
	OPT_LIST,
	OPT_FORMAT,
	OPT_ENV_FILE,
};

static const char shortopts[] = "+ac:e:o:i:E:p:l:u:g:m:frSt:wvhVn:";

static const struct option longopts[] = {
	{"append", no_argument, NULL, 'a'},
	{"chdir", required_argument, NULL, 'c'},
	{"stderr", required_argument, NULL, 'e'},
	{"stdout", required_argument, NULL, 'o'},
	{"stdin", required_argument, NULL, 'i'},
	{"env", required_argument, NULL, 'E'},
	{"clear-env", no_argument, NULL, OPT_CLEAR_ENV},
	{"pidfile", required_argument, NULL, 'p'},
	{"lockfile", required_argument, NULL, 'l'},
	{"user", required_argument, NULL, 'u'},
	{"group", required_argument, NULL, 'g'},
	{"umask", required_argument, NULL, 'm'},
	{"foreground", no_argument, NULL, 'f'},
	{"respawn", optional_argument, NULL, 'r'},
	{"respawn-delay", required_argument, NULL, OPT_RESPAWN_DELAY},
	{"respawn-max", required_argument, NULL, OPT_RESPAWN_MAX},
	{"child-pidfile", required_argument, NULL, OPT_CHILD_PIDFILE},
	{"syslog", optional_argument, NULL, 'S'},
	{"tag", required_argument, NULL, 't'},
	{"wait-ready", optional_argument, NULL, 'w'},
	{"keep-fd", required_argument, NULL, OPT_KEEP_FD},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"stop", no_argument, NULL, OPT_STOP},
	{"retry", required_argument, NULL, OPT_RETRY},
	{"kill-mode", required_argument, NULL, OPT_KILL_MODE},
	{"status", no_argument, NULL, OPT_STATUS},
	{"signal", required_argument, NULL, OPT_SIGNAL},
	{"restart", no_argument, NULL, OPT_RESTART},
	{"oknodo", no_argument, NULL, OPT_OKNODO},
	{"chroot", required_argument, NULL, OPT_CHROOT},
	{"nice", required_argument, NULL, 'n'},
	{"ionice", required_argument, NULL, OPT_IONICE},
	{"sched", required_argument, NULL, OPT_SCHED},
	{"oom-score-adj", required_argument, NULL, OPT_OOM},
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"caps", required_argument, NULL, OPT_CAPS},
	{"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
	{"name", required_argument, NULL, OPT_NAME},
	{"list", no_argument, NULL, OPT_LIST},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"env-file", required_argument, NULL, OPT_ENV_FILE},
	{NULL, 0, NULL, 0},
};

/* The man page's SYNOPSIS, word for word; tests/help.bats keeps them equal. */
static const char synopsis[] =
    "usage: daemonize [options] [--] command [argument ...]\n"
    "       daemonize -p pidfile --stop [--retry schedule]\n"
    "       daemonize -p pidfile --status\n"
    "       daemonize -p pidfile --signal sig\n"
    "       daemonize -p pidfile --restart [options] [--] command "
    "[argument ...]\n"
    "       daemonize --list [--format=json]\n";

static const char option_help[] =
    "\n"
    "A long option may be abbreviated to a prefix that only it starts with.\n"
    "\n"
    "Start:\n"
    "  -a, --append              append to -o/-e files instead of truncating\n"
    "  -c, --chdir=DIR           working directory (default /)\n"
    "  -e, --stderr=FILE         stderr to FILE (default /dev/null)\n"
    "  -o, --stdout=FILE         stdout to FILE (default /dev/null)\n"
    "  -i, --stdin=FILE          stdin from FILE or FIFO (default /dev/null)\n"
    "  -E, --env=NAME=VALUE      set an environment variable (repeatable)\n"
    "      --clear-env           start from an empty environment\n"
    "      --env-file=FILE       NAME=VALUE lines, added before -E\n"
    "  -p, --pidfile=FILE        write the pid to FILE, held under a lock\n"
    "      --name=NAME           instance NAME: the pidfile RUNDIR/NAME.pid\n"
    "  -l, --lockfile=FILE       single-instance lock without a pid\n"
    "  -u, --user=USER[:GROUP]   run as USER (root only)\n"
    "  -g, --group=GROUP         primary group (root only)\n"
    "  -m, --umask=MODE          octal umask (default 022)\n"
    "  -f, --foreground          do not detach; exec the command in place\n"
    "      --keep-fd=N           pass fd N through to the command\n"
    "      --oknodo              exit 0 when already running\n"
    "  -w, --wait-ready[=SECS]   wait for READY=1 on $NOTIFY_SOCKET (60)\n"
    "\n"
    "Supervision:\n"
    "  -r, --respawn[=always|failure]  restart the command when it exits\n"
    "      --respawn-delay=MIN[:MAX]   back-off in seconds (default 1:60)\n"
    "      --respawn-max=N[/SECS]      give up after N restarts\n"
    "      --child-pidfile=FILE        also record the child's pid\n"
    "  -S, --syslog[=FACILITY.PRIORITY] output to syslog (daemon.notice)\n"
    "  -t, --tag=TAG             syslog tag and process title (1-64 bytes,\n"
    "                            no control characters)\n"
    "\n"
    "Execution environment:\n"
    "      --chroot=DIR          change root (root only)\n"
    "  -n, --nice=N              absolute nice value, -20 to 19\n"
    "      --ionice=CLASS[:LEVEL] realtime, best-effort or idle\n"
    "      --sched=POLICY[:PRIO] other, batch, idle, fifo or rr\n"
    "      --oom-score-adj=N     -1000 to 1000\n"
    "      --limit=RES=SOFT[:HARD] resource limit (repeatable)\n"
    "      --caps=CAP[,CAP...]   ambient capabilities kept across -u\n"
    "      --no-new-privs        set no_new_privs before exec\n"
    "\n"
    "Control:\n"
    "      --stop                stop the daemon named by -p\n"
    "      --retry=SCHEDULE      stop schedule (default TERM/10/KILL/5)\n"
    "      --kill-mode=MODE      control-group (every step to the whole job)\n"
    "                            or mixed (only KILL to the whole job)\n"
    "      --status              LSB status: 0 running, 1 dead, 3 stopped, "
    "4 unknown\n"
    "      --signal=SIG          send SIG to the daemon named by -p\n"
    "      --restart             stop, then start\n"
    "      --list                every named instance: NAME PID STATE "
    "UPTIME COMMAND\n"
    "      --format=json         --status and --list as JSON\n"
    "\n"
    "  -v, --verbose             say what is done, on stderr (a query's\n"
    "                            answer, --status -v, goes to stdout)\n"
    "  -h, --help                this help\n"
    "  -V, --version             version\n"
    "\n"
    "Exit status: 0 started, 64 usage, 66 no input, 67 no user, 70 internal\n"
    "error, 71 system error, 73 cannot create, 75 already running, 77 not\n"
    "permitted, 124 not ready, 125 exited before ready, 126 cannot execute,\n"
    "127 not found, 128+N interrupted by signal N.  --stop: 1 still running;\n"
    "--status: 1 dead but the pidfile remains, 3 not running; --signal: 3 not\n"
    "running; 4 cannot tell.  See daemonize(1).\n";

void
usage(void)
{
	fputs(synopsis, stdout);
	fputs(option_help, stdout);
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
	const struct option *lo, *best = NULL;
	size_t d, bestd = SIZE_MAX, limit = strlen(name) / 2;

	if (limit > 2)
		limit = 2;
	for (lo = longopts; lo->name != NULL; lo++)
		if ((d = distance(name, lo->name)) < bestd) {
			bestd = d;
			best = lo;
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
	const struct option *lo;
	size_t n = 0, plen = strlen(prefix), total = 0;

	for (lo = longopts; lo->name != NULL && plen > 0; lo++)
		if (strncmp(lo->name, prefix, plen) == 0)
			total++;
	buf[0] = '\0';
	for (lo = longopts; lo->name != NULL && total > 1; lo++) {
		if (strncmp(lo->name, prefix, plen) != 0)
			continue;
		if (n++ > 0)
			strlcat(buf, n == total ? " or " : ", ", len);
		strlcat(buf, "--", len);
		strlcat(buf, lo->name, len);
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
	switch (arg[1]) {
	case 'r':
		return ("respawn");
	case 'S':
		return ("syslog");
	case 'w':
		return ("wait-ready");
	}
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
option_name(int c, int longindex, char *buf, size_t len)
{
	/* No snprintf(3): this runs once per option, on every start. */
	if (longindex >= 0) {
		strlcpy(buf, "--", len);
		strlcat(buf, longopts[longindex].name, len);
	} else
		strlcpy(buf, (char[]){'-', (char)c, '\0'}, len);
}

/*
 * Parse argv into *o.  Returns 0, or -1 with a message in errbuf (the
 * caller exits 64).  Leaves o->argv pointing into argv.
 */
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

int
options_parse(struct options *o, int argc, char *argv[], char *errbuf,
    size_t errlen)
{
	const char *err = NULL;
	char name[64], start_option[64] = "";
	long long n;
	int c, lastind, longindex;
	bool retry_set = false, respawn_tuned = false, kill_mode_set = false;
	bool format_set = false;

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

	optind = 0;
	opterr = 0;
	for (;;) {
		longindex = -1;
		lastind = optind == 0 ? 1 : optind;
		c = getopt_long(argc, argv, shortopts, longopts, &longindex);
		if (c == -1)
			break;
		option_name(c, longindex, name, sizeof(name));
		if (start_option[0] == '\0' && strchr("pvhV", c) == NULL &&
		    c != OPT_STOP && c != OPT_STATUS && c != OPT_SIGNAL &&
		    c != OPT_RESTART && c != OPT_RETRY && c != OPT_KILL_MODE &&
		    c != '?' && c != OPT_NAME && c != OPT_LIST &&
		    c != OPT_FORMAT)
			snprintf(start_option, sizeof(start_option), "%s", name);
		switch (c) {
		case 'a':
			o->append = true;
			break;
		case 'c':
			o->chdir_path = optarg;
			break;
		case 'e':
			o->stderr_path = optarg;
			break;
		case 'o':
			o->stdout_path = optarg;
			break;
		case 'i':
			o->stdin_path = optarg;
			break;
		case 'E':
			if ((err = parse_env(optarg)) != NULL)
				break;
			if ((o->env = grow(o->env, o->nenv,
			    sizeof(*o->env))) == NULL)
				return (bad(errbuf, errlen, "parse %s: %s",
				    name, strerror(ENOMEM)));
			o->env[o->nenv++] = optarg;
			break;
		case OPT_CLEAR_ENV:
			o->clear_env = true;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'l':
			o->lockfile = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'g':
			o->group = optarg;
			break;
		case 'm':
			err = parse_umask(optarg, &o->umask);
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'r':
			o->respawn = RESPAWN_ALWAYS;
			if (optarg == NULL || strcmp(optarg, "always") == 0)
				break;
			if (strcmp(optarg, "failure") == 0)
				o->respawn = RESPAWN_FAILURE;
			else
				err = "not always or failure";
			break;
		case OPT_RESPAWN_DELAY:
			respawn_tuned = true;
			err = parse_respawn_delay(optarg, &o->respawn_min_ms,
			    &o->respawn_max_ms);
			break;
		case OPT_RESPAWN_MAX:
			respawn_tuned = true;
			o->respawn_limited = true;
			err = parse_respawn_max(optarg, &o->respawn_max,
			    &o->respawn_window_ms);
			break;
		case OPT_CHILD_PIDFILE:
			o->child_pidfile = optarg;
			break;
		case 'S':
			o->syslog = true;
			if (optarg != NULL)
				err = parse_syslog(optarg, &o->syslog_facility,
				    &o->syslog_priority);
			break;
		case 't':
			err = options_check_tag(optarg);
			o->tag = optarg;
			break;
		case 'w':
			o->wait_ready = true;
			if (optarg == NULL)
				break;
			if ((err = parse_seconds(optarg,
			    &o->wait_ready_ms)) == NULL && o->wait_ready_ms == 0)
				err = "the timeout must be longer than 0 seconds";
			break;
		case OPT_KEEP_FD:
			if (parse_number(optarg, 3, INT_MAX, &n) != NULL) {
				err = "not a file descriptor from 3 up";
				break;
			}
			if (o->nkeep_fds == KEEP_FDS_MAX) {
				err = "too many --keep-fd (at most 64)";
				break;
			}
			if ((o->keep_fds = grow(o->keep_fds, o->nkeep_fds,
			    sizeof(*o->keep_fds))) == NULL)
				return (bad(errbuf, errlen, "parse %s: %s",
				    name, strerror(ENOMEM)));
			o->keep_fds[o->nkeep_fds++] = (int)n;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			o->action = ACTION_HELP;
			return (0);
		case 'V':
			o->action = ACTION_VERSION;
			return (0);
		case OPT_STOP:
		case OPT_STATUS:
		case OPT_SIGNAL:
		case OPT_RESTART:
		case OPT_LIST: {
			enum action a = c == OPT_STOP ? ACTION_STOP :
			    c == OPT_STATUS ? ACTION_STATUS :
			    c == OPT_SIGNAL ? ACTION_SIGNAL :
			    c == OPT_LIST ? ACTION_LIST : ACTION_RESTART;

			if (o->action != ACTION_START && o->action != a)
				return (bad(errbuf, errlen, "parse %s: only one "
				    "of --stop, --status, --signal, --restart "
				    "and --list may be given", name));
			o->action = a;
			if (c == OPT_SIGNAL)
				err = parse_signal(optarg, &o->signal);
			break;
		}
		case OPT_RETRY:
			retry_set = true;
			err = parse_retry(optarg, &o->retry);
			break;
		case OPT_KILL_MODE:
			kill_mode_set = true;
			if (strcmp(optarg, "mixed") == 0)
				o->kill_mixed = true;
			else if (strcmp(optarg, "control-group") != 0)
				err = "not control-group or mixed";
			break;
		case OPT_OKNODO:
			o->oknodo = true;
			break;
		case OPT_CHROOT:
			o->chroot_path = optarg;
			break;
		case 'n':
			o->nice_set = true;
			if ((err = parse_number(optarg, -20, 19, &n)) == NULL)
				o->nice = (int)n;
			else
				err = "not a nice value from -20 to 19";
			break;
		case OPT_IONICE:
			o->ionice_set = true;
			err = parse_ionice(optarg, &o->ionice_class,
			    &o->ionice_level);
			break;
		case OPT_SCHED:
			o->sched_set = true;
			err = parse_sched(optarg, &o->sched_policy,
			    &o->sched_priority);
			break;
		case OPT_OOM:
			o->oom_set = true;
			if (parse_number(optarg, -1000, 1000, &n) == NULL)
				o->oom_score_adj = (int)n;
			else
				err = "not a score from -1000 to 1000";
			break;
		case OPT_LIMIT:
			if (o->nlimits == LIMITS_MAX) {
				err = "too many limits";
				break;
			}
			err = parse_limit(optarg, &o->limits[o->nlimits]);
			if (err == NULL)
				o->nlimits++;
			break;
		case OPT_CAPS:
			o->caps = optarg;
			break;
		case OPT_NO_NEW_PRIVS:
			o->no_new_privs = true;
			break;
		case OPT_NAME:
			err = instance_name_error(optarg);
			o->name = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0)
				o->json = true;
			else if (strcmp(optarg, "text") == 0)
				o->json = false;
			else
				err = "not json or text";
			format_set = true;
			break;
		case OPT_ENV_FILE:
			o->env_file = optarg;
			break;
		default: {
			/*
			 * getopt_long(3) says '?' for an unknown option and
			 * for a missing or unwanted argument; tell them apart.
			 */
			const char *arg = argv[optind - 1];
			const char *hint;
			char list[400];
			bool is_long;

			/* In the middle of "-w10", optind has not moved on. */
			if (optind == lastind && optind < argc)
				arg = argv[optind];
			is_long = strncmp(arg, "--", 2) == 0;
			if (!is_long && (hint = glued_long(arg)) != NULL)
				return (bad(errbuf, errlen, "parse %s: short "
				    "options take no value; use --%s=%s", arg,
				    hint, arg + 2));

			if (is_long)
				snprintf(name, sizeof(name), "%.*s",
				    (int)strcspn(arg, "="), arg);
			else
				snprintf(name, sizeof(name), "-%c", optopt);
			if (is_long && optopt != 0 && strchr(arg, '=') != NULL)
				err = "takes no argument";
			else if (optopt != 0 && (is_long ||
			    strchr(shortopts + 1, optopt) != NULL))
				err = "missing argument";
			else if (is_long && prefixed_longs(name + 2, list,
			    sizeof(list)) > 1)
				return (bad(errbuf, errlen, "parse %s: "
				    "ambiguous option; could be %s", name,
				    list));
			else if (is_long &&
			    (hint = closest_long(name + 2)) != NULL)
				return (bad(errbuf, errlen, "parse %s: unknown "
				    "option; did you mean --%s?", name, hint));
			else
				err = "unknown option";
			return (bad(errbuf, errlen, "parse %s: %s", name, err));
		}
		}
		if (err != NULL)
			return (bad(errbuf, errlen, "parse %s%s%s: %s", name,
			    longindex >= 0 ? "=" : " ", optarg, err));
	}

	o->argv = argv + optind;
	decide_mode(o);
	if (o->name != NULL && o->pidfile != NULL)
		return (bad(errbuf, errlen, "parse --name: not with -p (the "
		    "name is the pidfile RUNDIR/NAME.pid)"));
	if (format_set && o->action != ACTION_STATUS &&
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
		/* Nothing is silently ignored: start options have no place. */
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
	/*
	 * Who stops the daemon: --stop and --restart; a supervisor when it is
	 * stopped; the original process when readiness fails.  -f -w without
	 * a supervisor execs in place, and a plain start stops nothing.
	 */
	if (retry_set && o->action != ACTION_STOP &&
	    o->action != ACTION_RESTART && o->mode == MODE_PLAIN &&
	    !o->parent_waits)
		return (bad(errbuf, errlen, "parse --retry: only --stop, "
		    "--restart, a supervisor (--respawn, --syslog) and "
		    "--wait-ready without --foreground use a stop schedule"));
	if (kill_mode_set && o->action != ACTION_STOP &&
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
	if (respawn_tuned && o->respawn == RESPAWN_NONE)
		return (bad(errbuf, errlen, "parse --respawn-delay, "
		    "--respawn-max: only with --respawn"));
	return (check_nofile(o, errbuf, errlen));
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
