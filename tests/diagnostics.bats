#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The man page's DIAGNOSTICS and EXIT STATUS, and the option rules it
# states: one program name in every message, abbreviated long options,
# which actions use --retry, the refusals of options that would be
# ignored, the exit-code summaries of --help and the README, and the
# pidfile's mode.

load helpers

@test "called as dz (a link or a copy), every message still says daemonize:" {
	ln -s "$DAEMONIZE" "$T/dz"
	cp "$DAEMONIZE" "$T/dzcopy"
	for dz in "$T/dz" "$T/dzcopy"; do
		# Before forking: err(3) in the original process.
		run -127 --separate-stderr "$dz" nosuchcmd
		[ "$stderr" = "daemonize: exec nosuchcmd: command not found" ]
		run -64 --separate-stderr "$dz" --bogus true
		[ "$stderr" = "daemonize: parse --bogus: unknown option" ]
		# After forking: a report from the daemon.
		run -73 --separate-stderr "$dz" -p "$T/pid" -o "$T/nodir/out" "$PROBE"
		[ "$stderr" = "daemonize: open stdout $T/nodir/out: No such file or directory" ]
		[ ! -e "$T/pid" ]
		run -0 --separate-stderr "$dz" --help
		[[ ${lines[0]} == "usage: daemonize [options] [--] command [argument ...]" ]]
		run -0 --separate-stderr "$dz" --version
		[[ $output == "daemonize "* ]]
	done
}

