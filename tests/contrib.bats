#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
#
# contrib/ with the real tools it is written for: the LSB init script run
# with each action, the systemd units checked by systemd-analyze and their
# ExecStart lines run the way systemd runs them, the logrotate config
# driven by the real logrotate while a supervised daemon writes, the
# crontab lines run in a cron-like environment, and the bash completion
# asked like readline asks it. Every daemon is stopped in teardown, by pid.

load helpers

setup()
{
	# An absolute path, to be written into copies of the contrib files.
	DAEMONIZE_ABS=$(cd "$(dirname "$DAEMONIZE")" && pwd)/$(basename "$DAEMONIZE")
	CONTRIB=$BATS_TEST_DIRNAME/../contrib
	[ -x "$DAEMONIZE_ABS" ] || {
		echo "no daemonize to test at $DAEMONIZE" >&2
		return 1
	}
	# The bare name "daemonize" (logrotate's postrotate, crontab lines)
	# must be ours, not a daemonize package installed on the machine.
	mkdir -p "$T/bin"
	ln -s "$DAEMONIZE_ABS" "$T/bin/daemonize"
}

# Besides the tracked pids (helpers.bash), nothing may survive in their
# sessions: a supervisor's child left behind fails the test too.
teardown()
{
	local rc=0 left
	stop_tracked || rc=1
	left=$(sessions_left)
	if [[ -n $left ]]; then
		echo "teardown: left behind in a daemon's session: $left" >&2
		kill -KILL $left 2>/dev/null
		rc=1
	fi
	return $rc
}

# track PID: track_pid, and remember PID's session for teardown.
track()
{
	local sid
	[[ $1 =~ ^[0-9]+$ ]] || return 0
	track_pid "$1"
	sid=$(sid_of "$1")
	[[ -z $sid || $sid == 0 || $sid == "$(sid_of $$)" ]] ||
	    echo "$sid" >>"$T/.tracked-sids"
	return 0
}

# track_daemon PIDFILE: track the pid written in PIDFILE, and its session.
track_daemon()
{
	[[ -s $1 ]] && track "$(head -n1 "$1")"
	return 0
}

# The live processes left in the tracked sessions.
sessions_left()
{
	local sid
	[[ -f $T/.tracked-sids ]] || return 0
	for sid in $(sort -u "$T/.tracked-sids"); do
		session_members "$sid"
	done | tr '\n' ' '
}

# has_child PID COMM: PID has a live child process named COMM.
has_child()
{
	local c
	for c in $(ps -o pid= --ppid "$1"); do
		is_alive "$c" &&
		    [[ $(cat "/proc/$c/comm" 2>/dev/null) == "$2" ]] && return 0
	done
	return 1
}

file_contains()
{
	grep -q -- "$2" "$1" 2>/dev/null
}

# The pid in a pidfile, without the newline.
pidof_file()
{
	local pid
	read -r pid <"$1" && echo "$pid"
}

# ---------------------------------------------------------------------------
# LSB init script

# init_setup [DAEMONIZE_OPTS]: a defaults file pointing the init script at
# files under $T, and a small daemon that says it started, then sleeps.
init_setup()
{
	[[ -r /lib/lsb/init-functions ]] || skip "no /lib/lsb/init-functions"
	INIT=$CONTRIB/init.d/daemonize-example
	PIDFILE=$T/example.pid
	LOGFILE=$T/example.log
	cat >"$T/exampled" <<-'EOF'
	#!/bin/sh
	echo "exampled $$ started"
	exec sleep "$1"
	EOF
	chmod 755 "$T/exampled"
	{
		echo "DAEMON=$T/exampled"
		echo "DAEMON_ARGS=1000"
		echo "PIDFILE=$PIDFILE"
		echo "LOGFILE=$LOGFILE"
		echo "STOP_RETRY=TERM/5/KILL/5"
		[[ -z ${1-} ]] || echo "DAEMONIZE_OPTS=\"$1\""
	} >"$T/default"
	export DAEMONIZE DEFAULTS_FILE=$T/default
}

