#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Security properties, as root with -u nobody: files an unprivileged user
# plants where root will open them, the privilege drop as the daemon sees
# it, and descriptors that must not reach the daemon.  What creds.bats,
# pidfile.bats, control.bats and start.bats already prove (a symlinked -o,
# a hard-linked -e, planted pidfiles without -u, a forged pidfile given to
# --stop, installed setuid) is not repeated here.

load helpers

setup() {
	require_root
	reachable_by_all
	# The daemon's user owns this directory: it can plant anything in it.
	mkdir "$T/userdir" && chown nobody "$T/userdir"
	echo precious >"$T/target" && chmod 644 "$T/target"
}

# plant KIND PATH: as the daemon's user would, put a symlink to $T/target,
# a hard link to it, a FIFO or a directory at PATH.
plant() {
	case $1 in
	symlink) ln -s "$T/target" "$2" && chown -h nobody "$2" ;;
	hardlink) ln "$T/target" "$2" ;;
	fifo) mkfifo "$2" && chown nobody "$2" ;;
	directory) mkdir "$2" && chown nobody "$2" && echo keep >"$2/inside" ;;
	esac
}

# untouched KIND PATH: the planted object and what it points to are as
# planted.
untouched() {
	[ "$(cat "$T/target")" = precious ]
	[ "$(stat -c %s:%U "$T/target")" = 9:root ]
	case $1 in
	symlink) [ -L "$2" ] && [ "$(readlink "$2")" = "$T/target" ] ;;
	hardlink) [ "$(stat -c %h "$T/target")" = 2 ] ;;
	fifo) [ -p "$2" ] ;;
	directory) [ -d "$2" ] && [ "$(cat "$2/inside")" = keep ] ;;
	esac
}

reason() {
	case $1 in
	symlink) echo "refusing a symbolic link" ;;
	hardlink) echo "refusing a file with more than one hard link" ;;
	*) echo "refusing a file that is not a regular file" ;;
	esac
}

# planted_pidfile KIND: -u nobody, the pidfile in nobody's directory.
planted_pidfile() {
	P=$T/userdir/app.pid
	plant "$1" "$P"
	run -73 --separate-stderr "$DAEMONIZE" -u nobody -p "$P" \
	    "$PROBE" -r "$T/userdir/rep"
	[ "$stderr" = "daemonize: open pidfile $P: $(reason "$1")" ]
	untouched "$1" "$P"
	[ ! -e "$T/userdir/rep" ]
}

@test "73: -u nobody, pidfile in nobody's directory: a planted symlink is refused, untouched" {
	planted_pidfile symlink
}

@test "73: -u nobody, pidfile in nobody's directory: a hard link to root's file is refused, untouched" {
	planted_pidfile hardlink
}

@test "73: -u nobody, pidfile in nobody's directory: a planted FIFO is refused, untouched" {
	planted_pidfile fifo
}

@test "73: -u nobody, pidfile in nobody's directory: a planted directory is refused, untouched" {
	planted_pidfile directory
}

# planted_output OPTION STREAM KIND: -u nobody, -o or -e planted by nobody.
planted_output() {
	F=$T/userdir/log
	plant "$3" "$F"
	run -73 --separate-stderr "$DAEMONIZE" -u nobody -p "$T/pid" \
	    "$1" "$F" "$PROBE" -r "$T/userdir/rep"
	[ "$stderr" = "daemonize: open $2 $F: $(reason "$3")" ]
	untouched "$3" "$F"
	[ ! -e "$T/pid" ]
	[ ! -e "$T/userdir/rep" ]
}

# creds.bats covers a symlinked -o and a hard-linked -e; these are the rest.
@test "73: -u nobody, -e planted by the user as a symlink is refused, untouched" {
	planted_output -e stderr symlink
}

@test "73: -u nobody, -o planted by the user as a hard link is refused, untouched" {
	planted_output -o stdout hardlink
}

@test "73: -u nobody, -o or -e planted by the user as a FIFO is refused, untouched" {
	planted_output -o stdout fifo
	rm "$T/userdir/log"
	planted_output -e stderr fifo
}

