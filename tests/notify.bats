#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --wait-ready: the sd_notify readiness protocol.  With our probe (-N sends a
# datagram), with systemd-notify(1) and with redis-server, which speak it
# for real.  Every failure must stop the daemon and remove its pidfile.

load helpers

# Once for the file: the sender the tests share.
setup_file() {
	SEND=$BATS_FILE_TMPDIR/send
	export SEND
	# A sender for tests: SOCKET MESSAGE MARKER SECONDS.  It stays alive
	# for SECONDS after sending, so that it is not "already gone" when
	# daemonize checks its session.
	cat >"$SEND" <<-'EOF'
	import socket, sys, time
	path = sys.argv[1]
	if path.startswith("@"):
	    path = "\0" + path[1:]
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	try:
	    s.sendto(sys.argv[2].encode(), path)
	except OSError as e:
	    print(e.strerror, file=sys.stderr)
	    sys.exit(3)
	open(sys.argv[3], "w").close()
	time.sleep(float(sys.argv[4]))
	EOF
}

setup() {
	[ -n "$PY" ] || skip "needs python3"
}

# start_bg ARGS...: daemonize in the background, stderr in $T/err; $BG.
start_bg() {
	"$DAEMONIZE" "$@" 2>"$T/err" 3>&- &
	BG=$!
	track_pid "$BG"
}

# wait_bg: wait for it; $RC is its exit status.
wait_bg() {
	RC=0
	wait "$BG" || RC=$?
}

# gone_after_failure REPORT PIDFILE: the probe that wrote REPORT is dead,
# the pidfile and the socket directory it was given are gone.
gone_after_failure() {
	local pid sock
	pid=$(probe_val "$1" pid)
	sock=$(probe_val "$1" env:NOTIFY_SOCKET)
	wait_dead "$pid" 2
	[ ! -e "$2" ]
	[ ! -e "$(dirname "$sock")" ]
}

@test "READY=1: exit 0, with the daemon running and holding the pidfile" {
	run -0 --separate-stderr "$DAEMONIZE" -w -p "$T/pid" "$PROBE" -r "$T/rep" -N READY=1
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	pid=$(cat "$T/pid")
	is_alive "$pid"
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	[ "$(probe_val "$T/rep" pid)" = "$pid" ]
}

@test "NOTIFY_SOCKET: a private 0700 directory, removed once ready; the socket is not inherited" {
	run -0 "$DAEMONIZE" -w -p "$T/pid" "$PROBE" -r "$T/rep" -N READY=1
	wait_report "$T/rep"
	sock=$(probe_val "$T/rep" env:NOTIFY_SOCKET)
	[[ $sock == /run/daemonize.*/notify || $sock == /tmp/daemonize.*/notify ]]
	[ ! -e "$(dirname "$sock")" ]
	pid=$(cat "$T/pid")
	# 0, 1, 2 and the pidfile lock: no socket among the daemon's fds.
	[ "$(probe_val "$T/rep" fds | tr , '\n' | wc -l)" = 4 ]
	! ls -l "/proc/$pid/fd" | grep -q socket
}

@test "the socket directory is 0700 and owned by the caller while waiting" {
	start_bg --wait-ready=10 -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	sock=$(probe_val "$T/rep" env:NOTIFY_SOCKET)
	[ "$(stat -c '%u %a %F' "$(dirname "$sock")")" = "$(id -u) 700 directory" ]
	[ "$(stat -c %F "$sock")" = socket ]
	kill -TERM "$BG"
	wait_bg
	[ "$RC" = 143 ]
	gone_after_failure "$T/rep" "$T/pid"
}

@test "\$RUNTIME_DIRECTORY is preferred for the socket directory" {
	mkdir -m 700 "$T/rt"
	RUNTIME_DIRECTORY=$T/rt:/elsewhere run -0 "$DAEMONIZE" -w "$PROBE" -r "$T/rep" -N READY=1
	wait_report "$T/rep"
	[[ $(probe_val "$T/rep" env:NOTIFY_SOCKET) == $T/rt/daemonize.*/notify ]]
	[ -z "$(ls "$T/rt")" ]
}

@test "STATUS= is shown with -v, then the start" {
	run -0 --separate-stderr "$DAEMONIZE" -v -w -p "$T/pid" "$PROBE" -N "STATUS=warming up" -N READY=1
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	[ "${stderr_lines[0]}" = "daemonize: status from pid $pid: warming up" ]
	[[ ${stderr_lines[1]} =~ ^"daemonize: started $PROBE as pid $pid, ready after "[0-9]+\.[0-9]{3}" s"$ ]]
}

@test "READY=1 then exit: the start succeeded" {
	run -0 "$DAEMONIZE" -w -p "$T/pid" "$PROBE" -N READY=1 -x 0
}

