#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Named instances (--name), --list, --format=json, --status -v, --env-file.

load helpers

# Root's run directory is the machine's /run/daemonize: root tests use a
# name of their own and look only at their own lines.  Tests of --list run
# as nobody, with a private $XDG_RUNTIME_DIR.
setup() {
	N=t$$-$BATS_TEST_NUMBER
}

teardown() {
	stop_tracked
	rm -f "/run/daemonize/$N.pid" "/run/daemonize/$N.pid.state" \
	    "/run/daemonize/$N-b.pid"
}

# A run directory for nobody, and a way to run daemonize as nobody in it.
nobody_setup() {
	require_root
	reachable_by_all
	X=$T/xdg
	mkdir -m 0700 "$X"
	chown nobody:nogroup "$X"
}

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    env XDG_RUNTIME_DIR="$X" "$DAEMONIZE" "$@"
}

# json_get JSON EXPR: evaluate a Python expression over the parsed JSON j.
json_get() {
	"$PY" -c 'import json, sys; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

@test "--name: start, --status, --signal, --restart, --oknodo, --stop" {
	require_root
	run -0 --separate-stderr nofd3 "$DAEMONIZE" --name "$N" -- sleep 1000
	[ "$stderr" = "" ]
	P=/run/daemonize/$N.pid
	track_pidfile "$P"
	pid=$(cat "$P")
	[ "$(lock_holder "$P")" = "$pid" ]
	[ "$(stat -c %U:%a /run/daemonize)" = root:755 ]
	run -0 "$DAEMONIZE" --name "$N" --status
	run -0 "$DAEMONIZE" --name "$N" --signal 0
	run -75 --separate-stderr "$DAEMONIZE" --name "$N" -- sleep 1000
	[ "$stderr" = "daemonize: $P: already running as pid $pid" ]
	run -0 --separate-stderr nofd3 "$DAEMONIZE" --name "$N" --oknodo -- sleep 1000
	[ "$(cat "$P")" = "$pid" ]
	run -0 nofd3 "$DAEMONIZE" --name "$N" --restart -- sleep 1001
	track_pidfile "$P"
	is_dead "$pid"
	[ "$(cat "$P")" != "$pid" ]
	run -0 "$DAEMONIZE" --name "$N" --stop
	[ ! -e "$P" ]
	run -3 "$DAEMONIZE" --name "$N" --status
	run -3 "$DAEMONIZE" --name "$N" --signal 0
}

@test "--name with --respawn and --wait-ready" {
	require_root
	run -0 --separate-stderr nofd3 "$DAEMONIZE" --name "$N" --respawn \
	    --wait-ready=10 -- "$PROBE" -N READY=1
	P=/run/daemonize/$N.pid
	track_pidfile "$P"
	run -0 "$DAEMONIZE" --name "$N" --status --format=json
	[ "$(json_get "$output" 'j["supervised"]')" = True ]
	run -0 "$DAEMONIZE" --name "$N" --stop
	[ ! -e "$P" ]
	[ ! -e "$P.state" ]
}

@test "--name: bad names and --name with -p are 64" {
	run -64 --separate-stderr "$DAEMONIZE" --name x -p "$T/pid" -- true
	[ "$stderr" = "daemonize: parse --name: not with -p (the name is the pidfile RUNDIR/NAME.pid)" ]
	run -64 --separate-stderr "$DAEMONIZE" --name .hidden --status
	[ "$stderr" = "daemonize: parse --name=.hidden: a name may not start with '.'" ]
	run -64 --separate-stderr "$DAEMONIZE" --name a/b --stop
	[ "$stderr" = "daemonize: parse --name=a/b: a name may only use A-Z a-z 0-9 _ . @ -" ]
	run -64 --separate-stderr "$DAEMONIZE" --name= --status
	[ "$stderr" = "daemonize: parse --name=: a name is 1 to 64 characters" ]
	run -64 "$DAEMONIZE" --name "$(printf 'a%.0s' {1..65})" --status
	run -3 "$DAEMONIZE" --name "$(printf 'a%.0s' {1..64})" --status
	run -64 --separate-stderr "$DAEMONIZE" --list --name x
	[ "$stderr" = "daemonize: parse --list: lists every named instance; not with -p or --name" ]
	run -64 --separate-stderr "$DAEMONIZE" --name x --stop --format=json
	[ "$stderr" = "daemonize: parse --format: only with --status and --list" ]
	run -64 --separate-stderr "$DAEMONIZE" --list --format=xml
	[ "$stderr" = "daemonize: parse --format=xml: not json or text" ]
}

@test "RUNDIR for a user: \$XDG_RUNTIME_DIR/daemonize, 0700, 64 when unset" {
	nobody_setup
	run -0 --separate-stderr nofd3 as_nobody --name web -- sleep 1000
	track_pidfile "$X/daemonize/web.pid"
	[ "$(stat -c %U:%a "$X/daemonize")" = nobody:700 ]
	[ -s "$X/daemonize/web.pid" ]
	run -0 as_nobody --name web --stop
	run -64 --separate-stderr setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups env -u XDG_RUNTIME_DIR "$DAEMONIZE" --name web -- sleep 1000
	[ "$stderr" = "daemonize: parse --name: XDG_RUNTIME_DIR is not set; a user's instances live in \$XDG_RUNTIME_DIR/daemonize" ]
}

@test "RUNDIR with the wrong owner or mode, or a symlink, is refused (73)" {
	nobody_setup
	mkdir -m 0755 "$X/daemonize"
	chown nobody "$X/daemonize"
	run -73 --separate-stderr as_nobody --name web -- sleep 1000
	[ "$stderr" = "daemonize: check $X/daemonize: mode 0755 is open to others (want 0700)" ]
	run -73 as_nobody --name web --status
	run -73 as_nobody --list
	chmod 0700 "$X/daemonize"
	chown root "$X/daemonize"
	run -73 --separate-stderr as_nobody --name web -- sleep 1000
	[ "$stderr" = "daemonize: check $X/daemonize: owned by uid 0, not by uid $(id -u nobody)" ]
	rmdir "$X/daemonize"
	mkdir -m 0700 "$X/elsewhere"
	chown nobody "$X/elsewhere"
	ln -s elsewhere "$X/daemonize"
	run -73 --separate-stderr as_nobody --name web -- sleep 1000
	[ "$stderr" = "daemonize: check $X/daemonize: refusing a symbolic link" ]
	[ -z "$(ls "$X/elsewhere")" ]
}

@test "--list: zero, one, several instances and a stale one, text and JSON" {
	nobody_setup
	run -0 --separate-stderr as_nobody --list
	[ "$output" = "" ]
	run -0 as_nobody --list --format=json
	[ "$(json_get "$output" 'j')" = "[]" ]

	run -0 nofd3 as_nobody --name web -- sleep 1000
	track_pidfile "$X/daemonize/web.pid"
	web=$(cat "$X/daemonize/web.pid")
	run -0 --separate-stderr as_nobody --list
	[[ $output =~ ^"web $web running "[0-9]+s" sleep 1000"$ ]]

	run -0 nofd3 as_nobody --name db.1@x -- sleep 1001
	track_pidfile "$X/daemonize/db.1@x.pid"
	db=$(cat "$X/daemonize/db.1@x.pid")
	echo 99999 >"$X/daemonize/old.pid"
	chown nobody "$X/daemonize/old.pid"
	run -0 --separate-stderr as_nobody --list
	[ "${#lines[@]}" = 3 ]
	[[ ${lines[0]} =~ ^"db.1@x $db running "+[0-9]+s" sleep 1001"$ ]]
	[[ ${lines[1]} =~ ^"old "+"- stale "+"- -"$ ]]
	[[ ${lines[2]} =~ ^"web    "" "*"$web running "+[0-9]+s" sleep 1000"$ ]]
	# Aligned: the STATE column starts at the same offset on every line.
	[ "$(awk '{print index($0, $3)}' <<<"$output" | sort -u | wc -l)" = 1 ]
	[ "$(awk '{print $1}' <<<"$output" | tr '\n' ' ')" = "db.1@x old web " ]

	run -0 as_nobody --list --format=json
	[ "$(json_get "$output" '[(o["name"], o["running"], o["pid"]) for o in j]')" = \
	    "[('db.1@x', True, $db), ('old', False, None), ('web', True, $web)]" ]
}

@test "--list: 4 when RUNDIR cannot be read; 0 when it does not exist" {
	nobody_setup
	run -0 --separate-stderr as_nobody --list
	[ "$output" = "" ]
	[ ! -e "$X/daemonize" ]
	mkdir -m 0300 "$X/daemonize"
	chown nobody "$X/daemonize"
	run -4 --separate-stderr as_nobody --list
	[ "$stderr" = "daemonize: list $X/daemonize: Permission denied" ]
}

@test "--status --format=json: every key, with its type" {
	require_root
	run -0 nofd3 "$DAEMONIZE" --name "$N" -- sleep 1000
	P=/run/daemonize/$N.pid
	track_pidfile "$P"
	run -0 --separate-stderr "$DAEMONIZE" --name "$N" --status --format=json
	[ "$stderr" = "" ]
	run -0 "$PY" - "$output" "$N" "$P" "$(cat "$P")" <<'PY'
import json, re, sys
j = json.loads(sys.argv[1])
assert list(j) == ["name", "pidfile", "running", "pid", "started", "user",
    "command", "supervised", "child_pid", "restarts", "last_exit"], list(j)
assert j["name"] == sys.argv[2] and j["pidfile"] == sys.argv[3]
assert j["running"] is True and j["pid"] == int(sys.argv[4])
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j["started"])
assert j["user"] == "root" and j["command"] == ["sleep", "1000"]
assert j["supervised"] is False
assert j["child_pid"] is None and j["restarts"] is None
assert j["last_exit"] is None
PY
	run -0 "$DAEMONIZE" --name "$N" --stop
	run -3 --separate-stderr "$DAEMONIZE" --name "$N" --status --format=json
	[ "$(json_get "$output" '(j["running"], j["pid"], j["command"], j["supervised"])')" = \
	    "(False, None, None, False)" ]
	# -p works too, with a null name.
	run -3 "$DAEMONIZE" -p "$T/pid" --status --format=json
	[ "$(json_get "$output" '(j["name"], j["pidfile"])')" = "(None, '$T/pid')" ]
}

