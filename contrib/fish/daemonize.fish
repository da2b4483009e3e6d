# SPDX-License-Identifier: BSD-2-Clause
#
# fish completion for daemonize(1), the counterpart of
# contrib/bash-completion/daemonize: every option and its values, then,
# from the first non-option on (options end there, as in daemonize's
# getopt), the command's own completion.  Short options never take an
# optional value: -r, -S and -w complete no value; --respawn=, --syslog=
# and --wait-ready= do.

# __daemonize_args: the command line's words up to the cursor (the word
# being typed included) from the first non-option on, that is the command
# and its arguments, NUL-separated; false while daemonize's options are
# still being typed.
function __daemonize_args
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l n (count $words)
    set -l i 1
    set -l dashdash 0
    # Options whose value may be the next word (getopt_long's required
    # arguments; the optional ones take only --opt=VALUE).
    set -l longarg chdir stderr stdout stdin env pidfile lockfile user \
        group umask respawn-delay respawn-max child-pidfile tag keep-fd \
        retry kill-mode signal chroot nice ionice sched oom-score-adj \
        limit caps name format env-file
    while test $i -lt $n
        set -l w $words[$i]
        set i (math $i + 1)
        switch $w
            case --
                set dashdash 1
                break
            case '--*=*'
            case '--?*'
                contains -- (string sub -s 3 -- $w) $longarg
                and set i (math $i + 1)
            case '-?*'
                # A cluster like -avp FILE or -pFILE: the first option
                # that takes a value ends it; at the end, the value is
                # the next word.
                string match -qr -- '^-[^ceoiEplugmnt]*[ceoiEplugmnt]$' $w
                and set i (math $i + 1)
            case '*'
                set i (math $i - 1)
                break
        end
    end
    # Past the end: the word being typed is an option's value.
    test $i -le $n; or return 1
    # The word being typed is an option, not yet the command.
    test $i -eq $n -a $dashdash -eq 0
    and string match -q -- '-*' $words[$i]
    and return 1
    # (string join0 fails when it joined nothing, for a single word.)
    string join0 -- $words[$i..$n]
    return 0
end

function __daemonize_no_command
    not __daemonize_args >/dev/null
end

function __daemonize_complete_command
    __fish_complete_subcommand --commandline (__daemonize_args | string split0)
end

