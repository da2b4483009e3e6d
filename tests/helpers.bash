# SPDX-License-Identifier: BSD-2-Clause
# Shared helpers for the bats suite.  Every path lives under
# $BATS_TEST_TMPDIR; every process a test starts is tracked and stopped by
# pid in teardown, and one that will not die fails the test.

bats_require_minimum_version 1.5.0

: "${DAEMONIZE:=$BATS_TEST_DIRNAME/../src/daemonize}"
: "${PROBE:=$BATS_TEST_DIRNAME/probe}"
: "${TOP_SRCDIR:=$BATS_TEST_DIRNAME/..}"
export DAEMONIZE PROBE TOP_SRCDIR

T=$BATS_TEST_TMPDIR

# PY: the system's python3 if there is one, which the tests run often: a
# version manager's shim (pyenv) takes seconds to start on a loaded
# machine.  Empty without any python3.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || PY=

# The checkout may live where only root can enter (/root, a 0700 home), and
# a daemon running as -u nobody must still exec the probe (and nobody must
# run daemonize itself in the unprivileged tests).  So every test runs
# copies of both from a directory of this bats run that anyone can
# traverse, made once per test file: this file is first sourced for
# setup_file, before any test.  Nothing outside the run's directory
# changes mode.
share_programs() {
	local d=$BATS_FILE_TMPDIR/programs
	if [[ ! -d $d ]]; then
		mkdir "$d" &&
		    cp -p "$DAEMONIZE" "$d/daemonize" &&
		    cp -p "$PROBE" "$d/probe" &&
		    chmod 0755 "$d" "$d/daemonize" "$d/probe" &&
		    chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/file" \
			"$BATS_FILE_TMPDIR" || return 1
		# The second run under tests/nosys: $DAEMONIZE is a wrapper
		# script that execs these two, so nobody must reach them too.
		if [[ -n ${DAEMONIZE_REAL-} ]]; then
			mkdir "$d/real" &&
			    cp -p "$DAEMONIZE_REAL" "$d/real/daemonize" &&
			    cp -p "$NOSYS" "$d/nosys" &&
			    chmod 0755 "$d/real" "$d/real/daemonize" \
				"$d/nosys" ||
			    return 1
		fi
	fi
	DAEMONIZE=$d/daemonize
	PROBE=$d/probe
	if [[ -n ${DAEMONIZE_REAL-} ]]; then
		DAEMONIZE_REAL=$d/real/daemonize
		NOSYS=$d/nosys
		export DAEMONIZE_REAL NOSYS
	fi
}
if [[ -n ${BATS_FILE_TMPDIR-} && -x $DAEMONIZE && -x $PROBE ]]; then
	share_programs || echo "helpers: cannot copy the programs" >&2
fi
TRACKED=$BATS_TEST_TMPDIR/.tracked-pids

# now_us: the wall clock in microseconds ($EPOCHREALTIME without its
# decimal point, which the locale may make a comma).
now_us() {
	echo "${EPOCHREALTIME//[!0-9]/}"
}

now_ms() {
	echo $(($(now_us) / 1000))
}