@test "124: never ready, after the given timeout, nothing left running" {
	t0=$(now_ms)
	run -124 --separate-stderr "$DAEMONIZE" --wait-ready=1 -p "$T/pid" "$PROBE" -r "$T/rep"
	t1=$(now_ms)
	[ $((t1 - t0)) -ge 1000 ]
	pid=$(probe_val "$T/rep" pid)
	track_pid "$pid"
	[ "$stderr" = "daemonize: wait for READY=1 from pid $pid: timed out after 1.000 s" ]
	gone_after_failure "$T/rep" "$T/pid"
}

@test "124: a fractional timeout, and the last STATUS is shown on failure" {
	run -124 --separate-stderr "$DAEMONIZE" --wait-ready=0.3 -p "$T/pid" "$PROBE" -r "$T/rep" -N "STATUS=loading 42%"
	pid=$(probe_val "$T/rep" pid)
	track_pid "$pid"
	[ "${stderr_lines[0]}" = "daemonize: wait for READY=1 from pid $pid: timed out after 0.300 s" ]
	[ "${stderr_lines[1]}" = "daemonize: the last STATUS from pid $pid was: loading 42%" ]
	gone_after_failure "$T/rep" "$T/pid"
}

@test "124: a daemon that ignores SIGTERM is killed by the retry schedule" {
	run -124 "$DAEMONIZE" --wait-ready=0.2 --retry=TERM/0.3/KILL/5 -p "$T/pid" "$PROBE" -I -r "$T/rep"
	track_report "$T/rep"
	gone_after_failure "$T/rep" "$T/pid"
}

@test "125: the daemon exits before READY: at once, with its status" {
	t0=$(now_ms)
	run -125 --separate-stderr "$DAEMONIZE" --wait-ready=20 -p "$T/pid" "$PROBE" -r "$T/rep" -x 3
	t1=$(now_ms)
	[ $((t1 - t0)) -lt 10000 ]
	pid=$(probe_val "$T/rep" pid)
	[ "$stderr" = "daemonize: wait for READY=1 from pid $pid: it exited with status 3" ]
	[ ! -e "$T/pid" ]
}

@test "125: the daemon is killed before READY: the signal is named" {
	t0=$(now_ms)
	run -125 --separate-stderr "$DAEMONIZE" --wait-ready=20 -p "$T/pid" "$PROBE" -r "$T/rep" -k 9
	t1=$(now_ms)
	[ $((t1 - t0)) -lt 10000 ]
	pid=$(probe_val "$T/rep" pid)
	[ "$stderr" = "daemonize: wait for READY=1 from pid $pid: it was killed by signal 9 (SIGKILL)" ]
	[ ! -e "$T/pid" ]
}

@test "125: what the daemon left behind in its session is stopped too" {
	cat >"$T/d" <<-EOF
	#!/bin/sh
	"$PROBE" -r "$T/orphan" &
	while [ ! -s "$T/orphan" ]; do sleep 0.01; done
	exit 7
	EOF
	chmod 755 "$T/d"
	run -125 --separate-stderr "$DAEMONIZE" --wait-ready=20 -p "$T/pid" "$T/d"
	track_report "$T/orphan"
	[[ $stderr =~ "it exited with status 7"$ ]]
	wait_dead "$(probe_val "$T/orphan" pid)" 2
	[ ! -e "$T/pid" ]
}

@test "124: ERRNO=2 fails at once with its text, and the daemon is stopped" {
	t0=$(now_ms)
	run -124 --separate-stderr "$DAEMONIZE" --wait-ready=20 -p "$T/pid" "$PROBE" -r "$T/rep" -N ERRNO=2
	t1=$(now_ms)
	[ $((t1 - t0)) -lt 10000 ]
	pid=$(probe_val "$T/rep" pid)
	track_pid "$pid"
	[ "$stderr" = "daemonize: wait for READY=1 from pid $pid: it reported ERRNO=2: No such file or directory" ]
	gone_after_failure "$T/rep" "$T/pid"
}

@test "ERRNO=0 is no error, and a bad value is only a warning with -v" {
	run -0 --separate-stderr "$DAEMONIZE" -v -w -p "$T/pid" "$PROBE" -N "ERRNO=0" -N "ERRNO=x" -N READY=1
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	[ "${stderr_lines[0]}" = "daemonize: message from pid $pid: ERRNO= is not a number from 0 to 4095" ]
}

# extend_then_ready USEC SECONDS: $T/d sends EXTEND_TIMEOUT_USEC=USEC,
# sleeps SECONDS, then READY=1.
extend_then_ready() {
	cat >"$T/d" <<-EOF
	#!/bin/sh
	"$PROBE" -N EXTEND_TIMEOUT_USEC=$1 -B -x 0
	sleep $2
	exec "$PROBE" -N READY=1
	EOF
	chmod 755 "$T/d"
}

