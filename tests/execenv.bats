#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The execution environment: --nice, --ionice, --sched, --oom-score-adj,
# --limit, --chroot, --caps, --no-new-privs.  Each value is read back from
# what the kernel says about the running probe (/proc/PID/*, chrt -p,
# ionice -p), never from what daemonize claims; each bad value is 64 with
# its message; what needs root is 77 for anyone else; and with --respawn a
# respawned child gets the same treatment as the first one.

load helpers

# Capability numbers from linux/capability.h.
CAP_NET_BIND_SERVICE=10
CAP_SYS_NICE=23
CAP_SYS_RESOURCE=24

# has_cap N: whether this shell has capability N in its effective set.
has_cap() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(((0x$eff >> $1) & 1))
}

need_cap() {
	has_cap "$1" || skip "needs capability $1, which even root lacks here"
}

# need_nice_at_most N, need_oom_at_most N: an unprivileged caller may only
# move away from its own values (the suite may run under nice(1), or in a
# session with a raised OOM score).
need_nice_at_most() {
	(($(nice) <= $1)) || has_cap $CAP_SYS_NICE ||
	    skip "we run at nice $(nice), above $1"
}

need_oom_at_most() {
	(($(cat /proc/self/oom_score_adj) <= $1)) ||
	    has_cap $CAP_SYS_RESOURCE || skip "our OOM score is above $1"
}

# unprivileged COMMAND...: run COMMAND as nobody when we are root, as
# ourselves otherwise (we are then unprivileged already).
unprivileged() {
	if [[ $EUID -eq 0 ]]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	else
		"$@"
	fi
}

need_unprivileged_exec() {
	if [[ $EUID -eq 0 ]]; then
		command -v setpriv >/dev/null || skip "needs setpriv(1)"
		# helpers.bash copied both where anyone can reach them.
		unprivileged test -x "$DAEMONIZE" -a -x "$PROBE" || {
			echo "nobody cannot reach $DAEMONIZE or $PROBE" >&2
			return 1
		}
	fi
}

# stat_field PID N: field N (from 1) of /proc/PID/stat, see proc(5).
stat_field() {
	local stat n=$2
	stat=$(cat "/proc/$1/stat")
	stat=${stat##*) }
	set -- $stat
	shift $((n - 3))
	echo "$1"
}

nice_of() {
	stat_field "$1" 19
}

# sched_of PID: "SCHED_X PRIO" as chrt(1) says it.
sched_of() {
	chrt -p "$1" | awk -F': ' '
	    /policy/ { p = $2 } /priority/ { n = $2 } END { print p, n }'
}

# limit_of PID NAME: "SOFT HARD" from /proc/PID/limits for the row NAME.
limit_of() {
	awk -v name="$2" 'index($0, name) == 1 {
		print substr($0, 27, 21) substr($0, 48, 21) }' \
	    "/proc/$1/limits" | awk '{ print $1, $2 }'
}

status_of() {
	awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"
}

hard_limit() {
	prlimit --pid $$ "--$1" -o HARD --noheadings | tr -d ' '
}

# A probe that runs inside an empty directory: statically linked, from
# the build (PROBE_STATIC) or compiled here.
static_probe() {
	if [[ -x ${PROBE_STATIC-} ]]; then
		cp "$PROBE_STATIC" "$1"
	elif ! ${CC:-cc} -static -o "$1" "$TOP_SRCDIR/tests/probe.c" \
	    2>/dev/null; then
		skip "cannot link a static probe"
	fi
}

# make_root DIR: a new root holding /probe and /bin/probe, an absolute
# symbolic link to it, which only resolves inside DIR.
make_root() {
	mkdir -p "$1/bin" "$1/work"
	static_probe "$1/probe"
	ln -s /probe "$1/bin/probe"
}

# new_report REPORT OLDPID: whether a probe other than OLDPID wrote REPORT.
new_report() {
	[[ -s $1 && $(probe_val "$1" pid) != "$2" ]]
}

# wait_respawn REPORT OLDPID: wait until a new child wrote REPORT; set $pid.
wait_respawn() {
	wait_for 10 new_report "$1" "$2" || return 1
	track_report "$1"
	pid=$(probe_val "$1" pid)
}