# The instance names in daemonize's run directory: /run/daemonize for
# root, $XDG_RUNTIME_DIR/daemonize for other users.
function __daemonize_names
    set -l dir
    if test (id -u) -eq 0
        set dir /run/daemonize
    else
        string match -q -- '/*' "$XDG_RUNTIME_DIR"; or return
        set dir $XDG_RUNTIME_DIR/daemonize
    end
    for f in $dir/*.pid
        test -f $f; and string replace -r -- '\.pid$' '' (path basename -- $f)
    end
end

# USER or USER:GROUP.
function __daemonize_user
    set -l cur (commandline -ct | string replace -r -- '^--user=' '')
    if string match -q -- '*:*' $cur
        set -l user (string replace -r -- ':.*' '' $cur)
        __fish_complete_groups | string replace -r -- '^' "$user:"
    else
        __fish_complete_users
    end
end

function __daemonize_syslog
    set -l cur (commandline -ct | string replace -r -- '^--syslog=' '')
    if string match -q -- '*.*' $cur
        set -l facility (string replace -r -- '\..*' '' $cur)
        printf "$facility.%s\n" emerg alert crit err warning notice info debug
    else
        printf '%s.\n' auth authpriv cron daemon ftp kern local0 local1 \
            local2 local3 local4 local5 local6 local7 lpr mail news syslog \
            user uucp
    end
end

function __daemonize_signals
    __fish_make_completion_signals
    for s in $__kill_signals
        string split -f 2 ' ' -- $s
    end
end

set -l c complete -c daemonize -n __daemonize_no_command

$c -s a -l append -d 'append to -o/-e files instead of truncating'
$c -s c -l chdir -x -a '(__fish_complete_directories)' -d 'working directory'
$c -s e -l stderr -r -F -d 'stderr to FILE'
$c -s o -l stdout -r -F -d 'stdout to FILE'
$c -s i -l stdin -r -F -d 'stdin from FILE or FIFO'
$c -s E -l env -x -a '(set -xn | string replace -r \'$\' =)' -d 'set an environment variable NAME=VALUE'
$c -l clear-env -d 'start from an empty environment'
$c -l env-file -r -F -d 'NAME=VALUE lines, added before -E'
$c -s p -l pidfile -r -F -d 'write the pid to FILE, held under a lock'
$c -l name -x -a '(__daemonize_names)' -d 'instance NAME: the pidfile RUNDIR/NAME.pid'
$c -s l -l lockfile -r -F -d 'single-instance lock without a pid'
$c -s u -l user -x -a '(__daemonize_user)' -d 'run as USER[:GROUP] (root only)'
$c -s g -l group -x -a '(__fish_complete_groups)' -d 'primary group (root only)'
$c -s m -l umask -x -d 'octal umask (default 022)'
$c -s f -l foreground -d 'do not detach; exec the command in place'
$c -l keep-fd -x -d 'pass fd N through to the command'
$c -l oknodo -d 'exit 0 when already running'
$c -s w -d 'wait for READY=1 on $NOTIFY_SOCKET (60 s)'
$c -l wait-ready -d 'wait for READY=1 on $NOTIFY_SOCKET [=SECONDS]'
$c -s r -d 'restart the command when it exits'
$c -l respawn -d 'restart the command when it exits [=always|failure]'
$c -l respawn-delay -x -d 'back-off in seconds MIN[:MAX] (default 1:60)'
$c -l respawn-max -x -d 'give up after N[/SECONDS] restarts'
$c -l child-pidfile -r -F -d 'also record the child\'s pid'
$c -s S -d 'output to syslog (daemon.notice)'
$c -l syslog -d 'output to syslog [=FACILITY.PRIORITY]'
$c -s t -l tag -x -d 'syslog tag and process title'
$c -l chroot -x -a '(__fish_complete_directories)' -d 'change root (root only)'
$c -s n -l nice -x -d 'absolute nice value, -20 to 19'
$c -l ionice -x -a 'realtime best-effort idle' -d 'I/O class CLASS[:LEVEL]'
$c -l sched -x -a 'other batch idle fifo rr' -d 'scheduling POLICY[:PRIO]'
$c -l oom-score-adj -x -d '-1000 to 1000'
$c -l limit -x -a '(printf "%s=\n" as core cpu data fsize memlock msgqueue nice nofile nproc rss rtprio sigpending stack)' -d 'resource limit RES=SOFT[:HARD]'
$c -l caps -x -d 'ambient capabilities CAP[,CAP...] kept across -u'
$c -l no-new-privs -d 'set no_new_privs before exec'
$c -l stop -d 'stop the daemon named by -p'
$c -l retry -x -d 'stop schedule (default TERM/10/KILL/5)'
$c -l kill-mode -x -a 'control-group mixed' -d 'what the stop steps signal'
$c -l status -d 'LSB status of the daemon named by -p'
$c -l signal -x -a '(__daemonize_signals)' -d 'send SIG to the daemon named by -p'
$c -l restart -d 'stop, then start'
$c -l list -d 'every named instance'
$c -l format -x -a 'json text' -d '--status and --list output'
$c -s v -l verbose -d 'say what is done, on stderr'
$c -s h -l help -d usage
$c -s V -l version -d version

# The optional values, only in the --opt=VALUE form (getopt_long's
# optional arguments): "--respawn always" would make "always" the command.
complete -c daemonize -f -a '(string replace -r -- "^" --respawn= always failure)' \
    -n '__daemonize_no_command; and string match -q -- "--respawn=*" (commandline -ct)'
complete -c daemonize -f -a '(__daemonize_syslog | string replace -r -- "^" --syslog=)' \
    -n '__daemonize_no_command; and string match -q -- "--syslog=*" (commandline -ct)'
complete -c daemonize -f \
    -n '__daemonize_no_command; and string match -q -- "--wait-ready=*" (commandline -ct)'

# The first non-option is the command, then its own completion.
complete -c daemonize -n 'not __daemonize_no_command' -x \
    -a '(__daemonize_complete_command)'
