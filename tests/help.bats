#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --help, --version and usage errors.

load helpers

man_synopsis() {
	MANWIDTH=200 mandoc -Tascii -O width=200 "$TOP_SRCDIR/man/daemonize.1" |
	    col -b | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
	    sed -e '1d' -e '$d' -e 's/^ *//' -e '/^$/d'
}

@test "--help prints the man page's SYNOPSIS, word for word, on stdout" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run -0 --separate-stderr "$DAEMONIZE" --help
	[ "$stderr" = "" ]
	usage=$(printf '%s\n' "$output" | sed -n '1,/^$/p' |
	    sed -e 's/^usage: //' -e 's/^ *//' -e '/^$/d')
	[ "$usage" = "$(man_synopsis)" ]
}

@test "-h is --help and lists every long option" {
	run -0 "$DAEMONIZE" -h
	for opt in append chdir stderr stdout stdin env clear-env pidfile \
	    lockfile user group umask foreground respawn respawn-delay \
	    respawn-max child-pidfile syslog tag wait-ready keep-fd verbose \
	    help version stop retry status signal restart oknodo chroot nice \
	    ionice sched oom-score-adj limit caps no-new-privs name list format \
	    env-file; do
		[[ $output == *"--$opt"* ]] || { echo "missing --$opt"; false; }
	done
}