# kill_child: KILL the supervised probe and wait for its successor's report.
kill_child() {
	local old=$pid
	kill -KILL "$old"
	wait_dead "$old"
	wait_respawn "$T/rep" "$old"
	[ "$pid" != "$old" ]
}

# ---------------------------------------------------------------- values

@test "-n and --nice set an absolute nice value" {
	need_nice_at_most 7
	start_probe -n 7
	[ "$(nice_of "$pid")" = 7 ]
	stop_tracked
	start_probe --nice=19
	[ "$(nice_of "$pid")" = 19 ]
}

@test "--nice below 0, as root" {
	require_root
	need_cap $CAP_SYS_NICE
	start_probe --nice=-5
	[ "$(nice_of "$pid")" = -5 ]
}

@test "--ionice sets the I/O class and level" {
	start_probe --ionice=best-effort:6
	[ "$(ionice -p "$pid")" = "best-effort: prio 6" ]
	stop_tracked
	start_probe --ionice=idle
	[ "$(ionice -p "$pid")" = "idle" ]
	stop_tracked
	start_probe --ionice=best-effort
	[ "$(ionice -p "$pid")" = "best-effort: prio 4" ]
}

@test "--ionice=realtime, as root" {
	require_root
	ionice -c realtime true 2>/dev/null || skip "realtime I/O refused here"
	start_probe --ionice=realtime:2
	[ "$(ionice -p "$pid")" = "realtime: prio 2" ]
}

@test "--sched sets the scheduling policy" {
	start_probe --sched=batch
	[ "$(sched_of "$pid")" = "SCHED_BATCH 0" ]
	stop_tracked
	start_probe --sched=idle:0
	[ "$(sched_of "$pid")" = "SCHED_IDLE 0" ]
}

@test "--sched=fifo and rr with a priority, as root" {
	require_root
	chrt -f 1 true 2>/dev/null || skip "real-time scheduling refused here"
	start_probe --sched=fifo:10
	[ "$(sched_of "$pid")" = "SCHED_FIFO 10" ]
	stop_tracked
	start_probe --sched=rr
	[ "$(sched_of "$pid")" = "SCHED_RR 1" ]
}

@test "--oom-score-adj sets /proc/PID/oom_score_adj" {
	need_oom_at_most 500
	start_probe --oom-score-adj=500
	[ "$(cat /proc/$pid/oom_score_adj)" = 500 ]
}

@test "--oom-score-adj below 0, as root with CAP_SYS_RESOURCE" {
	require_root
	need_cap $CAP_SYS_RESOURCE
	start_probe --oom-score-adj=-500
	[ "$(cat /proc/$pid/oom_score_adj)" = -500 ]
}

@test "--limit sets every resource; K, M and G are powers of 1024" {
	start_probe --limit=core=1M --limit=cpu=3600 --limit=data=1G \
	    --limit=fsize=1G --limit=memlock=64K --limit=nofile=512:1024 \
	    --limit=nproc=1000 --limit=rss=1G --limit=stack=4M:8M \
	    --limit=as=4G --limit=msgqueue=64k --limit=nice=0 \
	    --limit=rtprio=0 --limit=sigpending=100
	[ "$(limit_of "$pid" "Max core file size")" = "1048576 1048576" ]
	[ "$(limit_of "$pid" "Max cpu time")" = "3600 3600" ]
	[ "$(limit_of "$pid" "Max data size")" = "1073741824 1073741824" ]
	[ "$(limit_of "$pid" "Max file size")" = "1073741824 1073741824" ]
	[ "$(limit_of "$pid" "Max locked memory")" = "65536 65536" ]
	[ "$(limit_of "$pid" "Max open files")" = "512 1024" ]
	[ "$(limit_of "$pid" "Max processes")" = "1000 1000" ]
	[ "$(limit_of "$pid" "Max resident set")" = "1073741824 1073741824" ]
	[ "$(limit_of "$pid" "Max stack size")" = "4194304 8388608" ]
	[ "$(limit_of "$pid" "Max address space")" = "4294967296 4294967296" ]
	[ "$(limit_of "$pid" "Max msgqueue size")" = "65536 65536" ]
	[ "$(limit_of "$pid" "Max nice priority")" = "0 0" ]
	[ "$(limit_of "$pid" "Max realtime priority")" = "0 0" ]
	[ "$(limit_of "$pid" "Max pending signals")" = "100 100" ]
}