@test "EXTEND_TIMEOUT_USEC moves the deadline" {
	extend_then_ready 4000000 2
	t0=$(now_ms)
	run -0 "$DAEMONIZE" --wait-ready=1 -p "$T/pid" "$T/d"
	t1=$(now_ms)
	track_pidfile "$T/pid"
	[ $((t1 - t0)) -ge 2000 ]
}

@test "EXTEND_TIMEOUT_USEC is microseconds, and the extension runs out too" {
	cat >"$T/d" <<-EOF
	#!/bin/sh
	"$PROBE" -N EXTEND_TIMEOUT_USEC=1500000 -B -x 0
	exec "$PROBE" -r "$T/rep"
	EOF
	chmod 755 "$T/d"
	t0=$(now_ms)
	run -124 --separate-stderr "$DAEMONIZE" --wait-ready=0.5 -p "$T/pid" "$T/d"
	t1=$(now_ms)
	track_report "$T/rep"
	[ $((t1 - t0)) -ge 1500 ]
	[[ $stderr =~ ": timed out after 1."[5-9][0-9]{2}" s"$ ]]
	gone_after_failure "$T/rep" "$T/pid"
}

@test "READY=1 from a process in another session is ignored" {
	start_bg -v --wait-ready=30 -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	sock=$(probe_val "$T/rep" env:NOTIFY_SOCKET)
	setsid "$PY" "$SEND" "$sock" READY=1 "$T/sent" 30 3>&- &
	track_pid $!
	wait_for 10 test -e "$T/sent"
	wait_for 5 grep -q "ignored" "$T/err"
	grep -Eqx "daemonize: ignored a message from pid [0-9]+ \(uid $(id -u)\): sent from outside the daemon's session, or by a process already gone" "$T/err"
	is_alive "$BG"
	kill -TERM "$BG"
	wait_bg
	[ "$RC" = 143 ]
	gone_after_failure "$T/rep" "$T/pid"
}

@test "READY=1 from another user is ignored, even one who can reach the socket" {
	require_root
	# A budget no loaded machine exhausts while the two senders run: the
	# start must still be waiting after them, then end by SIGTERM.
	start_bg -v --wait-ready=60 -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	sock=$(probe_val "$T/rep" env:NOTIFY_SOCKET)
	# Without privileges, nobody cannot even enter the directory (the
	# probe exits 93 when it cannot send).
	NOTIFY_SOCKET=$sock run -93 setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$PROBE" -N READY=1 -x 0
	# With CAP_DAC_OVERRIDE it can: the credentials still give it away.
	NOTIFY_SOCKET=$sock run -0 setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups --inh-caps=+dac_override \
	    --ambient-caps=+dac_override "$PROBE" -N READY=1 -x 0
	wait_for 10 grep -q "sent by another user" "$T/err"
	is_alive "$BG"
	kill -TERM "$BG"
	wait_bg
	[ "$RC" = 143 ]
	grep -Eq "^daemonize: ignored a message from pid [0-9]+ \(uid $(id -u nobody)\): sent by another user$" "$T/err"
	gone_after_failure "$T/rep" "$T/pid"
}

@test "-u nobody: the directory stays root's (0710, nobody's group), the socket is nobody's 0600; the daemon can report, others cannot" {
	require_root
	reachable_by_all
	mkdir "$T/out" && chown nobody "$T/out"
	start_bg --wait-ready=10 -u nobody -p "$T/pid" "$PROBE" -r "$T/out/rep"
	wait_report "$T/out/rep"
	sock=$(probe_val "$T/out/rep" env:NOTIFY_SOCKET)
	dir=$(dirname "$sock")
	[ "$(stat -c '%U %g %a' "$dir")" = "root $(id -g nobody) 710" ]
	[ "$(stat -c '%U %a %F' "$sock")" = "nobody 600 socket" ]
	# The daemon's user cannot write in the directory.
	run -1 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    touch "$dir/x"
	# Another unprivileged user cannot reach it.
	NOTIFY_SOCKET=$sock run -93 setpriv --reuid=daemon --regid=daemon \
	    --clear-groups "$PROBE" -N READY=1 -x 0
	kill -TERM "$BG"
	wait_bg
	[ "$RC" = 143 ]
	gone_after_failure "$T/out/rep" "$T/pid"

	run -0 "$DAEMONIZE" --wait-ready=10 -u nobody -p "$T/pid" "$PROBE" -r "$T/out/rep2" -N READY=1
	track_pidfile "$T/pid"
	wait_report "$T/out/rep2"
	[ "$(probe_val "$T/out/rep2" uid)" = "$(id -u nobody)" ]
	[ ! -e "$(dirname "$(probe_val "$T/out/rep2" env:NOTIFY_SOCKET)")" ]
}