# init_running: the init script's daemon runs, and holds its pidfile.
init_running()
{
	local pid
	pid=$(pidof_file "$PIDFILE") && is_alive "$pid" &&
	    "$DAEMONIZE" -p "$PIDFILE" --status
}

@test "init.d: the script is executable, valid sh, with an LSB header" {
	local f=$CONTRIB/init.d/daemonize-example
	[ -x "$f" ]
	run -0 sh -n "$f"
	grep -q '^### BEGIN INIT INFO$' "$f"
	grep -q '^# Provides: *daemonize-example$' "$f"
	grep -q '^### END INIT INFO$' "$f"
}

@test "init.d: start runs the daemon under supervision; start again is a no-op" {
	init_setup
	run -0 nofd3 "$INIT" start
	track_daemon "$PIDFILE"
	[[ $output == *"Starting daemonize example service"* ]]
	local pid
	pid=$(pidof_file "$PIDFILE")
	is_alive "$pid"
	wait_for 5 file_contains "$LOGFILE" "exampled .* started"
	# --respawn (the default DAEMONIZE_OPTS): the pidfile names the
	# supervisor, and the command is its child.
	[ "$(cat "/proc/$pid/comm")" != sleep ]
	wait_for 5 has_child "$pid" sleep

	run -0 nofd3 "$INIT" start
	[ "$(pidof_file "$PIDFILE")" = "$pid" ]
	is_alive "$pid"
	[ "$(grep -c started "$LOGFILE")" = 1 ]
}

@test "init.d: status is 0 running, 3 stopped, 1 dead with a pidfile, 4 unknown" {
	init_setup
	run -3 "$INIT" status
	[[ $output == *"daemonize-example is not running"* ]]

	run -0 nofd3 "$INIT" start
	track_daemon "$PIDFILE"
	local pid
	pid=$(pidof_file "$PIDFILE")
	run -0 "$INIT" status
	[[ $output == *"daemonize-example is running as pid $pid"* ]]

	run -0 "$INIT" stop
	run -3 "$INIT" status

	# A pidfile nobody holds: dead, pidfile exists.
	echo "$pid" >"$PIDFILE"
	run -1 "$INIT" status
	[[ $output == *"not running but $PIDFILE exists"* ]]

	rm -f "$PIDFILE"
	mkdir "$PIDFILE"
	run -4 "$INIT" status
}

@test "init.d: stop stops the daemon and removes the pidfile; stop again is 0" {
	init_setup
	run -0 nofd3 "$INIT" start
	track_daemon "$PIDFILE"
	local pid sid
	pid=$(pidof_file "$PIDFILE")
	is_alive "$pid"
	sid=$(sid_of "$pid")
	wait_for 5 has_child "$pid" sleep

	run -0 "$INIT" stop
	[[ $output == *"Stopping daemonize example service"* ]]
	is_dead "$pid"
	[ ! -e "$PIDFILE" ]
	# The supervisor took the command with it.
	wait_for 5 session_empty "$sid"

	run -0 "$INIT" stop
}

@test "init.d: restart replaces a running daemon, and starts a stopped one" {
	init_setup
	run -0 nofd3 "$INIT" restart
	track_daemon "$PIDFILE"
	local first second
	first=$(pidof_file "$PIDFILE")
	is_alive "$first"

	run -0 nofd3 "$INIT" restart
	track_daemon "$PIDFILE"
	second=$(pidof_file "$PIDFILE")
	[ "$second" != "$first" ]
	is_dead "$first"
	is_alive "$second"
	init_running
}

@test "init.d: force-reload and try-restart restart only a running daemon" {
	init_setup
	run -0 nofd3 "$INIT" force-reload
	[ ! -e "$PIDFILE" ]
	run -0 nofd3 "$INIT" try-restart
	[ ! -e "$PIDFILE" ]

	run -0 nofd3 "$INIT" start
	track_daemon "$PIDFILE"
	local first second
	first=$(pidof_file "$PIDFILE")
	run -0 nofd3 "$INIT" force-reload
	track_daemon "$PIDFILE"
	second=$(pidof_file "$PIDFILE")
	[ "$second" != "$first" ]
	is_dead "$first"
	init_running
}

