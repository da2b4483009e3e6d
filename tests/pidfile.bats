#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The pidfile: locked by the daemon, refused when unsafe, never clobbered.

load helpers

start_one() {
	run -0 "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
}

@test "the pidfile holds PID and a newline, and the daemon holds its lock" {
	start_one
	pid=$(probe_val "$T/rep" pid)
	[ "$(cat "$T/pid")" = "$pid" ]
	[ "$(wc -c <"$T/pid")" = "$(( ${#pid} + 1 ))" ]
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	[ "$(stat -c %a "$T/pid")" = 644 ]
}

@test "75: already running, with the holder's pid; the file is untouched" {
	start_one
	pid=$(probe_val "$T/rep" pid)
	cp "$T/pid" "$T/before"
	before=$(stat -c %Y.%i "$T/pid")
	run -75 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep2"
	[ "$stderr" = "daemonize: $T/pid: already running as pid $pid" ]
	cmp "$T/before" "$T/pid"
	[ "$(stat -c %Y.%i "$T/pid")" = "$before" ]
	[ ! -e "$T/rep2" ]
}

@test "75 even when the running instance's pidfile text was changed" {
	start_one
	pid=$(probe_val "$T/rep" pid)
	echo garbage >"$T/pid"
	run -75 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: $T/pid: already running as pid $pid" ]
	[ "$(cat "$T/pid")" = garbage ]
}

@test "--oknodo: already running is exit 0, silently, and nothing starts" {
	start_one
	run -0 --separate-stderr "$DAEMONIZE" --oknodo -p "$T/pid" "$PROBE" -r "$T/rep2"
	[ "$stderr" = "" ]
	[ ! -e "$T/rep2" ]
	[ "$(cat "$T/pid")" = "$(probe_val "$T/rep" pid)" ]
}

@test "a stale pidfile (holder killed with SIGKILL) is taken over, silently" {
	start_one
	old=$(probe_val "$T/rep" pid)
	kill -KILL "$old"
	wait_dead "$old"
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep2"
	[ "$stderr" = "" ]
	[ "$output" = "" ]
	wait_report "$T/rep2"
	new=$(probe_val "$T/rep2" pid)
	[ "$new" != "$old" ]
	[ "$(cat "$T/pid")" = "$new" ]
}

@test "a stale pidfile with garbage or a longer pid is rewritten exactly" {
	printf '123456789012\nmore\n' >"$T/pid"
	start_one
	[ "$(cat "$T/pid")" = "$(probe_val "$T/rep" pid)" ]
}

@test "20 simultaneous starts: exactly one daemon, 19 times 75" {
	for i in $(seq 20); do
		"$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep.$i" 3>&- \
		    >/dev/null 2>"$T/err.$i" &
		echo $! >"$T/launcher.$i"
	done
	for i in $(seq 20); do
		wait "$(cat "$T/launcher.$i")" && echo "$i" >>"$T/ok" || echo "$?" >>"$T/codes"
	done
	[ "$(line_count "$T/ok")" = 1 ]
	[ "$(sort -u "$T/codes")" = 75 ]
	[ "$(line_count "$T/codes")" = 19 ]
	winner=$(cat "$T/ok")
	wait_report "$T/rep.$winner"
	pid=$(probe_val "$T/rep.$winner" pid)
	[ "$(cat "$T/pid")" = "$pid" ]
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	[ "$(ls "$T" | grep -c '^rep\.[0-9]*$')" = 1 ]
	for i in $(seq 20); do
		[ "$i" = "$winner" ] && continue
		[ "$(cat "$T/err.$i")" = "daemonize: $T/pid: already running as pid $pid" ]
	done
}

@test "73: a symlink planted as the pidfile is refused and its target untouched" {
	echo precious >"$T/target"
	ln -s "$T/target" "$T/pid"
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: open pidfile $T/pid: refusing a symbolic link" ]
	[ "$(cat "$T/target")" = precious ]
	[ -L "$T/pid" ]
	[ ! -e "$T/rep" ]
}