# usec SECONDS: SECONDS (an integer or a decimal such as 0.5) in
# microseconds.
usec() {
	local whole=${1%.*} frac=
	[[ $1 == *.* ]] && frac=${1#*.}
	frac=${frac}000000
	echo $((10#${whole:-0} * 1000000 + 10#${frac:0:6}))
}

# wait_for SECONDS COMMAND...: run COMMAND every 10 ms until it succeeds;
# fail (return 1, with a message) once SECONDS of real time have passed,
# however long each try took: a deadline, not a count of tries.
wait_for() {
	local limit=$1 deadline
	deadline=$(($(now_us) + $(usec "$limit")))
	shift
	until "$@"; do
		if (($(now_us) >= deadline)); then
			echo "wait_for: timed out after ${limit}s: $*" >&2
			return 1
		fi
		sleep 0.01
	done
}

# is_dead PID: gone, or a zombie waiting for PID 1 (which reaps slowly here).
is_dead() {
	local state
	state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[[ -z $state || $state == Z ]]
}

is_alive() {
	! is_dead "$1"
}

# wait_dead PID [SECONDS]
wait_dead() {
	wait_for "${2:-5}" is_dead "$1"
}

# track_pid PID...: stop these in teardown.
track_pid() {
	local p
	for p; do
		[[ $p =~ ^[0-9]+$ ]] && echo "$p" >>"$TRACKED"
	done
	return 0
}

# track_pidfile FILE: track the pid written in FILE (after a start).
track_pidfile() {
	[[ -s $1 ]] && track_pid "$(head -n1 "$1")"
	return 0
}

# line_count FILE: how many lines FILE has (0 if it does not exist).
line_count() {
	if [[ -f $1 ]]; then
		wc -l <"$1"
	else
		echo 0
	fi
}

# has_lines FILE N: FILE has at least N lines.
has_lines() {
	(($(line_count "$1") >= $2))
}

# require_root [WHY]: skip the test unless it runs as root; WHY completes
# "needs root" in the reason.
require_root() {
	((EUID == 0)) || skip "needs root${1:+ $1}"
}

# reachable_by_all: let an unprivileged daemon reach $T (bats makes its
# directories 0700): o+x on $T and every directory above it, up to the
# run's directory (its parent, $TMPDIR or /tmp, is left as it is).
reachable_by_all() {
	local d=$T
	while [ "$d" != / ]; do
		chmod o+x "$d"
		[ "$d" = "$BATS_RUN_TMPDIR" ] && break
		d=$(dirname "$d")
	done
}

# probe_val REPORT KEY: one value from a probe report.
probe_val() {
	sed -n "s/^$2=//p" "$1"
}

# track_report REPORT: track the probe that wrote REPORT.
track_report() {
	track_pid "$(probe_val "$1" pid)"
}

# wait_report REPORT [SECONDS]: wait until the probe wrote REPORT, track it.
wait_report() {
	wait_for "${2:-5}" test -s "$1" || return 1
	track_report "$1"
}

# start_probe [OPTION...] [-- PROBE-OPTION...]: start the probe under
# daemonize with OPTIONs and the pidfile $T/pid, reporting to $T/rep with
# PROBE-OPTIONs: exit 0, nothing on stderr.  Waits for the new report and
# tracks the probe; $pid is its pid, which the pidfile names.
start_probe() {
	local opts=()
	rm -f "$T/rep"
	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	(($# == 0)) || shift
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" "${opts[@]}" \
	    "$PROBE" -r "$T/rep" "$@" 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$pid" = "$(cat "$T/pid")" ]
}

# lock_holder FILE: the pid holding FILE's fcntl lock, per F_GETLK (or 0).
lock_holder() {
	"$PY" - "$1" <<'PY'
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
req = struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0)
res = fcntl.fcntl(fd, fcntl.F_GETLK, req)
typ, _, _, _, pid = struct.unpack("hhqqi", res)
print(pid if typ != fcntl.F_UNLCK else 0)
PY
}

# stop_tracked: TERM, then KILL after 5 s, every tracked process; return 1
# if any survived the TERM (a daemon that will not die fails the test).
stop_tracked() {
	local p rc=0
	[[ -f $TRACKED ]] || return 0
	for p in $(sort -u "$TRACKED"); do
		is_dead "$p" && continue
		kill -TERM "$p" 2>/dev/null
	done
	for p in $(sort -u "$TRACKED"); do
		if ! wait_dead "$p" 5 2>/dev/null; then
			echo "teardown: pid $p ignored SIGTERM; killing it" >&2
			kill -KILL "$p" 2>/dev/null
			wait_dead "$p" 5
			rc=1
		fi
	done
	rm -f "$TRACKED"
	return $rc
}

teardown() {
	stop_tracked
}

# nofd3 COMMAND...: run COMMAND with bats' fd 3 closed, so that a daemon
# it leaves behind cannot keep bats waiting.
nofd3()
{
	"$@" 3>&-
}

sid_of()
{
	ps -o sid= -p "$1" | tr -d ' '
}

# The live processes of session SID, one pid a line.
session_members()
{
	local pid
	for pid in $(ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'); do
		is_alive "$pid" && echo "$pid"
	done
}

session_empty()
{
	[ -z "$(session_members "$1")" ]
}