@test "a unique prefix of a long option is that option" {
	run -0 --separate-stderr "$DAEMONIZE" --vers
	[[ $output =~ ^daemonize\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run -3 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stat
	[ "$stderr" = "" ]
	run -66 --separate-stderr "$DAEMONIZE" --chd="$T/nodir" -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: chdir $T/nodir: No such file or directory" ]
	[ ! -e "$T/pid" ]
}

@test "an ambiguous prefix: 64, naming every candidate in --help's order" {
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --st
	[ "$stderr" = "daemonize: parse --st: ambiguous option; could be --stderr, --stdout, --stdin, --stop or --status" ]
	run -64 --separate-stderr "$DAEMONIZE" --re "$PROBE"
	[ "$stderr" = "daemonize: parse --re: ambiguous option; could be --respawn, --respawn-delay, --respawn-max, --retry or --restart" ]
	run -64 --separate-stderr "$DAEMONIZE" --respawn-=1 "$PROBE"
	[ "$stderr" = "daemonize: parse --respawn-: ambiguous option; could be --respawn-delay or --respawn-max" ]
	run -64 --separate-stderr "$DAEMONIZE" --n=1 "$PROBE"
	[ "$stderr" = "daemonize: parse --n: ambiguous option; could be --name, --nice or --no-new-privs" ]
	# An exact name is never ambiguous, though it prefixes others.
	run -64 --separate-stderr "$DAEMONIZE" --respawn --wait-ready=0 "$PROBE"
	[ "$stderr" = "daemonize: parse --wait-ready=0: the timeout must be longer than 0 seconds" ]
	# Nothing before the "=": unknown, not every option.
	run -64 --separate-stderr "$DAEMONIZE" --=x true
	[ "$stderr" = "daemonize: parse --: unknown option" ]
	[ ! -e "$T/pid" ]
}

@test "--retry: refused (64) where no stop schedule is used" {
	msg="daemonize: parse --retry: only --stop, --restart, a supervisor (--respawn, --syslog) and --wait-ready without --foreground use a stop schedule"
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --retry=3 "$PROBE"
	[ "$stderr" = "$msg" ]
	# -f -w without a supervisor executes the command in place.
	NOTIFY_SOCKET=$T/notify run -64 --separate-stderr "$DAEMONIZE" -f -w \
	    --retry=3 "$PROBE" -x 0
	[ "$stderr" = "$msg" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status --retry=3
	[ "$stderr" = "$msg" ]
	run -64 --separate-stderr "$DAEMONIZE" --list --retry=3
	[ "$stderr" = "$msg" ]
	[ ! -e "$T/pid" ]
}

@test "--retry with -S alone: the supervisor stops the command on that schedule" {
	export DAEMONIZE_SYSLOG_SOCKET=$T/nobody-listens
	run -0 --separate-stderr nofd3 "$DAEMONIZE" -S --retry=TERM/0.2/KILL/30 \
	    -p "$T/pid" "$PROBE" -I -r "$T/rep"
	[ "$stderr" = "" ]
	wait_report "$T/rep"
	sup=$(cat "$T/pid")
	track_pid "$sup"
	child=$(probe_val "$T/rep" pid)
	kill -TERM "$sup"
	# The probe ignores TERM; the default schedule would wait 10 s for it
	# before the KILL, this one 0.2 s.
	wait_dead "$child" 5
	wait_dead "$sup" 5
	[ ! -e "$T/pid" ]
}

@test "supervisor tuning without -r: 64 even with -S; --wait-ready=0: 64" {
	run -64 --separate-stderr "$DAEMONIZE" -S --respawn-delay=1 -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: parse --respawn-delay, --respawn-max: only with --respawn" ]
	run -64 --separate-stderr "$DAEMONIZE" -S --respawn-max=3 -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: parse --respawn-delay, --respawn-max: only with --respawn" ]
	run -64 --separate-stderr "$DAEMONIZE" --wait-ready=0 -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: parse --wait-ready=0: the timeout must be longer than 0 seconds" ]
	run -64 --separate-stderr "$DAEMONIZE" -t tag --child-pidfile="$T/c" -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: parse --child-pidfile: only with --respawn or --syslog" ]
	[ ! -e "$T/pid" ] && [ ! -e "$T/c" ]
}

# The codes of src/exitcodes.h, start and control, one a line.
header_codes() {
	sed -n 's/^[[:space:]]*[A-Z_]* = \([0-9]*\),.*/\1/p' \
	    "$TOP_SRCDIR/src/exitcodes.h" | sort -nu
}

# codes_in TEXT: every number in TEXT, and 128+N, one a line.
codes_in() {
	grep -o '128+N\|\b[0-9]\{1,3\}\b' <<<"$1" | sort -nu
}

@test "--help's exit-status summary lists every code, 128+N and the control codes" {
	run -0 --separate-stderr "$DAEMONIZE" --help
	summary=$(printf '%s\n' "$output" | sed -n '/^Exit status:/,$p' |
	    sed 's/daemonize(1)//')
	[ "$(codes_in "$summary")" = "$(printf '%s\n128+N' "$(header_codes)" | sort -nu)" ]
	[ "$(header_codes | paste -sd' ')" = "0 1 3 4 64 66 67 70 71 73 75 77 124 125 126 127" ]
}

@test "the README's exit-code summary lists every code, 128+N and the control codes" {
	summary=$(sed -n '/^Exit codes:/,/^$/p' "$TOP_SRCDIR/README")
	[ -n "$summary" ]
	[ "$(codes_in "$summary")" = "$(printf '%s\n128+N' "$(header_codes)" | sort -nu)" ]
}

@test "the pidfile and lockfile follow -m (0644 less the umask); an existing one keeps its mode" {
	run -0 nofd3 "$DAEMONIZE" -p "$T/pid" -l "$T/lock" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(stat -c %a "$T/pid" "$T/lock" | paste -sd' ')" = "644 644" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	rm -f "$T/pid" "$T/lock" "$T/rep"
	run -0 nofd3 "$DAEMONIZE" -m 027 -p "$T/pid" -l "$T/lock" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(stat -c %a "$T/pid" "$T/lock" | paste -sd' ')" = "640 640" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	rm -f "$T/rep"
	: >"$T/pid2"
	chmod 0604 "$T/pid2"
	run -0 nofd3 "$DAEMONIZE" -m 077 -p "$T/pid2" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(stat -c %a "$T/pid2")" = "604" ]
	run -0 "$DAEMONIZE" -p "$T/pid2" --stop
}

@test "-v: what is done goes to stderr, a query's answer to stdout" {
	run -0 --separate-stderr nofd3 "$DAEMONIZE" -v -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$output" = "" ]
	[ "$stderr" = "daemonize: started $PROBE as pid $pid" ]
	run -0 --separate-stderr "$DAEMONIZE" -v -p "$T/pid" --status
	[[ $output == "running as pid $pid, up "* ]]
	[ "$stderr" = "" ]
	run -0 --separate-stderr "$DAEMONIZE" -v -p "$T/pid" --stop
	[ "$output" = "" ]
	[ "$stderr" = "daemonize: sent SIGTERM to pid $pid
daemonize: stopped pid $pid" ]
	run -3 --separate-stderr "$DAEMONIZE" -v -p "$T/pid" --status
	[ "$output" = "not running" ]
	[ "$stderr" = "" ]
}

@test "--help says long options may be abbreviated, and where -v writes" {
	run -0 --separate-stderr "$DAEMONIZE" --help
	[[ $output == *"A long option may be abbreviated to a prefix that only it starts with."* ]]
	[[ $output == *"say what is done, on stderr (a query's"* ]]
}
