#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The daemon's state, as the probe sees it: a clean process, always.

load helpers

# extra_fds REPORT: the probe's open fds above 2, comma-separated.
extra_fds() {
	probe_val "$1" fds | tr , '\n' | awk '$1 > 2' | paste -sd,
}

# hostile COMMAND...: run COMMAND with fds 7 and 63 open, SIGTERM blocked,
# SIGCHLD ignored and every other signal disposition the caller could spoil.
hostile() {
	"$PY" -c '
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGUSR1})
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
fd = os.open("/dev/null", os.O_RDONLY)
os.dup2(fd, 7)
os.dup2(fd, 63)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

@test "the daemon: parent 1, own session, not a session leader, no tty" {
	run -0 "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$(probe_val "$T/rep" ppid)" = 1 ]
	[ "$(probe_val "$T/rep" sid)" != "$pid" ]
	[ "$(probe_val "$T/rep" sid)" != "$(ps -o sid= $$ | tr -d ' ')" ]
	[ "$(probe_val "$T/rep" pgid)" = "$(probe_val "$T/rep" sid)" ]
	[ "$(probe_val "$T/rep" tty_nr)" = 0 ]
}

@test "the daemon: cwd /, umask 022, stdio /dev/null by default" {
	run -0 "$DAEMONIZE" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$(probe_val "$T/rep" cwd)" = / ]
	[ "$(probe_val "$T/rep" umask)" = 022 ]
	for fd in 0 1 2; do
		[ "$(readlink /proc/$pid/fd/$fd)" = /dev/null ]
	done
}

@test "-c and -m set the cwd and umask; output files are created 0666 & ~umask" {
	run -0 "$DAEMONIZE" -c "$T" -m 027 -o "$T/out" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" cwd)" = "$T" ]
	[ "$(probe_val "$T/rep" umask)" = 027 ]
	[ "$(stat -c %a "$T/out")" = 640 ]
}

@test "open fds are exactly 0, 1, 2 and the pidfile's lock fd" {
	run -0 "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	fd=$(extra_fds "$T/rep")
	[[ $(probe_val "$T/rep" fds) == 0,1,2,$fd ]]
	[[ $fd =~ ^[0-9]+$ ]]
	[ "$(readlink /proc/$pid/fd/$fd)" = "$T/pid" ]
}

@test "with -p and -l on different files the open fds are exactly 0, 1, 2 and one lock fd for each" {
	run -0 "$DAEMONIZE" -p "$T/pid" -l "$T/lock" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	fds=$(extra_fds "$T/rep")
	[[ $fds =~ ^[0-9]+,[0-9]+$ ]]
	[ "$(for fd in ${fds//,/ }; do readlink "/proc/$pid/fd/$fd"; done | sort)" = \
	    "$(printf '%s\n' "$T/lock" "$T/pid")" ]
	# One descriptor when they name the same file.
	run -0 "$DAEMONIZE" -p "$T/one" -l "$T/one" "$PROBE" -r "$T/rep2"
	wait_report "$T/rep2"
	fd=$(extra_fds "$T/rep2")
	[[ $fd =~ ^[0-9]+$ ]]
	[ "$(readlink "/proc/$(probe_val "$T/rep2" pid)/fd/$fd")" = "$T/one" ]
}

@test "without -p or -l the open fds are exactly 0, 1, 2" {
	run -0 "$DAEMONIZE" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" fds)" = 0,1,2 ]
}

@test "a hostile caller: fds 7 and 63 open, SIGTERM blocked, SIGCHLD ignored" {
	run -0 hostile "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	fd=$(extra_fds "$T/rep")
	[[ $fd =~ ^[0-9]+$ ]]
	[ "$(readlink /proc/$pid/fd/$fd)" = "$T/pid" ]
	[ "$(probe_val "$T/rep" sigblk)" = 0000000000000000 ]
	[ "$(probe_val "$T/rep" sigign)" = 0000000000000000 ]
}

@test "a hostile caller with fds 0, 1 and 2 closed" {
	run -0 hostile bash -c 'exec "$@" <&- >&- 2>&-' _ \
	    "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	fd=$(extra_fds "$T/rep")
	[[ $fd =~ ^[0-9]+$ ]]
	[ "$(readlink /proc/$pid/fd/0)" = /dev/null ]
	[ "$(readlink /proc/$pid/fd/$fd)" = "$T/pid" ]
}

@test "a caller that ignores every signal it can: the daemon ignores none" {
	# glibc refuses 32 and 33 to sigaction(2); the rest are all ignored.
	run -0 "$PY" -c '
import os, signal, sys
for n in range(1, signal.NSIG):
    if n not in (signal.SIGKILL, signal.SIGSTOP, 32, 33):
        signal.signal(n, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])' "$DAEMONIZE" -p "$T/pid" "$PROBE" \
	    -r "$T/rep" 3>&-
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" sigign)" = 0000000000000000 ]
	[ "$(probe_val "$T/rep" sigblk)" = 0000000000000000 ]
}

@test "errors still reach a caller whose stdin and stdout are closed" {
	run -127 --separate-stderr bash -c 'exec "$@" <&- >&-' _ "$DAEMONIZE" no-such-cmd-xyz
	[ "$stderr" = "daemonize: exec no-such-cmd-xyz: command not found" ]
}

@test "--keep-fd passes exactly the named fds through" {
	run -0 hostile "$DAEMONIZE" --keep-fd=7 "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" fds)" = 0,1,2,7 ]
}

@test "a huge RLIMIT_NOFILE does not matter (close_range, not a loop)" {
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] && hard=1048576
	run -0 bash -c 'ulimit -n "$1"; shift; exec "$@"' _ "$hard" \
	    "$DAEMONIZE" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" fds)" = 0,1,2 ]
}

@test "environment: inherited, plus -E, and -E wins" {
	FOO=inherited BAR=keep run -0 "$DAEMONIZE" -E FOO=set -E 'EMPTY=' -E 'SP=a b' "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	grep -qx 'env:FOO=set' "$T/rep"
	grep -qx 'env:BAR=keep' "$T/rep"
	grep -qx 'env:EMPTY=' "$T/rep"
	grep -qx 'env:SP=a b' "$T/rep"
}

@test "--clear-env: only -E and a default PATH" {
	FOO=inherited run -0 "$DAEMONIZE" --clear-env -E A=1 "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(grep -c '^env:' "$T/rep")" = 2 ]
	grep -qx 'env:A=1' "$T/rep"
	grep -qx 'env:PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$T/rep"
}

@test "--clear-env -E PATH=...: the command is looked up in that PATH" {
	mkdir "$T/bin"
	cp "$PROBE" "$T/bin/onlyhere"
	run -0 "$DAEMONIZE" --clear-env -E PATH="$T/bin" onlyhere -r "$T/rep"
	wait_report "$T/rep"
	grep -qx "env:PATH=$T/bin" "$T/rep"
}

@test "a terminal hang-up does not kill the daemon" {
	command -v script >/dev/null || skip "script(1) not installed"
	script -qec true /dev/null </dev/null >/dev/null 2>&1 ||
	    skip "script(1) gets no pseudo-terminal here (no /dev/pts?)"
	run -0 script -qec "$DAEMONIZE -p $T/pid $PROBE -r $T/rep" /dev/null </dev/null
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	# script(1) has exited: its pty is gone and its session was hung up.
	[ "$(probe_val "$T/rep" tty_nr)" = 0 ]
	is_alive "$pid"
	[ "$(lock_holder "$T/pid")" = "$pid" ]
}
