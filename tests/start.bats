#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The start contract: exit 0 only once the command runs; every failure has
# its message and exit code and leaves nothing behind.

load helpers

@test "a start returns 0, silently, once the command runs with its pid in the pidfile" {
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	is_alive "$pid"
	[ "$(cat /proc/$pid/cmdline | tr '\0' ' ')" = "$PROBE -r $T/rep " ]
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" pid)" = "$pid" ]
}

@test "-v says what was started, on stderr" {
	run -0 --separate-stderr "$DAEMONIZE" -v -p "$T/pid" "$PROBE"
	track_pidfile "$T/pid"
	[ "$stderr" = "daemonize: started $PROBE as pid $(cat "$T/pid")" ]
}

@test "the command is found in PATH, and argv[0] is passed as typed" {
	mkdir "$T/bin"
	cp "$PROBE" "$T/bin/myprobe"
	PATH=$T/bin:$PATH run -0 "$DAEMONIZE" -p "$T/pid" myprobe -r "$T/rep"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	[ "$(tr '\0' ' ' </proc/$(cat "$T/pid")/cmdline)" = "myprobe -r $T/rep " ]
}

@test "a relative command is resolved against the caller's cwd, not -c" {
	mkdir "$T/app"
	cp "$PROBE" "$T/app/server"
	cd "$T/app"
	run -0 "$DAEMONIZE" -c / -p pid ./server -r "$T/app/rep"
	track_pidfile "$T/app/pid"
	wait_report "$T/app/rep"
	[ "$(readlink /proc/$(cat "$T/app/pid")/exe)" = "$T/app/server" ]
	[ "$(probe_val "$T/app/rep" cwd)" = "/" ]
}

@test "the README example: -c DIR with DIR/server runs from any directory" {
	mkdir "$T/app" "$T/elsewhere"
	cp "$PROBE" "$T/app/server"
	cd "$T/elsewhere"
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" -c "$T/app" \
	    "$T/app/server" -r "$T/rep"
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" cwd)" = "$T/app" ]
}

@test "-c DIR ./server from another directory: 127 says where it looked" {
	mkdir "$T/app" "$T/elsewhere"
	cp "$PROBE" "$T/app/server"
	cd "$T/elsewhere"
	run -127 --separate-stderr "$DAEMONIZE" -p "$T/pid" -c "$T/app" \
	    ./server -r "$T/rep"
	[ "$stderr" = "daemonize: exec ./server: command not found in $T/elsewhere (a relative command is looked up from the caller's directory, not from -c); give its absolute path, e.g. $T/app/server" ]
	[ ! -e "$T/pid" ]
	# Without -c, the plain message.
	run -127 --separate-stderr "$DAEMONIZE" ./server
	[ "$stderr" = "daemonize: exec ./server: command not found" ]
}

@test "relative -p -o -e -i paths are relative to the caller's cwd" {
	cd "$T"
	echo input >in
	run -0 "$DAEMONIZE" -c /tmp -p p -o o -e e -i in "$PROBE" -r "$T/rep" -L 1 -E 1
	track_pidfile "$T/p"
	wait_report "$T/rep"
	wait_for 5 grep -q 'line 1' "$T/o"
	wait_for 5 grep -q 'err 1' "$T/e"
	pid=$(cat "$T/p")
	[ "$(readlink /proc/$pid/fd/0)" = "$T/in" ]
}

@test "127: command not found, nothing left behind" {
	run -127 --separate-stderr "$DAEMONIZE" -p "$T/pid" no-such-command-xyz
	[ "$stderr" = "daemonize: exec no-such-command-xyz: command not found" ]
	[ ! -e "$T/pid" ]
	run -127 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$T/nope"
	[ "$stderr" = "daemonize: exec $T/nope: command not found" ]
	[ ! -e "$T/pid" ]
}

@test "126: not executable (chmod 644), even for root" {
	printf '#!/bin/sh\nexit 0\n' >"$T/script"
	chmod 644 "$T/script"
	run -126 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$T/script"
	[ "$stderr" = "daemonize: exec $T/script: Permission denied" ]
	[ ! -e "$T/pid" ]
}

