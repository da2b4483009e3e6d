#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
#
# The zsh and fish completions (contrib/zsh/_daemonize,
# contrib/fish/daemonize.fish), asked through the real shells' completion
# systems as a user's TAB asks them: each test states the exact candidates.
# (The bash completion is tested in contrib.bats.)  No daemon is started.

load helpers

CONTRIB=$BATS_TEST_DIRNAME/../contrib

# zsh_complete LINE: the candidates zsh's completion system (compinit)
# offers for LINE, the cursor at its end, one a line, sorted.  An
# interactive zsh runs in a pseudo-terminal (zsh/zpty); compadd is wrapped
# to print what it is given; the first completion ends the shell.
zsh_complete()
{
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -fc 'zmodload zsh/zpty && zpty z true' 2>/dev/null ||
	    skip "zsh's zpty gets no pseudo-terminal here (no /dev/pts?)"
	[ -f "$T/setup.zsh" ] || {
		cat >"$T/setup.zsh" <<-'EOF'
		PS1='' PROMPT_EOL_MARK=''
		fpath=($1 $fpath)
		autoload -Uz compinit && compinit -u -D
		zstyle ':completion:*' insert-tab false
		compprefuncs=( _c_begin ); comppostfuncs=( _c_end )
		_c_begin() { print -r -- '<<BEG''IN>>' }
		_c_end() { print -r -- '<<EN''D>>'; exit }
		compadd() {
			if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
				builtin compadd "$@"; return $?
			fi
			local -a __hits
			builtin compadd -A __hits "$@"
			local h
			for h in $__hits; do print -r -- "<<HI""T>>$h"; done
			builtin compadd "$@"
		}
		bindkey '^I' complete-word
		bindkey '^M' undefined-key
		bindkey '^J' undefined-key
		EOF
		cat >"$T/complete.zsh" <<-'EOF'
		zmodload zsh/zpty || exit 2
		zpty z zsh -f -i
		zpty -w z "source ${(q)1} ${(q)2}"
		zpty -w -n z "$3"$'\t'
		out=
		while zpty -r z chunk; do
			out+=$chunk
			[[ $out == *'<<END>>'* ]] && break
		done
		zpty -d z
		[[ $out == *'<<BEGIN>>'*'<<END>>'* ]] || exit 3
		print -r -- "${out//$'\r'/}" | sed -n 's/^<<HIT>>//p' |
		    LC_ALL=C sort -u
		EOF
	}
	# A completion that never ends is a failure, not a hang.  AS: a
	# command (setpriv ...) to run zsh under, and ZSH_DIR: where it finds
	# _daemonize.
	run -0 --separate-stderr "${AS[@]}" timeout 30 zsh -f "$T/complete.zsh" \
	    "$T/setup.zsh" "${ZSH_DIR:-$CONTRIB/zsh}" "$1"
	REPLY_WORDS=$output
}

# fish_complete LINE: the candidates fish offers for LINE (complete -C),
# without their descriptions, sorted.  The completion file is found in
# fish_complete_path, as installed, not sourced; a scratch HOME keeps the
# user's own fish configuration out.  fish completes only a command it
# finds in PATH, so $DAEMONIZE is put there as daemonize (whether or not
# the system has one).
fish_complete()
{
	command -v fish >/dev/null || skip "fish is not installed"
	mkdir -p "$T/home" "$T/bin"
	ln -sf "$DAEMONIZE" "$T/bin/daemonize"
	run -0 --separate-stderr env HOME="$T/home" PATH="$T/bin:$PATH" \
	    XDG_CONFIG_HOME="$T/home/.config" XDG_DATA_HOME="$T/home/.local" \
	    timeout 30 fish -c \
	    'set -p fish_complete_path $argv[1]; complete -C $argv[2]' \
	    "$CONTRIB/fish" "$1"
	REPLY_WORDS=$(cut -f1 <<<"$output" | LC_ALL=C sort -u)
}

sorted()
{
	printf '%s\n' "$@" | LC_ALL=C sort -u
}