@test "init.d: plain mode (no supervisor): the pidfile names the command itself" {
	init_setup "--stdout=$T/example.log --stderr=$T/example.log"
	run -0 nofd3 "$INIT" start
	track_daemon "$PIDFILE"
	local pid
	pid=$(pidof_file "$PIDFILE")
	wait_for 5 file_contains "$LOGFILE" "exampled $pid started"
	[ "$(cat "/proc/$pid/comm")" = sleep ]
	run -0 "$INIT" status
	run -0 "$INIT" stop
	is_dead "$pid"
	run -3 "$INIT" status
}

@test "init.d: failures map to LSB codes (5 not installed, 6 not configured, 1 other)" {
	init_setup
	echo "DAEMON=$T/missing" >>"$T/default"
	run -5 nofd3 "$INIT" start
	track_daemon "$PIDFILE"
	[ ! -e "$PIDFILE" ]

	init_setup "--user=no-such-user-$$"
	run -6 nofd3 "$INIT" start
	track_daemon "$PIDFILE"

	init_setup "--bogus-option"
	run -6 nofd3 "$INIT" start

	# The pidfile's directory does not exist: daemonize exits 73.
	init_setup
	echo "PIDFILE=$T/no/such/dir/example.pid" >>"$T/default"
	run -1 nofd3 "$INIT" start

	init_setup
	run -5 env DAEMONIZE="$T/no-daemonize" "$INIT" start
	run -4 env DAEMONIZE="$T/no-daemonize" "$INIT" status
}

@test "init.d: reload is unimplemented (3), an unknown action is invalid (2)" {
	init_setup
	run -3 "$INIT" reload
	run -2 --separate-stderr "$INIT" frobnicate
	[[ $stderr == Usage:* ]]
}

# ---------------------------------------------------------------------------
# systemd units

# unit_copy NAME: the unit with every path pointed into $T, our daemonize
# in place of /usr/bin/daemonize and $T/exampled as the command.
unit_copy()
{
	mkdir -p "$T/units"
	sed -e "s|/usr/bin/daemonize|$DAEMONIZE_ABS|g" \
	    -e "s|/run/daemonize-example.pid|$T/example.pid|g" \
	    -e "s|/var/log/daemonize-example.log|$T/example.log|g" \
	    -e "s|/usr/local/bin/exampled|$T/exampled|g" \
	    "$CONTRIB/systemd/$1" >"$T/units/$1"
}

# unit_exec NAME KEY: the words of the unit's KEY= line (ExecStart...),
# continuation lines joined. The contrib units use no quoting.
unit_exec()
{
	local line
	line=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$T/units/$1" |
	    sed -n "s/^$2=//p")
	[[ $line != *[\"\'%\$]* ]] || {
		echo "$2 of $1 needs a real systemd to be split" >&2
		return 1
	}
	read -ra EXEC <<<"$line"
}

verify_unit()
{
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
	unit_copy "$1"
	# --man=no: the man page is not installed where the tests run.
	run -0 --separate-stderr systemd-analyze verify --man=no "$T/units/$1"
	# A misspelt key or value is only a warning: none is allowed.
	[ -z "$stderr" ] || {
		echo "$stderr" >&2
		return 1
	}
}

@test "systemd: daemonize-example-forking.service passes systemd-analyze verify" {
	verify_unit daemonize-example-forking.service
	grep -q '^Type=forking$' "$T/units/daemonize-example-forking.service"
}

@test "systemd: daemonize-example-notify.service passes systemd-analyze verify" {
	verify_unit daemonize-example-notify.service
	grep -q '^Type=notify$' "$T/units/daemonize-example-notify.service"
}

@test "systemd: daemonize-example-simple.service passes systemd-analyze verify" {
	verify_unit daemonize-example-simple.service
	grep -q '^Type=simple$' "$T/units/daemonize-example-simple.service"
}

@test "systemd: a broken unit fails the verify check (the check works)" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
	unit_copy daemonize-example-forking.service
	sed -i 's/^Type=forking$/Type=forkin/' \
	    "$T/units/daemonize-example-forking.service"
	run --separate-stderr systemd-analyze verify --man=no \
	    "$T/units/daemonize-example-forking.service"
	[ -n "$stderr" ]
}