@test "73: -u nobody, -o or -e planted by the user as a directory is refused, untouched" {
	planted_output -o stdout directory
	rm -r "$T/userdir/log"
	planted_output -e stderr directory
}

@test "-u nobody: -o/-e created by root in the user's directory stay root's, 0644" {
	run -0 "$DAEMONIZE" -u nobody -p "$T/pid" -o "$T/userdir/out" \
	    -e "$T/userdir/err" "$PROBE" -r "$T/userdir/rep"
	wait_report "$T/userdir/rep"
	[ "$(stat -c %U:%a "$T/userdir/out")" = root:644 ]
	[ "$(stat -c %U:%a "$T/userdir/err")" = root:644 ]
	[ "$(stat -c %U:%G:%a "$T/pid")" = root:root:644 ]
}

@test "after the drop: setuid(0), setgid(0) and setgroups fail; no root group or capability left" {
	cat >"$T/regain" <<'PY'
#!/usr/bin/python3
import os, sys
out = []
for name, call in (("setuid", lambda: os.setuid(0)),
                   ("seteuid", lambda: os.seteuid(0)),
                   ("setresuid", lambda: os.setresuid(0, 0, 0)),
                   ("setgid", lambda: os.setgid(0)),
                   ("setegid", lambda: os.setegid(0)),
                   ("setgroups", lambda: os.setgroups([0])),
                   ("setgroups-empty", lambda: os.setgroups([]))):
    try:
        call()
        out.append("%s=succeeded" % name)
    except PermissionError:
        out.append("%s=EPERM" % name)
out.append("resuid=%d,%d,%d" % os.getresuid())
out.append("resgid=%d,%d,%d" % os.getresgid())
out.append("groups=" + ",".join(str(g) for g in sorted(os.getgroups())))
for line in open("/proc/self/status"):
    if line.startswith(("CapInh", "CapPrm", "CapEff", "CapAmb", "NoNewPrivs")):
        k, v = line.split(":")
        out.append("%s=%s" % (k, v.strip()))
tmp = sys.argv[1] + ".tmp"
open(tmp, "w").write("\n".join(out) + "\n")
os.rename(tmp, sys.argv[1])
PY
	chmod 755 "$T/regain"
	run -0 "$DAEMONIZE" -u nobody -p "$T/pid" "$T/regain" "$T/userdir/rep"
	wait_for 5 test -s "$T/userdir/rep"
	cat "$T/userdir/rep"
	for call in setuid seteuid setresuid setgid setegid setgroups setgroups-empty; do
		grep -qx "$call=EPERM" "$T/userdir/rep"
	done
	u=$(id -u nobody) g=$(id -g nobody)
	grep -qx "resuid=$u,$u,$u" "$T/userdir/rep"
	grep -qx "resgid=$g,$g,$g" "$T/userdir/rep"
	[ "$(probe_val "$T/userdir/rep" groups)" = "$(id -G nobody | tr ' ' '\n' | sort -n | paste -sd,)" ]
	! probe_val "$T/userdir/rep" groups | tr , '\n' | grep -qx 0
	for cap in CapInh CapPrm CapEff CapAmb; do
		grep -qx "$cap=0000000000000000" "$T/userdir/rep"
	done
}

@test "-u nobody -g: root's supplementary groups are all dropped" {
	run -0 "$DAEMONIZE" -u nobody -g nogroup -p "$T/pid" "$PROBE" -r "$T/userdir/rep"
	wait_report "$T/userdir/rep"
	[ "$(probe_val "$T/userdir/rep" groups)" = "$(getent group nogroup | cut -d: -f3)" ]
}

# internal_fds PID: the daemon's descriptors other than 0-2, one
# "fd target" per line.
internal_fds() {
	local fd
	for fd in /proc/$1/fd/*; do
		[ "${fd##*/}" -gt 2 ] || continue
		echo "${fd##*/} $(readlink "$fd")"
	done
}