@test "JSON of a hostile argv: quotes, backslashes, controls, invalid UTF-8" {
	run -0 nofd3 "$DAEMONIZE" -p "$T/pid" -- sh -c 'sleep 1000; :' \
	    'q"uote' 'back\slash' $'new\nline' $'\x01\x1b[31m\x7f' $'\xff\xc3' \
	    $'\xc3\xa9t\xc3\xa9' $'\xed\xa0\x80' $'\xc2\x9b'
	track_pidfile "$T/pid"
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status --format=json
	run -0 "$PY" - "$output" <<'PY'
import json, sys
# No control character and no invalid byte reaches the output itself.
assert all(0x20 <= ord(c) < 0x7f or 0xa0 <= ord(c) < 0xd800
    for c in sys.argv[1]), ascii(sys.argv[1])
j = json.loads(sys.argv[1])
assert j["command"] == ["sh", "-c", "sleep 1000; :", 'q"uote', "back\\slash",
    "new\nline", "\x01\x1b[31m\x7f", "\ufffd\ufffd", "\u00e9t\u00e9",
    "\ufffd\ufffd\ufffd", "\u009b"], j["command"]
PY
	# The human line escapes them too: nothing a terminal would act on.
	run -0 "$DAEMONIZE" -p "$T/pid" --status -v
	[[ $output == *'q"uote back\\slash new\nline \001\033[31m\177 \377\303 '* ]]
	# The whole job: teardown's TERM to sh alone would leave its sleep.
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
}