@test "--limit=RES=unlimited, and a later --limit of a resource wins" {
	[ "$(hard_limit core)" = unlimited ] || skip "core hard limit is finite"
	start_probe --limit=core=0 --limit=core=unlimited --limit=nofile=100:200 \
	    --limit=nofile=300
	[ "$(limit_of "$pid" "Max core file size")" = "unlimited unlimited" ]
	[ "$(limit_of "$pid" "Max open files")" = "300 300" ]
}

@test "--limit raises a hard limit above the caller's, with CAP_SYS_RESOURCE" {
	require_root
	need_cap $CAP_SYS_RESOURCE
	hard=$(hard_limit nofile)
	start_probe --limit=nofile=$((hard + 1))
	[ "$(limit_of "$pid" "Max open files")" = "$((hard + 1)) $((hard + 1))" ]
}

@test "--no-new-privs sets NoNewPrivs; without it the probe has none" {
	start_probe
	[ "$(status_of "$pid" NoNewPrivs)" = 0 ]
	stop_tracked
	start_probe --no-new-privs
	[ "$(status_of "$pid" NoNewPrivs)" = 1 ]
}

@test "all of them at once, in foreground mode too" {
	need_nice_at_most 3
	need_oom_at_most 100
	run -0 "$DAEMONIZE" -f --nice=3 --ionice=best-effort:1 --sched=batch \
	    --oom-score-adj=100 --limit=nofile=256 --no-new-privs \
	    "$PROBE" -r "$T/rep" -x 0
	[ "$(probe_val "$T/rep" pid)" != "" ]
	rm "$T/rep"
	start_probe --nice=3 --ionice=best-effort:1 --sched=batch \
	    --oom-score-adj=100 --limit=nofile=256 --no-new-privs
	[ "$(nice_of "$pid")" = 3 ]
	[ "$(ionice -p "$pid")" = "best-effort: prio 1" ]
	[ "$(sched_of "$pid")" = "SCHED_BATCH 0" ]
	[ "$(cat /proc/$pid/oom_score_adj)" = 100 ]
	[ "$(limit_of "$pid" "Max open files")" = "256 256" ]
	[ "$(status_of "$pid" NoNewPrivs)" = 1 ]
}

# ---------------------------------------------------------------- chroot

@test "--chroot: the probe runs in the new root; pidfile and -o outside" {
	require_root
	make_root "$T/root"
	run -0 --separate-stderr "$DAEMONIZE" --chroot "$T/root" -c /work \
	    -p "$T/pid" -o "$T/out" /probe -r /rep -L 1 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	wait_report "$T/root/rep"
	pid=$(cat "$T/pid")
	[ "$(probe_val "$T/root/rep" pid)" = "$pid" ]
	[ "$(readlink /proc/$pid/root)" = "$T/root" ]
	[ "$(readlink /proc/$pid/cwd)" = "$T/root/work" ]
	[ "$(probe_val "$T/root/rep" cwd)" = /work ]
	wait_for 5 grep -qx 'line 1' "$T/out"
	[ "$(lock_holder "$T/pid")" = "$pid" ]
}

@test "--chroot: the command is looked up inside the new root" {
	require_root
	make_root "$T/root"
	# In PATH, through an absolute symlink that only exists inside.
	run -0 env PATH=/bin "$DAEMONIZE" --chroot "$T/root" -p "$T/pid" \
	    probe -r /rep 3>&-
	track_pidfile "$T/pid"
	wait_report "$T/root/rep"
	[ "$(readlink /proc/$(cat "$T/pid")/exe)" = "$T/root/probe" ]
	# A relative name with a slash is relative to the new root.
	stop_tracked
	run -0 "$DAEMONIZE" --chroot "$T/root" -p "$T/pid" ./bin/probe \
	    -r /rep2 3>&-
	track_pidfile "$T/pid"
	wait_report "$T/root/rep2"
	# The probe outside the new root is not found inside it.
	run -127 --separate-stderr "$DAEMONIZE" --chroot "$T/root" "$PROBE"
	[ "$stderr" = "daemonize: exec $PROBE: command not found" ]
	run -127 --separate-stderr env PATH=/nowhere "$DAEMONIZE" \
	    --chroot "$T/root" probe
	[ "$stderr" = "daemonize: exec probe: command not found" ]
	# A directory inside the new root is not a command.
	run -126 --separate-stderr "$DAEMONIZE" --chroot "$T/root" /work
	[ "$stderr" = "daemonize: exec /work: Permission denied" ]
}

