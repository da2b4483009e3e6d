#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Supervision (--respawn): the truthful first start, respawn with back-off,
# --respawn-max, failure mode, signals, stopping the whole tree, and what
# happens when the supervisor itself is killed.

load helpers

# supervisor_of PIDFILE: the supervisor's pid (the pidfile's lock holder).
supervisor_of() {
	lock_holder "$1"
}

# descendants PID: every process below PID, one pid per line.
descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = p
				while ((q in parent) && q != root && q > 1)
					q = parent[q]
				if (q == root && p != root)
					print p
			}
		}'
}

# intervals FILE: the seconds between consecutive stamps, one per line.
intervals() {
	awk 'NR > 1 { printf "%.3f\n", $2 - prev } { prev = $2 }' "$1"
}

# between LOW HIGH VALUE: LOW <= VALUE <= HIGH (decimals).
between() {
	awk -v lo="$1" -v hi="$2" -v v="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

# adopted SUP: some process with SUP as parent runs in another session
# (the probe's double-forked escapee, adopted by the subreaper).
adopted() {
	local sid
	sid=$(ps -o sid= -p "$1" | tr -d ' ')
	ps -e -o ppid=,sid= | awk -v p="$1" -v s="$sid" \
	    '$1 == p && $2 != s { found = 1 } END { exit !found }'
}

@test "a start returns 0 once the first child runs; the pidfile names the supervisor" {
	run -0 --separate-stderr "$DAEMONIZE" --respawn -p "$T/pid" \
	    --child-pidfile="$T/cpid" "$PROBE" -r "$T/rep"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	child=$(probe_val "$T/rep" pid)
	[ "$child" != "$sup" ]
	[ "$(lock_holder "$T/pid")" = "$sup" ]
	[ "$(cat "$T/cpid")" = "$child" ]
	# The child: the supervisor's, in its own group, holding no lock.
	[ "$(probe_val "$T/rep" ppid)" = "$sup" ]
	[ "$(probe_val "$T/rep" pgid)" = "$child" ]
	[ "$(probe_val "$T/rep" fds)" = "0,1,2" ]
	[ "$(probe_val "$T/rep" sigblk)" = "0000000000000000" ]
	# The title is the first string (libbsd may leave a '.' further on,
	# where a longer argv[0] ended, for older ps(1)).
	[ "$(tr '\0' '\n' </proc/$sup/cmdline | head -n1)" = \
	    "daemonize: probe [supervising pid $child]" ]
	# The supervisor let go of the caller's descriptors.
	[ "$(readlink /proc/$sup/fd/1)" = /dev/null ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	is_dead "$sup"
	is_dead "$child"
	[ ! -e "$T/pid" ]
	[ ! -e "$T/cpid" ]
}

@test "a hostile caller (SIGCHLD and SIGHUP ignored, SIGTERM blocked, fd 7): the supervisor still reaps, reopens, stops" {
	LEAK=$T/leak "$PY" -c '
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGCHLD})
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
fd = os.open(os.environ["LEAK"], os.O_RDONLY | os.O_CREAT)
os.dup2(fd, 7)
os.execvp(sys.argv[1], sys.argv[1:])' "$DAEMONIZE" --respawn \
	    --respawn-delay=0.05 -p "$T/pid" -o "$T/out" -e "$T/err" \
	    "$PROBE" -H -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	# The caller's fd is gone from the supervisor and the child.
	! ls -l "/proc/$sup/fd/" "/proc/$(probe_val "$T/rep" pid)/fd/" | grep -q "$T/leak"
	# Only its own -H: the supervisor passed on nothing the caller set.
	[ "$(probe_val "$T/rep" sigign)" = 0000000000000001 ]
	[ "$(probe_val "$T/rep" sigblk)" = 0000000000000000 ]
	first=$(probe_val "$T/rep" pid)
	rm "$T/rep"
	kill -KILL "$first"
	wait_report "$T/rep"
	mv "$T/out" "$T/out.1"
	kill -HUP "$sup"
	wait_for 5 test -e "$T/out"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	is_dead "$sup"
}

@test "respawn after SIGKILL of the child: new pid, same supervisor, child pidfile updated" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.1 -p "$T/pid" \
	    --child-pidfile="$T/cpid" -e "$T/err" "$PROBE" -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	first=$(probe_val "$T/rep" pid)
	rm "$T/rep"
	kill -KILL "$first"
	wait_report "$T/rep"
	second=$(probe_val "$T/rep" pid)
	[ "$second" != "$first" ]
	is_dead "$first"
	[ "$(probe_val "$T/rep" ppid)" = "$sup" ]
	[ "$(cat "$T/pid")" = "$sup" ]
	[ "$(lock_holder "$T/pid")" = "$sup" ]
	wait_for 5 grep -qx "$second" "$T/cpid"
	grep -q "daemonize\[$sup\]: pid $first was killed by signal 9 (SIGKILL); respawning in 0.100 s\$" "$T/err"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	is_dead "$second"
	[ ! -e "$T/cpid" ]
}

