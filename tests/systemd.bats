#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
#
# The contrib systemd units under a real systemd: systemd-nspawn boots the
# tree named by DAEMONIZE_NSPAWN_ROOT (made with debootstrap, with systemd
# and our package installed, so /usr/bin/daemonize there is ours) once for
# the file, and each unit is started, checked, reloaded where it has
# ExecReload, and stopped, driven with nsenter into the container.  The
# units' command, /usr/local/bin/exampled, is a placeholder: each test
# writes the one that shows what it checks.  Without the variable, or
# where nspawn cannot boot the tree, every test skips with the reason.
# .ci/run sets the variable to its chroot after installing the package.

load helpers

UNITS=(daemonize-example-forking daemonize-example-simple
    daemonize-example-notify)

# ct COMMAND...: run COMMAND inside the container, in all its namespaces.
ct()
{
	nsenter -t "$LEADER" -a "$@"
}

# unit_prop UNIT PROP: one property of UNIT, as systemctl show gives it.
unit_prop()
{
	ct systemctl show -P "$2" "$1.service"
}

# unit_state_is UNIT STATE: wait_for's predicate.
unit_state_is()
{
	[[ $(unit_prop "$1" ActiveState) == "$2" ]]
}

# leader_found: set LEADER to the container's PID 1, nspawn's child once
# the intermediate process that set up the namespaces has exited: the
# child whose name is systemd.  True once found, or once nspawn is gone.
leader_found()
{
	local pid
	kill -0 "$NSPAWN_PID" 2>/dev/null || return 0
	for pid in $(pgrep -P "$NSPAWN_PID"); do
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) == systemd ]] &&
		    LEADER=$pid
	done
	[[ -n $LEADER ]]
}

# system_up: the container's systemd is running (or degraded); its state,
# whatever it is, in STATE.
system_up()
{
	STATE=$(ct systemctl is-system-running 2>/dev/null) || true
	[[ $STATE == running || $STATE == degraded ]]
}