@test "MAINPID= of a process in the daemon's session is accepted and reported with -v" {
	cat >"$T/d" <<-EOF
	#!/bin/sh
	"$PROBE" -r "$T/server" &
	"$PROBE" -N "MAINPID=\$!" -N READY=1 -B -x 0
	wait
	EOF
	chmod 755 "$T/d"
	run -0 --separate-stderr "$DAEMONIZE" -v -w -p "$T/pid" "$T/d"
	track_pidfile "$T/pid"
	wait_report "$T/server"
	server=$(probe_val "$T/server" pid)
	[ "${stderr_lines[1]}" = "daemonize: its main process is pid $server; the pidfile names pid $(cat "$T/pid"), which holds the lock" ]
	[ "$(lock_holder "$T/pid")" = "$(cat "$T/pid")" ]
}

@test "MAINPID= outside the daemon's session is ignored" {
	run -0 --separate-stderr "$DAEMONIZE" -v -w -p "$T/pid" "$PROBE" -N MAINPID=1 -N READY=1
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	[ "${stderr_lines[0]}" = "daemonize: ignored MAINPID=1 from pid $pid: not a process of the daemon's session" ]
}

@test "a failed start stops the MAINPID= process as well" {
	cat >"$T/d" <<-EOF
	#!/bin/sh
	"$PROBE" -I -H -r "$T/server" &
	while [ ! -s "$T/server" ]; do sleep 0.01; done
	"$PROBE" -N "MAINPID=\$!" -N ERRNO=5 -B -x 0
	wait
	EOF
	chmod 755 "$T/d"
	run -124 --separate-stderr "$DAEMONIZE" --wait-ready=10 --retry=TERM/0.2/KILL/5 -p "$T/pid" "$T/d"
	track_report "$T/server"
	[[ $stderr =~ ": it reported ERRNO=5: Input/output error"$ ]]
	wait_dead "$(probe_val "$T/server" pid)" 2
	[ ! -e "$T/pid" ]
}

@test "SIGINT while waiting aborts the start: 130, daemon stopped, pidfile removed" {
	start_bg --wait-ready=30 -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	kill -INT "$BG"
	wait_bg
	[ "$RC" = 130 ]
	[ "$(cat "$T/err")" = "daemonize: start $PROBE: interrupted by SIGINT" ]
	gone_after_failure "$T/rep" "$T/pid"
}

