#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The supervisor's output pump: -o/-e files through pipes, without loss and
# in order, reopened on SIGHUP (a real logrotate run), a failing file, and
# syslog delivery to a real receiving socket (DAEMONIZE_SYSLOG_SOCKET).

load helpers

# start_syslog [SECONDS]: a private syslog daemon: every datagram on
# $T/log.sock becomes one line of $T/syslog, taking SECONDS (default 0) per
# record.  Started in the background, stopped by pid in teardown.
start_syslog() {
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
delay = float(sys.argv[3])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
        if delay:
            time.sleep(delay)
' "$T/log.sock" "$T/syslog" "${1:-0}" 3>&- &
	track_pid $!
	wait_for 5 test -S "$T/log.sock"
	export DAEMONIZE_SYSLOG_SOCKET=$T/log.sock
}

# records: the received records without their timestamps:
# "<PRI>TAG[PID]: text".
records() {
	sed -E 's/^(<[0-9]+>)[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} /\1/' "$T/syslog"
}

@test "-o and -e through the supervisor: every line, in order, across a respawn" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.05 -p "$T/pid" \
	    --child-pidfile="$T/cpid" -o "$T/out" -e "$T/err" \
	    "$PROBE" -L 20000 -E 20000
	track_pidfile "$T/pid"
	wait_for 10 has_lines "$T/out" 20000
	wait_for 10 has_lines "$T/err" 20000
	kill -KILL "$(cat "$T/cpid")"
	wait_for 10 has_lines "$T/out" 40000
	wait_for 10 has_lines "$T/err" 40000
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	diff <(seq 20000 | sed 's/^/line /'; seq 20000 | sed 's/^/line /') "$T/out"
	diff <(seq 20000 | sed 's/^/err /'; seq 20000 | sed 's/^/err /') \
	    <(grep -v 'daemonize\[' "$T/err")
}

@test "-o and -e naming one file keep stdout and stderr in write order" {
	run -0 "$DAEMONIZE" --respawn=failure -p "$T/pid" -o "$T/log" \
	    -e "$T/log" "$PROBE" -L 3 -E 3 -x 0
	wait_for 5 test ! -e "$T/pid"
	wait_for 5 grep -q "not respawning" "$T/log"
	[ "$(grep -v 'daemonize\[' "$T/log")" = "$(printf 'line 1\nline 2\nline 3\nerr 1\nerr 2\nerr 3')" ]
}

@test "the files are truncated once when the supervisor starts, -a appends" {
	echo old >"$T/out"
	run -0 "$DAEMONIZE" --respawn=failure -p "$T/pid" -o "$T/out" \
	    "$PROBE" -L 1 -x 0
	wait_for 5 test ! -e "$T/pid"
	[ "$(cat "$T/out")" = "line 1" ]
	run -0 "$DAEMONIZE" -a --respawn=failure -p "$T/pid" -o "$T/out" \
	    "$PROBE" -L 1 -x 0
	wait_for 5 test ! -e "$T/pid"
	[ "$(cat "$T/out")" = "$(printf 'line 1\nline 1')" ]
}