@test "126: a directory is not a command" {
	run -126 --separate-stderr "$DAEMONIZE" "$T"
	[ "$stderr" = "daemonize: exec $T: Permission denied" ]
}

@test "126: a script whose #! interpreter is missing says bad interpreter" {
	printf '#!/no/such/interpreter\nexit 0\n' >"$T/script"
	chmod 755 "$T/script"
	run -126 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$T/script"
	[ "$stderr" = "daemonize: exec $T/script: bad interpreter /no/such/interpreter: No such file or directory" ]
	[ ! -e "$T/pid" ]
}

@test "126: a file of unknown format (ENOEXEC)" {
	printf '\177ELF garbage' >"$T/bin"
	chmod 755 "$T/bin"
	run -126 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$T/bin"
	[ "$stderr" = "daemonize: exec $T/bin: Exec format error" ]
	[ ! -e "$T/pid" ]
}

@test "66: missing -c directory, nothing left behind" {
	run -66 --separate-stderr "$DAEMONIZE" -p "$T/pid" -c "$T/nodir" "$PROBE"
	[ "$stderr" = "daemonize: chdir $T/nodir: No such file or directory" ]
	[ ! -e "$T/pid" ]
}

@test "66: missing -i file" {
	run -66 --separate-stderr "$DAEMONIZE" -p "$T/pid" -i "$T/nofile" "$PROBE"
	[ "$stderr" = "daemonize: open stdin $T/nofile: No such file or directory" ]
	[ ! -e "$T/pid" ]
}

@test "73: output file in a missing directory, nothing left behind" {
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" -o "$T/nodir/out" "$PROBE"
	[ "$stderr" = "daemonize: open stdout $T/nodir/out: No such file or directory" ]
	[ ! -e "$T/pid" ]
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" -e "$T/nodir/err" "$PROBE"
	[ "$stderr" = "daemonize: open stderr $T/nodir/err: No such file or directory" ]
	[ ! -e "$T/pid" ]
}

@test "73: pidfile under a regular file (ENOTDIR)" {
	touch "$T/file"
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/file/pid" "$PROBE"
	[ "$stderr" = "daemonize: open pidfile $T/file/pid: Not a directory" ]
}

@test "73: lockfile cannot be created" {
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" -l "$T/nodir/lock" "$PROBE"
	[ "$stderr" = "daemonize: open lockfile $T/nodir/lock: No such file or directory" ]
	[ ! -e "$T/pid" ]
}

@test "67: unknown user or group" {
	require_root
	run -67 --separate-stderr "$DAEMONIZE" -u no-such-user-xyz "$PROBE"
	[ "$stderr" = "daemonize: find user no-such-user-xyz: no such user" ]
	run -67 --separate-stderr "$DAEMONIZE" -u nobody:no-such-group-xyz "$PROBE"
	[ "$stderr" = "daemonize: find group no-such-group-xyz: no such group" ]
	run -67 --separate-stderr "$DAEMONIZE" -g no-such-group-xyz "$PROBE"
	[ "$stderr" = "daemonize: find group no-such-group-xyz: no such group" ]
}

@test "77: -u when not root" {
	command -v setpriv >/dev/null || skip "setpriv not installed"
	require_root "to become nobody"
	chmod 777 "$T"
	run -77 --separate-stderr setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$DAEMONIZE" -p "$T/pid" -u root "$PROBE"
	[ "$stderr" = "daemonize: set user root: Operation not permitted" ]
	[ ! -e "$T/pid" ]
}

@test "77: refuses to run installed setuid" {
	require_root
	command -v setpriv >/dev/null || skip "setpriv not installed"
	cp "$DAEMONIZE" "$T/daemonize"
	chmod 4755 "$T/daemonize"
	chmod 755 "$T"
	run -77 --separate-stderr setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$T/daemonize" "$PROBE"
	[ "$stderr" = "daemonize: run daemonize: refusing to run setuid or setgid" ]
}