@test "--version prints the version on stdout" {
	run -0 --separate-stderr "$DAEMONIZE" --version
	[[ $output =~ ^daemonize\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ "$stderr" = "" ]
}

@test "no command: 64 with a message" {
	run -64 --separate-stderr "$DAEMONIZE"
	[ "$stderr" = "daemonize: parse command line: no command given" ]
	[ "$output" = "" ]
}

@test "a value glued to -w, -S or -r: 64, with the long form to use" {
	run -64 --separate-stderr "$DAEMONIZE" -w10 "$PROBE"
	[ "$stderr" = "daemonize: parse -w10: short options take no value; use --wait-ready=10" ]
	run -64 --separate-stderr "$DAEMONIZE" -Sdaemon.info "$PROBE"
	[ "$stderr" = "daemonize: parse -Sdaemon.info: short options take no value; use --syslog=daemon.info" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" -r1 "$PROBE"
	[ "$stderr" = "daemonize: parse -r1: short options take no value; use --respawn=1" ]
	[ ! -e "$T/pid" ]
}

@test "short options take no value: in -w 10, -S fac.pri and -r failure the word is the command" {
	mkdir "$T/bin"
	run -127 --separate-stderr "$DAEMONIZE" -p "$T/pid" -w 10 "$PROBE"
	[ "$stderr" = "daemonize: exec 10: command not found" ]
	run -127 --separate-stderr "$DAEMONIZE" -p "$T/pid" -S local0.info "$PROBE"
	[ "$stderr" = "daemonize: exec local0.info: command not found" ]
	run -127 --separate-stderr "$DAEMONIZE" -p "$T/pid" -r failure "$PROBE"
	[ "$stderr" = "daemonize: exec failure: command not found" ]
	[ ! -e "$T/pid" ]
	# A word that is a command runs, with the rest as its arguments.
	cp "$PROBE" "$T/bin/failure"
	PATH=$T/bin:$PATH run -0 "$DAEMONIZE" -p "$T/pid" -r failure -r "$T/rep"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	[ "$(readlink "/proc/$(probe_val "$T/rep" ppid)/exe")" = "$DAEMONIZE" ]
	[ "$(probe_val "$T/rep" ppid)" = "$(cat "$T/pid")" ]
}

@test "64: --wait-ready=0, nothing runs" {
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --wait-ready=0 "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: parse --wait-ready=0: the timeout must be longer than 0 seconds" ]
	[ ! -e "$T/pid" ]
	[ ! -e "$T/rep" ]
}

@test "a mistyped long option: 64, with the closest one" {
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stpo
	[ "$stderr" = "daemonize: parse --stpo: unknown option; did you mean --stop?" ]
	run -64 --separate-stderr "$DAEMONIZE" --foregroud "$PROBE"
	[ "$stderr" = "daemonize: parse --foregroud: unknown option; did you mean --foreground?" ]
	# Nothing close: no guess.
	run -64 --separate-stderr "$DAEMONIZE" --bogus "$PROBE"
	[ "$stderr" = "daemonize: parse --bogus: unknown option" ]
}

@test "unknown option: 64" {
	run -64 --separate-stderr "$DAEMONIZE" --bogus true
	[ "$stderr" = "daemonize: parse --bogus: unknown option" ]
	run -64 --separate-stderr "$DAEMONIZE" -Z true
	[ "$stderr" = "daemonize: parse -Z: unknown option" ]
}

@test "missing argument: 64" {
	run -64 --separate-stderr "$DAEMONIZE" -p
	[ "$stderr" = "daemonize: parse -p: missing argument" ]
	run -64 --separate-stderr "$DAEMONIZE" --pidfile
	[ "$stderr" = "daemonize: parse --pidfile: missing argument" ]
	run -64 --separate-stderr "$DAEMONIZE" --append=yes true
	[ "$stderr" = "daemonize: parse --append: takes no argument" ]
}

@test "bad umask values: 64" {
	for m in 8 0x1f -1 01000 '' 1777 abc; do
		run -64 --separate-stderr "$DAEMONIZE" -m "$m" true
		[ "$stderr" = "daemonize: parse -m $m: not an octal mode from 000 to 777" ]
	done
	run -64 --separate-stderr "$DAEMONIZE" --umask=9 true
	[ "$stderr" = "daemonize: parse --umask=9: not an octal mode from 000 to 777" ]
}

@test "bad -E: 64" {
	run -64 --separate-stderr "$DAEMONIZE" -E NOEQUALS true
	[ "$stderr" = "daemonize: parse -E NOEQUALS: not NAME=VALUE" ]
	run -64 --separate-stderr "$DAEMONIZE" -E =v true
	[ "$stderr" = "daemonize: parse -E =v: empty variable name" ]
}

@test "bad --keep-fd: 64" {
	run -64 --separate-stderr "$DAEMONIZE" --keep-fd=2 true
	[ "$stderr" = "daemonize: parse --keep-fd=2: not a file descriptor from 3 up" ]
	run -64 --separate-stderr "$DAEMONIZE" --keep-fd=77 true
	[ "$stderr" = "daemonize: keep fd 77: Bad file descriptor" ]
}

@test "the command's own options are never taken" {
	run -0 "$DAEMONIZE" "$PROBE" -r "$T/rep" -x 0
	wait_for 5 test -s "$T/rep"
	run -127 --separate-stderr "$DAEMONIZE" -- -x
	[ "$stderr" = "daemonize: exec -x: command not found" ]
}

@test "control actions need -p and take no command" {
	run -64 --separate-stderr "$DAEMONIZE" --stop
	[ "$stderr" = "daemonize: parse command line: --stop, --status and --signal need -p pidfile or --name" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status true
	[ "$stderr" = "daemonize: parse true: unexpected argument (a control action takes no command)" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --status
	[ "$stderr" = "daemonize: parse --status: only one of --stop, --status, --signal, --restart and --list may be given" ]
}

@test "the exit codes of src/exitcodes.h are the man page's EXIT STATUS table" {
	header=$(sed -n '/^enum exitcode {/,/^};/p' "$TOP_SRCDIR/src/exitcodes.h" |
	    sed -n 's/.*= \([0-9]*\),.*/\1/p' | grep -vx 1 | sort -n | paste -sd' ')
	manpage=$(sed -n '/^\.Sh EXIT STATUS/,/^\.El/p' "$TOP_SRCDIR/man/daemonize.1" |
	    sed -n 's/^\.It \([0-9]*\)$/\1/p' | sort -n | paste -sd' ')
	[ "$header" = "0 64 66 67 70 71 73 75 77 124 125 126 127" ]
	[ "$manpage" = "$header" ]
}

@test "nothing is silently ignored: start options with a control action, supervisor options without one" {
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop -o "$T/out"
	[ "$stderr" = "daemonize: parse -o: a start option; --stop, --status and --signal take only -p or --name, -v, --format, --retry and --kill-mode" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --oknodo --status
	[ "$stderr" = "daemonize: parse --oknodo: a start option; --stop, --status and --signal take only -p or --name, -v, --format, --retry and --kill-mode" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --clear-env --stop
	[ "$stderr" = "daemonize: parse --clear-env: a start option; --stop, --status and --signal take only -p or --name, -v, --format, --retry and --kill-mode" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --signal HUP --retry 3
	[ "$stderr" = "daemonize: parse --retry: only --stop, --restart, a supervisor (--respawn, --syslog) and --wait-ready without --foreground use a stop schedule" ]
	run -64 --separate-stderr "$DAEMONIZE" -t tag "$PROBE"
	[ "$stderr" = "daemonize: parse --tag: only with --respawn or --syslog" ]
	run -64 --separate-stderr "$DAEMONIZE" --respawn-delay=1 "$PROBE"
	[ "$stderr" = "daemonize: parse --respawn-delay, --respawn-max: only with --respawn" ]
	run -64 --separate-stderr "$DAEMONIZE" --respawn-max=3 "$PROBE"
	[ "$stderr" = "daemonize: parse --respawn-delay, --respawn-max: only with --respawn" ]
	run -64 --separate-stderr "$DAEMONIZE" --child-pidfile="$T/c" "$PROBE"
	[ "$stderr" = "daemonize: parse --child-pidfile: only with --respawn or --syslog" ]
	[ ! -e "$T/pid" ] && [ ! -e "$T/out" ] && [ ! -e "$T/c" ]
}

@test "too many --keep-fd: 64" {
	args=()
	for i in $(seq 3 67); do args+=(--keep-fd=$i); done
	run -64 --separate-stderr "$DAEMONIZE" "${args[@]}" "$PROBE"
	[ "$stderr" = "daemonize: parse --keep-fd=67: too many --keep-fd (at most 64)" ]
}