@test "--chroot: a dynamic command without its loader inside is 126" {
	require_root
	mkdir "$T/root"
	cp "$PROBE" "$T/root/probe"
	ldd "$PROBE" >/dev/null 2>&1 || skip "the probe is not dynamically linked"
	run -126 --separate-stderr "$DAEMONIZE" --chroot "$T/root" \
	    -p "$T/pid" /probe
	[[ $stderr == "daemonize: exec /probe: bad interpreter"*": No such file or directory" ]]
	[ ! -e "$T/pid" ]
}

@test "66: a missing --chroot directory, before forking" {
	run -66 --separate-stderr "$DAEMONIZE" --chroot "$T/nope" -p "$T/pid" \
	    "$PROBE"
	[ "$stderr" = "daemonize: chroot $T/nope: No such file or directory" ]
	[ ! -e "$T/pid" ]
	touch "$T/file"
	run -66 --separate-stderr "$DAEMONIZE" --chroot "$T/file" "$PROBE"
	[ "$stderr" = "daemonize: chroot $T/file: Not a directory" ]
	cd "$T"
	run -66 --separate-stderr "$DAEMONIZE" --chroot nope "$PROBE"
	[ "$stderr" = "daemonize: chroot $T/nope: No such file or directory" ]
}

@test "66: a missing -c inside the new root" {
	require_root
	make_root "$T/root"
	run -66 --separate-stderr "$DAEMONIZE" --chroot "$T/root" -c /nodir \
	    -p "$T/pid" /probe
	[ "$stderr" = "daemonize: chdir /nodir: No such file or directory" ]
	[ ! -e "$T/pid" ]
}

@test "--chroot without /proc inside: every ignored signal is reset still" {
	require_root
	make_root "$T/root"
	run -0 --separate-stderr "$PY" -c '
import os, signal, sys
for n in (signal.SIGHUP, signal.SIGPIPE, signal.SIGUSR2, 40, 64):
    signal.signal(n, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])' "$DAEMONIZE" --chroot "$T/root" \
	    -p "$T/pid" /probe -r /rep 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	wait_report "$T/root/rep"
	[ ! -e "$T/root/proc" ]
	[ "$(status_of "$(cat "$T/pid")" SigIgn)" = 0000000000000000 ]
}

# ---------------------------------------------------------------- caps


@test "--caps=cap_net_bind_service -u nobody binds port 80, then stops" {
	require_root
	need_cap $CAP_NET_BIND_SERVICE
	[[ -x /usr/bin/python3 ]] || skip "needs /usr/bin/python3"
	[[ -z $(ss -Hltn 'sport = :80' 2>/dev/null) ]] || skip "port 80 is busy"
	prog='
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", 80))
except OSError as e:
    print("bind:", e.strerror, flush=True)
    sys.exit(1)
s.listen(1)
print("bound", flush=True)
time.sleep(600)
'
	# Without --caps, nobody may not bind it (unless this kernel lets
	# anyone bind port 80, and then the test proves less).
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	if ((start > 80)); then
		run -1 "$DAEMONIZE" -f -u nobody -o "$T/out0" \
		    /usr/bin/python3 -c "$prog"
		[ "$(cat "$T/out0")" = "bind: Permission denied" ]
	fi
	run -0 --separate-stderr "$DAEMONIZE" -u nobody \
	    --caps=cap_net_bind_service -p "$T/pid" -o "$T/out" \
	    /usr/bin/python3 -c "$prog" 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	wait_for 10 grep -qx bound "$T/out"
	[ "$(status_of "$pid" Uid)" = 65534 ]
	[ "$(status_of "$pid" CapAmb)" = 0000000000000400 ]
	[ "$(status_of "$pid" CapEff)" = 0000000000000400 ]
	[ "$(status_of "$pid" CapPrm)" = 0000000000000400 ]
	[[ $(ss -Hltnp 'sport = :80') == *"pid=$pid,"* ]]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	is_dead "$pid"
	[ ! -e "$T/pid" ]
}