@test "restarts and last_exit after a child that exits 1 twice" {
	run -0 nofd3 "$DAEMONIZE" -p "$T/pid" --respawn --respawn-delay=0 -- sh -c \
	    'n=$(cat "$0" 2>/dev/null || echo 0); echo $((n + 1)) >"$0"
	     [ "$n" -ge 2 ] && exec sleep 1000; exit 1' "$T/count"
	track_pidfile "$T/pid"
	sup=$(cat "$T/pid")
	wait_for 10 grep -qx 3 "$T/count"
	wait_for 10 sh -c '"$DAEMONIZE" -p "$0/pid" --status --format=json | grep -q "\"child_pid\":[0-9]"' "$T"
	child=$(pgrep -P "$sup" sleep)
	run -0 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status --format=json
	[ "$(json_get "$output" '(j["pid"], j["supervised"], j["child_pid"], j["restarts"], j["last_exit"], j["command"][0])')" = \
	    "($sup, True, $child, 2, 'exited 1', 'sh')" ]
	run -0 "$DAEMONIZE" -p "$T/pid" --status -v
	[[ $output =~ ^"running as pid $sup (supervising $child, 2 restarts, last: exited 1), up "[0-9]+s", user root: sh -c " ]]
	[ "$(stat -c %U:%a "$T/pid.state")" = root:644 ]
	run -0 "$DAEMONIZE" -p "$T/pid" --stop
	[ ! -e "$T/pid.state" ]
}