# The options daemonize --help lists, one a line.
help_options()
{
	run -0 "$DAEMONIZE" --help
	grep -oE -- '(^|[ ,[])--?[a-zA-Z][a-z-]*' <<<"$output" |
	    sed 's/^[ ,[]//' | LC_ALL=C sort -u
}

@test "zsh: every option of daemonize --help is offered, and only those" {
	zsh_complete "daemonize -"
	# zsh adds "-", the start of an option cluster.
	[ "$(grep -vx -- - <<<"$REPLY_WORDS")" = "$(help_options)" ]
}

@test "fish: every option of daemonize --help is offered, and only those" {
	fish_complete "daemonize -"
	[ "$REPLY_WORDS" = "$(help_options)" ]
}

# prefix_cases COMPLETE: long options by prefix, after options too.
prefix_cases()
{
	$1 "daemonize --re"
	[ "$REPLY_WORDS" = "$(sorted --respawn --respawn-delay --respawn-max \
	    --restart --retry)" ]
	$1 "daemonize -p x.pid --st"
	[ "$REPLY_WORDS" = "$(sorted --status --stderr --stdin --stdout \
	    --stop)" ]
	$1 "daemonize -wv --kil"
	[ "$REPLY_WORDS" = --kill-mode ]
}

@test "zsh: long options by prefix" {
	prefix_cases zsh_complete
}

@test "fish: long options by prefix" {
	prefix_cases fish_complete
}

@test "zsh: option values: signals, modes, formats, facilities, users, limits" {
	zsh_complete "daemonize -p x.pid --signal=HU"
	[ "$REPLY_WORDS" = HUP ]
	zsh_complete "daemonize -p x.pid --signal US"
	[ "$REPLY_WORDS" = "$(sorted USR1 USR2)" ]
	zsh_complete "daemonize -p x.pid --stop --kill-mode="
	[ "$REPLY_WORDS" = "$(sorted control-group mixed)" ]
	zsh_complete "daemonize --list --format "
	[ "$REPLY_WORDS" = "$(sorted json text)" ]
	zsh_complete "daemonize --respawn="
	[ "$REPLY_WORDS" = "$(sorted always failure)" ]
	zsh_complete "daemonize --syslog=loc"
	[ "$REPLY_WORDS" = "$(sorted local0 local1 local2 local3 local4 local5 \
	    local6 local7)" ]
	zsh_complete "daemonize --syslog=daemon.no"
	[ "$REPLY_WORDS" = notice ]
	zsh_complete "daemonize -u roo"
	[ "$REPLY_WORDS" = root ]
	zsh_complete "daemonize --user=root:roo"
	[ "$REPLY_WORDS" = root ]
	zsh_complete "daemonize -g roo"
	[ "$REPLY_WORDS" = root ]
	zsh_complete "daemonize --limit=nof"
	[ "$REPLY_WORDS" = nofile ]
	zsh_complete "daemonize --ionice="
	[ "$REPLY_WORDS" = "$(sorted realtime best-effort idle)" ]
	zsh_complete "daemonize --sched="
	[ "$REPLY_WORDS" = "$(sorted other batch idle fifo rr)" ]
}

@test "fish: option values: signals, modes, formats, facilities, users, limits" {
	fish_complete "daemonize -p x.pid --signal=HU"
	[ "$REPLY_WORDS" = --signal=HUP ]
	fish_complete "daemonize -p x.pid --signal US"
	[ "$REPLY_WORDS" = "$(sorted USR1 USR2)" ]
	fish_complete "daemonize -p x.pid --stop --kill-mode="
	[ "$REPLY_WORDS" = "$(sorted --kill-mode=control-group \
	    --kill-mode=mixed)" ]
	fish_complete "daemonize --list --format "
	[ "$REPLY_WORDS" = "$(sorted json text)" ]
	fish_complete "daemonize --respawn="
	[ "$REPLY_WORDS" = "$(sorted --respawn=always --respawn=failure)" ]
	fish_complete "daemonize --syslog=loc"
	[ "$REPLY_WORDS" = "$(sorted --syslog=local{0,1,2,3,4,5,6,7}.)" ]
	fish_complete "daemonize --syslog=daemon.no"
	[ "$REPLY_WORDS" = --syslog=daemon.notice ]
	fish_complete "daemonize -u roo"
	[ "$REPLY_WORDS" = root ]
	fish_complete "daemonize --user=root:roo"
	[ "$REPLY_WORDS" = --user=root:root ]
	fish_complete "daemonize -g roo"
	[ "$REPLY_WORDS" = root ]
	fish_complete "daemonize --limit=nof"
	[ "$REPLY_WORDS" = --limit=nofile= ]
	fish_complete "daemonize --ionice="
	[ "$REPLY_WORDS" = "$(sorted --ionice={realtime,best-effort,idle})" ]
	fish_complete "daemonize --sched="
	[ "$REPLY_WORDS" = "$(sorted --sched={other,batch,idle,fifo,rr})" ]
}