@test "73: a hard link as the pidfile is refused and untouched" {
	echo precious >"$T/target"
	ln "$T/target" "$T/pid"
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: open pidfile $T/pid: refusing a file with more than one hard link" ]
	[ "$(cat "$T/target")" = precious ]
}

@test "73: a directory or a FIFO as the pidfile is refused" {
	mkdir "$T/dir"
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/dir" "$PROBE"
	[ "$stderr" = "daemonize: open pidfile $T/dir: refusing a file that is not a regular file" ]
	mkfifo "$T/fifo"
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/fifo" "$PROBE"
	[ "$stderr" = "daemonize: open pidfile $T/fifo: refusing a file that is not a regular file" ]
}

@test "a failure after the pidfile was written removes it" {
	run -66 "$DAEMONIZE" -p "$T/pid" -c "$T/nodir" "$PROBE"
	[ ! -e "$T/pid" ]
}

@test "a failure does not remove the pidfile of a running instance" {
	start_one
	pid=$(probe_val "$T/rep" pid)
	run -75 "$DAEMONIZE" -p "$T/pid" -c "$T/nodir" "$PROBE"
	[ "$(cat "$T/pid")" = "$pid" ]
}

@test "-l: a lockfile without a pid, and 75 for a second instance" {
	run -0 "$DAEMONIZE" -l "$T/lock" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$(lock_holder "$T/lock")" = "$pid" ]
	[ ! -s "$T/lock" ]
	run -75 --separate-stderr "$DAEMONIZE" -l "$T/lock" "$PROBE"
	[ "$stderr" = "daemonize: $T/lock: already running as pid $pid" ]
}

@test "-l and -p may name the same file" {
	run -0 "$DAEMONIZE" -l "$T/pid" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	[ "$(cat "$T/pid")" = "$pid" ]
	run -75 "$DAEMONIZE" -p "$T/pid" "$PROBE"
}

@test "-l and -p on different files: both locked by the daemon" {
	run -0 "$DAEMONIZE" -l "$T/lock" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	[ "$(lock_holder "$T/lock")" = "$pid" ]
	run -75 --separate-stderr "$DAEMONIZE" -p "$T/other" -l "$T/lock" "$PROBE"
	[ "$stderr" = "daemonize: $T/lock: already running as pid $pid" ]
	[ ! -e "$T/other" ]
}

@test "73: -o, -e or -i naming the pidfile is refused (a second fd would drop the lock)" {
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" -o "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: open stdout $T/pid: refusing the pidfile or lockfile (a second descriptor of it would drop the lock)" ]
	[ ! -e "$T/pid" ]
	run -73 --separate-stderr "$DAEMONIZE" -l "$T/lock" -e "$T/./lock" "$PROBE"
	[ "$stderr" = "daemonize: open stderr $T/./lock: refusing the pidfile or lockfile (a second descriptor of it would drop the lock)" ]
	[ ! -e "$T/lock" ]
	echo 1 >"$T/pid"
	run -66 --separate-stderr "$DAEMONIZE" -p "$T/pid" -i "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: open stdin $T/pid: refusing the pidfile or lockfile (a second descriptor of it would drop the lock)" ]
}

# Man page, -o: "Files are created with mode 0666 less the umask"; the
# pidfile follows -m too.
@test "-m 077 gives a 0600 pidfile and lockfile; the default umask 0644" {
	run -0 "$DAEMONIZE" -m 077 -p "$T/pid" -l "$T/lock" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(stat -c %a "$T/pid")" = 600 ]
	[ "$(stat -c %a "$T/lock")" = 600 ]
	run -0 "$DAEMONIZE" -p "$T/pid2" "$PROBE" -r "$T/rep2"
	wait_report "$T/rep2"
	[ "$(stat -c %a "$T/pid2")" = 644 ]
}