@test "--caps with a name in any case, a number (13, CAP_NET_RAW) and --no-new-privs: ambient caps survive" {
	require_root
	need_cap $CAP_NET_BIND_SERVICE
	# nobody cannot write a report under $T: read /proc only.
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" -u nobody \
	    --caps=CAP_Net_Bind_Service,13 --no-new-privs "$PROBE" 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	[ "$(readlink /proc/$pid/exe)" = "$PROBE" ]
	[ "$(status_of "$pid" Uid)" = 65534 ]
	[ "$(status_of "$pid" CapAmb)" = 0000000000002400 ]
	[ "$(status_of "$pid" CapEff)" = 0000000000002400 ]
	[ "$(status_of "$pid" NoNewPrivs)" = 1 ]
}

@test "77: --caps beyond what this process may hold" {
	require_root
	has_cap $CAP_SYS_RESOURCE && skip "we hold CAP_SYS_RESOURCE"
	run -77 --separate-stderr "$DAEMONIZE" -u nobody \
	    --caps=cap_sys_resource -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: keep capabilities cap_sys_resource: Operation not permitted" ]
	[ ! -e "$T/pid" ]
}

@test "64: --caps without -u, with an unknown or empty name" {
	run -64 --separate-stderr "$DAEMONIZE" --caps=cap_chown "$PROBE"
	[ "$stderr" = "daemonize: parse --caps=cap_chown: only with -u (the capabilities are kept across the change of user)" ]
	run -64 --separate-stderr "$DAEMONIZE" -u nobody \
	    --caps=cap_chown,cap_nope "$PROBE"
	[ "$stderr" = "daemonize: parse --caps=cap_chown,cap_nope: unknown capability cap_nope" ]
	run -64 --separate-stderr "$DAEMONIZE" -u nobody --caps= "$PROBE"
	[ "$stderr" = "daemonize: parse --caps=: empty capability name" ]
	run -64 --separate-stderr "$DAEMONIZE" -u nobody \
	    --caps=cap_chown,,cap_kill "$PROBE"
	[ "$stderr" = "daemonize: parse --caps=cap_chown,,cap_kill: empty capability name" ]
	run -64 --separate-stderr "$DAEMONIZE" -u nobody --caps=chown,64 \
	    "$PROBE"
	[ "$stderr" = "daemonize: parse --caps=chown,64: unknown capability chown" ]
	run -64 --separate-stderr "$DAEMONIZE" -u nobody --caps=cap_kill,64 \
	    "$PROBE"
	[ "$stderr" = "daemonize: parse --caps=cap_kill,64: unknown capability 64" ]
}

# ---------------------------------------------------------------- 64

# bad OPTION MESSAGE: the option is refused with 64 and exactly MESSAGE,
# and nothing is started.
bad() {
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$1" "$PROBE"
	[ "$output" = "" ]
	[ "$stderr" = "daemonize: parse $1: $2" ] ||
	    { echo "for $1: got '$stderr'" >&2; return 1; }
	[ ! -e "$T/pid" ]
}