# The ExecStart lines, run as systemd runs them.

@test "systemd: forking ExecStart returns with PIDFile= naming the live daemon" {
	printf '#!/bin/sh\nexec sleep 1000\n' >"$T/exampled"
	chmod 755 "$T/exampled"
	unit_copy daemonize-example-forking.service
	unit_exec daemonize-example-forking.service ExecStart
	run -0 nofd3 "${EXEC[@]}"
	# systemd reads PIDFile= right when ExecStart's process exits.
	local pid
	pid=$(pidof_file "$T/example.pid")
	track "$pid"
	is_alive "$pid"
	[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" != $$ ]

	unit_exec daemonize-example-forking.service ExecReload
	run -0 "${EXEC[@]}"
	wait_for 5 is_dead "$pid"	# sleep(1) dies of SIGHUP
}

@test "systemd: simple ExecStart supervises in the foreground; TERM stops all" {
	printf '#!/bin/sh\necho "exampled $$"\nexec sleep 1000\n' >"$T/exampled"
	chmod 755 "$T/exampled"
	unit_copy daemonize-example-simple.service
	unit_exec daemonize-example-simple.service ExecStart
	"${EXEC[@]}" </dev/null >"$T/out" 2>&1 3>&- &
	local main=$! child
	track "$main"
	# The command is a child of the main process (the supervisor).
	child_of_main() {
		child=$(ps -o pid= --ppid "$main" | tr -d ' ')
		[[ -n $child ]] && [[ $(cat "/proc/$child/comm") == sleep ]]
	}
	wait_for 5 child_of_main
	track "$child"
	is_alive "$main"

	# A child that dies is respawned (first delay 1 s).
	kill -KILL "$child"
	local old=$child
	respawned() { child_of_main && [[ $child != "$old" ]]; }
	wait_for 5 respawned
	track "$child"

	# KillMode=mixed: systemd sends SIGTERM to the main process only;
	# daemonize stops the command and exits (a zombie until waited for).
	kill -TERM "$main"
	wait_for 20 is_dead "$main"
	local rc=0
	wait "$main" || rc=$?
	# A stop on request is a success: systemd does not call it failed.
	[[ $rc == 0 ]]
	is_dead "$child"
}

@test "systemd: notify ExecStart passes READY=1 through to \$NOTIFY_SOCKET" {
	command -v python3 >/dev/null || skip "no python3"
	# A daemon that says READY=1 itself, as a Type=notify service does.
	cat >"$T/exampled" <<-'EOF'
	#!/usr/bin/env python3
	import os, socket, time
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
	time.sleep(1000)
	EOF
	chmod 755 "$T/exampled"
	# systemd's side: a datagram socket, read until READY=1.
	cat >"$T/manager" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sys.argv[1])
	open(sys.argv[2], "w").close()
	s.settimeout(10)
	while True:
	    msg = s.recv(4096).decode()
	    print(msg, flush=True)
	    if "READY=1" in msg.split("\n"):
	        break
	EOF
	"$PY" "$T/manager" "$T/notify" "$T/bound" >"$T/messages" 3>&- &
	local manager=$!
	track "$manager"
	wait_for 5 test -e "$T/bound"

	unit_copy daemonize-example-notify.service
	unit_exec daemonize-example-notify.service ExecStart
	NOTIFY_SOCKET=$T/notify "${EXEC[@]}" </dev/null >"$T/out" 2>&1 3>&- &
	local main=$!
	track "$main"
	wait_for 15 is_dead "$manager"
	wait "$manager"
	grep -qx 'READY=1' "$T/messages"
	is_alive "$main"
	# daemonize exec'd the command in place: it is the main process.
	[ "$(cat "/proc/$main/comm")" != daemonize ]
	kill -TERM "$main"
	wait_for 20 is_dead "$main"
}

