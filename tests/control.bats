#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --status, --stop, --signal, --restart: the lock holder is the daemon.

load helpers

# A process that is not a daemon of ours, stopped by pid in teardown.
unrelated() {
	sleep 1000 3>&- &
	other=$!
	track_pid "$other"
}

@test "--status: 0 running, silent; -v says pid, uptime, user, command on stdout" {
	start_probe
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status
	[ "$output" = "" ]
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status -v
	[[ $output =~ ^"running as pid $pid, up "[0-9]+s", user $(id -un): $PROBE -r $T/rep"$ ]]
	[ "$stderr" = "" ]
}

@test "--status: 3 no pidfile, 1 stale pidfile" {
	run -3 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status -v
	[ "$output" = "not running" ]
	echo 1 >"$T/pid"
	run -1 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status -v
	[ "$output" = "not running" ]
}

@test "--status: 4 for a directory, FIFO or symlink, with a message" {
	mkdir "$T/dir"
	run -4 --separate-stderr "$DAEMONIZE" -p "$T/dir" --status
	[ "$stderr" = "daemonize: read pidfile $T/dir: not a regular file" ]
	mkfifo "$T/fifo"
	run -4 --separate-stderr "$DAEMONIZE" -p "$T/fifo" --status
	[ "$stderr" = "daemonize: read pidfile $T/fifo: not a regular file" ]
	touch "$T/target"
	ln -s "$T/target" "$T/link"
	run -4 --separate-stderr "$DAEMONIZE" -p "$T/link" --status
	[ "$stderr" = "daemonize: read pidfile $T/link: refusing a symbolic link" ]
}

@test "--status: 4 for an unreadable file" {
	require_root "to become nobody"
	chmod 755 "$T"
	echo 1 >"$T/pid"
	chmod 600 "$T/pid"
	reachable_by_all
	run -4 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$DAEMONIZE" -p "$T/pid" --status
	[ "$stderr" = "daemonize: read pidfile $T/pid: Permission denied" ]
}

@test "the lock wins over the text: -v says so" {
	start_probe
	unrelated
	echo "$other" >"$T/pid"
	run -0 "$DAEMONIZE" -p "$T/pid" --status -v
	[[ $output =~ ^"running as pid $pid (the pidfile says $other; the lock holder wins), up "[0-9]+s", user $(id -un): $PROBE -r $T/rep"$ ]]
}

@test "pid reuse: a stale pidfile naming a live unrelated process is not running" {
	unrelated
	echo "$other" >"$T/pid"
	run -1 "$DAEMONIZE" -p "$T/pid" --status
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	is_alive "$other"
	[ ! -e "$T/pid" ]
	run -3 "$DAEMONIZE" -p "$T/pid" --signal TERM
	is_alive "$other"
}

@test "garbage text but a held lock: found and stopped" {
	start_probe
	echo garbage >"$T/pid"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	wait_dead "$pid"
}

@test "--stop: 0, the daemon gone and its pidfile removed" {
	start_probe
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop
	[ "$stderr" = "" ]
	is_dead "$pid"
	[ ! -e "$T/pid" ]
}