@test "64: every bad value, with its message" {
	nice="not a nice value from -20 to 19"
	bad --nice=20 "$nice"
	bad --nice=-21 "$nice"
	bad --nice=abc "$nice"
	bad --nice=+1 "$nice"
	bad --nice= "$nice"
	run -64 --separate-stderr "$DAEMONIZE" -n 99 "$PROBE"
	[ "$stderr" = "daemonize: parse -n 99: $nice" ]

	bad --ionice=bogus "unknown I/O class (realtime, best-effort or idle)"
	bad --ionice= "unknown I/O class (realtime, best-effort or idle)"
	bad --ionice=best-effort:8 "not a level from 0 to 7"
	bad --ionice=realtime:x "not a level from 0 to 7"
	bad --ionice=idle:1 "the idle class takes no level"

	bad --sched=bogus "unknown policy (other, batch, idle, fifo or rr)"
	bad --sched=fifo:0 "not a priority from 1 to 99"
	bad --sched=rr:100 "not a priority from 1 to 99"
	bad --sched=batch:1 "this policy takes priority 0 only"
	bad --sched=other:x "this policy takes priority 0 only"

	oom="not a score from -1000 to 1000"
	bad --oom-score-adj=1001 "$oom"
	bad --oom-score-adj=-1001 "$oom"
	bad --oom-score-adj=x "$oom"

	value="not a limit value (a number with K, M or G, or unlimited)"
	bad --limit=nofile "not RESOURCE=SOFT[:HARD]"
	bad --limit=bogus=1 "unknown resource (as, core, cpu, data, fsize, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, sigpending or stack)"
	bad --limit=locks=1 "unknown resource (as, core, cpu, data, fsize, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, sigpending or stack)"
	bad --limit=nofile= "$value"
	bad --limit=nofile=abc "$value"
	bad --limit=nofile=1T "$value"
	bad --limit=nofile=-1 "$value"
	bad --limit=nofile=K "$value"
	bad --limit=nofile=1: "$value"
	bad --limit=nofile=:1 "$value"
	bad --limit=nofile=1:2:3 "$value"
	bad --limit=nofile=2:1 "soft limit above hard limit"
	bad --limit=nofile=unlimited:1 "soft limit above hard limit"
}

@test "64: more --limit options than daemonize keeps" {
	args=()
	for ((i = 0; i < 17; i++)); do
		args+=(--limit=nofile=100)
	done
	run -64 --separate-stderr "$DAEMONIZE" "${args[@]}" "$PROBE"
	[ "$stderr" = "daemonize: parse --limit=nofile=100: too many limits" ]
}

@test "64: with --chroot, -c must be absolute inside the new root" {
	run -64 --separate-stderr "$DAEMONIZE" --chroot / -c work "$PROBE"
	[ "$stderr" = "daemonize: parse --chdir work: with --chroot, the directory must be absolute inside the new root" ]
}

# ---------------------------------------------------------------- 77

@test "77: a caller without privileges asking for what needs them" {
	need_unprivileged_exec
	hard=$(hard_limit nofile)
	[[ $hard != unlimited ]]

	run -77 --separate-stderr unprivileged "$DAEMONIZE" --chroot / "$PROBE"
	[ "$stderr" = "daemonize: chroot /: Operation not permitted" ]

	run -77 --separate-stderr unprivileged "$DAEMONIZE" --nice=-5 "$PROBE"
	[ "$stderr" = "daemonize: set nice -5: Permission denied" ]

	run -77 --separate-stderr unprivileged "$DAEMONIZE" \
	    --limit=nofile=1024:$((hard + 1)) "$PROBE"
	[ "$stderr" = "daemonize: set limit nofile=1024:$((hard + 1)): Operation not permitted" ]

	if [[ $(ulimit -r) == 0 ]]; then
		run -77 --separate-stderr unprivileged "$DAEMONIZE" \
		    --sched=fifo "$PROBE"
		[ "$stderr" = "daemonize: set scheduler fifo:1: Operation not permitted" ]
	fi

	run -77 --separate-stderr unprivileged "$DAEMONIZE" \
	    --oom-score-adj=-500 "$PROBE"
	[ "$stderr" = "daemonize: set oom_score_adj -500: Permission denied" ]

	run -77 --separate-stderr unprivileged "$DAEMONIZE" \
	    --ionice=realtime:0 "$PROBE"
	[ "$stderr" = "daemonize: set ionice realtime:0: Operation not permitted" ]
}

@test "77: the same in foreground mode, printed directly" {
	need_unprivileged_exec
	run -77 --separate-stderr unprivileged "$DAEMONIZE" -f --nice=-5 \
	    "$PROBE" -x 0
	[ "$stderr" = "daemonize: set nice -5: Permission denied" ]
	run -77 --separate-stderr unprivileged "$DAEMONIZE" -f \
	    --limit=nofile=64:unlimited "$PROBE" -x 0
	[ "$stderr" = "daemonize: set limit nofile=64:unlimited: Operation not permitted" ]
}

