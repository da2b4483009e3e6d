#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
#
# Real servers under daemonize, beyond our probe: each is started, asked to
# serve, queried and signalled through daemonize, stopped, and checked to
# have left nothing behind (no process of its session, no pidfile, no
# listening port). Servers only listen on 127.0.0.1. A missing package is
# a skip, not a failure.

load helpers

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port()
{
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Whether something accepts connections on 127.0.0.1:PORT.
listening()
{
	(exec 5<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

not_listening()
{
	! listening "$1"
}

# start_server PIDFILE ARGS...: daemonize ARGS, expect 0, and remember the
# daemon (pid in DAEMON_PID, session in DAEMON_SID).
start_server()
{
	local pidfile=$1
	shift
	run -0 --separate-stderr nofd3 "$DAEMONIZE" --pidfile="$pidfile" "$@"
	[ -z "$stderr" ]
	read -r DAEMON_PID <"$pidfile"
	track_pid "$DAEMON_PID"
	is_alive "$DAEMON_PID"
	DAEMON_SID=$(sid_of "$DAEMON_PID")
	[ "$DAEMON_SID" != "$(sid_of $$)" ]
}

# stop_server PIDFILE PORT: daemonize --stop, then nothing is left: no
# process in the daemon's session, no pidfile, no listener on PORT.
stop_server()
{
	run -0 "$DAEMONIZE" --pidfile="$1" --stop
	is_dead "$DAEMON_PID"
	wait_for 5 session_empty "$DAEMON_SID"
	[ ! -e "$1" ]
	not_listening "$2"
	run -3 "$DAEMONIZE" --pidfile="$1" --status
}

# ---------------------------------------------------------------------------
# python3 -m http.server

@test "python3 -m http.server: start, serve, query, signal, stop" {
	local python
	python=$(command -v /usr/bin/python3 python3 | head -n 1)
	[ -n "$python" ] || skip "no python3"
	command -v curl >/dev/null || skip "no curl"
	mkdir "$T/www"
	echo "hello from daemonize $$" >"$T/www/index.html"
	local port
	port=$(free_port)

	start_server "$T/http.pid" --stdout="$T/http.log" \
	    --stderr="$T/http.log" --chdir="$T/www" \
	    -- "$python" -m http.server --bind 127.0.0.1 "$port"
	wait_for 10 listening "$port"
	[[ $(cat "/proc/$DAEMON_PID/comm") == python* ]]

	run -0 curl -sS --max-time 5 "http://127.0.0.1:$port/index.html"
	[ "$output" = "hello from daemonize $$" ]
	# The request was logged to the --stderr file.
	wait_for 5 grep -q '"GET /index.html HTTP/1.1" 200' "$T/http.log"

	run -0 "$DAEMONIZE" --verbose --pidfile="$T/http.pid" --status
	[[ $output == "running as pid $DAEMON_PID, up "*", user "*": "*" -m http.server "* ]]
	run -0 "$DAEMONIZE" --pidfile="$T/http.pid" --signal=0
	# SIGINT: Python raises KeyboardInterrupt and http.server exits.
	run -0 "$DAEMONIZE" --pidfile="$T/http.pid" --signal=INT
	wait_for 10 is_dead "$DAEMON_PID"
	run -1 "$DAEMONIZE" --pidfile="$T/http.pid" --status
	run -0 "$DAEMONIZE" --pidfile="$T/http.pid" --stop
	[ ! -e "$T/http.pid" ]
	not_listening "$port"

	# Again, and this time stopped by daemonize --stop.
	start_server "$T/http.pid" --stdout="$T/http.log" \
	    --stderr="$T/http.log" --chdir="$T/www" \
	    -- "$python" -m http.server --bind 127.0.0.1 "$port"
	wait_for 10 listening "$port"
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$port/"
	stop_server "$T/http.pid" "$port"
}

# ---------------------------------------------------------------------------
# redis-server, in its foreground mode, as an unprivileged user

# The user to run servers as: redis if the package made it, else nobody.
server_user()
{
	if getent passwd redis >/dev/null; then
		echo redis
	else
		echo nobody
	fi
}

@test "redis-server --daemonize no: -u user, serve, status, signal, stop" {
	command -v redis-server >/dev/null || skip "no redis-server"
	command -v redis-cli >/dev/null || skip "no redis-cli"
	command -v python3 >/dev/null || skip "no python3"
	require_root "for -u"
	local user port
	user=$(server_user)
	port=$(free_port)

	# No config file: nothing saved, nothing written but the log, which
	# goes to stdout (logfile "") and so to the --stdout file.
	start_server "$T/redis.pid" --user="$user" \
	    --stdout="$T/redis.log" --stderr="$T/redis.log" \
	    -- redis-server --port "$port" --bind 127.0.0.1 --daemonize no \
	    --save "" --appendonly no --logfile ""
	wait_for 10 listening "$port"
	[ "$(ps -o user= -p "$DAEMON_PID" | tr -d ' ')" = "$user" ]
	[ "$(cat "/proc/$DAEMON_PID/comm")" = redis-server ]
	# The pidfile stays root's (never chowned to -u).
	[ "$(stat -c %U "$T/redis.pid")" = "$(id -un)" ]

	# It serves.
	run -0 redis-cli -p "$port" ping
	[ "$output" = PONG ]
	run -0 redis-cli -p "$port" set daemonize works
	run -0 redis-cli -p "$port" get daemonize
	[ "$output" = works ]

	# Query and signal through daemonize.
	run -0 "$DAEMONIZE" --verbose --pidfile="$T/redis.pid" --status
	[[ $output == "running as pid $DAEMON_PID, up "*", user "*": redis-server "* ]]
	run -0 "$DAEMONIZE" --pidfile="$T/redis.pid" --signal=0
	# redis ignores SIGHUP: still serving, same process.
	run -0 "$DAEMONIZE" --pidfile="$T/redis.pid" --signal=HUP
	run -0 redis-cli -p "$port" ping
	[ "$output" = PONG ]
	is_alive "$DAEMON_PID"
	run -64 "$DAEMONIZE" --pidfile="$T/redis.pid" --signal=NOSUCHSIG

	# --stop sends SIGTERM: redis shuts down cleanly and says so.
	stop_server "$T/redis.pid" "$port"
	grep -q "Redis is now ready to exit" "$T/redis.log"
	run -3 "$DAEMONIZE" --pidfile="$T/redis.pid" --signal=0
}

@test "redis-server: a second start on the same pidfile is refused (75)" {
	command -v redis-server >/dev/null || skip "no redis-server"
	command -v python3 >/dev/null || skip "no python3"
	local port
	port=$(free_port)
	start_server "$T/redis.pid" \
	    -- redis-server --port "$port" --bind 127.0.0.1 --daemonize no \
	    --save "" --appendonly no --logfile ""
	wait_for 10 listening "$port"

	run -75 --separate-stderr nofd3 "$DAEMONIZE" --pidfile="$T/redis.pid" \
	    -- redis-server --port "$port" --bind 127.0.0.1 --daemonize no \
	    --save "" --appendonly no --logfile ""
	[ "$stderr" = "daemonize: $T/redis.pid: already running as pid $DAEMON_PID" ]
	[ "$(session_members "$DAEMON_SID")" = "$DAEMON_PID" ]
	run -0 nofd3 "$DAEMONIZE" --oknodo --pidfile="$T/redis.pid" \
	    -- redis-server --port "$port" --bind 127.0.0.1 --daemonize no \
	    --save "" --appendonly no --logfile ""
	[ "$(cat "$T/redis.pid")" = "$DAEMON_PID" ]

	stop_server "$T/redis.pid" "$port"
}

# ---------------------------------------------------------------------------
# memcached, in its (default) foreground mode, as an unprivileged user

# memcached_version PORT: ask the server for its version over the text
# protocol.
memcached_version()
{
	local reply
	exec 5<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'version\r\n' >&5
	read -r -t 5 reply <&5
	exec 5>&-
	reply=${reply%$'\r'}
	echo "$reply"
}

@test "memcached: -u nobody, serve, status, signal, stop" {
	command -v memcached >/dev/null || skip "no memcached"
	command -v python3 >/dev/null || skip "no python3"
	require_root "for -u"
	local port
	port=$(free_port)
	start_server "$T/memcached.pid" --user=nobody \
	    --stdout="$T/memcached.log" --stderr="$T/memcached.log" \
	    -- memcached -l 127.0.0.1 -p "$port" -U 0 -m 16
	wait_for 10 listening "$port"
	[ "$(ps -o user= -p "$DAEMON_PID" | tr -d ' ')" = nobody ]

	run -0 memcached_version "$port"
	[[ $output == "VERSION "* ]]

	run -0 "$DAEMONIZE" --pidfile="$T/memcached.pid" --status
	run -0 "$DAEMONIZE" --pidfile="$T/memcached.pid" --signal=0
	stop_server "$T/memcached.pid" "$port"
}
