#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --foreground: the same preparation, no fork; the command's exit status.

load helpers

@test "--foreground execs in place: same pid, the pidfile names it, status is the command's" {
	run -3 "$DAEMONIZE" -f -p "$T/pid" -c "$T" -m 077 "$PROBE" -r "$T/rep" -x 3
	[ "$(probe_val "$T/rep" cwd)" = "$T" ]
	[ "$(probe_val "$T/rep" umask)" = 077 ]
	[ "$(probe_val "$T/rep" pid)" = "$(cat "$T/pid")" ]
}

@test "--foreground: killed by signal N gives 128+N" {
	run -137 bash -c '"$@"; exit $?' _ "$DAEMONIZE" -f "$PROBE" -k 9
}

@test "--foreground: errors are printed directly with the spec's codes" {
	run -66 --separate-stderr "$DAEMONIZE" -f -p "$T/pid" -c "$T/nodir" "$PROBE"
	[ "$stderr" = "daemonize: chdir $T/nodir: No such file or directory" ]
	[ ! -e "$T/pid" ]
	run -127 --separate-stderr "$DAEMONIZE" -f nope-xyz
	[ "$stderr" = "daemonize: exec nope-xyz: command not found" ]
}

@test "--foreground: 75 when the pidfile is held" {
	run -0 "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	run -75 --separate-stderr "$DAEMONIZE" -f -p "$T/pid" "$PROBE" -x 0
	[ "$stderr" = "daemonize: $T/pid: already running as pid $(probe_val "$T/rep" pid)" ]
}

@test "--foreground: signals reset and fds swept, stdio from -o" {
	run -0 "$DAEMONIZE" -f -o "$T/out" "$PROBE" -r "$T/rep" -L 1 -x 0
	[ "$(cat "$T/out")" = "line 1" ]
	[ "$(probe_val "$T/rep" sigblk)" = 0000000000000000 ]
	[ "$(probe_val "$T/rep" fds)" = 0,1,2 ]
}