# The instances in root's run directory, made by the test: a pidfile's
# state file (NAME.pid.state) and a directory are not instances.
make_instances()
{
	require_root "for root's run directory, /run/daemonize"
	N=cmpl$$
	mkdir -p /run/daemonize
	touch "/run/daemonize/$N-a.pid" "/run/daemonize/$N-b.pid" \
	    "/run/daemonize/$N-a.pid.state"
	mkdir "/run/daemonize/$N-dir.pid"
}

remove_instances()
{
	rm -f "/run/daemonize/$N-a.pid" "/run/daemonize/$N-b.pid" \
	    "/run/daemonize/$N-a.pid.state"
	rmdir "/run/daemonize/$N-dir.pid"
}

# name_cases COMPLETE SHELL [PREFIX]: the instances, for --name NAME and
# --name=NAME (fish gives that word whole: PREFIX --name=).  The
# instances are removed before anything is asserted.
name_cases()
{
	command -v "$2" >/dev/null || skip "$2 is not installed"
	make_instances
	local words1 words2
	$1 "daemonize --name $N-" && words1=$REPLY_WORDS
	$1 "daemonize --status --name=$N-b" && words2=$REPLY_WORDS
	remove_instances
	[ "$words1" = "$(sorted "$N-a" "$N-b")" ]
	[ "$words2" = "${3-}$N-b" ]
}

@test "zsh: --name values are the instances in the run directory" {
	name_cases zsh_complete zsh
}

@test "fish: --name values are the instances in the run directory" {
	name_cases fish_complete fish --name=
}

# as_nobody: run the shells as nobody, with $T/xdg as XDG_RUNTIME_DIR
# holding three instances, and copies of the completions nobody can read
# (the checkout may be 0700).
as_nobody()
{
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	require_root "to run the shell as nobody"
	reachable_by_all
	mkdir -p "$T/xdg/daemonize" "$T/home" "$T/fish" "$T/zsh" "$T/bin"
	ln -sf "$DAEMONIZE" "$T/bin/daemonize"	# fish_complete says why
	cp "$CONTRIB/fish/daemonize.fish" "$T/fish/"
	cp "$CONTRIB/zsh/_daemonize" "$T/zsh/"
	touch "$T/xdg/daemonize/web.pid" "$T/xdg/daemonize/worker.pid" \
	    "$T/xdg/daemonize/other.pid"
	chmod -R a+rX "$T/xdg" "$T/fish" "$T/zsh"
	chown nobody "$T/home"
	AS=(env HOME="$T/home" XDG_RUNTIME_DIR="$T/xdg" PATH="$T/bin:$PATH"
	    XDG_CONFIG_HOME="$T/home/.config" XDG_DATA_HOME="$T/home/.local"
	    setpriv --reuid=nobody --regid=nogroup --clear-groups)
}

@test "zsh: a user's --name values come from \$XDG_RUNTIME_DIR/daemonize" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	as_nobody
	ZSH_DIR=$T/zsh zsh_complete "daemonize --name w"
	[ "$REPLY_WORDS" = "$(sorted web worker)" ]
	# Without an absolute XDG_RUNTIME_DIR, daemonize refuses --name: no
	# candidates.
	AS+=(env XDG_RUNTIME_DIR=xdg)
	ZSH_DIR=$T/zsh zsh_complete "daemonize --name w"
	[ -z "$REPLY_WORDS" ]
}