@test "back-off: MIN, 2 MIN, 4 MIN, capped at MAX; a run longer than MAX resets it" {
	# Runs 1-4 fail at once, run 5 lasts 1 s (longer than MAX), run 6
	# fails at once.  Expected gaps between starts: 0.2 0.4 0.8 0.8
	# (capped), then 1 s of running + 0.2 (reset).
	cat >"$T/cmd" <<-EOF
	#!/bin/sh
	n=\$(cat "$T/n" 2>/dev/null || echo 0)
	n=\$((n + 1))
	echo \$n >"$T/n"
	"$PROBE" -t "$T/stamps" -x 0
	[ \$n -eq 5 ] && sleep 1
	exit 1
	EOF
	chmod 755 "$T/cmd"
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.2:0.8 -p "$T/pid" \
	    -e "$T/err" "$T/cmd"
	track_pidfile "$T/pid"
	wait_for 10 has_lines "$T/stamps" 6
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	mapfile -t gap < <(intervals "$T/stamps")
	between 0.2 0.5 "${gap[0]}"
	between 0.4 0.7 "${gap[1]}"
	between 0.8 1.1 "${gap[2]}"
	between 0.8 1.1 "${gap[3]}"
	between 1.2 1.5 "${gap[4]}"
	grep -q "exited with status 1; respawning in 0.800 s" "$T/err"
}

@test "--respawn-delay=0 restarts at once" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0 -p "$T/pid" \
	    "$PROBE" -t "$T/stamps" -x 1
	track_pidfile "$T/pid"
	wait_for 5 has_lines "$T/stamps" 5
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	while read -r g; do
		between 0 0.3 "$g"
	done < <(intervals "$T/stamps")
}

@test "--respawn-max=N: gives up after N restarts, says why, removes the pidfile" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.05 --respawn-max=2 \
	    -p "$T/pid" --child-pidfile="$T/cpid" -e "$T/err" \
	    "$PROBE" -t "$T/stamps" -x 3
	wait_for 5 test ! -e "$T/pid"
	wait_for 5 grep -q "giving up" "$T/err"
	sup=$(sed -n 's/.*daemonize\[\([0-9]*\)\]: .*giving up.*/\1/p' "$T/err")
	wait_dead "$sup"
	[ "$(line_count "$T/stamps")" -eq 3 ]
	[ ! -e "$T/cpid" ]
	grep -q ": pid [0-9]* exited with status 3; giving up after 2 restarts (--respawn-max)\$" "$T/err"
	run -3 "$DAEMONIZE" -p "$T/pid" --status
}

@test "--respawn-max=N/SECONDS counts restarts in a sliding window" {
	# Each run lasts at least 0.6 s, longer than the window: never too
	# many.  The sleep is the run's length under test, not a wait for
	# something else: a loaded machine only makes runs longer.
	cat >"$T/cmd" <<-EOF
	#!/bin/sh
	"$PROBE" -t "$T/stamps" -x 0
	sleep 0.6
	exit 1
	EOF
	chmod 755 "$T/cmd"
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0 --respawn-max=1/0.5 \
	    -p "$T/pid" -e "$T/err" "$T/cmd"
	track_pidfile "$T/pid"
	wait_for 10 has_lines "$T/stamps" 4
	run -0 "$DAEMONIZE" -p "$T/pid" --status
	! grep -q "giving up" "$T/err"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop

	# Runs shorter than the window: the second restart is one too many.
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0 --respawn-max=1/5 \
	    -p "$T/pid2" -e "$T/err2" "$PROBE" -t "$T/stamps2" -x 1
	wait_for 5 grep -q "giving up after 1 restarts within the window" "$T/err2"
	wait_for 5 test ! -e "$T/pid2"
	[ "$(line_count "$T/stamps2")" -eq 2 ]
}

@test "--respawn=failure: a failure is respawned, exit 0 ends supervision" {
	cat >"$T/cmd" <<-EOF
	#!/bin/sh
	"$PROBE" -t "$T/stamps" -x 0
	[ -e "$T/second" ] && exit 0
	touch "$T/second"
	exit 1
	EOF
	chmod 755 "$T/cmd"
	run -0 "$DAEMONIZE" --respawn=failure --respawn-delay=0.05 \
	    -p "$T/pid" -e "$T/err" "$T/cmd"
	wait_for 5 test ! -e "$T/pid"
	wait_for 5 grep -q "not respawning" "$T/err"
	sup=$(sed -n 's/.*daemonize\[\([0-9]*\)\]: .*not respawning.*/\1/p' "$T/err")
	wait_dead "$sup"
	[ "$(line_count "$T/stamps")" -eq 2 ]
	grep -q ": pid [0-9]* exited with status 1; respawning in 0.050 s\$" "$T/err"
	grep -q ": pid [0-9]* exited with status 0; not respawning (--respawn=failure)\$" "$T/err"
}