# ---------------------------------------------------------------------------
# logrotate

# A writer of numbered lines, 1, 2, 3..., as fast as 2000 a second. It
# ignores SIGHUP, which the supervisor forwards after reopening its files.
make_writer()
{
	cat >"$T/writer" <<-'EOF'
	#!/usr/bin/perl
	$SIG{HUP} = 'IGNORE';
	$| = 1;
	for (my $i = 1; ; $i++) {
		print "$i\n";
		select(undef, undef, undef, 0.0005);
	}
	EOF
	chmod 755 "$T/writer"
}

# logrotate_config: contrib's config with the paths pointed into $T.
logrotate_config()
{
	mkdir -p "$T/log"
	chmod 755 "$T/log"
	sed -e "s|/var/log/daemonize-example.log|$T/log/example.log|g" \
	    -e "s|/run/daemonize-example.pid|$T/example.pid|g" \
	    "$CONTRIB/logrotate.d/daemonize-example" >"$T/logrotate.conf"
	# create's owner and group are root's to give, and Debian's adm.
	[[ $(id -u) == 0 ]] && getent group adm >/dev/null ||
	    sed -i 's/^\(\s*create [0-7]*\) .*/\1/' "$T/logrotate.conf"
	chmod 644 "$T/logrotate.conf"
}

rotate()
{
	PATH=$T/bin:$PATH run -0 --separate-stderr \
	    logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf"
	[ -z "$stderr" ] || {
		echo "$stderr" >&2
		return 1
	}
}

# check_sequence FILE...: the files, concatenated, hold exactly 1, 2, ... N,
# for some N >= $MIN_LINES.
check_sequence()
{
	local f
	for f; do
		case $f in
		*.gz) zcat "$f" ;;
		*) cat "$f" ;;
		esac
	done | awk -v min="$MIN_LINES" '
		$0 != NR { printf "line %d is \"%s\"\n", NR, $0; bad = 1; exit 1 }
		END { if (!bad && NR < min) { print "only " NR " lines"; exit 1 } }'
}

@test "logrotate: rotations under a --respawn supervisor lose and repeat no line" {
	command -v logrotate >/dev/null || skip "no logrotate"
	command -v perl >/dev/null || skip "no perl"
	make_writer
	logrotate_config
	local log=$T/log/example.log
	run -0 nofd3 "$DAEMONIZE" --respawn --append --stdout="$log" \
	    --stderr="$log" --pidfile="$T/example.pid" -- "$T/writer"
	track_daemon "$T/example.pid"
	wait_for 10 has_lines "$log" 200

	# First rotation: example.log -> example.log.1 (delaycompress).
	rotate
	[ -s "$log.1" ]
	# Lines reach the new file: the supervisor reopened it on SIGHUP.
	wait_for 10 has_lines "$log" 200

	# Second: .1 -> .2.gz, example.log -> .1.
	rotate
	[ -s "$log.2.gz" ]
	wait_for 10 has_lines "$log" 200

	# The postrotate line signals only the supervisor, which ignored
	# nothing: the writer ran all along (one "1" in all the files).
	local pid
	pid=$(pidof_file "$T/example.pid")
	is_alive "$pid"
	run -0 "$DAEMONIZE" --pidfile="$T/example.pid" --stop
	is_dead "$pid"

	MIN_LINES=600 check_sequence "$log.2.gz" "$log.1" "$log"
}