@test "-o /dev/full: the supervisor survives and says so once" {
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.05 -p "$T/pid" \
	    --child-pidfile="$T/cpid" -o /dev/full -e "$T/err" \
	    "$PROBE" -L 1000 -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	wait_for 5 grep -q "write stdout /dev/full: No space left on device" "$T/err"
	rm "$T/rep"
	kill -KILL "$(cat "$T/cpid")"
	wait_report "$T/rep"
	is_alive "$sup"
	run -0 "$DAEMONIZE" -p "$T/pid" --status
	[ "$(grep -c "write stdout /dev/full" "$T/err")" -eq 1 ]
	grep -q "daemonize\[$sup\]: write stdout /dev/full: No space left on device; dropping output until it can be written\$" "$T/err"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "SIGHUP reopens: a real logrotate run loses no line and needs no restart" {
	command -v logrotate >/dev/null || skip "no logrotate"
	mkdir -m 755 "$T/log"
	cat >"$T/writer" <<-EOF
	#!/bin/sh
	trap '' HUP
	i=0
	while [ ! -e "$T/stop" ]; do
		i=\$((i + 1))
		echo "\$i"
		sleep 0.002
	done
	echo done
	EOF
	chmod 755 "$T/writer"
	cat >"$T/logrotate.conf" <<-EOF
	$T/log/app.log {
		rotate 2
		nocompress
		missingok
		postrotate
			"$DAEMONIZE" -p "$T/pid" --signal=HUP
		endscript
	}
	EOF
	chmod 644 "$T/logrotate.conf"
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" --child-pidfile="$T/cpid" \
	    -o "$T/log/app.log" "$T/writer"
	track_pidfile "$T/pid"
	child=$(cat "$T/cpid")
	wait_for 10 has_lines "$T/log/app.log" 100
	run -0 logrotate -f -s "$T/state" "$T/logrotate.conf"
	[ -s "$T/log/app.log.1" ]
	# The supervisor made a new file (no "create" in the config).
	wait_for 10 has_lines "$T/log/app.log" 100
	# One writer all along (once it exits, the child pidfile is emptied).
	[ "$(cat "$T/cpid")" = "$child" ]
	touch "$T/stop"
	wait_for 10 grep -qx done "$T/log/app.log"
	# Every number once and in order.
	cat "$T/log/app.log.1" "$T/log/app.log" | awk '
		$0 == "done" { done = 1; next }
		$0 != NR { print "line " NR " is " $0; exit 1 }
		END { exit !done }'
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "SIGHUP: a file that cannot be reopened is kept, and said" {
	mkdir "$T/log"
	run -0 "$DAEMONIZE" --respawn -p "$T/pid" -o "$T/log/out" -e "$T/err" \
	    "$PROBE" -H -r "$T/rep"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	mv "$T/log" "$T/gone"
	kill -HUP "$(cat "$T/pid")"
	wait_for 5 grep -q "reopen stdout $T/log/out: No such file or directory; still writing to the old file" "$T/err"
	run -0 "$DAEMONIZE" -p "$T/pid" --status
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "--syslog: stdout at FACILITY.PRIORITY, stderr at FACILITY.err, TAG[childpid]" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog
	run -0 "$DAEMONIZE" --syslog=local0.info -t myapp -p "$T/pid" \
	    "$PROBE" -L 2 -E 1 -x 0 -r "$T/rep"
	wait_for 5 test ! -e "$T/pid"
	child=$(probe_val "$T/rep" pid)
	wait_for 5 has_lines "$T/syslog" 3
	# local0 = 16: info 16*8+6, err 16*8+3.
	[ "$(records)" = "$(printf '<134>myapp[%d]: line 1\n<134>myapp[%d]: line 2\n<131>myapp[%d]: err 1' "$child" "$child" "$child")" ]
}

@test "--syslog: long lines are split at 1024 bytes, a last line without newline is sent" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog
	printf '#!/bin/sh\nhead -c 2500 /dev/zero | tr "\\0" x\necho\nprintf tail\n' >"$T/cmd"
	chmod 755 "$T/cmd"
	run -0 "$DAEMONIZE" --syslog -p "$T/pid" "$T/cmd"
	wait_for 5 test ! -e "$T/pid"
	wait_for 5 has_lines "$T/syslog" 4
	mapfile -t rec < <(records | sed -E 's/^<29>cmd\[[0-9]+\]: //')
	[ "${#rec[@]}" -eq 4 ]
	[ "${rec[0]}" = "$(head -c 1024 /dev/zero | tr '\0' x)" ]
	[ "${rec[1]}" = "${rec[0]}" ]
	[ "${rec[2]}" = "$(head -c 452 /dev/zero | tr '\0' x)" ]
	[ "${rec[3]}" = tail ]
}

@test "--syslog --respawn: the supervisor's own messages go to syslog" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog
	run -0 "$DAEMONIZE" --respawn --respawn-delay=0.05 --syslog -t app \
	    -p "$T/pid" --child-pidfile="$T/cpid" "$PROBE" -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	child=$(cat "$T/cpid")
	rm "$T/rep"
	kill -KILL "$child"
	wait_report "$T/rep"
	wait_for 5 grep -q "app\[$sup\]: daemonize: pid $child was killed by signal 9 (SIGKILL); respawning in 0.050 s\$" "$T/syslog"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "--syslog without a syslog daemon: the command still runs" {
	export DAEMONIZE_SYSLOG_SOCKET=$T/nobody-listens
	run -0 "$DAEMONIZE" --syslog -p "$T/pid" "$PROBE" -L 5 -r "$T/rep"
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	run -0 "$DAEMONIZE" -p "$T/pid" --status
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "--tag: control characters are refused (64), the length is bounded at 64 bytes" {
	run -64 --separate-stderr "$DAEMONIZE" -S -t "$(printf 'app\n<13>forged')" "$PROBE"
	[ "$stderr" = "daemonize: parse -t $(printf 'app\n<13>forged'): control character in the tag" ]
	run -64 --separate-stderr "$DAEMONIZE" -S --tag="$(printf 'a\tb')" "$PROBE"
	[ "$stderr" = "daemonize: parse --tag=$(printf 'a\tb'): control character in the tag" ]
	long=$(printf '%065d' 0)
	run -64 --separate-stderr "$DAEMONIZE" -S --tag="$long" "$PROBE"
	[ "$stderr" = "daemonize: parse --tag=$long: longer than 64 bytes" ]
	cp "$PROBE" "$T/$(printf 'x\ny')"
	run -64 --separate-stderr "$DAEMONIZE" -S -p "$T/pid" "$T/$(printf 'x\ny')"
	[ "$stderr" = "daemonize: parse tag from the command name: control character; give one with --tag" ]
	[ ! -e "$T/pid" ]
}

@test "--tag of 64 bytes, and a long command name cut to 64: the header keeps TAG[PID]: " {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog
	tag=$(printf 'a%.0s' {1..64})
	run -0 "$DAEMONIZE" -S -t "$tag" -p "$T/pid" "$PROBE" -L 1 -x 0 -r "$T/rep"
	wait_for 5 test ! -e "$T/pid"
	wait_for 5 has_lines "$T/syslog" 1
	[ "$(records)" = "<29>$tag[$(probe_val "$T/rep" pid)]: line 1" ]
	name=$(printf 'b%.0s' {1..100})
	cp "$PROBE" "$T/$name"
	run -0 "$DAEMONIZE" -S -p "$T/pid" "$T/$name" -L 1 -x 0 -r "$T/rep2"
	wait_for 5 test ! -e "$T/pid"
	wait_for 5 has_lines "$T/syslog" 2
	[ "$(records | tail -n1)" = "<29>${name:0:64}[$(probe_val "$T/rep2" pid)]: line 1" ]
}

@test "--syslog: SIGHUP does not cut a partial line into its own record" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog
	mkfifo "$T/go"
	printf '#!/bin/sh\ntrap "" HUP\nprintf "hello "\nread x <"%s"\necho world\nexec "%s" -r "%s"\n' \
	    "$T/go" "$PROBE" "$T/rep" >"$T/cmd"
	chmod 755 "$T/cmd"
	run -0 "$DAEMONIZE" -r -S -p "$T/pid" "$T/cmd"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	kill -HUP "$sup"
	# The reopen is done once the supervisor says so, or after a while.
	wait_for 5 grep -q "SigPnd:	0000000000000000" "/proc/$sup/status"
	echo go >"$T/go"
	wait_report "$T/rep"
	wait_for 5 has_lines "$T/syslog" 1
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	[ "$(records | sed -E 's/^<29>cmd\[[0-9]+\]: //')" = "hello world" ]
}

# cpu_ticks PID: utime + stime from /proc/PID/stat, in clock ticks.
cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

@test "-o FIFO with a stalled reader: back-pressure, the supervisor uses no CPU, nothing lost" {
	mkfifo "$T/fifo"
	# Hold the FIFO open for reading without reading: a stalled reader.
	exec {rd}<>"$T/fifo"
	run -0 "$DAEMONIZE" -r -o "$T/fifo" -p "$T/pid" "$PROBE" -L 300000 -r "$T/rep"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_report "$T/rep"
	# The pipes fill and the child blocks writing.
	wait_for 10 grep -Eqx "(anon_)?pipe_write" "/proc/$(probe_val "$T/rep" pid)/wchan"
	t0=$(cpu_ticks "$sup")
	sleep 2	# the measurement window the contract names, not a wait
	t1=$(cpu_ticks "$sup")
	hz=$(getconf CLK_TCK)
	echo "# supervisor CPU over 2 s with a stalled reader: $(((t1 - t0) * 1000 / hz)) ms" >&3
	(((t1 - t0) * 1000 / hz < 50))
	# The reader resumes: every line arrives, in order.
	timeout 20 head -n 300000 <&$rd >"$T/got"
	exec {rd}<&-
	[ "$(tail -n1 "$T/got")" = "line 300000" ]
	[ "$(line_count "$T/got")" = 300000 ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "--syslog with a slow syslog: the child is slowed, and at its exit every line is delivered" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog 0.002	# a syslog daemon that takes 2 ms per record
	# 3000 lines take the receiver over 6 s: more than any fixed drain.
	run -0 "$DAEMONIZE" -f -S "$PROBE" -L 3000 -x 0
	wait_for 5 has_lines "$T/syslog" 3000
	n=$(grep -c ': line [0-9]*$' "$T/syslog")
	echo "# syslog burst: 3000 lines sent, $n received" >&3
	[ "$n" = 3000 ]
	[ "$(sed -n '$s/.*: //p' "$T/syslog")" = "line 3000" ]
}

@test "--syslog too slow for a --stop's schedule: the supervisor logs how many lines it dropped" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog 0.02	# 50 records a second
	# 400 lines (3492 bytes) fit the one-page pipe: the child writes them
	# all at once, and the receiver takes about 100 of them before the
	# supervisor's drain ends with its 2 s schedule (TERM/1/KILL/1).
	run -0 "$DAEMONIZE" -S --respawn --retry=1 -p "$T/pid" "$PROBE" -L 400
	track_pidfile "$T/pid"
	local pid
	pid=$(cat "$T/pid")
	# The pipe write is atomic: once line 1 arrives, all 400 were written.
	wait_for 5 grep -q ': line 1$' "$T/syslog"
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	# The count is the supervisor's last record, after every line it sent.
	wait_for 10 grep -q 'daemonize: stop probe: dropped' "$T/syslog"
	local got dropped
	got=$(grep -c ': line [0-9]*$' "$T/syslog")
	dropped=$((400 - got))
	echo "# 400 lines written, $got delivered, $dropped dropped" >&3
	# Every delivered line in order, from the first: none lost in between.
	[ "$(sed -n 's/^.*\]: \(line [0-9]*\)$/\1/p' "$T/syslog")" = \
	    "$(seq "$got" | sed 's/^/line /')" ]
	((dropped > 0))
	[ "$(records | tail -n1)" = "<27>probe[$pid]: daemonize: stop probe: dropped $dropped lines of output that syslog did not take before the --retry schedule ran out" ]
}

# Man page, -S: "stderr at daemon.err" by default (daemon = 3: 3*8+3 = 27,
# and daemon.notice 3*8+5 = 29).
@test "--syslog: stderr goes at daemon.err (<27>), stdout at daemon.notice (<29>)" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog
	run -0 "$DAEMONIZE" --syslog -p "$T/pid" "$PROBE" -L 1 -E 1 -x 0 \
	    -r "$T/rep"
	wait_for 5 test ! -e "$T/pid"
	child=$(probe_val "$T/rep" pid)
	wait_for 5 has_lines "$T/syslog" 2
	[ "$(records)" = "$(printf '<29>probe[%d]: line 1\n<27>probe[%d]: err 1' "$child" "$child")" ]
}