@test "--stop takes down the child, its helpers and double-forked escapees: nothing survives" {
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" "$PROBE" -F 2 -D -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	# The escapee left the session; the subreaper adopted it.
	wait_for 5 adopted "$sup"
	mapfile -t all < <(descendants "$sup")
	((${#all[@]} >= 4))
	track_pid "${all[@]}"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	is_dead "$sup"
	for p in "${all[@]}"; do
		wait_dead "$p"
	done
	[ ! -e "$T/pid" ]
}

@test "a child that ignores SIGTERM gets the KILL step of the supervisor's --retry" {
	run -0 "$DAEMONIZE" --respawn --retry=TERM/0.5/KILL/2 -p "$T/pid" \
	    "$PROBE" -I -F 1 -D -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	wait_for 5 adopted "$sup"
	mapfile -t all < <(descendants "$sup")
	track_pid "${all[@]}"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	is_dead "$sup"
	for p in "${all[@]}"; do
		is_dead "$p"
	done
}

@test "--stop and the supervisor on one schedule: the supervisor's KILL comes first" {
	# Without the supervisor cutting its steps short, --stop would KILL
	# the supervisor at 1 s, and the child, which ignores the SIGTERM
	# it then gets, would survive.
	run -0 "$DAEMONIZE" --respawn --retry=TERM/1/KILL/5 -p "$T/pid" \
	    --child-pidfile="$T/cpid" "$PROBE" -I -r "$T/rep"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	child=$(cat "$T/cpid")
	run -0 "$DAEMONIZE" -p "$T/pid" --stop --retry=TERM/1/KILL/5
	wait_dead "$child" 1
}

@test "SIGKILL of the supervisor: the child gets SIGTERM" {
	cat >"$T/cmd" <<-EOF
	#!/bin/sh
	trap 'echo TERM >"$T/got"; exit 0' TERM
	echo \$\$ >"$T/child"
	while :; do sleep 0.05; done
	EOF
	chmod 755 "$T/cmd"
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" "$T/cmd"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_for 5 test -s "$T/child"
	child=$(cat "$T/child")
	track_pid "$child"
	kill -KILL "$sup"
	wait_dead "$child"
	wait_for 5 grep -qx TERM "$T/got"
}

# supervised CHILDFILE ARGS...: start daemonize --respawn -p $T/pid ARGS;
# set sup, and child from CHILDFILE once it is written; track both.
supervised() {
	local childfile=$1
	shift
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" "$@"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_for 5 test -s "$childfile"
	child=$(cat "$childfile")
	track_pid "$child"
}

# supervise_as_nobody COMMAND: supervise COMMAND as -u nobody with a child
# pidfile; set sup and child.
supervise_as_nobody() {
	supervised "$T/cpid" -u nobody --child-pidfile="$T/cpid" "$1"
}

@test "SIGKILL of the supervisor: a child running as -u nobody gets SIGTERM too" {
	require_root
	supervise_as_nobody "$PROBE"
	wait_for 5 grep -q "^Uid:[[:space:]]*$(id -u nobody)" "/proc/$child/status"
	kill -KILL "$sup"
	wait_dead "$child"
}

@test "126: a bad interpreter in the first child, reported as in plain mode, nothing left" {
	printf '#!/no/such/interpreter\n' >"$T/script"
	chmod 755 "$T/script"
	run -126 --separate-stderr "$DAEMONIZE" --respawn -p "$T/pid" \
	    -l "$T/lock" --child-pidfile="$T/cpid" "$T/script"
	[ "$stderr" = "daemonize: exec $T/script: bad interpreter /no/such/interpreter: No such file or directory" ]
	[ ! -e "$T/pid" ]
	[ ! -e "$T/cpid" ]
	# The supervisor held the lockfile: nobody does now.
	wait_for 5 test "$(lock_holder "$T/lock")" = 0
}

@test "126: exec format error in the first child" {
	printf '\177ELF garbage\n' >"$T/bin"
	chmod 755 "$T/bin"
	run -126 --separate-stderr "$DAEMONIZE" --respawn -p "$T/pid" "$T/bin"
	[ "$stderr" = "daemonize: exec $T/bin: Exec format error" ]
	[ ! -e "$T/pid" ]
}

@test "127: the first child's exec finds nothing, nothing left" {
	# /proc/self/cwd is the caller's directory when daemonize looks the
	# command up, and -c's in the child when it executes it.
	cp "$PROBE" "$T/cmd"
	mkdir "$T/elsewhere"
	cd "$T"
	run -127 --separate-stderr "$DAEMONIZE" --respawn -c "$T/elsewhere" \
	    -p "$T/pid" -l "$T/lock" /proc/self/cwd/cmd
	[ "$stderr" = "daemonize: exec /proc/self/cwd/cmd: No such file or directory" ]
	[ ! -e "$T/pid" ]
	wait_for 5 test "$(lock_holder "$T/lock")" = 0
}

@test "a later child's exec failure is logged, not fatal; the next one runs" {
	cp "$PROBE" "$T/cmd"
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.1:0.2 -p "$T/pid" \
	    --child-pidfile="$T/cpid" -e "$T/err" "$T/cmd" -r "$T/rep"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	chmod 644 "$T/cmd"
	rm "$T/rep"
	kill -KILL "$(cat "$T/cpid")"
	wait_for 5 grep -q ": respawn cmd: exec $T/cmd: Permission denied; respawning in 0.200 s\$" "$T/err"
	chmod 755 "$T/cmd"
	wait_report "$T/rep"
	run -0 "$DAEMONIZE" -p "$T/pid" --status
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "USR1 is forwarded to the child's group; HUP too" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.05 -p "$T/pid" \
	    -e "$T/err" "$PROBE" -r "$T/rep"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	first=$(probe_val "$T/rep" pid)
	rm "$T/rep"
	kill -USR1 "$(cat "$T/pid")"
	wait_report "$T/rep"
	grep -q "pid $first was killed by signal 10 (SIGUSR1)" "$T/err"
	second=$(probe_val "$T/rep" pid)
	rm "$T/rep"
	run -0 "$DAEMONIZE" -p "$T/pid" --signal=HUP
	wait_report "$T/rep"
	grep -q "pid $second was killed by signal 1 (SIGHUP)" "$T/err"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "--foreground --respawn: the exit status is the last child's" {
	run -0 "$DAEMONIZE" -f --respawn=failure -p "$T/pid" "$PROBE" -x 0
	[ ! -e "$T/pid" ]
	run -7 "$DAEMONIZE" -f --syslog -p "$T/pid" "$PROBE" -x 7
	run -137 "$DAEMONIZE" -f --syslog "$PROBE" -k 9
	# Given up: 1, and the reason on stderr (no -e, no --syslog).
	run -1 --separate-stderr "$DAEMONIZE" -f --respawn --respawn-delay=0 \
	    --respawn-max=1 -p "$T/pid" "$PROBE" -x 3
	[[ $stderr == *"exited with status 3; giving up after 1 restarts (--respawn-max)" ]]
	[ ! -e "$T/pid" ]
}

@test "--foreground --respawn: SIGINT stops the child; 0, as a stop on request" {
	"$DAEMONIZE" -f --respawn -p "$T/pid" "$PROBE" -r "$T/rep" 3>&- &
	fg=$!
	track_pid "$fg"
	wait_report "$T/rep"
	[ "$(cat "$T/pid")" = "$fg" ]
	kill -INT "$fg"
	rc=0
	wait "$fg" || rc=$?
	[ "$rc" -eq 0 ]
	is_dead "$(probe_val "$T/rep" pid)"
	[ ! -e "$T/pid" ]
}

# As systemd stops a Type=simple unit.  The child dies of
# the forwarded SIGTERM (143 if it were the status), yet the supervisor
# stopped on request exits 0, so the unit does not end "failed".
@test "--foreground --respawn: SIGTERM stops a child that dies of it; 0, not 143" {
	"$DAEMONIZE" -f --respawn -p "$T/pid" "$PROBE" -r "$T/rep" 3>&- &
	fg=$!
	track_pid "$fg"
	wait_report "$T/rep"
	child=$(probe_val "$T/rep" pid)
	kill -TERM "$fg"
	rc=0
	wait "$fg" || rc=$?
	[ "$rc" -eq 0 ]
	is_dead "$child"
	[ ! -e "$T/pid" ]
}

@test "--foreground --respawn: a stop that leaves the child running is 1, not 0" {
	# No KILL step, and the child ignores SIGTERM: the stop failed.
	"$DAEMONIZE" -f --respawn --retry=TERM/0.5 -p "$T/pid" \
	    "$PROBE" -I -r "$T/rep" 3>&- 2>"$T/err" &
	fg=$!
	track_pid "$fg"
	wait_report "$T/rep"
	kill -TERM "$fg"
	rc=0
	wait "$fg" || rc=$?
	[ "$rc" -eq 1 ]
	child=$(probe_val "$T/rep" pid)
	is_alive "$child"
	[[ $(cat "$T/err") =~ ^[-0-9T:+]+\ daemonize\[$fg\]:\ stop\ probe:\ processes\ are\ left\ after\ the\ last\ --retry\ step\;\ exiting$ ]]
	kill -KILL "$child"	# it ignores the teardown's SIGTERM
	wait_dead "$child"
}

@test "--foreground --respawn: the first child's exec failure is printed" {
	printf '#!/no/such/interpreter\n' >"$T/script"
	chmod 755 "$T/script"
	run -126 --separate-stderr "$DAEMONIZE" -f --respawn -p "$T/pid" "$T/script"
	[ "$stderr" = "daemonize: exec $T/script: bad interpreter /no/such/interpreter: No such file or directory" ]
	[ ! -e "$T/pid" ]
}

@test "--child-pidfile refuses a symlink: 73, nothing left" {
	ln -s "$T/target" "$T/cpid"
	run -73 --separate-stderr "$DAEMONIZE" --respawn -p "$T/pid" \
	    --child-pidfile="$T/cpid" "$PROBE"
	[ "$stderr" = "daemonize: write child pidfile $T/cpid: refusing a symbolic link" ]
	[ ! -e "$T/pid" ]
	[ ! -e "$T/target" ]
}

@test "--wait-ready with --respawn: 0 only after READY=1; later messages are logged" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.05 --wait-ready=10 \
	    -p "$T/pid" -e "$T/err" "$PROBE" -r "$T/rep" -N READY=1 \
	    -N "STATUS=serving"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	first=$(probe_val "$T/rep" pid)
	rm "$T/rep"
	kill -KILL "$first"
	wait_report "$T/rep"
	second=$(probe_val "$T/rep" pid)
	wait_for 5 grep -q ": pid $second: READY=1\$" "$T/err"
	wait_for 5 grep -q ": pid $second: STATUS=serving\$" "$T/err"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "--wait-ready with --respawn: ERRNO= is 124, exit before READY 125, nothing left" {
	run -124 --separate-stderr "$DAEMONIZE" --respawn --wait-ready=10 \
	    -p "$T/pid" "$PROBE" -N ERRNO=5 -r "$T/rep"
	[ "$stderr" = "daemonize: wait for READY=1 from pid $(probe_val "$T/rep" pid): it reported ERRNO=5: Input/output error" ]
	[ ! -e "$T/pid" ]
	wait_dead "$(probe_val "$T/rep" pid)"

	run -125 --separate-stderr "$DAEMONIZE" --respawn --wait-ready=10 \
	    -p "$T/pid" "$PROBE" -x 3 -r "$T/rep2"
	[ "$stderr" = "daemonize: wait for READY=1 from pid $(probe_val "$T/rep2" pid): it exited with status 3" ]
	[ ! -e "$T/pid" ]
}

@test "--wait-ready with --respawn: a timeout is 124 and the child is stopped" {
	run -124 --separate-stderr "$DAEMONIZE" --respawn --wait-ready=0.3 \
	    -p "$T/pid" "$PROBE" -r "$T/rep"
	child=$(probe_val "$T/rep" pid)
	[ "$stderr" = "daemonize: wait for READY=1 from pid $child: timed out after 0.300 s" ]
	is_dead "$child"
	[ ! -e "$T/pid" ]
}

@test "64: --child-pidfile naming the pidfile, the lockfile or an output file, in any spelling" {
	run -64 --separate-stderr "$DAEMONIZE" --respawn -p "$T/pid" --child-pidfile="$T/./pid" "$PROBE"
	[ "$stderr" = "daemonize: parse --child-pidfile $T/./pid: it is also the pidfile (-p)" ]
	run -64 --separate-stderr "$DAEMONIZE" --respawn -l "$T/lock" --child-pidfile="$T//lock" "$PROBE"
	[ "$stderr" = "daemonize: parse --child-pidfile $T//lock: it is also the lockfile (-l)" ]
	run -64 --separate-stderr "$DAEMONIZE" --respawn -o "$T/out" --child-pidfile="$T/out" "$PROBE"
	[ "$stderr" = "daemonize: parse --child-pidfile $T/out: it is also the stdout file (-o)" ]
	touch "$T/err" && ln -s "$T/err" "$T/errlink"
	run -64 --separate-stderr "$DAEMONIZE" --respawn -e "$T/errlink" --child-pidfile="$T/err" "$PROBE"
	[ "$stderr" = "daemonize: parse --child-pidfile $T/err: it is also the stderr file (-e)" ]
	[ ! -e "$T/pid" ] && [ ! -e "$T/lock" ] && [ ! -e "$T/out" ]
}

# title PID: the process's command line as ps shows it.
title() {
	tr '\0' ' ' <"/proc/$1/cmdline" | sed 's/ *$//'
}

@test "during back-off the child pidfile is empty and the title says a restart is pending" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=3 -t app -p "$T/pid" \
	    --child-pidfile="$T/cpid" "$PROBE" -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	first=$(probe_val "$T/rep" pid)
	wait_for 5 grep -qx "$first" "$T/cpid"
	[ "$(title "$sup")" = "daemonize: app [supervising pid $first]" ]
	rm "$T/rep"
	kill -KILL "$first"
	wait_for 2 test -f "$T/cpid" -a ! -s "$T/cpid"
	wait_for 2 eval '[ "$(title "$sup")" = "daemonize: app [restart pending]" ]'
	wait_report "$T/rep" 10
	second=$(probe_val "$T/rep" pid)
	wait_for 5 grep -qx "$second" "$T/cpid"
	[ "$(title "$sup")" = "daemonize: app [supervising pid $second]" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "before a restart, what the last run left behind is stopped: respawns never pile up" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.2:0.2 -e "$T/err" \
	    -p "$T/pid" "$PROBE" -F 1 -D -t "$T/stamps" -x 0
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_for 60 has_lines "$T/stamps" 6
	# One run's worth at most: the probe, its helper, its escapee and the
	# escapee's parent on the way out (4), never several runs' worth.
	n=$(descendants "$sup" | while read -r p; do is_alive "$p" && echo "$p"; done | wc -l)
	echo "# live descendants after $(line_count "$T/stamps") starts: $n" >&3
	((n <= 4))
	grep -q "daemonize\[$sup\]: stopping what pid [0-9]* left behind before the restart" "$T/err"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "--wait-ready with --respawn -v: STATUS= during the first start is shown, and the last one on failure" {
	run -0 --separate-stderr "$DAEMONIZE" -v --respawn --wait-ready=10 \
	    -p "$T/pid" "$PROBE" -r "$T/rep" -N "STATUS=warming up" -N READY=1
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	child=$(probe_val "$T/rep" pid)
	[ "${stderr_lines[0]}" = "daemonize: status from pid $child: warming up" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop

	run -124 --separate-stderr "$DAEMONIZE" --respawn --wait-ready=0.5 \
	    -p "$T/pid" "$PROBE" -r "$T/rep2" -N "$(printf 'STATUS=loading\t42%%')"
	child=$(probe_val "$T/rep2" pid)
	[ "${stderr_lines[0]}" = "daemonize: wait for READY=1 from pid $child: timed out after 0.500 s" ]
	[ "${stderr_lines[1]}" = "daemonize: the last STATUS from pid $child was: loading?42%" ]
	[ "${#stderr_lines[@]}" = 2 ]
	[ ! -e "$T/pid" ]
}

# Man page, --child-pidfile: "opened like the pidfile (no symbolic link, no
# hard link, a regular file ...) but not locked".
@test "--child-pidfile refuses a hard link and a FIFO: 73, nothing left" {
	echo keep >"$T/target"
	ln "$T/target" "$T/cpid"
	run -73 --separate-stderr "$DAEMONIZE" --respawn -p "$T/pid" \
	    --child-pidfile="$T/cpid" "$PROBE"
	[ "$stderr" = "daemonize: write child pidfile $T/cpid: refusing a file with more than one hard link" ]
	[ ! -e "$T/pid" ]
	[ "$(cat "$T/target")" = keep ]
	mkfifo "$T/fifo"
	run -73 --separate-stderr "$DAEMONIZE" --respawn -p "$T/pid" \
	    --child-pidfile="$T/fifo" "$PROBE"
	[ "$stderr" = "daemonize: write child pidfile $T/fifo: refusing a file that is not a regular file" ]
	[ ! -e "$T/pid" ]
	[ -p "$T/fifo" ]
}

@test "--child-pidfile is not locked; the supervisor holds the -p lock" {
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" --child-pidfile="$T/cpid" \
	    "$PROBE"
	track_pidfile "$T/pid"
	wait_for 5 test -s "$T/cpid"
	track_pid "$(cat "$T/cpid")"
	[ "$(lock_holder "$T/pid")" = "$(cat "$T/pid")" ]
	[ "$(lock_holder "$T/cpid")" = 0 ]
	ino=$(stat -c %i "$T/cpid")
	! grep -q ":$ino " /proc/locks
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

# sig_script FILE: a command that appends the name of each of INT, QUIT,
# USR2, WINCH and CONT it receives to FILE; INT and QUIT end it.
sig_script() {
	cat >"$T/cmd" <<-EOF
	#!/bin/bash
	for s in USR2 WINCH CONT; do trap "echo \$s >>$1" \$s; done
	for s in INT QUIT; do trap "echo \$s >>$1; exit 0" \$s; done
	echo \$\$ >>"$T/starts"
	while :; do sleep 0.02; done
	EOF
	chmod 755 "$T/cmd"
}

# start_sig_script OPTIONS...: supervise $T/cmd; set sup and child.
start_sig_script() {
	supervised "$T/starts" "$@" "$T/cmd"
}

# Man page, SUPERVISION, Signals: "TERM INT QUIT: Stop the service: the
# signal is forwarded to the child's process group ... (followed by SIGCONT
# ...); there are no more restarts".  The script traps CONT too, and bash
# may run that trap before or after the stop signal's, or not at all.
@test "INT and QUIT are forwarded as themselves and stop the service" {
	local sig
	for sig in INT QUIT; do
		rm -f "$T/got" "$T/starts"
		sig_script "$T/got"
		start_sig_script --respawn-delay=0
		kill -"$sig" "$sup"
		wait_dead "$sup"
		wait_dead "$child"
		[ "$(grep -vx CONT "$T/got")" = "$sig" ]
		[ "$(grep -cx CONT "$T/got")" -le 1 ]
		[ "$(line_count "$T/starts")" -eq 1 ]
		[ ! -e "$T/pid" ]
	done
}

# Man page, SUPERVISION, Signals: "USR1 USR2 WINCH CONT: Forwarded to the
# child's process group."
@test "USR2, WINCH and CONT are forwarded; CONT wakes a stopped child" {
	sig_script "$T/got"
	start_sig_script
	kill -USR2 "$sup"
	wait_for 5 grep -qx USR2 "$T/got"
	kill -WINCH "$sup"
	wait_for 5 grep -qx WINCH "$T/got"
	kill -STOP "$child"
	wait_for 5 grep -q '^State:[[:space:]]*T' "/proc/$child/status"
	kill -CONT "$sup"
	wait_for 5 grep -qx CONT "$T/got"
	! grep -q '^State:[[:space:]]*T' "/proc/$child/status"
	[ "$(cat "$T/got")" = "$(printf 'USR2\nWINCH\nCONT')" ]
	[ "$(line_count "$T/starts")" -eq 1 ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

# Man page, --keep-fd: passed "to the command", and SUPERVISION: every
# child gets it.
@test "--keep-fd reaches every child, the respawned one too" {
	exec 7>"$T/kept"
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0 --keep-fd=7 \
	    -p "$T/pid" "$PROBE" -r "$T/rep"
	exec 7>&-
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	first=$(probe_val "$T/rep" pid)
	[[ ,$(probe_val "$T/rep" fds), == *,7,* ]]
	rm "$T/rep"
	kill -KILL "$first"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" pid)" != "$first" ]
	[[ ,$(probe_val "$T/rep" fds), == *,7,* ]]
	[ "$(readlink "/proc/$(probe_val "$T/rep" pid)/fd/7")" = "$T/kept" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

# Man page, SUPERVISION, Output: "A stream that has neither a file nor
# syslog is not pumped: the child writes to /dev/null".
@test "a stream with neither file nor syslog is /dev/null in the child, not a pipe" {
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" -o "$T/out" "$PROBE" \
	    -r "$T/rep"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	child=$(probe_val "$T/rep" pid)
	[[ $(readlink "/proc/$child/fd/1") == pipe:* ]]
	[ "$(readlink "/proc/$child/fd/2")" = /dev/null ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

# Man page, SUPERVISION, Messages: "otherwise, without -e, nowhere" (not
# into the -o file).
@test "without -e the supervisor's messages go nowhere, not into -o" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0 -p "$T/pid" \
	    -o "$T/out" "$PROBE" -r "$T/rep" -L 1
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	first=$(probe_val "$T/rep" pid)
	rm "$T/rep"
	kill -KILL "$first"
	wait_report "$T/rep"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	[ "$(cat "$T/out")" = "$(printf 'line 1\nline 1')" ]
}

# reparented PID OLDPARENT: PID's parent is no longer OLDPARENT.
reparented() {
	[ "$(ps -o ppid= -p "$1" | tr -d ' ')" != "$2" ]
}

# Man page, CAVEATS: PR_SET_PDEATHSIG is cleared "when the child executes a
# setuid, setgid or file-capability program, so such a child can outlive a
# supervisor killed with SIGKILL".  A -u nobody child that runs a setuid-root
# copy of the probe: its parent dies, and no SIGTERM comes.
@test "CAVEATS: a setuid child outlives a SIGKILLed supervisor" {
	require_root
	reachable_by_all
	cp "$PROBE" "$T/suid-probe"
	chmod 4755 "$T/suid-probe"
	supervise_as_nobody "$T/suid-probe"
	wait_for 5 grep -q "^Uid:[[:space:]]*$(id -u nobody)[[:space:]]*0[[:space:]]" \
	    "/proc/$child/status" || skip "setuid bits are ignored here (nosuid)"
	kill -KILL "$sup"
	wait_dead "$sup"
	# The parent-death signal is sent while the child is reparented: once
	# it has a new parent, it is alive with no SIGTERM (bit 14) pending.
	wait_for 5 reparented "$child" "$sup"
	is_alive "$child"
	for mask in $(awk '/^(SigPnd|ShdPnd):/ { print $2 }' \
	    "/proc/$child/status"); do
		((((0x$mask >> 14) & 1) == 0))
	done
}

@test "--respawn=failure: a child killed by a signal is respawned" {
	cat >"$T/cmd" <<-EOF
	#!/bin/sh
	[ -e "$T/second" ] && exec "$PROBE" -t "$T/stamps" -x 0
	touch "$T/second"
	exec "$PROBE" -t "$T/stamps" -k 15
	EOF
	chmod 755 "$T/cmd"
	run -0 "$DAEMONIZE" --respawn=failure --respawn-delay=0.05 \
	    -p "$T/pid" -e "$T/err" "$T/cmd"
	track_pidfile "$T/pid"
	wait_for 5 grep -q "not respawning" "$T/err"
	wait_for 5 test ! -e "$T/pid"
	[ "$(line_count "$T/stamps")" -eq 2 ]
	grep -q ": pid [0-9]* was killed by signal 15 (SIGTERM); respawning in 0.050 s\$" "$T/err"
	grep -q ": pid [0-9]* exited with status 0; not respawning (--respawn=failure)\$" "$T/err"
}

@test "the default back-off: the first restart after 1 s, the second after 2 s" {
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" -e "$T/err" \
	    "$PROBE" -t "$T/stamps" -x 1
	track_pidfile "$T/pid"
	wait_for 10 has_lines "$T/stamps" 3
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	mapfile -t gap < <(intervals "$T/stamps")
	# Lower bounds only: a slow machine may add, never remove, time.
	between 1.0 1000 "${gap[0]}"
	between 2.0 1000 "${gap[1]}"
	[ "$(grep -o 'respawning in [0-9.]* s$' "$T/err" | head -n2)" = "respawning in 1.000 s
respawning in 2.000 s" ]
}

# reaped OUT COMMAND...: run COMMAND under a subreaper that reaps every
# process orphaned to it and writes "PID STATUS" lines to OUT (the
# exit status, or -SIGNAL); START for COMMAND itself.  Sets $REAPER.
reaped() {
	local out=$1
	shift
	"$PY" -c '
import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)    # PR_SET_CHILD_SUBREAPER
out = open(sys.argv[1], "w")
first = os.spawnv(os.P_NOWAIT, sys.argv[2], sys.argv[2:])
while True:
    try:
        pid, st = os.wait()
    except ChildProcessError:
        break
    out.write("%s %d\n" % ("START" if pid == first else pid,
        os.waitstatus_to_exitcode(st)))
    out.flush()' "$out" "$@" </dev/null 3>&- &
	REAPER=$!
	track_pid "$REAPER"
}

@test "the background supervisor exits 1 when --respawn-max gives up" {
	reaped "$T/reaped" "$DAEMONIZE" --respawn --respawn-delay=0.05 \
	    --respawn-max=1 -p "$T/pid" -e "$T/err" "$PROBE" -x 3
	wait_dead "$REAPER" 10
	sup=$(sed -n 's/.*daemonize\[\([0-9]*\)\]: .*giving up.*/\1/p' "$T/err")
	[[ $sup =~ ^[0-9]+$ ]]
	# In either order (see the next test).
	[ "$(grep -c . "$T/reaped")" = 2 ]
	grep -qx "START 0" "$T/reaped"
	grep -qx "$sup 1" "$T/reaped"
}

@test "-S without -r: the supervisor ends with the command's exit status" {
	export DAEMONIZE_SYSLOG_SOCKET=$T/no-syslog.sock
	reaped "$T/reaped" "$DAEMONIZE" -S -p "$T/pid" "$PROBE" -r "$T/rep" -x 3
	wait_dead "$REAPER" 10
	# Either may be reaped first: the supervisor can end before the
	# start's original process, once that one has its confirmation.
	[ "$(grep -c . "$T/reaped")" = 2 ]
	grep -qx "START 0" "$T/reaped"
	[ "$(grep -v '^START ' "$T/reaped")" = "$(probe_val "$T/rep" ppid) 3" ]
	[ ! -e "$T/pid" ]
}

@test "71: a first child that dies before its exec is a failed start, never a running command" {
	"$NOSYS" --check || skip "no seccomp filter here"
	# Its first step fails: the child says so through its report pipe.
	run -71 --separate-stderr "$NOSYS" --pdeathsig=eperm "$DAEMONIZE" \
	    --respawn -p "$T/pid" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: supervise $PROBE: Operation not permitted" ]
	[ ! -e "$T/pid" ]
	# Killed before it could say anything: EOF alone is not an exec.
	run -71 --separate-stderr "$NOSYS" --pdeathsig=kill "$DAEMONIZE" \
	    --respawn -p "$T/pid" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: supervise $PROBE: No such process" ]
	[ ! -e "$T/pid" ]
	[ ! -e "$T/rep" ]
}