@test "-u nobody: no report pipe or other internal fd in the daemon, only the pidfile lock" {
	run -0 "$DAEMONIZE" -u nobody -p "$T/pid" "$PROBE" -r "$T/userdir/rep"
	wait_report "$T/userdir/rep"
	pid=$(probe_val "$T/userdir/rep" pid)
	internal_fds "$pid"
	[ "$(internal_fds "$pid" | cut -d' ' -f2-)" = "$T/pid" ]
	! ls -l /proc/$pid/fd | grep -Eq 'pipe:|socket:|anon_inode:'
}

@test "-u nobody --wait-ready: no notify socket, report pipe or signalfd in the daemon" {
	run -0 "$DAEMONIZE" -u nobody --wait-ready=10 -p "$T/pid" \
	    "$PROBE" -N READY=1 -r "$T/userdir/rep"
	wait_report "$T/userdir/rep"
	pid=$(probe_val "$T/userdir/rep" pid)
	internal_fds "$pid"
	[ "$(internal_fds "$pid" | cut -d' ' -f2-)" = "$T/pid" ]
	! ls -l /proc/$pid/fd | grep -Eq 'pipe:|socket:|anon_inode:'
	# The readiness socket and its private directory are gone.
	sock=$(probe_val "$T/userdir/rep" env:NOTIFY_SOCKET)
	[ -n "$sock" ]
	[ ! -e "${sock#@}" ]
}

@test "root --stop and --signal on a symlink planted by the user never reach the daemon it points to" {
	run -0 "$DAEMONIZE" -p "$T/pid" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	pid=$(probe_val "$T/rep" pid)
	ln -s "$T/pid" "$T/userdir/app.pid" && chown -h nobody "$T/userdir/app.pid"
	run -4 --separate-stderr "$DAEMONIZE" -p "$T/userdir/app.pid" --stop
	run -4 --separate-stderr "$DAEMONIZE" -p "$T/userdir/app.pid" --signal KILL
	is_alive "$pid"
	[ -L "$T/userdir/app.pid" ]
	[ "$(cat "$T/pid")" = "$pid" ]
}

# Links planted on the way to the file, not only as the file.
@test "73: -u nobody swaps its log directory for a symlink to a root-only one: refused, nothing created there" {
	mkdir -p "$T/app" "$T/rootonly" && chown nobody "$T/app"
	mkdir "$T/app/log"
	# nobody renames the admin's log directory away and plants a link.
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    sh -c "mv '$T/app/log' '$T/app/old' && ln -s '$T/rootonly' '$T/app/log'"
	for opt in -o -e; do
		run -73 --separate-stderr "$DAEMONIZE" -u nobody "$opt" "$T/app/log/stdout" "$PROBE"
		[ "$stderr" = "daemonize: open std$([ "$opt" = -o ] && echo out || echo err) $T/app/log/stdout: refusing the symbolic link $T/app/log (a user other than root could have planted it)" ]
	done
	run -73 --separate-stderr "$DAEMONIZE" -u nobody -i "$T/app/log/in" "$PROBE"
	run -73 --separate-stderr "$DAEMONIZE" -u nobody -p "$T/app/log/app.pid" "$PROBE"
	[ "$stderr" = "daemonize: open pidfile $T/app/log/app.pid: refusing the symbolic link $T/app/log (a user other than root could have planted it)" ]
	run -73 "$DAEMONIZE" -u nobody -l "$T/app/log/app.lock" "$PROBE"
	[ -z "$(ls -A "$T/rootonly")" ]
}