@test "logrotate: postrotate tolerates a stopped daemon, fails on a broken one" {
	command -v logrotate >/dev/null || skip "no logrotate"
	logrotate_config
	echo "old line" >"$T/log/example.log"
	# Not running (daemonize --signal exits 3): rotation still succeeds.
	rotate
	[ -s "$T/log/example.log.1" ]

	# The pidfile path is a directory: cannot tell (4), logrotate fails.
	echo "old line" >"$T/log/example.log"
	mkdir "$T/example.pid"
	PATH=$T/bin:$PATH run -1 \
	    logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf"
}

# ---------------------------------------------------------------------------
# cron

# cron_setup: the crontab's variables and its two lines, and a home with
# the example daemon in it.
cron_setup()
{
	CRONTAB=$CONTRIB/cron/daemonize-example.crontab
	CRON_PATH=$(sed -n 's/^PATH=//p' "$CRONTAB")
	CRON_SHELL=$(sed -n 's/^SHELL=//p' "$CRONTAB")
	REBOOT_LINE=$(sed -n 's/^@reboot[[:space:]]\{1,\}//p' "$CRONTAB")
	MINUTE_LINE=$(sed -n \
	    's/^\* \* \* \* \*[[:space:]]\{1,\}//p' "$CRONTAB")
	[ -n "$CRON_PATH" ]
	[ "$CRON_SHELL" = /bin/sh ]
	[ "$(grep -c '^@reboot' "$CRONTAB")" = 1 ]
	[ "$(grep -c '^\* \* \* \* \*' "$CRONTAB")" = 1 ]
	HOME_DIR=$T/home
	mkdir -p "$HOME_DIR/bin"
	printf '#!/bin/sh\nexec sleep 1000\n' >"$HOME_DIR/bin/exampled"
	chmod 755 "$HOME_DIR/bin/exampled"
}

# cron_run STATUS LINE: run LINE as cron does: /bin/sh -c, a bare
# environment (HOME, LOGNAME, SHELL from passwd, PATH from the crontab), a
# new session without a terminal, stdin from /dev/null, output captured as
# cron would mail it; expect exit STATUS. Our daemonize comes first in PATH.
cron_run()
{
	run "-$1" nofd3 env -i HOME="$HOME_DIR" LOGNAME="$(id -un)" \
	    SHELL="$CRON_SHELL" PATH="$T/bin:$CRON_PATH" \
	    setsid -w "$CRON_SHELL" -c "$2" </dev/null
}

@test "cron: the lines contain no bare % (cron would cut them)" {
	cron_setup
	[[ $REBOOT_LINE != *%* ]]
	[[ $MINUTE_LINE != *%* ]]
}