# Man page, CAVEATS: "a command that opens and closes its own pidfile ...
# drops the lock: the daemon then looks not running to --status and
# --stop".
@test "CAVEATS: a command that closes its own pidfile drops the lock" {
	cat >"$T/cmd" <<-EOF
	#!/bin/bash
	echo \$\$ >"$T/started"
	while [ ! -e "$T/go" ]; do sleep 0.02; done
	exec 9<"$T/pid"
	exec 9<&-
	echo closed >"$T/closed"
	while :; do sleep 0.05; done
	EOF
	chmod 755 "$T/cmd"
	run -0 "$DAEMONIZE" -p "$T/pid" "$T/cmd"
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	wait_for 5 test -s "$T/started"
	run -0 "$DAEMONIZE" -p "$T/pid" --status
	touch "$T/go"
	wait_for 5 test -s "$T/closed"
	[ "$(lock_holder "$T/pid")" = 0 ]
	run -1 "$DAEMONIZE" -p "$T/pid" --status
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	is_alive "$pid"
}

@test "--oknodo with a lockfile held by a running instance: 0, silently, nothing starts" {
	run -0 "$DAEMONIZE" -l "$T/lock" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	run -0 --separate-stderr "$DAEMONIZE" --oknodo -l "$T/lock" "$PROBE" -r "$T/rep2"
	[ "$stderr" = "" ]
	[ "$output" = "" ]
	[ "$(lock_holder "$T/lock")" = "$pid" ]
	[ ! -e "$T/rep2" ]
}

@test "a relative -l is relative to the caller's cwd, not -c" {
	mkdir "$T/here" "$T/there"
	cd "$T/here"
	run -0 "$DAEMONIZE" -c "$T/there" -l lock "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" cwd)" = "$T/there" ]
	[ "$(lock_holder "$T/here/lock")" = "$(probe_val "$T/rep" pid)" ]
	[ ! -e "$T/there/lock" ]
}

@test "73: a symlink, a hard link or a FIFO as the lockfile is refused, untouched" {
	echo precious >"$T/target"
	ln -s "$T/target" "$T/lock"
	run -73 --separate-stderr "$DAEMONIZE" -l "$T/lock" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: open lockfile $T/lock: refusing a symbolic link" ]
	[ -L "$T/lock" ]
	rm "$T/lock"
	ln "$T/target" "$T/lock"
	run -73 --separate-stderr "$DAEMONIZE" -l "$T/lock" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: open lockfile $T/lock: refusing a file with more than one hard link" ]
	rm "$T/lock"
	mkfifo "$T/lock"
	run -73 --separate-stderr "$DAEMONIZE" -l "$T/lock" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: open lockfile $T/lock: refusing a file that is not a regular file" ]
	[ -p "$T/lock" ]
	[ "$(cat "$T/target")" = precious ]
	[ ! -e "$T/rep" ]
}

# locks_on FILE: every POSIX lock on FILE's inode, "TYPE PID START END" a line.
locks_on() {
	awk -v i="$(stat -c %i "$1")" '$2 == "POSIX" {
		split($6, a, ":"); if (a[3] == i) print $4, $5, $7, $8 }' /proc/locks
}

locks_are() {
	[ "$(locks_on "$1")" = "$2" ]
}

@test "the daemon holds one lock: a read lock on byte 0 (HOLDER) of the pidfile, through a read-only descriptor" {
	start_one
	pid=$(probe_val "$T/rep" pid)
	# And nobody holds the GATE (byte 1) once the writer is gone.
	wait_for 5 locks_are "$T/pid" "READ $pid 0 0"
	# F_GETLK on the whole file names the daemon.
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	fd=$(for f in /proc/$pid/fd/*; do
		[ "$(readlink "$f")" = "$T/pid" ] && echo "${f##*/}"; done)
	[[ $fd =~ ^[0-9]+$ ]]
	# O_ACCMODE 0 is O_RDONLY.
	flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$pid/fdinfo/$fd")
	(( (8#$flags & 3) == 0 ))
}