# Runs on the host, once for the file: boot the container, wait until its
# systemd is up, install the units.  The reason to skip, if any, is kept
# for setup().
setup_file()
{
	local root=${DAEMONIZE_NSPAWN_ROOT-} log
	export NSPAWN_SKIP="" NSPAWN_PID="" LEADER=""
	if [[ -z $root ]]; then
		NSPAWN_SKIP="DAEMONIZE_NSPAWN_ROOT is not set (a tree with systemd and this daemonize installed; .ci/run makes one)"
		return 0
	fi
	if [[ $(id -u) != 0 ]] || ! command -v systemd-nspawn >/dev/null ||
	    ! command -v nsenter >/dev/null; then
		NSPAWN_SKIP="booting a container needs root, systemd-nspawn (systemd-container) and nsenter"
		return 0
	fi
	if [[ ! -x $root/usr/lib/systemd/systemd || ! -x $root/usr/bin/daemonize ]]; then
		NSPAWN_SKIP="$root has no /usr/lib/systemd/systemd or no /usr/bin/daemonize"
		return 0
	fi
	log=$BATS_FILE_TMPDIR/nspawn.log
	systemd-nspawn -q --boot --register=no --keep-unit \
	    --console=read-only -D "$root" >"$log" 2>&1 </dev/null 3>&- &
	NSPAWN_PID=$!
	echo "$NSPAWN_PID" >"$BATS_FILE_TMPDIR/nspawn.pid"
	wait_for 10 leader_found 2>/dev/null || true
	if [[ -z $LEADER ]]; then
		NSPAWN_SKIP="systemd-nspawn cannot boot $root: $(tail -n 3 "$log" | tr '\n' ' ')"
		kill -KILL "$NSPAWN_PID" 2>/dev/null
		wait "$NSPAWN_PID" 2>/dev/null
		NSPAWN_PID=""
		return 0
	fi
	# Booted: from here on, a container that does not come up fails.
	wait_for 60 system_up 2>/dev/null || {
		echo "the container's systemd is '$STATE' after 60 s" >&2
		return 1
	}
	cp "$BATS_TEST_DIRNAME"/../contrib/systemd/*.service "$root/etc/systemd/system/"
	ct systemctl daemon-reload
	# systemd unloads a unit stopped cleanly at once, and with it
	# Result and ExecMainStatus (they would show their defaults): at
	# debug level it logs the main process's exit, with the run's
	# INVOCATION_ID, in the journal, where the tests read it.
	ct systemctl log-level debug
}

# Runs on the host after the last test: power the container off, wait for
# nspawn to exit (bounded), kill it by pid if it does not, and take back
# what the tests put into the tree.
teardown_file()
{
	local root=${DAEMONIZE_NSPAWN_ROOT-} rc=0 u
	[[ -n $NSPAWN_PID ]] || return 0
	ct systemctl poweroff --no-block || rc=1
	if ! wait_for 30 is_dead "$NSPAWN_PID"; then
		echo "teardown_file: the container did not power off; killing nspawn" >&2
		kill -KILL "$NSPAWN_PID"
		rc=1
	fi
	wait "$NSPAWN_PID" 2>/dev/null
	for u in "${UNITS[@]}"; do
		rm -f "$root/etc/systemd/system/$u.service"
	done
	rm -f "$root/usr/local/bin/exampled" "$root/var/log/daemonize-example.log"
	return $rc
}

setup()
{
	[[ -z $NSPAWN_SKIP ]] || skip "$NSPAWN_SKIP"
}

# Each test leaves its unit stopped: one it cannot stop fails the test.
teardown()
{
	local u rc=0
	[[ -z $NSPAWN_SKIP ]] || return 0
	for u in "${UNITS[@]}"; do
		unit_state_is "$u" inactive || unit_state_is "$u" failed ||
		    timeout 30 nsenter -t "$LEADER" -a systemctl stop "$u" || rc=1
		ct systemctl reset-failed "$u" 2>/dev/null
	done
	return $rc
}

# exampled SCRIPT: install SCRIPT as the units' command.
exampled()
{
	printf '%s\n' "#!/bin/sh" "$1" >"$DAEMONIZE_NSPAWN_ROOT/usr/local/bin/exampled"
	chmod 755 "$DAEMONIZE_NSPAWN_ROOT/usr/local/bin/exampled"
}

# run_log ID: the manager's messages about the unit's run ID.
run_log()
{
	ct journalctl -o cat INVOCATION_ID="$1"
}

# stopped_cleanly UNIT: systemctl stop; then the unit is inactive, not
# failed, and systemd logged that this run ended successfully.  Sets
# INVOCATION to the run's id.
stopped_cleanly()
{
	local unit=$1
	INVOCATION=$(unit_prop "$1" InvocationID)
	[[ $INVOCATION =~ ^[0-9a-f]{32}$ ]]
	run -0 timeout 30 nsenter -t "$LEADER" -a systemctl stop "$1"
	run -1 ct systemctl is-failed "$1"
	[ "$output" = inactive ]
	wait_for 10 eval 'run_log "$INVOCATION" |
	    grep -qx "$unit.service: Deactivated successfully."'
	run -0 run_log "$INVOCATION"
	[[ $output != *"Failed with result"* ]]
}

@test "forking unit: the pidfile names the daemon, MainPID; reload reaches it; stop is a success" {
	# The command logs its start and each SIGHUP to daemonize's --stdout.
	exampled 'n=0
trap '\''n=$((n + 1)); echo "exampled reloaded $n"'\'' HUP
echo "exampled up as pid $$"
while :; do sleep 1 & wait $!; done'
	rm -f "$DAEMONIZE_NSPAWN_ROOT/var/log/daemonize-example.log"
	run -0 timeout 30 nsenter -t "$LEADER" -a systemctl start daemonize-example-forking
	run -0 ct systemctl is-active daemonize-example-forking
	[ "$output" = active ]
	main=$(unit_prop daemonize-example-forking MainPID)
	[[ $main =~ ^[1-9][0-9]*$ ]]
	run -0 ct cat /run/daemonize-example.pid
	[ "$output" = "$main" ]
	# The daemon is the command itself (daemonize exec'd it), and it
	# wrote its own pid.
	run -0 ct sh -c "tr '\\0' ' ' </proc/$main/cmdline"
	[ "$output" = "/bin/sh /usr/local/bin/exampled " ]
	log=$DAEMONIZE_NSPAWN_ROOT/var/log/daemonize-example.log
	wait_for 10 grep -qx "exampled up as pid $main" "$log"
	run -0 timeout 30 nsenter -t "$LEADER" -a systemctl reload daemonize-example-forking
	wait_for 10 grep -qx "exampled reloaded 1" "$log"
	[ "$(unit_prop daemonize-example-forking MainPID)" = "$main" ]
	stopped_cleanly daemonize-example-forking
}

@test "simple unit: MainPID is the supervisor, the command's line reaches the journal, systemctl stop: main process exited status=0, not failed" {
	# exec: the command itself dies of the stop's SIGTERM, and the
	# supervisor exits 0 for it: a stop on request is a success.
	exampled 'echo "exampled up as pid $$"
exec sleep infinity'
	run -0 timeout 30 nsenter -t "$LEADER" -a systemctl start daemonize-example-simple
	run -0 ct systemctl is-active daemonize-example-simple
	[ "$output" = active ]
	main=$(unit_prop daemonize-example-simple MainPID)
	[[ $main =~ ^[1-9][0-9]*$ ]]
	run -0 ct readlink "/proc/$main/exe"
	[ "$output" = /usr/bin/daemonize ]
	# The supervisor's child is the command, and its line reaches the
	# journal through --syslog.
	run -0 ct ps -o pid= --ppid "$main"
	child=${output// /}
	[[ $child =~ ^[1-9][0-9]*$ ]]
	run -0 ct readlink "/proc/$child/exe"
	[ "$output" = /usr/bin/sleep ]
	# Matched by the sender, not by -u: journald caches a pid's unit for
	# a while, and this pid logged (as systemd's "(aemonize)" child)
	# before it was moved into the unit's cgroup.
	wait_for 10 eval 'ct journalctl -b -o cat SYSLOG_IDENTIFIER=exampled \
	    _PID="$main" | grep -qx "exampled up as pid $child"'
	stopped_cleanly daemonize-example-simple
	run -0 run_log "$INVOCATION"
	grep -qx "daemonize-example-simple.service: Main process exited, code=exited, status=0/SUCCESS (success)" <<<"$output"
}

@test "notify unit: activating until the command's READY=1, active after; the command is MainPID; stop is a success" {
	# The command waits for a go-ahead file before it reports READY=1.
	exampled 'echo $$ >/run/exampled.started
while [ ! -e /run/exampled.go ]; do sleep 0.05; done
systemd-notify --ready
exec sleep infinity'
	ct rm -f /run/exampled.started /run/exampled.go
	run -0 ct systemctl start --no-block daemonize-example-notify
	wait_for 10 ct test -s /run/exampled.started
	cmd=$(ct cat /run/exampled.started)
	# The command runs, has not sent READY=1: systemd still waits.
	[ "$(unit_prop daemonize-example-notify ActiveState)" = activating ]
	[ "$(unit_prop daemonize-example-notify SubState)" = start ]
	[ "$(unit_prop daemonize-example-notify MainPID)" = "$cmd" ]
	ct touch /run/exampled.go
	wait_for 30 unit_state_is daemonize-example-notify active
	[ "$(unit_prop daemonize-example-notify MainPID)" = "$cmd" ]
	run -0 ct sh -c "tr '\\0' ' ' </proc/$cmd/cmdline"
	[ "$output" = "sleep infinity " ]
	stopped_cleanly daemonize-example-notify
	ct rm -f /run/exampled.started /run/exampled.go
}
