#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# -u and -g: the privilege drop, and files root opens for an unprivileged
# daemon.

load helpers

setup() {
	require_root
	reachable_by_all
}

@test "-u nobody: the probe sees nobody's credentials" {
	mkdir "$T/out" && chown nobody "$T/out"
	run -0 "$DAEMONIZE" -u nobody -p "$T/pid" "$PROBE" -r "$T/out/rep"
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" uid)" = "$(id -u nobody)" ]
	[ "$(probe_val "$T/out/rep" euid)" = "$(id -u nobody)" ]
	[ "$(probe_val "$T/out/rep" gid)" = "$(id -g nobody)" ]
	[ "$(probe_val "$T/out/rep" egid)" = "$(id -g nobody)" ]
	[ "$(probe_val "$T/out/rep" groups)" = "$(id -G nobody | tr ' ' ,)" ]
	grep -qx "env:HOME=$(getent passwd nobody | cut -d: -f6)" "$T/out/rep"
	grep -qx "env:USER=nobody" "$T/out/rep"
	grep -qx "env:LOGNAME=nobody" "$T/out/rep"
	grep -qx "env:SHELL=$(getent passwd nobody | cut -d: -f7)" "$T/out/rep"
	[ "$(stat -c %U:%G "$T/pid")" = root:root ]
	pid=$(probe_val "$T/out/rep" pid)
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$pid/status
}

@test "-u nobody:nogroup: exactly that group, no supplementary groups" {
	mkdir "$T/out" && chown nobody "$T/out"
	run -0 "$DAEMONIZE" -u nobody:nogroup "$PROBE" -r "$T/out/rep"
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" gid)" = "$(getent group nogroup | cut -d: -f3)" ]
	[ "$(probe_val "$T/out/rep" groups)" = "$(getent group nogroup | cut -d: -f3)" ]
}

@test "-g alone changes the groups, not the user" {
	run -0 "$DAEMONIZE" -g nogroup "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" uid)" = 0 ]
	[ "$(probe_val "$T/rep" gid)" = "$(getent group nogroup | cut -d: -f3)" ]
	[ "$(probe_val "$T/rep" groups)" = "$(getent group nogroup | cut -d: -f3)" ]
}

@test "-u by number" {
	mkdir "$T/out" && chown nobody "$T/out"
	run -0 "$DAEMONIZE" -u "$(id -u nobody)" "$PROBE" -r "$T/out/rep"
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" uid)" = "$(id -u nobody)" ]
}

@test "root opens -o/-e before dropping: a root-only log directory works" {
	mkdir "$T/logs" && chmod 700 "$T/logs"
	mkdir "$T/out" && chown nobody "$T/out"
	run -0 "$DAEMONIZE" -u nobody -o "$T/logs/out" -e "$T/logs/err" \
	    "$PROBE" -r "$T/out/rep" -L 2 -E 1
	wait_report "$T/out/rep"
	wait_for 5 grep -qx 'line 2' "$T/logs/out"
	wait_for 5 grep -qx 'err 1' "$T/logs/err"
	[ "$(stat -c %U "$T/logs/out")" = root ]
}

@test "73: -o symlink planted by the daemon's user is refused, its target untouched" {
	mkdir "$T/userdir" && chown nobody "$T/userdir"
	echo precious >"$T/target"
	ln -s "$T/target" "$T/userdir/log"
	run -73 --separate-stderr "$DAEMONIZE" -u nobody -o "$T/userdir/log" "$PROBE"
	[ "$stderr" = "daemonize: open stdout $T/userdir/log: refusing a symbolic link" ]
	[ "$(cat "$T/target")" = precious ]
}

