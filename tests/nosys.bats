#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Kernel support: the fallbacks for kernels without pidfd_open,
# pidfd_send_signal, close_range and openat2, run under tests/nosys (a
# seccomp filter that makes those calls fail with ENOSYS).  The control,
# readiness and supervision tests also run whole under it (tests/nosys-run).

load helpers

setup() {
	[[ -x ${NOSYS-} ]] || skip "tests/nosys is not built (NOSYS unset)"
	"$NOSYS" --check || skip "no seccomp filter here"
}

# nosys_daemonize ARG...: daemonize as on a kernel before 5.3.
nosys_daemonize() {
	"$NOSYS" "$DAEMONIZE" "$@"
}

@test "the filter applies: pidfd_open, close_range and openat2 fail with ENOSYS" {
	run -0 "$NOSYS" --check
	# And daemonize really runs without them: start and stop still work.
	run -0 nosys_daemonize -p "$T/pid" "$PROBE" -r "$T/rep2"
	wait_report "$T/rep2"
	run -0 nosys_daemonize -p "$T/pid" --stop
	wait_dead "$(probe_val "$T/rep2" pid)"
}

@test "no close_range: inherited fds are still closed, the kept ones kept" {
	run -0 nosys_daemonize --keep-fd=7 "$PROBE" -r "$T/rep" \
	    7</dev/null 9</dev/null 63</dev/null
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" fds)" = 0,1,2,7 ]
	run -0 nosys_daemonize --respawn -p "$T/pid" "$PROBE" -r "$T/rep2" \
	    9</dev/null 63</dev/null 3>&-
	track_pidfile "$T/pid"
	wait_report "$T/rep2"
	[ "$(probe_val "$T/rep2" fds)" = 0,1,2 ]
}

@test "no openat2: the command is still looked up inside --chroot" {
	require_root
	[[ -x ${PROBE_STATIC-} ]] || skip "no static probe"
	mkdir -p "$T/root/bin" "$T/root/work"
	cp "$PROBE_STATIC" "$T/root/probe"
	# Absolute links and ".." resolve inside the new root, not on the host.
	ln -s /probe "$T/root/bin/probe"
	ln -s ../../probe "$T/root/work/up"
	run -0 env PATH=/bin "$DAEMONIZE" --chroot "$T/root" -p "$T/pid" \
	    probe -r /rep 3>&-
	track_pidfile "$T/pid"
	wait_report "$T/root/rep"
	stop_tracked
	run -0 env PATH=/bin "$NOSYS" "$DAEMONIZE" --chroot "$T/root" \
	    -p "$T/pid2" probe -r /rep2 3>&-
	track_pidfile "$T/pid2"
	wait_report "$T/root/rep2"
	[ "$(readlink /proc/$(cat "$T/pid2")/exe)" = "$T/root/probe" ]
	run -0 nosys_daemonize --chroot "$T/root" -p "$T/pid3" /work/up \
	    -r /rep3 3>&-
	track_pidfile "$T/pid3"
	wait_report "$T/root/rep3"
	# The host's probe, a directory and a dangling link inside are not.
	run -127 --separate-stderr nosys_daemonize --chroot "$T/root" "$PROBE"
	[ "$stderr" = "daemonize: exec $PROBE: command not found" ]
	run -126 --separate-stderr nosys_daemonize --chroot "$T/root" /work
	[ "$stderr" = "daemonize: exec /work: Permission denied" ]
	ln -s /nowhere "$T/root/bin/dangling"
	run -127 --separate-stderr nosys_daemonize --chroot "$T/root" /bin/dangling
	[ "$stderr" = "daemonize: exec /bin/dangling: command not found" ]
}

@test "no pidfds: --signal checks the lock holder; --stop waits on the lock" {
	run -0 nosys_daemonize -p "$T/pid" "$PROBE" -H -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	run -0 nosys_daemonize -p "$T/pid" --signal HUP
	is_alive "$pid"
	run -0 nosys_daemonize -p "$T/pid" --stop
	is_dead "$pid"
	[ ! -e "$T/pid" ]
	# A stale pidfile naming a live process: nothing is signalled.
	sleep 1000 3>&- &
	other=$!
	track_pid "$other"
	echo "$other" >"$T/pid"
	run -3 nosys_daemonize -p "$T/pid" --signal TERM
	run -0 nosys_daemonize -p "$T/pid" --stop
	is_alive "$other"
}