# Man page, SUPERVISION, Output: the supervisor writes the child's output
# "to the -o and -e files and, with -S, to syslog".
@test "--syslog with -o and -e: the lines go to syslog and to the files" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog
	run -0 "$DAEMONIZE" --syslog -o "$T/out" -e "$T/err" -p "$T/pid" \
	    "$PROBE" -L 2 -E 1 -x 0 -r "$T/rep"
	wait_for 5 test ! -e "$T/pid"
	wait_for 5 has_lines "$T/syslog" 3
	[ "$(cat "$T/out")" = "$(printf 'line 1\nline 2')" ]
	[ "$(cat "$T/err")" = "err 1" ]
	[ "$(records | sed -E 's/\[[0-9]+\]//')" = "$(printf '<29>probe: line 1\n<29>probe: line 2\n<27>probe: err 1')" ]
}

# Man page, ENVIRONMENT, DAEMONIZE_SYSLOG_SOCKET: "Read in the supervisor,
# from the environment the command gets (after --clear-env and -E)".
@test "DAEMONIZE_SYSLOG_SOCKET follows --clear-env and -E" {
	command -v python3 >/dev/null || skip "no python3"
	start_syslog
	# Cleared: the exported socket is not used.
	run -0 "$DAEMONIZE" --syslog --clear-env -t cleared -p "$T/pid" \
	    "$PROBE" -L 1 -x 0
	wait_for 5 test ! -e "$T/pid"
	# -E wins over the caller's environment, even after --clear-env.
	DAEMONIZE_SYSLOG_SOCKET=$T/nobody-listens run -0 "$DAEMONIZE" \
	    --syslog --clear-env -E DAEMONIZE_SYSLOG_SOCKET="$T/log.sock" \
	    -t given -p "$T/pid" "$PROBE" -L 1 -x 0
	wait_for 5 test ! -e "$T/pid"
	wait_for 5 has_lines "$T/syslog" 1
	# One socket keeps datagrams in order: "cleared" would be first.
	[ "$(records | sed -E 's/\[[0-9]+\]//')" = "<29>given: line 1" ]
}