@test "fish: a user's --name values come from \$XDG_RUNTIME_DIR/daemonize" {
	command -v fish >/dev/null || skip "fish is not installed"
	as_nobody
	run -0 --separate-stderr "${AS[@]}" timeout 30 fish -c \
	    'set -p fish_complete_path $argv[1]; complete -C $argv[2]' \
	    "$T/fish" "daemonize --name w"
	[ "$(cut -f1 <<<"$output" | LC_ALL=C sort)" = "$(sorted web worker)" ]
	run -0 --separate-stderr "${AS[@]}" env XDG_RUNTIME_DIR=xdg \
	    timeout 30 fish -c \
	    'set -p fish_complete_path $argv[1]; complete -C $argv[2]' \
	    "$T/fish" "daemonize --name w"
	[ -z "$output" ]
}

@test "zsh: files for path options, directories for -c and --chroot" {
	mkdir "$T/adir"
	touch "$T/afile"
	zsh_complete "daemonize -p $T/a"
	[ "$REPLY_WORDS" = "$(sorted adir afile)" ]
	zsh_complete "daemonize --stdout=$T/a"
	[ "$REPLY_WORDS" = "$(sorted adir afile)" ]
	zsh_complete "daemonize --env-file $T/a"
	[ "$REPLY_WORDS" = "$(sorted adir afile)" ]
	zsh_complete "daemonize -c $T/a"
	[ "$REPLY_WORDS" = adir ]
	zsh_complete "daemonize --chroot=$T/a"
	[ "$REPLY_WORDS" = adir ]
}

@test "fish: files for path options, directories for -c and --chroot" {
	mkdir "$T/adir"
	touch "$T/afile"
	fish_complete "daemonize -p $T/a"
	[ "$REPLY_WORDS" = "$(sorted "$T/adir/" "$T/afile")" ]
	fish_complete "daemonize --stdout=$T/a"
	[ "$REPLY_WORDS" = "$(sorted "--stdout=$T/adir/" "--stdout=$T/afile")" ]
	fish_complete "daemonize --env-file $T/a"
	[ "$REPLY_WORDS" = "$(sorted "$T/adir/" "$T/afile")" ]
	fish_complete "daemonize -c $T/a"
	[ "$REPLY_WORDS" = "$T/adir/" ]
	fish_complete "daemonize --chroot=$T/a"
	[ "$REPLY_WORDS" = "--chroot=$T/adir/" ]
}

# command_cases COMPLETE: what the shell offers for the command typed
# alone must be what it offers after daemonize's options: ls's own
# options, command names, git's subcommands (the completion zsh and fish
# ship for git).  COMPLETE is zsh_complete or fish_complete.
command_cases()
{
	local complete=$1 alone
	$complete "ls --colo"
	alone=$REPLY_WORDS
	[ -n "$alone" ]
	$complete "daemonize -a -p x.pid ls --colo"
	[ "$REPLY_WORDS" = "$alone" ]
	$complete "daemonize -ap x.pid -- slee"
	[[ $'\n'$REPLY_WORDS$'\n' == *$'\nsleep\n'* ]]
	$complete "daemonize -w --user=root:root slee"
	[[ $'\n'$REPLY_WORDS$'\n' == *$'\nsleep\n'* ]]
	# --respawn takes no separate value: "always" would be the command.
	$complete "daemonize --respawn slee"
	[[ $'\n'$REPLY_WORDS$'\n' == *$'\nsleep\n'* ]]
	# The command's options are not daemonize's.
	$complete "daemonize -p x.pid sleep --re"
	[ -z "$REPLY_WORDS" ]
	command -v git >/dev/null || skip "git is not installed"
	$complete "git chec"
	alone=$REPLY_WORDS
	[[ $'\n'$alone$'\n' == *$'\ncheckout\n'* ]]
	$complete "daemonize --name web -r git chec"
	[ "$REPLY_WORDS" = "$alone" ]
}

@test "zsh: the first non-option is the command, completed as if typed alone" {
	command_cases zsh_complete
}

@test "fish: the first non-option is the command, completed as if typed alone" {
	command_cases fish_complete
}