@test "the SIGHUP reopen refuses a log directory swapped for a symlink after the start" {
	mkdir -p "$T/app/log" "$T/rootonly" && chown nobody "$T/app"
	run -0 "$DAEMONIZE" -u nobody --respawn -p "$T/pid" \
	    -o "$T/app/log/stdout" -e "$T/err" "$PROBE" -r "$T/userdir/rep"
	track_pidfile "$T/pid"
	wait_report "$T/userdir/rep"
	# After the start, nobody renames the log directory away and plants a
	# link to a root-only one; logrotate's HUP makes the supervisor reopen.
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    sh -c "mv '$T/app/log' '$T/app/old' && ln -s '$T/rootonly' '$T/app/log'"
	kill -HUP "$(cat "$T/pid")"
	wait_for 5 grep -q "reopen stdout $T/app/log/stdout: " "$T/err"
	[ -z "$(ls -A "$T/rootonly")" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "73: a symlink in a user-writable ancestor is refused even below a root-owned directory" {
	mkdir -p "$T/app/sub" "$T/elsewhere/x" && chown nobody "$T/app"
	ln -s "$T/elsewhere" "$T/app/sub/link"
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" -o "$T/app/sub/link/x/out" "$PROBE"
	[ "$stderr" = "daemonize: open stdout $T/app/sub/link/x/out: refusing the symbolic link $T/app/sub/link (a user other than root could have planted it)" ]
	[ ! -e "$T/elsewhere/x/out" ]
	[ ! -e "$T/pid" ]
}

@test "links only root could have made are followed: /var/run -> /run style, and a root-owned link in a root-only directory" {
	mkdir -p "$T/root/real" && ln -s "$T/root/real" "$T/root/run"
	run -0 "$DAEMONIZE" -p "$T/root/run/app.pid" -o "$T/root/run/out" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ "$(cat "$T/root/real/app.pid")" = "$(probe_val "$T/rep" pid)" ]
	[ -f "$T/root/real/out" ]
	[ -L /var/run ] || skip "/var/run is not a link here"
	P=/var/run/daemonize-test-$$-$BATS_TEST_NUMBER.pid
	run -0 "$DAEMONIZE" -p "$P" "$PROBE" -r "$T/rep2"
	wait_report "$T/rep2"
	run -0 "$DAEMONIZE" -p "$P" --status
	run -0 "$DAEMONIZE" -p "$P" --stop
	[ ! -e "$P" ]
}

@test "a bounded rename race on a user-writable path never makes root write into the root-only directory" {
	mkdir -p "$T/app/log" "$T/rootonly" && chown nobody "$T/app"
	setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "
	    end=\$((\$(date +%s) + 4))
	    while [ \$(date +%s) -lt \$end ]; do
		mv -T '$T/app/log' '$T/app/real' 2>/dev/null
		ln -sfn '$T/rootonly' '$T/app/log'
		rm -f '$T/app/log'; mv -T '$T/app/real' '$T/app/log' 2>/dev/null
	    done" 3>&- &
	racer=$!
	for i in $(seq 20); do
		"$DAEMONIZE" -p "$T/pid.$i" -o "$T/app/log/out.$i" "$PROBE" -x 0 3>&- 2>/dev/null || true
	done
	wait "$racer"
	[ -z "$(ls -A "$T/rootonly")" ]
}

@test "-u nobody: the daemon cannot rewrite its pidfile or lockfile through any inherited descriptor" {
	cp "$PROBE" "$T/userdir/probe"
	run -0 "$DAEMONIZE" -u nobody -p "$T/pid" -l "$T/lock" "$T/userdir/probe" -W -r "$T/userdir/rep"
	wait_report "$T/userdir/rep"
	pid=$(probe_val "$T/userdir/rep" pid)
	[ -n "$(probe_val "$T/userdir/rep" tamper_tried)" ]
	[ "$(probe_val "$T/userdir/rep" tamper_done)" = "" ]
	printf '%s\n' "$pid" | cmp - "$T/pid"
	[ ! -s "$T/lock" ]
	[ "$(lock_holder "$T/pid")" = "$pid" ]
	[ "$(lock_holder "$T/lock")" = "$pid" ]
	run -75 --separate-stderr "$DAEMONIZE" -p "$T/pid" "$PROBE"
	[ "$stderr" = "daemonize: $T/pid: already running as pid $pid" ]
}

@test "73: an existing -o/-e file owned by another user is refused; root's and -u's own are accepted" {
	mkdir -m 1777 "$T/sticky"
	setpriv --reuid=daemon --regid=daemon --clear-groups touch "$T/sticky/x.log"
	run -73 --separate-stderr "$DAEMONIZE" -o "$T/sticky/x.log" "$PROBE"
	[ "$stderr" = "daemonize: open stdout $T/sticky/x.log: refusing a file not owned by root" ]
	run -73 --separate-stderr "$DAEMONIZE" -u nobody -e "$T/sticky/x.log" "$PROBE"
	[ "$stderr" = "daemonize: open stderr $T/sticky/x.log: refusing a file owned by neither root nor nobody" ]
	[ "$(stat -c %U:%s "$T/sticky/x.log")" = daemon:0 ]
	setpriv --reuid=nobody --regid=nogroup --clear-groups touch "$T/sticky/own.log"
	cp "$PROBE" "$T/userdir/probe"
	run -0 "$DAEMONIZE" -u nobody -o "$T/sticky/own.log" "$T/userdir/probe" -r "$T/userdir/rep"
	wait_report "$T/userdir/rep"
	touch "$T/sticky/root.log"
	run -0 "$DAEMONIZE" -o "$T/sticky/root.log" "$PROBE" -x 0
}

# Man page, SECURITY CONSIDERATIONS: "refuses to run when installed setuid
# or setgid (exit status 77)"; start.bats covers setuid.
@test "77: refuses to run installed setgid" {
	# Set-id, an ASan build ignores ASAN_OPTIONS (secure mode) and its
	# leak checker, which cannot stop a non-dumpable process, exits 1.
	! grep -q __asan_init "$DAEMONIZE" ||
	    skip "an ASan build cannot run set-group-ID as nobody"
	cp "$DAEMONIZE" "$T/daemonize"
	chgrp root "$T/daemonize"
	chmod 2755 "$T/daemonize"
	run -77 --separate-stderr setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$T/daemonize" -p "$T/userdir/pid" "$PROBE"
	[ "$stderr" = "daemonize: run daemonize: refusing to run setuid or setgid" ]
	[ ! -e "$T/userdir/pid" ]
}

# Man page, SECURITY CONSIDERATIONS: a link is followed only while every
# directory passed "can be changed by root alone: owned by root and not
# writable by group or others, or a root-owned sticky directory such as
# /tmp whose entry (the link, or the next directory) is root's".
@test "73: a root's link in a group-writable directory, and a user's link in a 1777 one, are refused" {
	mkdir "$T/real" "$T/gw" "$T/sticky"
	chmod 775 "$T/gw"
	chmod 1777 "$T/sticky"
	ln -s "$T/real" "$T/gw/link"
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" -o "$T/gw/link/out" "$PROBE"
	[ "$stderr" = "daemonize: open stdout $T/gw/link/out: refusing the symbolic link $T/gw/link (a user other than root could have planted it)" ]
	ln -s "$T/real" "$T/sticky/users"
	chown -h nobody "$T/sticky/users"
	run -73 --separate-stderr "$DAEMONIZE" -p "$T/pid" -e "$T/sticky/users/err" "$PROBE"
	[ "$stderr" = "daemonize: open stderr $T/sticky/users/err: refusing the symbolic link $T/sticky/users (a user other than root could have planted it)" ]
	[ -z "$(ls -A "$T/real")" ]
	[ ! -e "$T/pid" ]
	# Root's own link in the sticky directory is followed.
	ln -s "$T/real" "$T/sticky/roots"
	run -0 "$DAEMONIZE" -p "$T/pid" -o "$T/sticky/roots/out" "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	[ -f "$T/real/out" ]
}

# Man page, SECURITY CONSIDERATIONS: on an untrusted path "a symbolic link as
# the file itself, a file with more than one hard link and a file that is
# not a regular file ... are refused with exit status 73 (66 for -i, except
# for a symbolic link)".
@test "-u nobody, -i planted in the user's directory: a hard link or a directory is 66, a symlink 73" {
	local kind code
	for kind in hardlink directory symlink; do
		rm -rf "$T/userdir/in"
		plant "$kind" "$T/userdir/in"
		code=66
		[ "$kind" = symlink ] && code=73
		run "-$code" --separate-stderr "$DAEMONIZE" -u nobody -p "$T/pid" \
		    -i "$T/userdir/in" "$PROBE" -r "$T/rep"
		[ "$stderr" = "daemonize: open stdin $T/userdir/in: $(reason "$kind")" ]
		untouched "$kind" "$T/userdir/in"
		[ ! -e "$T/pid" ] && [ ! -e "$T/rep" ]
	done
}
