#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The pidfile under races: a start never ends up holding a lock on an
# unlinked pidfile, and concurrent starts, restarts and stops leave at most
# one instance, always the one --status names.

load helpers

# open_by_other FILE: some process other than us has FILE open.
open_by_other() {
	find /proc/[0-9]*/fd -maxdepth 1 -lname "$1" 2>/dev/null | grep -q .
}

# deleted_locks: processes holding a descriptor of a deleted file under $T.
deleted_locks() {
	find /proc/[0-9]*/fd -maxdepth 1 -lname "$T/* (deleted)" 2>/dev/null
}

@test "a start delayed between open and lock while --stop removes the stale pidfile still runs, reachable" {
	command -v strace >/dev/null || skip "needs strace for fault injection"
	echo 99999 >"$T/pid"
	# The first fcntl(2) on the pidfile (the lock) waits 3 s: the window
	# between the open and the lock in which --stop removes the stale file.
	strace -f -qq -o /dev/null --detach-on=execve -P "$T/pid" \
	    -e trace=fcntl -e inject=fcntl:delay_enter=3000000:when=1 \
	    "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep" 3>&- 2>"$T/err" &
	launcher=$!
	wait_for 10 open_by_other "$T/pid"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	# The stop came inside the window: the start has not finished yet.
	kill -0 "$launcher"
	rc=0
	wait "$launcher" || rc=$?
	[ "$rc" = 0 ]
	[ ! -s "$T/err" ]
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status -v
	[[ $output == "running as pid $pid, up "* ]]
	[ "$(cat "$T/pid")" = "$pid" ]
	[ -z "$(deleted_locks)" ]
}

# The live processes of our stress instances (plain probes, supervisors
# and their children), as "pid sid" lines.
instances() {
	local e p
	for e in $(find /proc/[0-9]*/exe -maxdepth 0 \( -lname "$T/sprobe" \
	    -o -lname "$DAEMONIZE_ABS" \) 2>/dev/null); do
		p=${e#/proc/}
		p=${p%/exe}
		is_alive "$p" || continue
		echo "$p $(sid_of "$p")"
	done
}

@test "stress: concurrent start, --restart (plain and --respawn) and --stop on one pidfile leave one reachable instance" {
	# A copy of the probe that only this test runs, to find its processes.
	cp "$PROBE" "$T/sprobe"
	# And of daemonize: other test files run supervisors of their own
	# at the same time (make -j), which must not count here.
	cp "$(readlink -f "$DAEMONIZE")" "$T/sdaemonize"
	DAEMONIZE_ABS=$T/sdaemonize
	for round in $(seq 8); do
		ops=()
		for i in $(seq 6); do
			case $(( (round + i) % 5 )) in
			0) args=("$T/sprobe") ;;
			1) args=(--respawn "$T/sprobe") ;;
			2) args=(--restart --retry=TERM/5/KILL/5 "$T/sprobe") ;;
			3) args=(--restart --retry=TERM/5/KILL/5 --respawn "$T/sprobe") ;;
			4) args=(--stop --retry=TERM/5/KILL/5) ;;
			esac
			"$DAEMONIZE_ABS" -p "$T/pid" "${args[@]}" 3>&- >/dev/null 2>&1 &
			ops+=($!)
		done
		for p in "${ops[@]}"; do
			wait "$p" || true
		done
		# Quiet point: make sure one instance runs, then there must be
		# exactly one, the one --status names, on the file that exists.
		run -0 "$DAEMONIZE_ABS" -p "$T/pid" --oknodo "$T/sprobe" 3>&-
		run -0 --separate-stderr "$DAEMONIZE_ABS" -p "$T/pid" --status -v
		holder=${output#running as pid }
		holder=${holder%%[ ,]*}
		track_pid "$holder"
		instances >"$T/inst"
		awk '{ print $1 }' "$T/inst" | while read -r p; do track_pid "$p"; done
		sids=$(awk '{ print $2 }' "$T/inst" | sort -u)
		echo "round $round at $EPOCHREALTIME: holder $holder, sessions: $sids" >&2
		[ "$(echo "$sids" | wc -l)" = 1 ]
		[ "$sids" = "$(sid_of "$holder")" ]
		[ "$(lock_holder "$T/pid")" = "$holder" ]
		[ -z "$(deleted_locks)" ]
		# Every POSIX lock our processes hold is on the pidfile itself.
		ino=$(stat -c %i "$T/pid")
		for p in $(awk '{ print $1 }' "$T/inst"); do
			awk -v p="$p" '$2 == "POSIX" && $5 == p { split($6, a, ":"); print a[3] }' /proc/locks
		done | sort -u >"$T/inodes"
		[ "$(cat "$T/inodes")" = "$ino" ]
	done
	run -0 "$DAEMONIZE_ABS" -p "$T/pid" --stop
}