@test "77: raising a hard limit fails cleanly, leaving nothing behind" {
	has_cap $CAP_SYS_RESOURCE && skip "we may raise hard limits"
	hard=$(hard_limit nofile)
	run -77 --separate-stderr "$DAEMONIZE" -p "$T/pid" \
	    --limit=nofile=$((hard + 1)) "$PROBE" -r "$T/rep"
	[ "$stderr" = "daemonize: set limit nofile=$((hard + 1)):$((hard + 1)): Operation not permitted" ]
	[ ! -e "$T/pid" ]
	[ ! -e "$T/rep" ]
}

# ---------------------------------------------------------------- respawn

# respawn_start [OPTIONS...]: a supervised probe; $pid is the first child,
# SUPERVISOR the supervisor (the pidfile's pid).
respawn_start() {
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --respawn \
	    --respawn-delay=0 "$@" "$PROBE" -r "$T/rep" 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	SUPERVISOR=$(cat "$T/pid")
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	[ "$pid" != "$SUPERVISOR" ]
}

check_knobs() {
	[ "$(nice_of "$pid")" = 5 ]
	[ "$(ionice -p "$pid")" = "idle" ]
	[ "$(sched_of "$pid")" = "SCHED_BATCH 0" ]
	[ "$(cat /proc/$pid/oom_score_adj)" = 300 ]
	[ "$(limit_of "$pid" "Max open files")" = "128 256" ]
	[ "$(limit_of "$pid" "Max core file size")" = "0 0" ]
	[ "$(status_of "$pid" NoNewPrivs)" = 1 ]
}

@test "--respawn: a respawned child gets nice, ionice, sched, oom, limits, no-new-privs" {
	need_nice_at_most 5
	need_oom_at_most 300
	respawn_start --nice=5 --ionice=idle --sched=batch \
	    --oom-score-adj=300 --limit=nofile=128:256 --limit=core=0 \
	    --no-new-privs
	check_knobs
	kill_child
	check_knobs
	kill_child
	check_knobs
}

@test "--respawn: a respawned child is chrooted too, the supervisor is not" {
	require_root
	make_root "$T/root"
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --respawn \
	    --respawn-delay=0 --chroot "$T/root" -c /work /probe -r /rep 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	SUPERVISOR=$(cat "$T/pid")
	wait_report "$T/root/rep"
	pid=$(probe_val "$T/root/rep" pid)
	[ "$(readlink /proc/$pid/root)" = "$T/root" ]
	[ "$(readlink /proc/$SUPERVISOR/root)" = / ]
	old=$pid
	kill -KILL "$old"
	wait_dead "$old"
	wait_respawn "$T/root/rep" "$old"
	[ "$(readlink /proc/$pid/root)" = "$T/root" ]
	[ "$(readlink /proc/$pid/cwd)" = "$T/root/work" ]
}

# child_of PID OLD: the one child of PID that is not OLD, running the probe.
child_of() {
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[[ $c != "$2" && $(readlink "/proc/$c/exe") == "$PROBE" ]] &&
		    { echo "$c"; return 0; }
	done
	return 1
}

@test "--respawn: a respawned child keeps its ambient capabilities as -u" {
	require_root
	need_cap $CAP_NET_BIND_SERVICE
	[[ -e /proc/$$/task/$$/children ]] || skip "no /proc/PID/task/TID/children"
	# nobody cannot write a report under $T: find the child in /proc.
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --respawn \
	    --respawn-delay=0 -u nobody --caps=cap_net_bind_service \
	    "$PROBE" 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	SUPERVISOR=$(cat "$T/pid")
	wait_for 5 child_of "$SUPERVISOR" 0
	pid=$(child_of "$SUPERVISOR" 0)
	track_pid "$pid"
	[ "$(status_of "$SUPERVISOR" Uid)" = 0 ]
	[ "$(status_of "$pid" Uid)" = 65534 ]
	[ "$(status_of "$pid" CapAmb)" = 0000000000000400 ]
	kill -KILL "$pid"
	wait_dead "$pid"
	wait_for 10 child_of "$SUPERVISOR" "$pid"
	pid=$(child_of "$SUPERVISOR" "$pid")
	track_pid "$pid"
	[ "$(status_of "$pid" Uid)" = 65534 ]
	[ "$(status_of "$pid" CapAmb)" = 0000000000000400 ]
}

