#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Injected faults, as root: a full or read-only filesystem under the
# pidfile, a process limit that makes the second fork fail, the waiting
# process killed, a storm of stray signals, a log sink that is always
# full.  Filesystems are tiny tmpfs mounted in a private mount namespace
# (held open by a sleeping process that teardown_file stops), so nothing
# on the machine is touched; the tests see into it through /proc/NS/root
# and run daemonize in it with nsenter.  One namespace serves the whole
# file; each test mounts under its own directory and unmounts in teardown.

load helpers

# Once for the file: the namespace, held by a sleeping process ($NS) that
# teardown_file stops.
setup_file() {
	export NS= NO_NS=
	((EUID == 0)) && command -v unshare >/dev/null &&
	    command -v nsenter >/dev/null || return 0
	# A chroot (pbuilder, sbuild) whose root is not a mount point cannot
	# make a private mount namespace: the tests that need one say so
	# (need_ns) instead of failing; the others still run.
	NO_NS=$(unshare -m --propagation private true 2>&1) || return 0
	NO_NS=
	unshare -m --propagation private sleep 3600 </dev/null >/dev/null 2>&1 3>&- &
	NS=$!
	wait_for 5 ns_ready
}

teardown_file() {
	[[ -n $NS ]] || return 0
	kill -TERM "$NS"
	wait_for 5 is_dead "$NS"
}

setup() {
	require_root
	command -v unshare >/dev/null && command -v nsenter >/dev/null ||
	    skip "needs unshare and nsenter"
	[[ -n $NS ]] || return 0
	M=$T/mnt
	mkdir "$M"
}

# The test's processes first (they may hold files open on its mounts),
# then its mounts, newest first: the namespace outlives the test.
teardown() {
	local rc=0 m
	stop_tracked || rc=1
	if [[ -n $NS && -f $T/.mounts ]]; then
		for m in $(tac "$T/.mounts"); do
			in_ns umount -l "$m" || rc=1
		done
	fi
	return $rc
}

# ns_mount ARG...: mount(8) ARGs in the namespace; the last is the mount
# point, unmounted in teardown.
ns_mount() {
	in_ns mount "$@" && echo "${!#}" >>"$T/.mounts"
}

need_ns() {
	[ -z "$NO_NS" ] || skip "no private mount namespace here: $NO_NS"
}

ns_ready() {
	local ns
	ns=$(readlink "/proc/$NS/ns/mnt") &&
	    [ "$ns" != "$(readlink /proc/self/ns/mnt)" ]
}

# in_ns COMMAND...: run COMMAND in the test's mount namespace.
in_ns() {
	nsenter -t "$NS" -m -- "$@"
}

# V PATH: the namespace's view of PATH, from outside.
V() {
	echo "/proc/$NS/root$1"
}

# tmpfs_on DIR [OPTIONS]: mount a 16 KiB tmpfs on DIR in the namespace.
tmpfs_on() {
	ns_mount -t tmpfs -o "size=16k,nr_inodes=64,mode=755${2:+,$2}" tmpfs "$1"
}

# fill DIR: use up the free space of the filesystem at DIR.
fill() {
	in_ns sh -c "dd if=/dev/zero of='$1/.fill' bs=1024 2>/dev/null; true"
	[ "$(in_ns stat -f -c %a "$1")" = 0 ]
}