@test "--stop when not running: 0, idempotent; -v says not running" {
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop -v
	[ "$stderr" = "daemonize: not running" ]
	start_probe
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "--stop of a daemon ignoring TERM: the KILL step follows the schedule" {
	start_probe -- -I
	t0=$(now_ms)
	run -0 "$DAEMONIZE" -p "$T/pid" --stop --retry TERM/0.5/KILL/5
	t1=$(now_ms)
	is_dead "$pid"
	ms=$((t1 - t0))
	[ "$ms" -ge 500 ]
	[ "$ms" -lt 4000 ]
}

@test "--stop: 1 when still alive after the schedule" {
	start_probe -- -I
	run -1 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --retry TERM/0.2
	[ "$stderr" = "daemonize: stop pid $pid: still running after the retry schedule" ]
	is_alive "$pid"
	[ -e "$T/pid" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop --retry KILL/5
}

@test "--stop: a KILL step kills the daemon's helpers in its process group" {
	start_probe -- -I -F 3
	helpers=$(pgrep -g "$(probe_val "$T/rep" pgid)" | grep -vx "$pid")
	[ "$(echo "$helpers" | wc -l)" = 3 ]
	track_pid $helpers
	run -0 "$DAEMONIZE" -p "$T/pid" --stop --retry TERM/0.1/KILL/5
	for h in $helpers; do wait_dead "$h"; done
}

@test "--stop: 77 when not permitted to signal the daemon" {
	require_root
	start_probe
	chmod 755 "$T"
	reachable_by_all
	run -77 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$DAEMONIZE" -p "$T/pid" --stop
	[ "$stderr" = "daemonize: signal pid $pid: Operation not permitted" ]
	is_alive "$pid"
	run -77 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$DAEMONIZE" -p "$T/pid" --signal HUP
	[ "$stderr" = "daemonize: signal pid $pid: Operation not permitted" ]
}

@test "root --stop on a pidfile forged by a user, naming a root process, signals nothing" {
	require_root
	unrelated
	mkdir "$T/userdir" && chown nobody "$T/userdir"
	setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "echo $other >'$T/userdir/pid'" ||
	    echo "$other" >"$T/userdir/pid"
	run -0 "$DAEMONIZE" -p "$T/userdir/pid" --stop
	is_alive "$other"
	run -3 "$DAEMONIZE" -p "$T/userdir/pid" --signal KILL
	is_alive "$other"
}

@test "--stop returns within milliseconds of the exit (pidfd, no polling)" {
	start_probe
	t0=$(now_ms)
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	t1=$(now_ms)
	# Generous: the bound is on polling intervals, not on machine speed.
	[ $((t1 - t0)) -lt 1000 ]
}

@test "--signal: 0 sent (and 0 for liveness), 3 not running, 64 bad signal" {
	start_probe -- -H
	run -0 "$DAEMONIZE" -p "$T/pid" --signal HUP
	run -0 "$DAEMONIZE" -p "$T/pid" --signal SIGHUP
	run -0 "$DAEMONIZE" -p "$T/pid" --signal 0
	is_alive "$pid"
	run -0 "$DAEMONIZE" -p "$T/pid" --signal=usr1
	wait_dead "$pid"
	run -3 "$DAEMONIZE" -p "$T/pid" --signal 0
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --signal FOO
	[ "$stderr" = "daemonize: parse --signal=FOO: unknown signal" ]
}

@test "--retry: bad schedules are 64" {
	for s in TERM/ /5 FOO/1 TERM/-1 TERM/1/KILL/x TERM forever TERM/1/forever/KILL/1 ''; do
		run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --retry "$s"
		[[ $stderr == "daemonize: parse --retry=$s: "* ]]
	done
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --retry FOO/1
	[ "$stderr" = "daemonize: parse --retry=FOO/1: unknown signal" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --retry TERM/
	[ "$stderr" = "daemonize: parse --retry=TERM/: not a non-negative number of seconds" ]
}

@test "--retry: good schedules are accepted" {
	for s in 5 0.5 TERM/1 SIGTERM/1/KILL/1 term/0.1/9/1 HUP/1/forever; do
		run -0 "$DAEMONIZE" -p "$T/pid" --stop --retry "$s"
	done
}

@test "--retry with forever repeats the steps until the daemon is gone" {
	# A daemon that survives TERM and counts each one in $T/terms.
	cat >"$T/d" <<-EOF
	#!/bin/sh
	trap 'echo TERM >>"$T/terms"' TERM
	: >"$T/trapped"
	while :; do sleep 0.05; done
	EOF
	chmod 755 "$T/d"
	run -0 "$DAEMONIZE" -p "$T/pid" "$T/d"
	pid=$(cat "$T/pid")
	track_pid "$pid"
	wait_for 5 test -e "$T/trapped"
	"$DAEMONIZE" -p "$T/pid" --stop --retry TERM/0.1/forever 3>&- &
	stopper=$!
	track_pid "$stopper"
	# The TERM step comes again and again, and the stop goes on.
	wait_for 10 has_lines "$T/terms" 3
	is_alive "$stopper"
	kill -KILL "$pid"
	wait_for 5 is_dead "$stopper"
	wait "$stopper"
}

@test "--restart: exactly one daemon, with a new pid" {
	start_probe
	old=$pid
	run -0 "$DAEMONIZE" -p "$T/pid" --restart "$PROBE" -r "$T/rep2"
	wait_report "$T/rep2"
	new=$(probe_val "$T/rep2" pid)
	[ "$new" != "$old" ]
	is_dead "$old"
	[ "$(cat "$T/pid")" = "$new" ]
	[ "$(lock_holder "$T/pid")" = "$new" ]
}

@test "--restart when not running just starts" {
	run -0 "$DAEMONIZE" -p "$T/pid" --restart "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
}

@test "--restart: if the stop fails, exit 1 and start nothing" {
	start_probe -- -I
	run -1 --separate-stderr "$DAEMONIZE" -p "$T/pid" --retry TERM/0.1 --restart "$PROBE" -r "$T/rep2"
	[ "$stderr" = "daemonize: stop pid $pid: still running after the retry schedule
daemonize: restart $T/pid: the old instance was not stopped; not starting" ]
	[ ! -e "$T/rep2" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop --retry KILL/5
}

@test "--restart with a bad command leaves the running instance alone" {
	start_probe
	run -127 "$DAEMONIZE" -p "$T/pid" --restart no-such-cmd-xyz
	is_alive "$pid"
	[ "$(cat "$T/pid")" = "$pid" ]
}

# ------------------------------------------------------------- the job

# track_session SID: stop every live process of session SID in teardown.
track_session() {
	local p
	for p in $(session_members "$1"); do
		track_pid "$p"
	done
}

# start_supervised: a supervisor ($sup) whose child ($child) ignores TERM.
start_supervised() {
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" --child-pidfile="$T/cpid" \
	    "$PROBE" -I -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	child=$(cat "$T/cpid")
}

# stop_supervised SCHEDULE: --stop is 0, silent, and leaves nothing.
stop_supervised() {
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --retry="$1"
	[ "$stderr" = "" ]
	is_dead "$sup"
	is_dead "$child"
	run -3 "$DAEMONIZE" -p "$T/pid" --status
}

@test "--stop: the KILL step of a supervisor also kills its TERM-ignoring child" {
	start_supervised
	# The stop's KILL step comes while the supervisor still waits on its
	# own TERM step (10 s): the child must not outlive it.
	stop_supervised TERM/0.5/KILL/2
}

@test "--stop: a SIGSTOPped supervisor and its TERM-ignoring child both end" {
	start_supervised
	kill -STOP "$sup"
	stop_supervised TERM/0.3/KILL/2
}

@test "--stop in plain mode ends the daemon's background children too" {
	run -0 "$DAEMONIZE" -p "$T/pid" sh -c 'sleep 1000 & sleep 1000 & wait'
	pid=$(cat "$T/pid")
	track_pid "$pid"
	sid=$(sid_of "$pid")
	wait_for 5 eval '[ "$(session_members "$sid" | wc -l)" = 3 ]'
	track_session "$sid"
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop -v
	[ "$stderr" = "daemonize: sent SIGTERM to pid $pid and the rest of its job
daemonize: stopped pid $pid" ]
	session_empty "$sid"
	[ ! -e "$T/pid" ]
}

@test "--stop of a --foreground daemon spares its launcher and the launcher's other jobs" {
	cat >"$T/launcher" <<-EOF
	#!/bin/bash
	sleep 1000 &
	echo \$! >"$T/sibling"
	"$DAEMONIZE" -f -p "$T/pid" sh -c \
	    'trap "" TERM; sleep 1000 & echo \$! >"$T/kid"; wait' &
	wait \$(cat "$T/sibling")
	EOF
	chmod 755 "$T/launcher"
	setsid "$T/launcher" 3>&- &
	launcher=$!
	track_pid "$launcher"
	wait_for 5 test -s "$T/sibling"
	wait_for 5 test -s "$T/kid"
	sibling=$(cat "$T/sibling") kid=$(cat "$T/kid")
	track_pid "$sibling" "$kid"
	wait_for 5 eval '[ "$(lock_holder "$T/pid")" != 0 ]'
	daemon=$(lock_holder "$T/pid")
	track_pid "$daemon"
	[ "$(sid_of "$daemon")" = "$(sid_of "$launcher")" ]
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop \
	    --retry=TERM/0.3/KILL/2
	[ "$stderr" = "" ]
	is_dead "$daemon"
	is_dead "$kid"
	is_alive "$launcher"
	is_alive "$sibling"
}

@test "--retry=0 and KILL/0 wait for the kill: 0, the pidfile is gone, --restart restarts" {
	start_probe -- -I
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --retry=KILL/0
	[ "$stderr" = "" ]
	is_dead "$pid"
	[ ! -e "$T/pid" ]
	start_probe -- -I
	old=$pid
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --retry=0 --restart \
	    "$PROBE" -r "$T/rep2"
	[ "$stderr" = "" ]
	wait_report "$T/rep2"
	is_dead "$old"
	[ "$(lock_holder "$T/pid")" = "$(probe_val "$T/rep2" pid)" ]
}

# A master that asks its two workers to stop with USR1 half a second after
# it gets TERM; a worker that gets TERM itself writes "direct" to $T/got.
start_master() {
	cat >"$T/worker" <<-EOF
	#!/bin/sh
	trap 'echo direct >>"$T/got"; exit 1' TERM
	trap 'exit 0' USR1
	echo \$\$ >>"$T/workers"
	while :; do sleep 0.05; done
	EOF
	cat >"$T/master" <<-EOF
	#!/bin/sh
	"$T/worker" & "$T/worker" &
	trap 'sleep 0.5; kill -USR1 \$(cat "$T/workers"); wait; exit 0' TERM
	wait
	EOF
	chmod 755 "$T/worker" "$T/master"
	run -0 "$DAEMONIZE" -p "$T/pid" "$T/master"
	track_pidfile "$T/pid"
	wait_for 5 has_lines "$T/workers" 2
	workers=$(cat "$T/workers")
	track_pid $workers
}

@test "--kill-mode=mixed: only the master gets TERM and stops its workers" {
	start_master
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop \
	    --kill-mode=mixed --retry=TERM/5/KILL/2
	[ "$stderr" = "" ]
	for w in $workers; do is_dead "$w"; done
	[ ! -e "$T/got" ]
	# The default, control-group, signals the workers too.
	rm "$T/workers"
	start_master
	run -0 "$DAEMONIZE" -p "$T/pid" --stop --kill-mode=control-group \
	    --retry=TERM/5/KILL/2
	for w in $workers; do is_dead "$w"; done
	grep -qx direct "$T/got"
}

@test "--kill-mode=mixed: the KILL step still reaches the whole job" {
	run -0 "$DAEMONIZE" -p "$T/pid" sh -c \
	    'trap "" TERM; sleep 1000 & sleep 1000 & wait'
	pid=$(cat "$T/pid")
	track_pid "$pid"
	sid=$(sid_of "$pid")
	wait_for 5 eval '[ "$(session_members "$sid" | wc -l)" = 3 ]'
	track_session "$sid"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop --kill-mode=mixed \
	    --retry=TERM/0.3/KILL/2
	session_empty "$sid"
}

@test "--stop: 1 naming the survivor when a member of the job outlives the schedule" {
	run -0 "$DAEMONIZE" -p "$T/pid" sh -c \
	    '(trap "" TERM; exec sleep 1000) & echo $! >"$0"; wait' "$T/kid"
	pid=$(cat "$T/pid")
	track_pid "$pid"
	wait_for 5 test -s "$T/kid"
	kid=$(cat "$T/kid")
	track_pid "$kid"
	wait_for 5 grep -qx sleep "/proc/$kid/comm"
	run -1 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --retry=TERM/0.3
	[ "$stderr" = "daemonize: stop pid $pid: pid $kid of its job still running after the retry schedule" ]
	wait_dead "$pid"
	is_alive "$kid"
	kill -KILL "$kid"
	wait_dead "$kid"
}

@test "--kill-mode: bad values and actions without a stop are 64" {
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --kill-mode=all
	[ "$stderr" = "daemonize: parse --kill-mode=all: not control-group or mixed" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status --kill-mode=mixed
	[ "$stderr" = "daemonize: parse --kill-mode: only --stop and --restart stop a job" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --kill-mode=mixed "$PROBE"
	[ "$stderr" = "daemonize: parse --kill-mode: only --stop and --restart stop a job" ]
	[ ! -e "$T/pid" ]
}

# below PID ANCESTOR: ANCESTOR is PID's parent, or its parent's, and so on.
below() {
	local p=$1
	while p=$(ps -o ppid= -p "$p" | tr -d ' ') && [ -n "$p" ] && ((p > 1)); do
		[ "$p" = "$2" ] && return 0
	done
	return 1
}

@test "--stop: the KILL step spares the caller's own group, when the caller runs in the daemon's session" {
	# The daemon, a shell that ignores TERM, leaves an orphan in its own
	# session and process group; the orphan runs --stop once told to.
	cat >"$T/daemon" <<-EOF
	#!/bin/sh
	( (
		trap - TERM
		while [ ! -e "$T/go" ]; do sleep 0.05; done
		"$DAEMONIZE" -p "$T/pid" --stop --retry=TERM/0.3/KILL/5 -v \
		    2>"$T/stop.err"
		echo \$? >"$T/rc.tmp" && mv "$T/rc.tmp" "$T/rc"
		exec sleep 1000
	) & echo \$! >"$T/stopper" ) &
	trap '' TERM
	exec sleep 1000
	EOF
	chmod 755 "$T/daemon"
	run -0 "$DAEMONIZE" -p "$T/pid" "$T/daemon"
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	wait_for 5 test -s "$T/stopper"
	stopper=$(cat "$T/stopper")
	track_pid "$stopper"
	# Orphaned: not the daemon's descendant, so only the session and
	# the process group tie it to the job.
	wait_for 5 eval '! below "$stopper" "$pid"'
	[ "$(sid_of "$stopper")" = "$(sid_of "$pid")" ]
	[ "$(ps -o pgid= -p "$stopper")" = "$(ps -o pgid= -p "$pid")" ]
	touch "$T/go"
	wait_for 20 test -s "$T/rc"
	[ "$(cat "$T/rc")" = 0 ]
	[ "$(cat "$T/stop.err")" = "daemonize: sent SIGTERM to pid $pid
daemonize: sent SIGKILL to pid $pid
daemonize: stopped pid $pid" ]
	is_dead "$pid"
	is_alive "$stopper"
	[ ! -e "$T/pid" ]
}

@test "--stop: a process that has exited but is not yet reaped counts as gone" {
	# A subreaper that never reaps the daemon: once killed, it stays a
	# zombie for as long as the subreaper lives.
	"$PY" -c '
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)    # PR_SET_CHILD_SUBREAPER
os.waitpid(os.spawnv(os.P_NOWAIT, sys.argv[1], sys.argv[1:]), 0)
time.sleep(1000)' "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep" </dev/null 3>&- &
	reaper=$!
	track_pid "$reaper"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$(probe_val "$T/rep" ppid)" = "$reaper" ]
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop --retry=TERM/2
	[ "$stderr" = "" ]
	[ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat")" = Z ]
	[ ! -e "$T/pid" ]
}

# stop_term_ignorer ARGS...: start a probe that ignores TERM and stop it
# with --stop -v ARGS: 0, after a TERM step, then a KILL step; $ms is how
# long the stop took.
stop_term_ignorer() {
	local t0 t1
	start_probe -- -I
	t0=$(now_ms)
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --stop -v "$@"
	t1=$(now_ms)
	[ "$stderr" = "daemonize: sent SIGTERM to pid $pid
daemonize: sent SIGKILL to pid $pid
daemonize: stopped pid $pid" ]
	is_dead "$pid"
	ms=$((t1 - t0))
}

@test "--retry=N is TERM/N/KILL/N: the KILL comes N seconds after the TERM" {
	stop_term_ignorer --retry=1
	[ "$ms" -ge 1000 ]
	# Not the default's 10 s.
	[ "$ms" -lt 9000 ]
}

@test "the default schedule is TERM/10/KILL/5: a daemon ignoring TERM gets KILL after 10 s" {
	stop_term_ignorer
	[ "$ms" -ge 10000 ]
	# The KILL step ends it at once: well before a second 10 s.
	[ "$ms" -lt 20000 ]
}