@test "SIGHUP (129) and SIGQUIT (131) while waiting abort the start; meanwhile the daemon's parent is daemonize" {
	local sig code
	for sig in HUP:129 QUIT:131; do
		code=${sig#*:} sig=${sig%:*}
		rm -f "$T/rep"
		start_bg --wait-ready=30 -p "$T/pid" "$PROBE" -r "$T/rep"
		wait_report "$T/rep"
		# THE START / READINESS: the original process is a subreaper
		# while it waits, so the daemon is its child.
		[ "$(probe_val "$T/rep" ppid)" = "$BG" ]
		[ "$(ps -o ppid= -p "$(probe_val "$T/rep" pid)" | tr -d ' ')" = "$BG" ]
		kill -s "$sig" "$BG"
		wait_bg
		[ "$RC" = "$code" ]
		[ "$(cat "$T/err")" = "daemonize: start $PROBE: interrupted by SIG$sig" ]
		gone_after_failure "$T/rep" "$T/pid"
	done
}

@test "stray signals while waiting change nothing" {
	start_bg --wait-ready=1 -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	for s in WINCH USR1 USR2 ALRM PIPE CHLD; do kill -s $s "$BG"; done
	wait_bg
	[ "$RC" = 124 ]
	[[ $(cat "$T/err") =~ ": timed out after 1.000 s"$ ]]
	gone_after_failure "$T/rep" "$T/pid"
}

@test "descriptors passed with a message are closed at once (BARRIER=1)" {
	require_root "to send as the daemon's pid"
	start_bg --wait-ready=60 -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	sock=$(probe_val "$T/rep" env:NOTIFY_SOCKET)
	pid=$(probe_val "$T/rep" pid)
	# What sd_notify_barrier(3) does: pass a pipe's write end, wait for
	# POLLHUP on the read end.  Sent as root on behalf of the daemon.
	run -0 "$PY" - "$sock" "$pid" <<-'EOF'
	import os, select, socket, struct, sys
	r, w = os.pipe()
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	creds = struct.pack("iII", int(sys.argv[2]), os.getuid(), os.getgid())
	s.sendmsg([b"BARRIER=1"], [
	    (socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds),
	    (socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", w))],
	    0, sys.argv[1])
	os.close(w)
	p = select.poll()
	p.register(r, select.POLLHUP)
	sys.exit(0 if p.poll(20000) else 1)
	EOF
	kill -TERM "$BG"
	wait_bg
	[ "$RC" = 143 ]
}

@test "with --chroot the socket is a file inside the new root, removed after; no abstract socket" {
	require_root
	[ -x "${PROBE_STATIC:-}" ] || skip "no static probe"
	mkdir -p "$T/root/out" "$T/root/run"
	cp "$PROBE_STATIC" "$T/root/probe"
	run -0 "$DAEMONIZE" --chroot "$T/root" -w -p "$T/pid" /probe -r /out/rep -N READY=1
	track_pidfile "$T/pid"
	wait_report "$T/root/out/rep"
	[[ $(probe_val "$T/root/out/rep" env:NOTIFY_SOCKET) == /run/daemonize.*/notify ]]
	[ -z "$(ls -A "$T/root/run")" ]
	# No /run: the new root itself.
	rmdir "$T/root/run"
	run -0 "$DAEMONIZE" --chroot "$T/root" -w -p "$T/pid2" /probe -r /out/rep2 -N READY=1
	track_pidfile "$T/pid2"
	wait_report "$T/root/out/rep2"
	[[ $(probe_val "$T/root/out/rep2" env:NOTIFY_SOCKET) == /daemonize.*/notify ]]
	[ "$(ls -A "$T/root")" = "$(printf 'out\nprobe')" ]
}

@test "--chroot -r -w: no abstract socket while the supervisor runs" {
	require_root
	[ -x "${PROBE_STATIC:-}" ] || skip "no static probe"
	mkdir -p "$T/root/out"
	cp "$PROBE_STATIC" "$T/root/probe"
	run -0 "$DAEMONIZE" -r --chroot "$T/root" -w -p "$T/pid" /probe -r /out/rep -N READY=1
	track_pidfile "$T/pid"
	wait_report "$T/root/out/rep"
	sock=$(probe_val "$T/root/out/rep" env:NOTIFY_SOCKET)
	[[ $sock == /daemonize.*/notify ]]
	[ -S "$T/root$sock" ]
	! grep -q "@daemonize" /proc/net/unix
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	[ ! -e "$T/root$(dirname "$sock")" ]
}

@test "--chroot into a directory another user can write: no socket is made there" {
	require_root
	mkdir -p "$T/root"
	cp "$PROBE" "$T/root/probe"
	chown nobody "$T/root"
	run -71 --separate-stderr "$DAEMONIZE" --chroot "$T/root" -w -p "$T/pid" /probe
	[ "$stderr" = "daemonize: create readiness socket directory in the new root: refusing $T/root: not a root-owned directory only root can write" ]
	[ ! -e "$T/pid" ]
	[ "$(ls -A "$T/root")" = probe ]
}

# A fake service manager: binds SOCKET, touches BOUND, prints each datagram
# as "PID MESSAGE" (newlines as |) until READY=1.
fake_manager() {
	cat >"$T/manager" <<-'EOF'
	import socket, struct, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sys.argv[1])
	s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
	open(sys.argv[2], "w").close()
	s.settimeout(20)
	while True:
	    msg, anc, _, _ = s.recvmsg(4096, 1024)
	    pid = [struct.unpack("iII", d)[0] for l, t, d in anc
	           if t == socket.SCM_CREDENTIALS][0]
	    print(pid, msg.decode().replace("\n", "|"), flush=True)
	    if b"READY=1" in msg.split(b"\n"):
	        break
	EOF
	"$PY" "$T/manager" "$1" "$T/bound" >"$T/messages" 3>&- &
	MANAGER=$!
	track_pid "$MANAGER"
	wait_for 10 test -e "$T/bound"
}

@test "--foreground --respawn under Type=notify: READY and STATUS relayed, MAINPID is daemonize" {
	fake_manager "$T/manager.sock"
	NOTIFY_SOCKET=$T/manager.sock "$DAEMONIZE" -f -r "$PROBE" -r "$T/rep" \
	    -N "STATUS=up" -N MAINPID=1 -N READY=1 2>/dev/null 3>&- &
	main=$!
	track_pid "$main"
	wait_for 20 is_dead "$MANAGER"
	wait_report "$T/rep"
	# The child talks to daemonize's own socket, not to the manager.
	[[ $(probe_val "$T/rep" env:NOTIFY_SOCKET) != "$T/manager.sock" ]]
	[ "$(probe_val "$T/rep" ppid)" = "$main" ]
	grep -qx "$main STATUS=up|" "$T/messages"
	grep -qx "$main READY=1|MAINPID=$main|" "$T/messages"
	! grep -q "MAINPID=1|" "$T/messages"
	kill -TERM "$main"
	wait_for 20 is_dead "$main"
}

# Real clients ------------------------------------------------------------

@test "64: -f -w without NOTIFY_SOCKET, there is nobody to wait; nothing runs" {
	run -64 --separate-stderr env -u NOTIFY_SOCKET "$DAEMONIZE" -f -w \
	    -p "$T/pid" "$PROBE" -r "$T/rep" -x 0
	[ "$stderr" = "daemonize: parse --wait-ready: with --foreground there is nobody to wait (no NOTIFY_SOCKET)" ]
	[ ! -e "$T/pid" ]
	[ ! -e "$T/rep" ]
}

@test "-f --wait-ready=SECS under NOTIFY_SOCKET execs in place: same pid, the manager's socket, the command's status" {
	NOTIFY_SOCKET=$T/manager "$DAEMONIZE" -f --wait-ready=0.1 \
	    "$PROBE" -r "$T/rep" -x 5 3>&- &
	local bg=$! rc=0
	wait "$bg" || rc=$?
	[ "$rc" = 5 ]
	[ "$(probe_val "$T/rep" pid)" = "$bg" ]
	[ "$(probe_val "$T/rep" env:NOTIFY_SOCKET)" = "$T/manager" ]
}

@test "systemd-notify --status and --ready, run by the daemon (a script)" {
	command -v systemd-notify >/dev/null || skip "no systemd-notify"
	cat >"$T/d" <<-EOF
	#!/bin/sh
	systemd-notify --status="warming up" || exit 10
	systemd-notify --ready || exit 11
	exec "$PROBE" -r "$T/rep"
	EOF
	chmod 755 "$T/d"
	t0=$(now_ms)
	run -0 --separate-stderr "$DAEMONIZE" -v --wait-ready=20 -p "$T/pid" "$T/d"
	t1=$(now_ms)
	track_pidfile "$T/pid"
	# systemd-notify waits (BARRIER=1) until its fd is closed: promptly.
	[ $((t1 - t0)) -lt 4000 ]
	[[ ${stderr_lines[0]} =~ ^"daemonize: status from pid "[0-9]+": warming up"$ ]]
	wait_report "$T/rep"
}

@test "systemd-notify --ready as -u nobody" {
	require_root
	command -v systemd-notify >/dev/null || skip "no systemd-notify"
	reachable_by_all
	mkdir "$T/out" && chown nobody "$T/out"
	cat >"$T/d" <<-EOF
	#!/bin/sh
	systemd-notify --ready || exit 11
	exec "$PROBE" -r "$T/out/rep"
	EOF
	chmod 755 "$T/d"
	run -0 "$DAEMONIZE" -u nobody --wait-ready=20 -p "$T/pid" "$T/d"
	track_pidfile "$T/pid"
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" uid)" = "$(id -u nobody)" ]
}

@test "systemd-notify --ready from a script that then fails: 125 is not confused" {
	command -v systemd-notify >/dev/null || skip "no systemd-notify"
	run -125 --separate-stderr "$DAEMONIZE" --wait-ready=20 -p "$T/pid" /bin/sh -c 'systemd-notify --status=x; exit 4'
	[[ $stderr =~ "it exited with status 4" ]]
}

@test "redis-server --supervised systemd: ready once it accepts connections" {
	command -v redis-server >/dev/null || skip "no redis-server"
	run -0 --separate-stderr "$DAEMONIZE" -v --wait-ready=30 -p "$T/pid" \
	    redis-server --supervised systemd --port 0 --unixsocket "$T/redis.sock" \
	    --save '' --appendonly no
	track_pidfile "$T/pid"
	[[ $stderr =~ "Ready to accept connections" ]]
	# Ready means ready: the socket answers right away.
	if command -v redis-cli >/dev/null; then
		[ "$(redis-cli -s "$T/redis.sock" ping)" = PONG ]
	else
		[ -S "$T/redis.sock" ]
	fi
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "redis-server that cannot start: 125 with its last STATUS" {
	command -v redis-server >/dev/null || skip "no redis-server"
	run -125 --separate-stderr "$DAEMONIZE" --wait-ready=30 -p "$T/pid" \
	    redis-server --supervised systemd --port 0 --save ''
	[[ ${stderr_lines[0]} =~ "it exited with status 1"$ ]]
	[[ ${stderr_lines[1]} =~ "was: Redis is loading..."$ ]]
	[ ! -e "$T/pid" ]
}

# Abuse ----------------------------------------------------------------------

# ignored_total N: the supervisor's log counts N ignored datagrams in all.
ignored_total() {
	[ "$(sed -nE 's/.*: ignored ([0-9]+) notifications? in the last.*/\1/p' \
	    "$T/err.log" | awk '{ n += $1 } END { print n + 0 }')" = "$1" ]
}

@test "a flood of foreign datagrams to a supervisor: counted, one log line per interval" {
	require_root
	reachable_by_all
	mkdir "$T/out" && chown nobody "$T/out"
	cat >"$T/flood" <<-'EOF2'
	import socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	for i in range(int(sys.argv[2])):
	    s.sendto(b"READY=1\nSTATUS=flood", sys.argv[1])
	print("sent", int(sys.argv[2]))
	EOF2
	run -0 "$DAEMONIZE" -r -w -u nobody -e "$T/err.log" -p "$T/pid" \
	    "$PROBE" -r "$T/out/rep" -N READY=1
	track_pidfile "$T/pid"
	wait_report "$T/out/rep"
	sock=$(probe_val "$T/out/rep" env:NOTIFY_SOCKET)
	# The daemon's user, from another session: 5000 datagrams.
	t0=$(now_ms)
	run -0 setsid setpriv --reuid=nobody --regid="$(id -g nobody)" \
	    --clear-groups "$PY" "$T/flood" "$sock" 5000
	[ "$output" = "sent 5000" ]
	echo "# flood: 5000 datagrams sent in $(($(now_ms) - t0)) ms" >&3
	# Counted, and said at most once per 5 s interval: the whole flood
	# took less than 5 s, so at most two lines (the first at once).
	wait_for 12 ignored_total 5000
	grep -Eq "ignored [0-9]+ notifications in the last 5 s; the last from pid [0-9]+: sent from outside the daemon's session, or by a process already gone$" "$T/err.log"
	(($(grep -c ignored "$T/err.log") <= 2))
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "-f -r under a service manager that does not read: forwarding never blocks" {
	# A manager whose queue is full and who never reads.
	cat >"$T/deaf" <<-'EOF2'
	import socket, sys, time
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sys.argv[1])
	open(sys.argv[2], "w").close()
	time.sleep(60)
	EOF2
	"$PY" "$T/deaf" "$T/mgr.sock" "$T/bound" 3>&- &
	track_pid $!
	wait_for 10 test -e "$T/bound"
	# The child itself sends far more than the manager's queue holds.
	cat >"$T/chatty" <<-EOF2
	import os, socket
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	for i in range(200):
	    s.sendto(b"STATUS=%d" % i, os.environ["NOTIFY_SOCKET"])
	open("$T/sent", "w").close()
	while True:
	    os.pause() if hasattr(os, "pause") else __import__("signal").pause()
	EOF2
	NOTIFY_SOCKET=$T/mgr.sock "$DAEMONIZE" -f -r "$PY" "$T/chatty" 2>"$T/err" 3>&- &
	main=$!
	track_pid "$main"
	wait_for 10 test -e "$T/sent"
	wait_for 10 grep -q "dropped [0-9]* notification" "$T/err"
	kill -TERM "$main"
	# It still serves signals: the stop is prompt.
	wait_for 5 is_dead "$main"
	grep -Eq "daemonize\[[0-9]+\]: dropped [0-9]+ notifications? for the service manager in the last 5 s: Resource temporarily unavailable" "$T/err"
}

@test "nothing is left in the readiness directory's parent, whatever the daemon wrote there" {
	mkdir -m 700 "$T/rt" "$T/keep"
	echo precious >"$T/keep/file"
	cat >"$T/d" <<-EOF
	#!/bin/sh
	dir=\$(dirname "\$NOTIFY_SOCKET")
	mkdir -p "\$dir/sub/deeper" && echo x >"\$dir/sub/deeper/f" &&
	    echo y >"\$dir/file" && ln -s "$T/keep" "\$dir/link" &&
	    ln -s "$T/keep" "\$dir/sub/link" || exit 9
	exec "$PROBE" -r "$T/rep.\$1" -N "\$1"
	EOF
	chmod 755 "$T/d"
	export RUNTIME_DIRECTORY=$T/rt
	run -0 "$DAEMONIZE" -w -p "$T/pid" "$T/d" READY=1
	track_pidfile "$T/pid"
	wait_report "$T/rep.READY=1"
	[ -z "$(ls -A "$T/rt")" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	# A failed start.
	run -124 "$DAEMONIZE" -w -p "$T/pid" "$T/d" ERRNO=5
	track_report "$T/rep.ERRNO=5"
	[ -z "$(ls -A "$T/rt")" ]
	# A supervisor, removed when it exits.
	run -0 "$DAEMONIZE" -r -w -p "$T/pid" "$T/d" READY=1
	track_pidfile "$T/pid"
	[ -n "$(ls -A "$T/rt")" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	[ -z "$(ls -A "$T/rt")" ]
	# Links were removed, never followed.
	[ "$(cat "$T/keep/file")" = precious ]
}

@test "a forged READY=1 from a reaped sender in another session never wins: 124" {
	# Same user, another session: fork a sender, reap it at once, retry.
	cat >"$T/forge" <<-'EOF2'
	import os, socket, sys, time
	end = time.monotonic() + float(sys.argv[2])
	n = 0
	while time.monotonic() < end:
	    pid = os.fork()
	    if pid == 0:
	        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	        try:
	            s.sendto(b"READY=1", sys.argv[1])
	        except OSError:
	            pass
	        os._exit(0)
	    os.waitpid(pid, 0)
	    n += 1
	print(n)
	EOF2
	start_bg --wait-ready=3 -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	sock=$(probe_val "$T/rep" env:NOTIFY_SOCKET)
	run -0 setsid "$PY" "$T/forge" "$sock" 2
	echo "# forged senders: $output" >&3
	(("$output" > 10))
	wait_bg
	[ "$RC" = 124 ]
	gone_after_failure "$T/rep" "$T/pid"
}

# raw_sender FILE: a daemon (python, in the daemon's session) that sends each
# argument as one datagram to $NOTIFY_SOCKET, "\0" and "{N}" expanded (a NUL
# byte, N bytes of padding), then stays alive.
raw_sender() {
	cat >"$T/raw" <<-EOF
	#!$PY
	import os, re, socket, sys, time
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	for a in sys.argv[1:]:
	    m = re.sub(r"\{(\d+)\}", lambda g: "x" * int(g.group(1)), a)
	    s.sendto(m.replace("\\\\0", "\0").encode(), os.environ["NOTIFY_SOCKET"])
	    time.sleep(0.05)
	time.sleep(3600)
	EOF
	chmod 755 "$T/raw"
}

# Man page, READINESS: "messages longer than 4096 bytes or containing a NUL
# byte" are ignored.
@test "a READY=1 message with a NUL byte or longer than 4096 bytes is ignored; 4096 bytes is read" {
	raw_sender
	run -124 --separate-stderr "$DAEMONIZE" --wait-ready=1 -p "$T/pid" \
	    "$T/raw" 'READY=1\0'
	[[ $stderr =~ ^"daemonize: wait for READY=1 from pid "[0-9]+": timed out after 1."[0-9]{3}" s"$ ]]
	[ ! -e "$T/pid" ]
	# "READY=1\nX=" is 10 bytes.
	run -124 --separate-stderr "$DAEMONIZE" --wait-ready=1 -p "$T/pid" \
	    "$T/raw" 'READY=1
X={4087}'
	[ ! -e "$T/pid" ]
	run -0 --separate-stderr "$DAEMONIZE" --wait-ready=5 -p "$T/pid" \
	    "$T/raw" 'READY=1
X={4086}'
	track_pidfile "$T/pid"
	[ "$stderr" = "" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

# Man page, READINESS: "STOPPING=1, WATCHDOG=1 and FDSTORE=1 are ignored".
@test "STOPPING=1, WATCHDOG=1 and FDSTORE=1 are ignored: READY=1 after them starts" {
	run -0 --separate-stderr "$DAEMONIZE" --wait-ready=5 -p "$T/pid" \
	    "$PROBE" -N STOPPING=1 -N WATCHDOG=1 -N FDSTORE=1 -N READY=1 \
	    -r "$T/rep"
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	run -0 "$DAEMONIZE" -p "$T/pid" --status
	[ "$(lock_holder "$T/pid")" = "$(probe_val "$T/rep" pid)" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

# Man page, READINESS: EXTEND_TIMEOUT_USEC moves the deadline "if that is
# later": a short extension never shortens the wait.
@test "EXTEND_TIMEOUT_USEC never shortens the deadline" {
	extend_then_ready 100000 1
	t0=$(now_ms)
	run -0 --separate-stderr "$DAEMONIZE" --wait-ready=10 -p "$T/pid" "$T/d"
	t1=$(now_ms)
	track_pidfile "$T/pid"
	[ "$stderr" = "" ]
	[ $((t1 - t0)) -ge 1000 ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

# Man page, READINESS: with -f -r the supervisor relays "READY=1, STATUS=,
# ERRNO=, EXTEND_TIMEOUT_USEC= and WATCHDOG=1" and a child's "STOPPING=1"
# is not passed on.
@test "-f -r relays ERRNO, EXTEND_TIMEOUT_USEC and WATCHDOG, and drops STOPPING" {
	fake_manager "$T/manager.sock"
	NOTIFY_SOCKET=$T/manager.sock "$DAEMONIZE" -f -r "$PROBE" -r "$T/rep" \
	    -N ERRNO=5 -N EXTEND_TIMEOUT_USEC=5000000 -N WATCHDOG=1 \
	    -N STOPPING=1 -N READY=1 2>/dev/null 3>&- &
	main=$!
	track_pid "$main"
	wait_for 20 is_dead "$MANAGER"
	wait_report "$T/rep"
	[ "$(cat "$T/messages")" = "$(printf '%s\n' "$main ERRNO=5|" \
	    "$main EXTEND_TIMEOUT_USEC=5000000|" "$main WATCHDOG=1|" \
	    "$main READY=1|MAINPID=$main|")" ]
	kill -TERM "$main"
	wait_for 20 is_dead "$main"
}