@test "73: -e hard link to a root file in a user-writable dir is refused, untouched" {
	mkdir "$T/userdir" && chown nobody "$T/userdir"
	echo precious >"$T/target"
	ln "$T/target" "$T/userdir/log"
	run -73 --separate-stderr "$DAEMONIZE" -u nobody -e "$T/userdir/log" "$PROBE"
	[ "$stderr" = "daemonize: open stderr $T/userdir/log: refusing a file with more than one hard link" ]
	[ "$(cat "$T/target")" = precious ]
}

@test "66: -i directory planted in a user-writable dir is refused; a FIFO is allowed" {
	mkdir "$T/userdir" && chown nobody "$T/userdir"
	mkdir "$T/userdir/in"
	run -66 --separate-stderr "$DAEMONIZE" -i "$T/userdir/in" "$PROBE"
	[ "$stderr" = "daemonize: open stdin $T/userdir/in: refusing a file that is not a regular file" ]
	mkfifo "$T/userdir/fifo"
	run -0 "$DAEMONIZE" -i "$T/userdir/fifo" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(readlink /proc/$(probe_val "$T/rep" pid)/fd/0)" = "$T/userdir/fifo" ]
}

@test "a symlinked -o in a root-only directory is followed (nobody else could plant it)" {
	mkdir "$T/logs" && chmod 755 "$T/logs"
	ln -s "$T/real.log" "$T/logs/app.log"
	run -0 "$DAEMONIZE" -o "$T/logs/app.log" "$PROBE" -r "$T/rep" -L 1
	wait_report "$T/rep"
	wait_for 5 grep -qx 'line 1' "$T/real.log"
}

@test "-u nobody: supplementary groups come from the group database (a private /etc/group under unshare -m)" {
	command -v unshare >/dev/null || skip "needs unshare"
	local no_ns
	no_ns=$(unshare -m --propagation private true 2>&1) ||
	    skip "no private mount namespace here: $no_ns"
	[ ! -S /var/run/nscd/socket ] || skip "nscd would answer from its cache"
	mkdir "$T/out" && chown nobody "$T/out"
	cp /etc/group "$T/group"
	printf 'dzsupp1:x:47101:root,nobody\ndzsupp2:x:47102:nobody\ndzother:x:47103:root\n' >>"$T/group"
	chmod 644 "$T/group"
	run -0 unshare -m --propagation private sh -c \
	    'mount --bind "$1" /etc/group && shift && exec "$@"' sh "$T/group" \
	    "$DAEMONIZE" -u nobody -p "$T/pid" "$PROBE" -r "$T/out/rep"
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" gid)" = "$(id -g nobody)" ]
	[ "$(probe_val "$T/out/rep" groups | tr , '\n' | sort -n | paste -sd,)" = \
	    "$(printf '%s\n' "$(id -g nobody)" 47101 47102 | sort -n | paste -sd,)" ]
	# The real /etc/group was never touched.
	! grep -q '^dzsupp1:' /etc/group
}

@test "-g overrides the group of -u user:group, and is the only group" {
	mkdir "$T/out" && chown nobody "$T/out"
	getent group daemon >/dev/null || skip "no group daemon"
	run -0 "$DAEMONIZE" -u nobody:nogroup -g daemon -p "$T/pid" "$PROBE" -r "$T/out/rep"
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" uid)" = "$(id -u nobody)" ]
	[ "$(probe_val "$T/out/rep" gid)" = "$(getent group daemon | cut -d: -f3)" ]
	[ "$(probe_val "$T/out/rep" egid)" = "$(getent group daemon | cut -d: -f3)" ]
	[ "$(probe_val "$T/out/rep" groups)" = "$(getent group daemon | cut -d: -f3)" ]
}

@test "77: -g when not root, naming the group; nothing left behind" {
	command -v setpriv >/dev/null || skip "setpriv not installed"
	chmod 777 "$T"
	run -77 --separate-stderr setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$DAEMONIZE" -p "$T/pid" -g nogroup "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: set group nogroup: Operation not permitted" ]
	[ ! -e "$T/pid" ]
	[ ! -e "$T/rep" ]
}