@test "cron: @reboot starts the daemon; no output, so no mail" {
	cron_setup
	cron_run 0 "$REBOOT_LINE"
	track_daemon "$HOME_DIR/exampled.pid"
	[ -z "$output" ]
	local pid
	pid=$(pidof_file "$HOME_DIR/exampled.pid")
	is_alive "$pid"
	[ "$(cat "/proc/$pid/comm")" = sleep ]
	# No controlling terminal: tty_nr (field 7) is 0.
	local stat
	stat=$(cat "/proc/$pid/stat")
	stat=${stat##*) }
	[ "$(echo "$stat" | cut -d' ' -f5)" = 0 ]
}

@test "cron: the every-minute line starts it unless running, silently" {
	cron_setup
	cron_run 0 "$MINUTE_LINE"
	track_daemon "$HOME_DIR/exampled.pid"
	[ -z "$output" ]
	local first second
	first=$(pidof_file "$HOME_DIR/exampled.pid")
	is_alive "$first"

	# Running: exit 0, no output, no second instance.
	cron_run 0 "$MINUTE_LINE"
	[ -z "$output" ]
	[ "$(pidof_file "$HOME_DIR/exampled.pid")" = "$first" ]
	local sid
	sid=$(ps -o sid= -p "$first" | tr -d ' ')
	[ "$(pgrep -c -f "^sleep 1000$" -s "$sid")" = 1 ]

	# It died (the pidfile is left, stale): the next minute restarts it.
	kill -KILL "$first"
	wait_for 5 is_dead "$first"
	cron_run 0 "$MINUTE_LINE"
	track_daemon "$HOME_DIR/exampled.pid"
	[ -z "$output" ]
	second=$(pidof_file "$HOME_DIR/exampled.pid")
	[ "$second" != "$first" ]
	is_alive "$second"
}

@test "cron: a failure to start is reported on output, which cron mails" {
	cron_setup
	rm "$HOME_DIR/bin/exampled"
	cron_run 127 "$MINUTE_LINE"
	[[ $output == "daemonize: "* ]]
	[ ! -e "$HOME_DIR/exampled.pid" ]
}

# ---------------------------------------------------------------------------
# bash completion

BASH_COMPLETION=/usr/share/bash-completion/bash_completion

# complete_line LINE: the completions bash would offer for LINE (the cursor
# at its end), one a line; compopt's options after a line "--".
complete_line()
{
	[[ -r $BASH_COMPLETION ]] || skip "bash-completion is not installed"
	cat >"$T/complete.bash" <<-'EOF'
	source "$1"
	source "$2"
	# compopt works only inside readline's completion; record instead.
	compopt() { COMPOPTS+=("$*"); }
	# Split LINE into COMP_WORDS as readline does: at blanks, and at
	# '=' and ':' (COMP_WORDBREAKS), which are words of their own.
	line=$3 w='' inbreak=0
	COMP_WORDS=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ $c == ' ' ]]; then
			[[ -n $w ]] && COMP_WORDS+=("$w")
			w='' inbreak=0
		elif [[ $c == [=:] ]]; then
			if ((inbreak)); then
				w+=$c
			else
				[[ -n $w ]] && COMP_WORDS+=("$w")
				w=$c inbreak=1
			fi
		else
			if ((inbreak)); then
				COMP_WORDS+=("$w")
				w='' inbreak=0
			fi
			w+=$c
		fi
	done
	COMP_WORDS+=("$w")
	COMP_LINE=$line COMP_POINT=${#line}
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=() COMPOPTS=()
	spec=$(complete -p daemonize) || exit 1
	func=${spec#*-F }
	func=${func%% *}
	"$func" daemonize "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort -u
	echo --
	printf '%s\n' "${COMPOPTS[@]}"
	EOF
	run -0 --separate-stderr bash --norc --noprofile "$T/complete.bash" \
	    "$BASH_COMPLETION" "$CONTRIB/bash-completion/daemonize" "$1"
	[ -z "$stderr" ] || {
		echo "$stderr" >&2
		return 1
	}
	REPLY_WORDS=$(sed '/^--$/,$d' <<<"$output")
	REPLY_OPTS=$(sed '1,/^--$/d' <<<"$output")
}

sorted()
{
	printf '%s\n' "$@" | LC_ALL=C sort -u
}

@test "completion: complete -p daemonize names the completion function" {
	[[ -r $BASH_COMPLETION ]] || skip "bash-completion is not installed"
	run -0 bash --norc --noprofile -c \
	    'source "$1"; source "$2"; complete -p daemonize' _ \
	    "$BASH_COMPLETION" "$CONTRIB/bash-completion/daemonize"
	[ "$output" = "complete -F _daemonize daemonize" ]
}

@test "completion: long options by prefix" {
	complete_line "daemonize --re"
	[ "$REPLY_WORDS" = "$(sorted --respawn --respawn= --respawn-delay= \
	    --respawn-max= --restart --retry=)" ]
	complete_line "daemonize --sig"
	[ "$REPLY_WORDS" = "--signal=" ]
	[[ $REPLY_OPTS == *"-o nospace"* ]]
	complete_line "daemonize -p x.pid --st"
	[ "$REPLY_WORDS" = "$(sorted --status --stderr= --stdin= --stdout= \
	    --stop)" ]
}

@test "completion: every option of daemonize --help is offered" {
	complete_line "daemonize -"
	local opts=$REPLY_WORDS opt missing=()
	run -0 "$DAEMONIZE" --help
	for opt in $(grep -oE -- '(^|[ ,[])--?[a-zA-Z][a-z-]*' <<<"$output" |
	    sed 's/^[ ,[]//' | sort -u); do
		grep -qE -- "^$opt=?\$" <<<"$opts" || missing+=("$opt")
	done
	[ "${#missing[@]}" = 0 ] || {
		echo "not completed: ${missing[*]}" >&2
		return 1
	}
}

@test "completion: --name values are the instances in the run directory" {
	require_root "for root's run directory, /run/daemonize"
	[[ -r $BASH_COMPLETION ]] || skip "bash-completion is not installed"
	local n=cmpl$$ words1 words2
	mkdir -p /run/daemonize
	touch "/run/daemonize/$n-a.pid" "/run/daemonize/$n-b.pid" \
	    "/run/daemonize/$n-a.pid.state"
	complete_line "daemonize --name $n-"
	words1=$REPLY_WORDS
	complete_line "daemonize --status --name=$n-b"
	words2=$REPLY_WORDS
	rm -f "/run/daemonize/$n-a.pid" "/run/daemonize/$n-b.pid" \
	    "/run/daemonize/$n-a.pid.state"
	[ "$words1" = "$(sorted "$n-a" "$n-b")" ]
	[ "$words2" = "$n-b" ]
}

@test "completion: option values: signals, facilities, users, groups, modes" {
	complete_line "daemonize -p x.pid --signal=HU"
	[ "$REPLY_WORDS" = HUP ]
	complete_line "daemonize -p x.pid --signal US"
	[ "$REPLY_WORDS" = "$(sorted USR1 USR2)" ]
	complete_line "daemonize --syslog=loc"
	[[ $REPLY_WORDS == *local0.*local7.* ]]
	complete_line "daemonize --syslog=daemon.no"
	[ "$REPLY_WORDS" = daemon.notice ]
	complete_line "daemonize --respawn=f"
	[ "$REPLY_WORDS" = failure ]
	complete_line "daemonize -u roo"
	[ "$REPLY_WORDS" = root ]
	complete_line "daemonize --user=root:roo"
	[ "$REPLY_WORDS" = root ]
	complete_line "daemonize -g roo"
	[ "$REPLY_WORDS" = root ]
	complete_line "daemonize --limit=nof"
	[ "$REPLY_WORDS" = nofile= ]
	complete_line "daemonize -p x.pid --stop --kill-mode=mi"
	[ "$REPLY_WORDS" = mixed ]
}

@test "completion: files for path options, directories for -c" {
	mkdir "$T/adir"
	touch "$T/afile"
	complete_line "daemonize -p $T/a"
	[ "$REPLY_WORDS" = "$(sorted "$T/adir" "$T/afile")" ]
	complete_line "daemonize --stdout=$T/a"
	[ "$REPLY_WORDS" = "$(sorted "$T/adir" "$T/afile")" ]
	complete_line "daemonize -c $T/a"
	[ "$REPLY_WORDS" = "$T/adir" ]
	complete_line "daemonize --chdir=$T/a"
	[ "$REPLY_WORDS" = "$T/adir" ]
}

@test "completion: the first non-option is a command, then its own arguments" {
	complete_line "daemonize -a -p x.pid slee"
	[[ $'\n'$REPLY_WORDS$'\n' == *$'\nsleep\n'* ]]
	complete_line "daemonize -ap x.pid -- slee"
	[[ $'\n'$REPLY_WORDS$'\n' == *$'\nsleep\n'* ]]
	complete_line "daemonize -w --user=root:root slee"
	[[ $'\n'$REPLY_WORDS$'\n' == *$'\nsleep\n'* ]]
	# The command's own options are not daemonize's.
	mkdir "$T/adir"
	complete_line "daemonize -p x.pid ls $T/ad"
	[ "$REPLY_WORDS" = "$T/adir" ]
	complete_line "daemonize -p x.pid sleep --re"
	[[ $REPLY_WORDS != *--respawn* ]]
}
