#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The supervisor's process title: exactly the documented string
# in /proc/PID/cmdline and ps(1), nothing after it, whether it fits in the
# argument strings or runs on over the moved environment; and the command
# still gets its arguments and environment intact.

load helpers

# cmdline_is PID TEXT: /proc/PID/cmdline is TEXT and one NUL, no more.
cmdline_is() {
	local want
	want=$(printf '%s\0' "$2" | od -An -c)
	[ "$(od -An -c <"/proc/$1/cmdline")" = "$want" ] || {
		echo "cmdline of $1:" >&2
		od -c <"/proc/$1/cmdline" >&2
		return 1
	}
}

# title_is PID TEXT: the whole command line, and what ps(1) shows, is TEXT.
title_is() {
	cmdline_is "$1" "$2" && [ "$(ps -o args= -p "$1")" = "$2" ]
}

# started PIDFILE REPORT: track the start, set sup and child.
started() {
	track_pidfile "$1"
	wait_report "$2"
	sup=$(cat "$1")
	child=$(probe_val "$2" pid)
}

# start_supervised ARGV0 ARGS...: start from $T with argv[0] ARGV0.
start_supervised() {
	local argv0=$1
	shift
	(cd "$T" && exec -a "$argv0" "$DAEMONIZE" "$@") 3>&-
}

@test "the supervisor's title is exact in /proc/PID/cmdline and ps -o args" {
	run -0 --separate-stderr start_supervised daemonize --respawn \
	    -p "$T/pid" -E LONG="$(printf 'x%.0s' {1..300})" "$PROBE" \
	    -r "$T/rep" one two
	[ "$stderr" = "" ]
	started "$T/pid" "$T/rep"
	title_is "$sup" "daemonize: probe [supervising pid $child]"
	# The child got its own arguments and the environment.
	[ "$(tr '\0' '\n' <"/proc/$child/cmdline")" = \
	    "$(printf '%s\n' "$PROBE" -r "$T/rep" one two)" ]
	grep -qx "env:LONG=$(printf 'x%.0s' {1..300})" "$T/rep"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	wait_dead "$sup"
}

@test "a title longer than the arguments runs on over the environment, exactly" {
	cp "$PROBE" "$T/p"
	run -0 --separate-stderr env -i PATH=/usr/bin:/bin KEEP=me \
	    bash -c 'cd "$1" && shift && exec -a d "$@"' _ "$T" \
	    "$DAEMONIZE" -r -pq -c. ./p -r rep
	[ "$stderr" = "" ]
	started "$T/q" "$T/rep"
	title="daemonize: p [supervising pid $child]"
	# Longer than "d -r -pq -c. ./p -r rep": it did run on.
	((${#title} > 24))
	title_is "$sup" "$title"
	# The moved environment still reaches the command, unchanged.
	grep -qx 'env:KEEP=me' "$T/rep"
	grep -qx 'env:PATH=/usr/bin:/bin' "$T/rep"
	run -0 "$DAEMONIZE" -p "$T/q" --stop
	wait_dead "$sup"
}

@test "the title follows each respawn" {
	run -0 start_supervised daemonize --respawn --respawn-delay=0 \
	    -p "$T/pid" "$PROBE" -r "$T/rep"
	started "$T/pid" "$T/rep"
	first=$child
	mv "$T/rep" "$T/rep.first"
	kill -KILL "$first"
	started "$T/pid" "$T/rep"
	[ "$child" != "$first" ]
	wait_for 5 title_is "$sup" \
	    "daemonize: probe [supervising pid $child]" 2>/dev/null
	title_is "$sup" "daemonize: probe [supervising pid $child]"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	wait_dead "$sup"
}

# Man page, -t: "The syslog tag and the supervisor's process title".
@test "-t sets the supervisor's title" {
	run -0 --separate-stderr start_supervised daemonize --respawn \
	    -t web-1 -p "$T/pid" "$PROBE" -r "$T/rep"
	[ "$stderr" = "" ]
	started "$T/pid" "$T/rep"
	title_is "$sup" "daemonize: web-1 [supervising pid $child]"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	wait_dead "$sup"
}