@test "77: a set-user-ID or set-group-ID copy refuses even root, who gains nothing from it" {
	require_root
	for mode in 4755 2755 6755; do
		cp "$DAEMONIZE" "$T/daemonize"
		chmod "$mode" "$T/daemonize"
		run -77 --separate-stderr "$T/daemonize" -p "$T/pid" "$PROBE" -r "$T/rep"
		[ "$stderr" = "daemonize: run daemonize: refusing to run setuid or setgid" ]
		[ "$output" = "" ]
		[ ! -e "$T/pid" ] && [ ! -e "$T/rep" ]
		rm "$T/daemonize"
	done
	# The same copy without the bits runs.
	cp "$DAEMONIZE" "$T/daemonize"
	chmod 0755 "$T/daemonize"
	run -0 --separate-stderr "$T/daemonize" -V
}

@test "77: real and effective ids that differ (a set-id parent) are refused" {
	require_root
	run -77 --separate-stderr "$PY" -c '
import os, sys
os.setresuid(65534, 0, 0)
os.execv(sys.argv[1], sys.argv[1:])' "$DAEMONIZE" -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: run daemonize: refusing to run setuid or setgid" ]
	run -77 --separate-stderr "$PY" -c '
import os, sys
os.setresgid(65534, 0, 0)
os.execv(sys.argv[1], sys.argv[1:])' "$DAEMONIZE" -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: run daemonize: refusing to run setuid or setgid" ]
	[ ! -e "$T/pid" ]
}

@test "71: the report pipe cannot be created (RLIMIT_NOFILE too low)" {
	run -71 --separate-stderr "$PY" -c '
import os, resource, sys
os.closerange(3, 65536)
resource.setrlimit(resource.RLIMIT_NOFILE, (4, 4))
os.execv(sys.argv[1], sys.argv[1:])' "$DAEMONIZE" "$PROBE" -x 0
	[ "$stderr" = "daemonize: create report pipe: Too many open files" ]
}

@test "an empty command name is a usage error" {
	run -64 --separate-stderr "$DAEMONIZE" ''
	[ "$stderr" = "daemonize: parse command line: empty command name" ]
}

@test "a failed start keeps the previous log and removes only the files it created" {
	echo precious >"$T/old.log"
	run -66 "$DAEMONIZE" -p "$T/pid" -l "$T/lock" -o "$T/old.log" \
	    -e "$T/new.log" -c "$T/nodir" "$PROBE"
	[ "$(cat "$T/old.log")" = precious ]
	[ ! -e "$T/new.log" ]
	[ ! -e "$T/lock" ]
	[ ! -e "$T/pid" ]
	touch "$T/lock"
	run -66 "$DAEMONIZE" -l "$T/lock" -c "$T/nodir" "$PROBE"
	[ -e "$T/lock" ]
}

@test "a successful start truncates -o and -e (without -a), and -a appends" {
	echo old >"$T/out"
	run -0 "$DAEMONIZE" -o "$T/out" "$PROBE" -r "$T/rep" -L 1
	wait_report "$T/rep"
	wait_for 5 grep -qx 'line 1' "$T/out"
	[ "$(cat "$T/out")" = "line 1" ]
	echo old >"$T/app"
	run -0 "$DAEMONIZE" -a -o "$T/app" "$PROBE" -r "$T/rep2" -L 1
	wait_report "$T/rep2"
	wait_for 5 grep -qx 'line 1' "$T/app"
	[ "$(cat "$T/app")" = "old
line 1" ]
}

@test "-o and -e naming one file in two spellings share it: no line lost" {
	run -0 "$DAEMONIZE" -o "$T/same.log" -e "$T/./same.log" "$PROBE" -r "$T/rep" -L 3 -E 3
	wait_report "$T/rep"
	wait_for 5 has_lines "$T/same.log" 6
	[ "$(head -3 "$T/same.log")" = "line 1
line 2
line 3" ]
	[ "$(tail -3 "$T/same.log")" = "err 1
err 2
err 3" ]
}