# running_with MARKER: pids of live processes whose command line has MARKER.
running_with() {
	local f p
	for f in $(grep -laF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" != "$BASHPID" ] && is_alive "$p" && echo "$p"
	done
	return 0
}

@test "73: a new pidfile on a full filesystem; nothing running, nothing left" {
	need_ns
	tmpfs_on "$M"
	fill "$M"
	run -73 --separate-stderr in_ns "$DAEMONIZE" -p "$M/pid" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: write pidfile $M/pid: No space left on device" ]
	[ ! -e "$(V "$M/pid")" ]
	[ ! -e "$T/rep" ]
	[ -z "$(running_with "$T/rep")" ]
}

@test "75: the running instance's pidfile on a full filesystem is untouched" {
	need_ns
	tmpfs_on "$M"
	run -0 in_ns "$DAEMONIZE" -p "$M/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	fill "$M"
	run -75 --separate-stderr in_ns "$DAEMONIZE" -p "$M/pid" "$PROBE" -r "$T/rep2"
	[ "$stderr" = "daemonize: $M/pid: already running as pid $pid" ]
	[ "$(cat "$(V "$M/pid")")" = "$pid" ]
	[ "$(lock_holder "$(V "$M/pid")")" = "$pid" ]
	[ -z "$(running_with "$T/rep2")" ]
}

@test "a stale pidfile on a full filesystem is rewritten in place, never emptied" {
	need_ns
	tmpfs_on "$M"
	echo 4194303 >"$(V "$M/pid")"
	fill "$M"
	run -0 in_ns "$DAEMONIZE" -p "$M/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$(cat "$(V "$M/pid")")" = "$pid" ]
	[ "$(stat -c %s "$(V "$M/pid")")" = $((${#pid} + 1)) ]
	[ "$(lock_holder "$(V "$M/pid")")" = "$pid" ]
}

@test "73: pidfile directory read-only; an existing pidfile untouched" {
	need_ns
	tmpfs_on "$M"
	echo 4194303 >"$(V "$M/old.pid")"
	in_ns mount -o remount,ro "$M"
	run -73 --separate-stderr in_ns "$DAEMONIZE" -p "$M/pid" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: open pidfile $M/pid: Read-only file system" ]
	run -73 --separate-stderr in_ns "$DAEMONIZE" -p "$M/old.pid" "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: open pidfile $M/old.pid: Read-only file system" ]
	[ "$(cat "$(V "$M/old.pid")")" = 4194303 ]
	[ ! -e "$T/rep" ]
	[ -z "$(running_with "$T/rep")" ]
}

@test "71: RLIMIT_NPROC reached, the second fork fails; no pidfile, nothing running" {
	need_ns
	command -v prlimit >/dev/null || skip "needs prlimit"
	# A uid of our own: RLIMIT_NPROC counts every process of the real uid.
	uid=$((200000 + $$ % 100000))
	reachable_by_all
	mkdir "$T/u" && chown "$uid:$uid" "$T/u"
	# daemonize and the intermediate process fit; the daemon does not.
	run -71 --separate-stderr in_ns prlimit --nproc=2 \
	    setpriv --reuid="$uid" --regid="$uid" --clear-groups \
	    "$DAEMONIZE" -p "$T/u/pid" "$PROBE" -r "$T/u/rep"
	[ "$stderr" = "daemonize: fork daemon: Resource temporarily unavailable" ]
	[ ! -e "$T/u/pid" ]
	[ ! -e "$T/u/rep" ]
	[ -z "$(running_with "$T/u/rep")" ]
}

# settled MARKER: no process of this start is still inside daemonize.
settled() {
	local p
	for p in $(running_with "$1"); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$DAEMONIZE")" ] &&
		    return 1
	done
	return 0
}

# consistent PIDFILE MARKER: fully started (one daemon, holding the lock of
# a pidfile that names it exactly) or not at all (no pidfile, no daemon).
consistent() {
	local pid
	if [ -e "$1" ]; then
		pid=$(cat "$1")
		[ -n "$pid" ] && is_alive "$pid" &&
		    [ "$(running_with "$2")" = "$pid" ] &&
		    [ "$(stat -c %s "$1")" = $((${#pid} + 1)) ] &&
		    [ "$(lock_holder "$1")" = "$pid" ]
	else
		[ -z "$(running_with "$2")" ]
	fi
}

@test "the waiting process killed by SIGKILL: the daemon fully started or not at all" {
	need_ns
	# A killed original cannot remove its readiness socket's directory:
	# give the namespace a /run of its own.
	ns_mount -t tmpfs -o size=1m,mode=755 tmpfs /run
	started=0 not=0
	for delay in 0 0.001 0.002 0.003 0.005 0.008 0.01 0.02 0.03 0.05 \
	    0.1 0.2 0.4; do
		rep=$T/rep.$delay
		# Never ready: the original waits until it is killed.  (No
		# shell function here: $! must be daemonize itself.)
		nsenter -t "$NS" -m -- "$DAEMONIZE" -p "$T/pid.$delay" --wait-ready=5 \
		    sh -c "sleep 0.1; exec '$PROBE' -r '$rep'" \
		    </dev/null >/dev/null 2>&1 3>&- &
		orig=$!
		sleep "$delay"
		kill -KILL "$orig" 2>/dev/null || true
		rc=0
		wait "$orig" 2>/dev/null || rc=$?
		# Killed, or it had already failed: never ready, never 0.
		[ "$rc" != 0 ] || false
		[ "$rc" = 137 ] || echo "delay $delay: exit $rc before the kill"
		wait_for 5 settled "$rep"
		track_pid $(running_with "$rep")
		pidfile=$T/pid.$delay
		if [ -s "$pidfile" ]; then
			track_pid "$(cat "$pidfile")"
		fi
		# /proc may miss a process for an instant during its execve:
		# poll until the state is consistent; a bad one is permanent.
		if ! wait_for 5 consistent "$pidfile" "$rep"; then
			echo "delay $delay: orig $orig, pidfile '$(cat "$pidfile" 2>&1)'," \
			    "running: $(running_with "$rep")"
			ps -o pid,ppid,stat,args -p "$(cat "$pidfile" 2>/dev/null || echo 1)" || true
			false
		fi
		daemon=$(running_with "$rep")
		if [ -n "$daemon" ]; then
			track_pid "$daemon"
			started=$((started + 1))
		else
			not=$((not + 1))
		fi
	done
	echo "started: $started, not started: $not"
}

@test "a storm of stray signals at the waiting process: no EINTR, started normally" {
	# The daemon says READY=1 only once the storm is over (the go file),
	# so a loaded machine still sends all of it while daemonize waits.
	"$DAEMONIZE" -p "$T/pid" --wait-ready=30 \
	    sh -c "until [ -e '$T/go' ]; do sleep 0.01; done
		exec '$PROBE' -N READY=1 -r '$T/rep'" \
	    </dev/null >"$T/out" 2>"$T/err" 3>&- &
	orig=$!
	# Until daemonize has blocked them, these signals would kill it.
	wait_for 5 test -s "$T/pid"
	sent=0
	for ((i = 0; i < 120; i++)); do
		for sig in WINCH CHLD ALRM USR1 USR2 PIPE; do
			kill -$sig "$orig" 2>/dev/null || break 2
			sent=$((sent + 1))
		done
	done
	touch "$T/go"
	rc=0
	wait "$orig" || rc=$?
	track_pidfile "$T/pid"
	echo "signals sent: $sent, exit $rc"
	cat "$T/err"
	[ "$rc" = 0 ]
	[ "$sent" -gt 600 ]
	[ ! -s "$T/err" ]
	[ ! -s "$T/out" ]
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$(cat "$T/pid")" = "$pid" ]
	[ "$(lock_holder "$T/pid")" = "$pid" ]
}

@test "a storm of stray signals at the supervisor: no EINTR failure, no lost child" {
	run -0 "$DAEMONIZE" -r -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	sup=$(cat "$T/pid")
	track_pid "$sup"
	child=$(probe_val "$T/rep" pid)
	for ((i = 0; i < 2000; i++)); do
		kill -CHLD "$sup" && kill -ALRM "$sup" && kill -PIPE "$sup" &&
		    kill -WINCH "$sup"
	done
	is_alive "$sup"
	is_alive "$child"
	[ "$(lock_holder "$T/pid")" = "$sup" ]
	[ "$(ps -o ppid= -p "$child" | tr -d ' ')" = "$sup" ]
	# No respawn happened: the child is the first one.
	[ "$(probe_val "$T/rep" pid)" = "$child" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	wait_dead "$child"
	wait_dead "$sup"
}

@test "--respawn -o /dev/full: the supervisor survives a failing log sink and says so once" {
	run -0 "$DAEMONIZE" -r --respawn-delay=0.05:0.05 -p "$T/pid" -o /dev/full \
	    -e "$T/err" "$PROBE" -L 3 -E 1 -t "$T/starts" -x 1
	sup=$(cat "$T/pid")
	track_pid "$sup"
	wait_for 10 has_lines "$T/starts" 4
	is_alive "$sup"
	[ "$(lock_holder "$T/pid")" = "$sup" ]
	[ "$(grep -c "write stdout /dev/full: No space left on device" "$T/err")" = 1 ]
	# stderr still gets through, from every child.
	[ "$(grep -cx 'err 1' "$T/err")" -ge 3 ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	wait_dead "$sup"
}
