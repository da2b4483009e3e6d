#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The command's environment, built in one pass: -E replaces an
# inherited variable where it stood, a later -E wins, new ones follow in
# order, and large environments and many -E options arrive intact.

load helpers

# env_of REPORT: the environment the probe saw, one NAME=VALUE a line.
env_of() {
	sed -n 's/^env://p' "$1"
}

@test "-E replaces in place, the last -E wins, new names follow in order" {
	run -0 --separate-stderr env -i A=1 B=2 C=3 "$DAEMONIZE" -E B=x \
	    -E N=1 -E B=y -E M=2 -E N= "$PROBE" -r "$T/rep"
	[ "$stderr" = "" ]
	wait_report "$T/rep"
	[ "$(env_of "$T/rep")" = "$(printf '%s\n' A=1 B=y C=3 N= M=2)" ]
}

@test "no -E: the inherited environment, untouched and in order" {
	run -0 env -i A=1 B=2 "$DAEMONIZE" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(env_of "$T/rep")" = "$(printf '%s\n' A=1 B=2)" ]
}

@test "1000 inherited variables and 1000 -E options, half of them overrides" {
	local -a vars=() opts=() want=()
	for ((i = 0; i < 1000; i++)); do
		vars+=("V$i=inherited-$i")
		if ((i % 2)); then
			opts+=(-E "V$i=set-$i")
			want+=("V$i=set-$i")
		else
			want+=("V$i=inherited-$i")
		fi
	done
	for ((i = 0; i < 500; i++)); do
		opts+=(-E "N$i=new-$i")
		want+=("N$i=new-$i")
	done
	run -0 env -i "${vars[@]}" "$DAEMONIZE" "${opts[@]}" "$PROBE" \
	    -r "$T/rep"
	wait_report "$T/rep"
	[ "$(env_of "$T/rep")" = "$(printf '%s\n' "${want[@]}")" ]
}

@test "--clear-env with -E: exactly the default PATH and the -E variables" {
	run -0 env -i A=1 "$DAEMONIZE" --clear-env -E B=2 -E PATH=/bin \
	    -E B=3 "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(env_of "$T/rep")" = "$(printf '%s\n' PATH=/bin B=3)" ]
}

@test "-E overrides the HOME and USER that -u sets" {
	require_root
	reachable_by_all
	mkdir "$T/out" && chown nobody "$T/out"
	run -0 "$DAEMONIZE" -u nobody -E HOME=/srv/home -E USER=someone \
	    "$PROBE" -r "$T/out/rep"
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" env:HOME)" = /srv/home ]
	[ "$(probe_val "$T/out/rep" env:USER)" = someone ]
	[ "$(probe_val "$T/out/rep" env:LOGNAME)" = nobody ]
}

@test "--clear-env keeps a service manager's NOTIFY_SOCKET with -f, and drops it without -f" {
	run -0 env NOTIFY_SOCKET="$T/manager" "$DAEMONIZE" -f --clear-env \
	    "$PROBE" -r "$T/rep-f" -x 0
	[ "$(env_of "$T/rep-f")" = "$(printf '%s\n' \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    NOTIFY_SOCKET="$T/manager")" ]
	run -0 env NOTIFY_SOCKET="$T/manager" "$DAEMONIZE" --clear-env \
	    "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(env_of "$T/rep")" = \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]
}