@test "--respawn: a failing knob is reported for the first child, with its code" {
	need_unprivileged_exec
	run -77 --separate-stderr unprivileged "$DAEMONIZE" --respawn \
	    --nice=-5 "$PROBE"
	[ "$stderr" = "daemonize: set nice -5: Permission denied" ]
}

@test "--limit=nofile below what the command is given: 64 at option time, naming the limit" {
	run -64 --separate-stderr "$DAEMONIZE" --limit=nofile=2 -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: parse --limit=nofile=2: below 3, the command's fds 0, 1 and 2" ]
	exec 7</dev/null
	run -64 --separate-stderr "$DAEMONIZE" --limit=nofile=5 --keep-fd=7 -p "$T/pid" "$PROBE"
	exec 7<&-
	[ "$stderr" = "daemonize: parse --limit=nofile=5: --keep-fd=7 does not fit under it" ]
	[ ! -e "$T/pid" ]
}

# runs_as PID UID: PID runs (effectively) as UID.
runs_as() {
	[ "$(awk '/^Uid:/ { print $3 }' "/proc/$1/status")" = "$2" ]
}

@test "--limit=nproc reached by -u's user: the exec failure names the limit, 71, nothing left" {
	require_root
	reachable_by_all
	# Two, not one: the kernel refuses the exec only when the user's
	# other processes already exceed the limit at the setuid (a count
	# equal to it passes), and nothing else may run as nobody here.
	local sleeper
	for _ in 1 2; do
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    sleep 1000 3>&- &
		sleeper=$!
		track_pid "$sleeper"
		wait_for 5 runs_as "$sleeper" "$(id -u nobody)"
	done
	run --separate-stderr "$DAEMONIZE" -u nobody --limit=nproc=1 -p "$T/pid" "$PROBE"
	track_pidfile "$T/pid"	# stopped in teardown if it wrongly started
	[ "$status" = 71 ]
	[ "$stderr" = "daemonize: exec $PROBE: --limit=nproc=1:1: user nobody already runs that many processes: Resource temporarily unavailable" ]
	[ ! -e "$T/pid" ]
}

# Man page, --nice: "The value is absolute, as systemd's Nice=, not added
# to the caller's": a niced caller does not shift it.  At the caller's nice
# C >= 1, --nice=18 is 18; an increment would give 19 (the cap).
@test "--nice is absolute under a niced caller" {
	local c=$(($(nice) + 1))
	((c <= 18)) || skip "we run at nice $(nice), too high to tell"
	run -0 --separate-stderr nice -n 1 "$DAEMONIZE" -p "$T/pid" --nice=18 \
	    "$PROBE" -r "$T/rep" 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	wait_report "$T/rep"
	[ "$(nice_of "$(cat "$T/pid")")" = 18 ]
}

# Man page, --chroot: "Users and groups are looked up in the system's
# databases before forking, so the new root needs no /etc/passwd".
@test "--chroot -u nobody works without /etc/passwd in the new root" {
	require_root
	make_root "$T/root"
	[ ! -e "$T/root/etc" ]
	chmod 1777 "$T/root/work"
	run -0 --separate-stderr "$DAEMONIZE" --chroot "$T/root" -u nobody \
	    -c /work -p "$T/pid" /probe -r /work/rep 3>&-
	[ "$stderr" = "" ]
	track_pidfile "$T/pid"
	wait_report "$T/root/work/rep"
	[ "$(probe_val "$T/root/work/rep" uid)" = "$(id -u nobody)" ]
	[ "$(probe_val "$T/root/work/rep" gid)" = "$(id -g nobody)" ]
	[ "$(readlink "/proc/$(cat "$T/pid")/root")" = "$T/root" ]
	[ ! -e "$T/root/etc" ]
}