@test "the state file is trusted only from the lock holder's user" {
	nobody_setup
	run -0 nofd3 "$DAEMONIZE" -p "$T/pid" -- sleep 1000
	track_pidfile "$T/pid"
	pid=$(cat "$T/pid")
	# A forged state file: another owner, or naming another supervisor.
	printf 'supervisor %s\nchild 1\nrestarts 9\nlast_exit x\nuser evil\nargv\nevil\0' \
	    "$pid" >"$T/pid.state"
	chown nobody "$T/pid.state"
	run -0 "$DAEMONIZE" -p "$T/pid" --status --format=json
	[ "$(json_get "$output" '(j["supervised"], j["command"])')" = "(False, ['sleep', '1000'])" ]
	chown root "$T/pid.state"
	chmod 666 "$T/pid.state"
	run -0 "$DAEMONIZE" -p "$T/pid" --status --format=json
	[ "$(json_get "$output" 'j["supervised"]')" = False ]
	chmod 644 "$T/pid.state"
	run -0 "$DAEMONIZE" -p "$T/pid" --status --format=json
	[ "$(json_get "$output" '(j["supervised"], j["restarts"])')" = "(True, 9)" ]
	sed -i "s/^supervisor .*/supervisor 1/" "$T/pid.state"
	run -0 "$DAEMONIZE" -p "$T/pid" --status --format=json
	[ "$(json_get "$output" 'j["supervised"]')" = False ]
}

@test "--env-file: comments, blank lines, literal values, before -E" {
	printf '%s\n' '# a comment' '' '   ' '  # indented comment' \
	    'A=1' 'B=two words "quoted" $HOME' 'C=' 'D=from file' >"$T/env"
	run -0 nofd3 "$DAEMONIZE" --env-file "$T/env" -E D=from-E -- "$PROBE" -r "$T/rep"
	wait_report "$T/rep"
	grep -qx 'env:A=1' "$T/rep"
	grep -qxF 'env:B=two words "quoted" $HOME' "$T/rep"
	grep -qx 'env:C=' "$T/rep"
	grep -qx 'env:D=from-E' "$T/rep"
}

@test "--env-file: a malformed line is 64 naming it; a missing file 66" {
	printf 'A=1\n\nexport B=2\n' >"$T/env"
	run -64 --separate-stderr "$DAEMONIZE" --env-file "$T/env" -- true
	[ "$stderr" = "daemonize: parse --env-file $T/env: line 3: not NAME=VALUE (NAME: letters, digits and '_', not starting with a digit)" ]
	printf '1A=1\n' >"$T/env"
	run -64 "$DAEMONIZE" --env-file "$T/env" -- true
	printf 'NOEQUALS\n' >"$T/env"
	run -64 "$DAEMONIZE" --env-file "$T/env" -- true
	run -66 --separate-stderr "$DAEMONIZE" --env-file "$T/missing" -- true
	[ "$stderr" = "daemonize: read --env-file $T/missing: No such file or directory" ]
	run -66 --separate-stderr "$DAEMONIZE" --env-file "$T" -- true
	[ "$stderr" = "daemonize: read --env-file $T: Is a directory" ]
	run -64 --separate-stderr "$DAEMONIZE" -p "$T/pid" --status --env-file "$T/env"
	[ "$stderr" = "daemonize: parse --env-file: a start option; --stop, --status and --signal take only -p or --name, -v, --format, --retry and --kill-mode" ]
}
