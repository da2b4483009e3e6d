#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The static binary (configure --enable-static-binary; make check builds
# it as tests/daemonize-static): no dynamic loader, and -u and -g resolve
# from /etc/passwd and /etc/group even where nsswitch.conf names NSS
# modules that are not there.  The user database is swapped in a private
# mount namespace, so the host's files are never touched.

load helpers

setup() {
	[ -x "${DAEMONIZE_STATIC-}" ] ||
	    skip "no static daemonize: this toolchain cannot link one"
	# Named daemonize, as installed: messages start with argv[0].
	mkdir "$T/bin"
	ln -s "$DAEMONIZE_STATIC" "$T/bin/daemonize"
	DZS=$T/bin/daemonize
}

# in_userdb COMMAND...: run COMMAND in a mount namespace where /etc/passwd,
# /etc/group and /etc/nsswitch.conf are the test's own.
in_userdb() {
	unshare --mount --propagation private sh -c '
		for f in passwd group nsswitch.conf; do
			mount --bind "$0/$f" "/etc/$f" || exit 99
		done
		exec "$@"' "$T/etc" "$@"
}

# A user and groups that exist only in the test's files, and an
# nsswitch.conf naming modules no system has.
make_userdb() {
	require_root
	unshare --mount true 2>/dev/null ||
	    skip "no mount namespaces here (unshare --mount failed)"
	reachable_by_all
	mkdir "$T/etc" "$T/out"
	cp "$PROBE" "$T/probe"
	chmod 755 "$T/probe"
	cat /etc/passwd - >"$T/etc/passwd" <<-EOF
	dzstatic:x:4242:4343:static test:/home/dzstatic:/bin/dzsh
	EOF
	cat /etc/group - >"$T/etc/group" <<-EOF
	dzmain:x:4343:
	dzone:x:4344:someone,dzstatic
	dzother:x:4345:someone
	dztwo:x:4346:dzstatic
	EOF
	printf '%s\n' 'passwd: nosuchmodule' 'group: nosuchmodule' \
	    'shadow: nosuchmodule' >"$T/etc/nsswitch.conf"
	chown 4242 "$T/out"
}

@test "the static binary needs no dynamic loader" {
	command -v readelf >/dev/null || skip "readelf is not installed"
	run -0 readelf -l "$DAEMONIZE_STATIC"
	[[ $output != *INTERP* ]]
	run -0 --separate-stderr "$DZS" -p "$T/pid" "$PROBE" \
	    -r "$T/rep"
	[ "$stderr" = "" ]
	wait_report "$T/rep"
	[ "$(lock_holder "$T/pid")" = "$(probe_val "$T/rep" pid)" ]
}

@test "static -u: user, primary and supplementary groups from the files, whatever nsswitch.conf says" {
	make_userdb
	# The C library follows that nsswitch.conf: it finds no one.
	run -2 in_userdb getent passwd dzstatic
	run -2 in_userdb getent passwd root
	run -0 --separate-stderr in_userdb "$DZS" -u dzstatic \
	    -p "$T/pid" "$T/probe" -r "$T/out/rep"
	[ "$stderr" = "" ]
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" uid)" = 4242 ]
	[ "$(probe_val "$T/out/rep" euid)" = 4242 ]
	[ "$(probe_val "$T/out/rep" gid)" = 4343 ]
	[ "$(probe_val "$T/out/rep" groups)" = 4343,4344,4346 ]
	grep -qx "env:HOME=/home/dzstatic" "$T/out/rep"
	grep -qx "env:USER=dzstatic" "$T/out/rep"
	grep -qx "env:SHELL=/bin/dzsh" "$T/out/rep"
}

@test "static -u USER:GROUP, -g alone and -u by number use the files too" {
	make_userdb
	run -0 in_userdb "$DZS" -u dzstatic:dztwo "$T/probe" \
	    -r "$T/out/rep"
	wait_report "$T/out/rep"
	[ "$(probe_val "$T/out/rep" uid)" = 4242 ]
	[ "$(probe_val "$T/out/rep" groups)" = 4346 ]
	run -0 in_userdb "$DZS" -g dzother "$T/probe" \
	    -r "$T/rep"
	wait_report "$T/rep"
	[ "$(probe_val "$T/rep" uid)" = 0 ]
	[ "$(probe_val "$T/rep" gid)" = 4345 ]
	run -0 in_userdb "$DZS" -u 4242 "$T/probe" \
	    -r "$T/out/rep2"
	wait_report "$T/out/rep2"
	[ "$(probe_val "$T/out/rep2" uid)" = 4242 ]
	grep -qx "env:USER=dzstatic" "$T/out/rep2"
}

@test "static: an unknown user or group is still exit 67, nothing started" {
	make_userdb
	run -67 --separate-stderr in_userdb "$DZS" -u nosuch \
	    -p "$T/pid" "$T/probe" -r "$T/rep"
	[ "$stderr" = "daemonize: find user nosuch: no such user" ]
	run -67 --separate-stderr in_userdb "$DZS" -g nosuch \
	    -p "$T/pid" "$T/probe" -r "$T/rep"
	[ "$stderr" = "daemonize: find group nosuch: no such group" ]
	[ ! -e "$T/pid" ]
	[ ! -e "$T/rep" ]
}
