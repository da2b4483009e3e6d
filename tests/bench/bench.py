# SPDX-License-Identifier: BSD-2-Clause
"""The benchmark's driver: runs every measurement, prints the table and
writes RESULTS.md.  tests/bench/run builds the helpers, runs this under
`reaper` (so orphaned daemons are reaped at once) and draws the plot.

Every launcher is started with posix_spawn(3) from here and timed with
CLOCK_MONOTONIC.  The command it starts, `stamp`, writes its own
CLOCK_MONOTONIC stamps into a FIFO that this process polls, so no number
here comes from sleeping and hoping.  Settings come from the environment
that `run` exports: BENCH_BIN, BENCH_WORK, BENCH_OUT, BENCH_ROUNDS,
BENCH_PUMP_MIB, DAEMONIZE.
"""
import os
import platform
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

BIN = os.environ["BENCH_BIN"]
WORK = os.environ["BENCH_WORK"]
OUT = os.environ["BENCH_OUT"]
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "30")))
PUMP_BYTES = int(float(os.environ.get("BENCH_PUMP_MIB", "1024")) * 2**20)
DAEMONIZE = os.environ.get("DAEMONIZE", "")
DAEMONIZE_STATIC = os.environ.get("DAEMONIZE_STATIC", "")
ENV_SIZES = (10, 100, 1000)  # issue 16: the caller's environment, -E count
STAMP = os.path.join(BIN, "stamp")


class Failed(Exception):
    """A measurement that could not be made; its text goes into the cell."""


def now():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


# --- processes ------------------------------------------------------------

DEVNULL = os.open("/dev/null", os.O_RDWR)
ERRFD = os.open(os.path.join(WORK, "stderr"),
                os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
KEEP = []  # pidfds of daemons this run started, killed at the end


def spawn(argv, env=None, stdin=DEVNULL, stdout=DEVNULL):
    """Start argv with stdin, stdout as given and stderr to ERRFD."""
    acts = [(os.POSIX_SPAWN_DUP2, stdin, 0),
            (os.POSIX_SPAWN_DUP2, stdout, 1),
            (os.POSIX_SPAWN_DUP2, ERRFD, 2)]
    try:
        return os.posix_spawnp(argv[0], argv, env or os.environ,
                               file_actions=acts)
    except OSError as e:
        raise Failed(f"{argv[0]}: {e.strerror}")


def wait(pid, timeout=60):
    """Reap pid and return its exit code; kill it after timeout seconds."""
    fd = os.pidfd_open(pid)
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    ready = poll.poll(timeout * 1000)
    os.close(fd)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if not ready:
        raise Failed(f"{timeout} s timeout")
    return code


def errmsg(code):
    os.lseek(ERRFD, 0, os.SEEK_SET)
    lines = os.read(ERRFD, 4096).decode(errors="replace").strip().splitlines()
    msg = lines[0] if lines else f"exit {code}"
    return msg.replace("|", "/")[:120]


def run(argv, env=None, timeout=60):
    """Run argv to completion; return (start, end) times, or raise Failed."""
    os.ftruncate(ERRFD, 0)
    t0 = now()
    pid = spawn(argv, env)
    code = wait(pid, timeout)
    t1 = now()
    if code != 0:
        raise Failed(errmsg(code))
    return t0, t1


def keep(pid):
    """Remember pid, through a pidfd, to kill it at the end if still alive."""
    try:
        KEEP.append(os.pidfd_open(pid))
    except OSError:
        pass
    return pid


def gone(pid, timeout):
    """Wait until pid has exited (it need not be our child)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    ready = poll.poll(timeout * 1000)
    os.close(fd)
    return bool(ready)


def kill_all():
    for fd in KEEP:
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        except OSError:
            pass
        os.close(fd)
    KEEP.clear()


def read_pid(path, timeout=2.0):
    """The pid in a pidfile, waiting a little for a launcher that writes it
    after returning."""
    deadline = now() + timeout * 1e9
    while True:
        try:
            with open(path) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            if now() > deadline:
                raise Failed(f"no pid in {os.path.basename(path)}")
            time.sleep(0.001)


def stop_by_pid(pid):
    """End a supervisor started for a measurement: TERM, then KILL."""
    try:
        os.kill(pid, signal.SIGTERM)
        if not gone(pid, 15):
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


_serial = 0


def pidfile():
    """A fresh pidfile path (a new name each time, nothing left over)."""
    global _serial
    _serial += 1
    return os.path.join(WORK, f"pid{_serial}")


# --- the command's stamps -------------------------------------------------

class Stamps:
    """The FIFO that stamp writes its records to: "start|exit PID NS".
    Opened read-write, so it never reports end-of-file."""

    def __init__(self, path):
        os.mkfifo(path)
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.poll = select.poll()
        self.poll.register(self.fd, select.POLLIN)
        self.pending = b""
        self.records = []

    def _read(self):
        try:
            self.pending += os.read(self.fd, 65536)
        except BlockingIOError:
            return
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            event, pid, ns = line.split()
            self.records.append((event.decode(), int(pid), int(ns)))

    def drain(self):
        self._read()
        self.records.clear()

    def next(self, event, pid=None, timeout=5.0):
        """Wait for the next record of event (from pid); return (pid, ns)."""
        deadline = now() + timeout * 1e9
        while True:
            for i, (ev, p, ns) in enumerate(self.records):
                if ev == event and pid in (None, p):
                    del self.records[:i + 1]
                    return p, ns
            left = (deadline - now()) / 1e6
            if left <= 0:
                raise Failed(f'no "{event}" stamp from the command')
            if self.poll.poll(left):
                self._read()


# --- the tools ------------------------------------------------------------

def slack_name(pf):
    return "bench-" + os.path.basename(pf)


class Tool:
    """A launcher and how to ask it for each measurement; a missing method
    means the tool has no such feature ("—" in the table)."""

    def __init__(self, key, label, exe, **how):
        self.key, self.label, self.exe = key, label, exe
        self.how = how
        self.installed = bool(exe) and (
            os.access(exe, os.X_OK) if "/" in exe else
            any(os.access(os.path.join(d, exe), os.X_OK)
                for d in os.environ.get("PATH", "").split(":")))

    def argv(self, what, *args):
        return self.how[what](*args) if what in self.how else None


def tools():
    d = DAEMONIZE
    floor, stopfloor = os.path.join(BIN, "floor"), os.path.join(BIN, "stopfloor")
    nosys = os.path.join(BIN, "nosys")
    slack = ["daemon", "--unsafe"]
    return [
        Tool("ours", "daemonize (ours)", d,
             start=lambda pf, cmd: [d, "-p", pf] + cmd,
             stop=lambda pf: [d, "-p", pf, "--stop"],
             supervise=lambda pf, cmd: [d, "--respawn", "-p", pf] + cmd,
             pump=lambda pf, out, cmd:
                 [d, "--respawn=failure", "-o", out, "-p", pf] + cmd,
             syslog=lambda pf, cmd:
                 [d, "--respawn=failure", "--syslog", "-p", pf] + cmd,
             respawn=lambda pf, cmd:
                 [d, "--respawn", "--respawn-delay=0", "-p", pf] + cmd,
             envopts=lambda kv: [a for x in kv for a in ("-E", x)]),
        Tool("static", "daemonize (ours, static)", DAEMONIZE_STATIC,
             start=lambda pf, cmd: [DAEMONIZE_STATIC, "-p", pf] + cmd,
             envopts=lambda kv: [a for x in kv for a in ("-E", x)]),
        # Ours as on a kernel before 5.3 (no pidfds): stop latency only.
        Tool("nosys", "daemonize (ours, no pidfd: tests/nosys)",
             d and nosys,
             stopstart=lambda pf, cmd: [nosys, d, "-p", pf] + cmd,
             stop=lambda pf: [nosys, d, "-p", pf, "--stop"]),
        Tool("classic", "daemonize (classic)", "/usr/bin/daemonize",
             start=lambda pf, cmd: ["/usr/bin/daemonize", "-p", pf] + cmd,
             envopts=lambda kv: [a for x in kv for a in ("-E", x)]),
        Tool("libslack", "daemon (libslack)", "daemon",
             start=lambda pf, cmd: slack + [
                 "--name=" + slack_name(pf), "--pidfile=" + pf, "--"] + cmd,
             supervise=lambda pf, cmd: slack + [
                 "--respawn", "--name=" + slack_name(pf), "--pidfile=" + pf,
                 "--"] + cmd,
             pump=lambda pf, out, cmd: slack + [
                 "--name=" + slack_name(pf), "--pidfile=" + pf,
                 "--output=" + out, "--"] + cmd,
             respawn=lambda pf, cmd: slack + [
                 "--respawn", "--idiot", "--acceptable=0", "--attempts=1000",
                 "--name=" + slack_name(pf), "--pidfile=" + pf, "--"] + cmd,
             envopts=lambda kv: ["--env=" + x for x in kv]),
        Tool("ssd", "start-stop-daemon", "start-stop-daemon",
             start=lambda pf, cmd: [
                 "start-stop-daemon", "--start", "--background",
                 "--make-pidfile", "--pidfile", pf, "--exec", cmd[0],
                 "--"] + cmd[1:],
             stop=lambda pf: ["start-stop-daemon", "--stop", "--retry",
                              "TERM/10", "--pidfile", pf]),
        Tool("setsid", "setsid -f (no pidfile)", "setsid",
             start=lambda pf, cmd: ["setsid", "-f"] + cmd),
        Tool("floor", "floor (fork, setsid, fork, exec; stop: pidfd)", floor,
             start=lambda pf, cmd: [floor, pf] + cmd,
             stop=lambda pf: [stopfloor, pf]),
        Tool("cat", "cat (pipe to file)", "cat", pump=True),
    ]


# --- 1. start latency -----------------------------------------------------

def nofile_limits():
    """Raise the hard RLIMIT_NOFILE as far as the kernel allows; return
    (asked, got)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with open("/proc/sys/fs/nr_open") as f:
        asked = int(f.read())
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (asked, asked))
        hard = asked
    except (ValueError, OSError):
        pass
    return asked, hard


def start_once(tool, stamps, limit, hard):
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        stamps.drain()
        t0, t1 = run(tool.argv("start", pidfile(),
                               [STAMP, stamps.path, "exit"]))
        _, t2 = stamps.next("start")
        return t1 - t0, t2 - t0
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


def interleaved(ts, fn):
    """ROUNDS rounds, each running fn(tool) once for every tool, the tools
    in a rotated order (A B C, B C A, ...) so that drift and noise hit all
    alike.  Returns {key: [result per round]} and {key: failure}: a tool
    that fails once is dropped, and the round and message are kept."""
    res, failed = {t.key: [] for t in ts}, {}
    for r in range(ROUNDS):
        for t in ts[r % len(ts):] + ts[:r % len(ts)]:
            if t.key not in failed:
                try:
                    res[t.key].append(fn(t))
                except Failed as e:
                    failed[t.key] = f"round {r + 1}: {e}"
    return res, failed


def start_latency(ts, stamps, limits, hard):
    """Returns {(key, limit): [(ret, cmd) per round]} and the failures."""
    live = [t for t in ts if t.installed and "start" in t.how]
    runs, failed = interleaved(live, lambda t: [
        start_once(t, stamps, lim, hard) for lim in limits])
    return {(k, lim): [x[j] for x in v] for k, v in runs.items()
            for j, lim in enumerate(limits)}, failed


# --- 2. instructions ------------------------------------------------------

def instructions(tool, limit, hard, env=None, opts=()):
    """User-space instructions of every launcher process, from its exec to
    the command's exec.  Callgrind follows every fork and exec
    (--trace-children) but skips stamp itself; dumping before each fork,
    clone and exec zeroes the counters a forked child would otherwise
    inherit and saves what a process did before it execs stamp (a skipped
    exec writes no profile of its own).  reaper -a returns only when every
    traced process is gone, i.e. every profile is written.  env: the
    launcher's whole environment (default: ours); opts: options placed
    right after the launcher's name (-E)."""
    if not shutil.which("valgrind"):
        raise Failed("valgrind is not installed")
    out = os.path.join(WORK, f"cg-{tool.key}-{limit}-{len(env or ())}"
                       f"-{len(opts)}")
    os.mkdir(out)
    argv = [os.path.join(BIN, "reaper"), "-a", "valgrind", "-q",
            "--tool=callgrind", "--trace-children=yes",
            "--trace-children-skip=*/stamp",
            "--dump-before=*fork*", "--dump-before=*clone*",
            "--dump-before=*execv*", "--dump-before=*execl*",
            "--dump-before=fexecve",
            f"--callgrind-out-file={out}/cg.%p", "--"]
    start = tool.argv("start", pidfile(), [STAMP, "-", "exit"])
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        run(argv + start[:1] + list(opts) + start[1:], env=env, timeout=300)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    total = 0
    for name in os.listdir(out):
        with open(os.path.join(out, name)) as f:
            total += sum(int(line.split()[1]) for line in f
                         if line.startswith("summary:"))
    shutil.rmtree(out)
    return total


def sized_env(n):
    """An environment of exactly n variables (PATH and n - 1 others, each
    about as long as a typical one)."""
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                   "/sbin:/bin"}
    env.update((f"BENCH_VAR_{i}", f"value-{i}-" + "x" * 20)
               for i in range(n - 1))
    return env


def syscalls(tool):
    """System calls made by every launcher process up to the command's
    exec (strace -f; the exec itself counts, stamp's own calls do not)."""
    if not shutil.which("strace"):
        raise Failed("strace is not installed")
    out = os.path.join(WORK, f"strace-{tool.key}")
    run(["strace", "-f", "-qq", "-o", out] +
        tool.argv("start", pidfile(), [STAMP, "-", "exit"]),
        env=sized_env(10), timeout=120)
    done, n = set(), 0
    with open(out) as f:
        for line in f:
            pid, _, call = line.partition(" ")
            call = call.lstrip()
            if pid in done or call.startswith(("<...", "+++", "---")):
                continue
            n += 1
            if call.startswith("execve(") and "/stamp\"" in call:
                done.add(pid)
    os.unlink(out)
    return n


# --- 3. stop latency ------------------------------------------------------

def stop_once(tool, stamps):
    """Start a sleeping stamp with the tool, stop it with the tool; return
    the time from stamp's exit to the stop command's return."""
    pf = pidfile()
    stamps.drain()
    cmd = [STAMP, stamps.path, "sleep"]
    run(tool.argv("stopstart", pf, cmd) or tool.argv("start", pf, cmd))
    pid, _ = stamps.next("start")
    keep(pid)
    t0, t1 = run(tool.argv("stop", pf))
    _, te = stamps.next("exit", pid, timeout=1)
    return t1 - te


# --- 4. supervisor footprint ----------------------------------------------

def kib(path, *fields):
    with open(path) as f:
        return sum(int(line.split()[1]) for line in f
                   if line.split(":")[0] in fields)


def footprint(tool, stamps):
    """VmRSS and private memory (KiB) of an idle supervisor."""
    pf = pidfile()
    stamps.drain()
    run(tool.argv("supervise", pf, [STAMP, stamps.path, "sleep"]))
    child, _ = stamps.next("start")
    keep(child)
    sup = keep(read_pid(pf))
    try:
        if sup == child:
            raise Failed("the pidfile names the command, not a supervisor")
        time.sleep(0.5)		# idle: let it settle into its wait
        return (kib(f"/proc/{sup}/status", "VmRSS"),
                kib(f"/proc/{sup}/smaps_rollup",
                    "Private_Clean", "Private_Dirty"))
    finally:
        stop_by_pid(sup)


# --- 5. output pump -------------------------------------------------------

def wait_size(path, size):
    """Poll until path holds size bytes; fail if it stops growing."""
    last, since = -1, now()
    while True:
        try:
            have = os.stat(path).st_size
        except FileNotFoundError:
            have = 0
        if have >= size:
            return now()
        if have != last:
            last, since = have, now()
        elif now() - since > 10e9:
            raise Failed(f"stalled at {have} of {size} bytes")
        time.sleep(0.002)


def pump_file(tool, nbytes):
    """Bytes per second from the writer through the tool into a file,
    timed from the invocation to the file's last byte."""
    out = os.path.join(WORK, "pump.out")
    if os.path.exists(out):
        os.unlink(out)
    gen = [STAMP, "-", "write", str(nbytes)]
    if tool.key == "cat":
        r, w = os.pipe()
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        t0 = now()
        pids = [spawn(gen, stdout=w), spawn(["cat"], stdin=r, stdout=fd)]
        for x in (r, w, fd):
            os.close(x)
        t1 = wait_size(out, nbytes)
        for pid in pids:
            wait(pid)
    else:
        pf = pidfile()
        t0, _ = run(tool.argv("pump", pf, out, gen))
        t1 = wait_size(out, nbytes)
        try:
            keep(read_pid(pf, timeout=0))
        except Failed:
            pass
    if os.stat(out).st_size != nbytes:
        raise Failed(f"{os.stat(out).st_size} bytes arrived, not {nbytes}")
    return nbytes / ((t1 - t0) / 1e9)


def pump_syslog(tool, nbytes):
    """Bytes per second from the writer through the tool to syslog (one
    datagram per 1 KiB line), timed to the last datagram's arrival at
    `sink`, which reads the socket named by DAEMONIZE_SYSLOG_SOCKET.  A
    small probe first tells whether the tool honours that variable."""
    path = os.path.join(WORK, "syslog.sock")
    env = dict(os.environ, DAEMONIZE_SYSLOG_SOCKET=path)
    if os.path.exists(path):
        os.unlink(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        for size, idle in ((16 * 1024, 3), (nbytes, 10)):
            r, w = os.pipe()
            sink = spawn([os.path.join(BIN, "sink"), str(size // 1024),
                          str(idle)], stdin=sock.fileno(), stdout=w)
            try:
                t0, _ = run(tool.argv("syslog", pidfile(),
                                      [STAMP, "-", "write", str(size)]), env)
            except Failed:
                os.kill(sink, signal.SIGKILL)
                wait(sink)
                os.close(r)
                raise
            finally:
                os.close(w)
            ok = wait(sink, 600) == 0
            got, t1 = map(int, os.read(r, 64).split())
            os.close(r)
            if got == 0 and size < nbytes:
                raise Failed("nothing reached DAEMONIZE_SYSLOG_SOCKET")
            if not ok:
                raise Failed(f"{got} of {size // 1024} lines arrived")
    return nbytes / ((t1 - t0) / 1e9)


# --- 6. respawn latency ---------------------------------------------------

def respawn(tool, stamps, rounds):
    """From a child's last instruction (it stamps on SIGTERM, then exits) to
    the next child's first one."""
    pf = pidfile()
    stamps.drain()
    run(tool.argv("respawn", pf, [STAMP, stamps.path, "sleep"]))
    pid, _ = stamps.next("start")
    keep(pid)
    sup = keep(read_pid(pf))
    lat = []
    try:
        for _ in range(rounds):
            os.kill(pid, signal.SIGTERM)
            _, te = stamps.next("exit", pid)
            pid, ts = stamps.next("start")
            keep(pid)
            lat.append(ts - te)
    finally:
        stop_by_pid(sup)
    return lat


# --- the report -----------------------------------------------------------

def ms(ns):
    return f"{ns / 1e6:.3f} ms"


def ratio(x):
    return f"{x:.2f}×"


def median_ratio(a, b, i=None):
    """Median over rounds of a[k] / b[k], or of a[k][i] / b[k][i]: each
    tool against the other in the same round."""
    if i is None:
        return statistics.median(x / y for x, y in zip(a, b))
    return statistics.median(x[i] / y[i] for x, y in zip(a, b))


class Report:
    """Table cells per tool and metric, and the numbers behind them."""

    def __init__(self, ts):
        self.tools = ts
        self.by = {t.key: t for t in ts}
        self.cells = {t.key: {} for t in ts}
        self.num = {}

    def measure(self, metric, tool, fn, fmt):
        """Run one measurement; a failure becomes an "n/a" cell."""
        try:
            v = fn()
        except Failed as e:
            self.cells[tool.key][metric] = f"n/a (failed: {e})"
            return
        except OSError as e:
            self.cells[tool.key][metric] = \
                f"n/a (failed: {e.filename or ''}: {e.strerror})"
            return
        self.num[metric, tool.key] = v
        self.cells[tool.key][metric] = fmt(v)

    def relate(self, metric, base, text):
        """Append to each tool's cell its relation to base's number."""
        if (metric, base) not in self.num:
            return
        for (m, k), v in self.num.items():
            if m == metric and k != base:
                self.cells[k][metric] += text(v / self.num[metric, base])

    def table(self, cols):
        """A Markdown table of the tools that have any of these columns."""
        lines = ["| tool | " + " | ".join(c[1] for c in cols) + " |",
                 "|---" * (len(cols) + 1) + "|"]
        for t in self.tools:
            have = [self.cells[t.key].get(c[0]) for c in cols]
            if not any(have) and t.installed:
                continue
            if not t.installed:
                have = ["not built (set DAEMONIZE)" if t.key == "ours"
                        else "not built (set DAEMONIZE_STATIC)"
                        if t.key == "static" else "not installed"] * len(cols)
            lines.append(f"| {t.label} | "
                         + " | ".join(h or "—" for h in have) + " |")
        return "\n".join(lines)


def measure_start(rep, stamps, limits, hard):
    res, failed = start_latency(rep.tools, stamps, limits, hard)
    plot = []
    for t in rep.tools:
        if not t.installed or "start" not in t.how:
            continue
        meds = []
        for lim in limits:
            runs, floor = res.get((t.key, lim)), res.get(("floor", lim))
            for i, what in enumerate(("ret", "cmd")):
                if t.key in failed:
                    rep.cells[t.key][f"{what}{lim}"] = \
                        f"n/a (failed: {failed[t.key]})"
                    continue
                meds.append(statistics.median(r[i] for r in runs))
                text = ms(meds[-1])
                if floor and t.key != "floor":
                    rep.num[f"{what}{lim}", t.key] = median_ratio(runs, floor, i)
                    text += f" ({ratio(rep.num[f'{what}{lim}', t.key])})"
                rep.cells[t.key][f"{what}{lim}"] = text
        if t.key not in failed:
            plot.append(t.key + "".join(f" {m / 1e6:.4f}" for m in meds))
    if ("ours", hard) in res and "ours" not in failed:
        rep.num["same", "ours"] = median_ratio(res["ours", hard],
                                               res["ours", 1024], 1)
    spread = [r[1] for r in res.get(("floor", 1024), [])]
    if len(spread) >= 4:
        q = statistics.quantiles(spread, n=4)
        rep.num["noise", "floor"] = (q[2] - q[0]) / statistics.median(spread)
    with open(os.path.join(WORK, "start-latency.dat"), "w") as f:
        f.write("tool" + "".join(f' "to {w}, NOFILE {lim}"' for lim in limits
                                 for w in ("return", "command")) + "\n")
        f.write("\n".join(plot) + "\n")


def measure_all(rep, stamps, limits, hard):
    def say(what):
        print(f"bench: {what}", file=sys.stderr, flush=True)

    def has(t, what):
        return t.installed and what in t.how

    say(f"start latency, {ROUNDS} rounds")
    measure_start(rep, stamps, limits, hard)

    say("instructions (callgrind)")
    for t in rep.tools:
        for lim in limits:
            if has(t, "start"):
                rep.measure(f"ir{lim}", t,
                            lambda: instructions(t, lim, hard), "{:,}".format)

    say("instructions by environment size and -E count (callgrind)")
    dat = []
    for t in rep.tools:
        if not has(t, "start"):
            continue
        for n in ENV_SIZES:
            rep.measure(f"env{n}", t, lambda: instructions(
                t, 1024, hard, env=sized_env(n)), "{:,}".format)
            if has(t, "envopts"):
                rep.measure(f"opt{n}", t, lambda: instructions(
                    t, 1024, hard, env=sized_env(10), opts=t.argv(
                        "envopts", [f"OPT_{i}=v{i}" for i in range(n)])),
                    "{:,}".format)
        if all((f"env{n}", t.key) in rep.num for n in ENV_SIZES):
            dat.append(f'size "{t.label}"\n' + "".join(
                f"{n} {rep.num[f'env{n}', t.key]}\n" for n in ENV_SIZES))
    # One gnuplot data block per tool, its name in the header line.
    with open(os.path.join(WORK, "instructions-env.dat"), "w") as f:
        f.write("\n\n".join(dat))
    say("system calls per start (strace)")
    for t in rep.tools:
        if has(t, "start"):
            rep.measure("sys", t, lambda: syscalls(t), str)

    say("stop latency")
    live = [t for t in rep.tools if has(t, "stop")]
    runs, failed = interleaved(live, lambda t: stop_once(t, stamps))
    for t in live:
        if t.key in failed:
            rep.cells[t.key]["stop"] = f"n/a (failed: {failed[t.key]})"
            continue
        rep.num["stop", t.key] = statistics.median(runs[t.key])
        rep.cells[t.key]["stop"] = ms(rep.num["stop", t.key])
        if t.key != "floor" and "floor" not in failed:
            r = median_ratio(runs[t.key], runs["floor"])
            rep.num["stopratio", t.key] = r
            rep.cells[t.key]["stop"] += f" ({ratio(r)})"
    if rep.by["libslack"].installed:
        rep.cells["libslack"]["stop"] = "— (does not wait)"

    say("supervisor footprint")
    for t in rep.tools:
        if has(t, "supervise"):
            rep.measure("mem", t, lambda: [statistics.median(x) for x in zip(
                *(footprint(t, stamps) for _ in range(min(ROUNDS, 3))))],
                lambda v: f"{v[0]:.0f} / {v[1]:.0f} KiB")

    say(f"output pump, {PUMP_BYTES >> 20} MiB")
    for t in rep.tools:
        if has(t, "pump"):
            rep.measure("pump", t, lambda: statistics.median(
                pump_file(t, PUMP_BYTES) for _ in range(min(ROUNDS, 3))),
                lambda v: f"{v / 2**20:.0f} MiB/s")
    ours = rep.by["ours"]
    if has(ours, "syslog"):
        rep.measure("syslog", ours, lambda: pump_syslog(ours, PUMP_BYTES),
                    lambda v: f"{v / 2**20:.0f} MiB/s")
    rep.relate("pump", "cat", lambda r: f" ({r:.0%} of cat)")
    if ("pump", "cat") in rep.num and ("syslog", "ours") in rep.num:
        share = rep.num["syslog", "ours"] / rep.num["pump", "cat"]
        rep.cells["ours"]["syslog"] += f" ({share:.0%} of cat to a file)"

    say("respawn latency")
    for t in rep.tools:
        if has(t, "respawn"):
            rep.measure("respawn", t, lambda: statistics.median(
                respawn(t, stamps, ROUNDS)), ms)
    kill_all()


def goals(rep, hard):
    """One line per goal of issue 9: met, NOT met, or not measured."""
    n = rep.num

    def line(text, keys, ok, detail):
        if not all(k in n for k in keys):
            return f"- {text}: not measured"
        return f"- {text}: {'met' if ok() else 'NOT met'} ({detail()})"

    irs = {k: n["ir1024", k] + n[f"ir{hard}", k] for (m, k) in n
           if m == "ir1024" and k not in ("floor", "static")
           and (f"ir{hard}", k) in n}
    return [
        line("start (to the command) within 1.5× of the floor",
             [("cmd1024", "ours"), (f"cmd{hard}", "ours")],
             lambda: max(n["cmd1024", "ours"], n[f"cmd{hard}", "ours"]) <= 1.5,
             lambda: f"{ratio(n['cmd1024', 'ours'])} at 1024, "
                     f"{ratio(n[f'cmd{hard}', 'ours'])} at {hard:,}"),
        line(f"same start cost at NOFILE {hard:,} as at 1024",
             [("same", "ours"), ("ir1024", "ours"), (f"ir{hard}", "ours")],
             lambda: n["same", "ours"] <= 1.1
             and n[f"ir{hard}", "ours"] <= 1.01 * n["ir1024", "ours"],
             lambda: f"time ratio {ratio(n['same', 'ours'])}, instructions "
                     f"{n['ir1024', 'ours']:,} and {n[f'ir{hard}', 'ours']:,}"),
        line("fewest instructions per start of all peers",
             [("ir1024", "ours"), (f"ir{hard}", "ours")],
             lambda: irs["ours"] == min(irs.values()),
             lambda: "at 1024: ours {:,}, fewest {} {:,}".format(
                 n["ir1024", "ours"], min(irs, key=irs.get),
                 n["ir1024", min(irs, key=irs.get)])),
        line("stop within 10 ms of the exit and 2× of the pidfd floor",
             [("stop", "ours"), ("stopratio", "ours")],
             lambda: n["stop", "ours"] <= 10e6 and n["stopratio", "ours"] <= 2,
             lambda: f"{ms(n['stop', 'ours'])}, "
                     f"{ratio(n['stopratio', 'ours'])}"),
        line("idle supervisor smaller than libslack daemon",
             [("mem", "ours"), ("mem", "libslack")],
             lambda: all(a < b for a, b in zip(n["mem", "ours"],
                                               n["mem", "libslack"])),
             lambda: "VmRSS / private: {:.0f} / {:.0f} KiB vs {:.0f} / "
                     "{:.0f} KiB".format(*n["mem", "ours"],
                                         *n["mem", "libslack"])),
        line("pump to a file at ≥ 80% of cat's speed",
             [("pump", "ours"), ("pump", "cat")],
             lambda: n["pump", "ours"] >= 0.8 * n["pump", "cat"],
             lambda: f"{n['pump', 'ours'] / n['pump', 'cat']:.0%}" + (
                 "; too little data to judge: the start costs count"
                 if PUMP_BYTES < 2**30 else "")),
    ]


def goals16(rep):
    """One line per target of issue 16, from the instruction tables."""
    n = rep.num
    peers = ("classic", "libslack", "ssd")

    def line(text, keys, ok, detail):
        if not all(k in n for k in keys):
            return f"- {text}: not measured"
        return f"- {text}: {'met' if ok() else 'NOT met'} ({detail()})"

    def x(a, b):
        return n[a] / n[b]

    sizes = [f"env{k}" for k in ENV_SIZES]
    return [
        line("at 1000 variables, at most 1.2× classic daemonize",
             [("env1000", "ours"), ("env1000", "classic")],
             lambda: x(("env1000", "ours"), ("env1000", "classic")) <= 1.2,
             lambda: f"{x(('env1000', 'ours'), ('env1000', 'classic')):.2f}×"),
        line("100 -E options at most 2× none",
             [("opt100", "ours"), ("env10", "ours")],
             lambda: x(("opt100", "ours"), ("env10", "ours")) <= 2,
             lambda: f"{x(('opt100', 'ours'), ('env10', 'ours')):.2f}×"),
        line("dynamic, 10 variables: fewer than start-stop-daemon and "
             "within 1.15× of classic daemonize",
             [("env10", "ours"), ("env10", "ssd"), ("env10", "classic")],
             lambda: n["env10", "ours"] < n["env10", "ssd"]
             and x(("env10", "ours"), ("env10", "classic")) <= 1.15,
             lambda: f"{n['env10', 'ours']:,} vs {n['env10', 'ssd']:,}; "
                     f"{x(('env10', 'ours'), ('env10', 'classic')):.2f}× "
                     f"classic"),
        line("static: fewer than every peer at every size",
             [(m, k) for m in sizes for k in ("static",) + peers],
             lambda: all(n[m, "static"] < n[m, k] for m in sizes
                         for k in peers),
             lambda: ", ".join(f"{n[m, 'static']:,} at {m[3:]}"
                               for m in sizes)),
    ]


def version(pkg):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                              capture_output=True, text=True).stdout or "?"
    except OSError:
        return "?"


def main():
    stamps = Stamps(os.path.join(WORK, "stamps"))
    asked, hard = nofile_limits()
    limits = [1024, hard]
    rep = Report(tools())
    load0 = os.getloadavg()
    measure_all(rep, stamps, limits, hard)
    load1 = os.getloadavg()

    at = f"@{hard:,}"
    tables = [
        rep.table([("ret1024", "start → return @1024"),
                   ("cmd1024", "start → command @1024"),
                   (f"ret{hard}", f"start → return {at}"),
                   (f"cmd{hard}", f"start → command {at}"),
                   ("ir1024", "instructions @1024"),
                   (f"ir{hard}", f"instructions {at}")]),
        rep.table([(f"env{n}", f"instructions, {n:,} variables")
                   for n in ENV_SIZES]
                  + [(f"opt{n}", f"{n:,} -E") for n in ENV_SIZES]
                  + [("sys", "system calls")]),
        rep.table([("stop", "stop: daemon exit → return"),
                   ("mem", "idle supervisor VmRSS / private"),
                   ("pump", "pump → file"),
                   ("syslog", "pump → syslog"),
                   ("respawn", "respawn: death → exec")])]
    noise = rep.num.get(("noise", "floor"))
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "?")
    notes = [
        f"- machine: nproc {len(os.sched_getaffinity(0))} ({cpu}), Linux "
        f"{platform.release()}, {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- RLIMIT_NOFILE: asked for the kernel's maximum "
        f"(fs.nr_open = {asked:,}), got a hard limit of {hard:,}; runs at "
        f"soft 1024 (hard {hard:,}) and at soft = hard = {hard:,}",
        f"- rounds: {ROUNDS} (latencies are medians; ratios are medians of "
        f"per-round ratios against the floor run in the same round); pump: "
        f"{PUMP_BYTES >> 20} MiB, median of {min(ROUNDS, 3)} runs",
        f"- noise: load average {load0[0]:.2f} at the start, {load1[0]:.2f} "
        f"at the end" + (f"; the floor's start → command times spread "
        f"{noise:.0%} of their median (interquartile range)" if noise else "")
        + ". The machine is shared: trust ratios and instruction counts "
        "over absolute times",
        "- net.unix.max_dgram_qlen (the syslog socket's queue): "
        + open("/proc/sys/net/unix/max_dgram_qlen").read().strip(),
        "- versions: " + ", ".join(
            f"{p} {version(p)}" for p in
            ("daemonize", "daemon", "dpkg", "util-linux", "valgrind")),
    ]
    text = ("\n\n".join(tables) + "\n\n## Goals (SPEC.md, issue 9)\n\n"
            + "\n".join(goals(rep, hard)) + "\n\n## Goals (issue 16)\n\n"
            + "\n".join(goals16(rep)) + "\n\n## Machine and noise\n\n"
            + "\n".join(notes) + "\n")
    print(text)
    with open(os.path.join(OUT, "RESULTS.md"), "w") as f:
        f.write(RESULTS_HEAD + text + RESULTS_METHOD)


RESULTS_HEAD = """\
# daemonize benchmark results

Written by `tests/bench/run` (`make bench`); rerun it to refresh this file
and `start-latency.png`.  Cells: median, then (in brackets) the median of
per-round ratios against the floor, or the share of `cat`'s speed.  "—": the
tool has no such feature; "n/a (failed: …)": the tool was asked and failed.

"""

RESULTS_METHOD = """
## Method

- **Command.** `stamp`, a small statically linked C program, reads
  CLOCK_MONOTONIC as the first statement of `main` and writes
  `start PID NS` into a FIFO the driver polls; when told to sleep it waits
  for SIGTERM and writes `exit PID NS` just before `_exit`.
- **Start latency.** The driver (python3, `bench.py`) reads the clock,
  `posix_spawn`s the launcher with a fresh pidfile, and reads the clock when
  the launcher has been reaped ("return"); "command" is stamp's own first
  stamp minus the same start.  Each round runs every tool once at each
  RLIMIT_NOFILE, the tools in a rotated order (A B C, B C A, …), so drift
  and noise hit all alike.  The floor (`floor.c`: fork, setsid, fork, the
  middle process writes the pidfile, exec) does nothing else.  A launcher
  that waits for the exec (ours) returns when the exec has succeeded, which
  is a little before the command's first instruction.
  `setsid -f` writes no pidfile.  libslack `daemon` runs with `--unsafe`
  because the work directory lives under /tmp (otherwise it refuses).
- **Instructions.** `valgrind --tool=callgrind --trace-children=yes
  --trace-children-skip='*/stamp'` runs the launcher; every process it
  forks is traced, stamp is not.  Callgrind copies the parent's counters
  into a forked child, and a process that execs an untraced program writes
  no profile, so the profile is dumped (and zeroed) before every call to a
  `*fork*`, `*clone*`, `*execv*`, `*execl*` or `fexecve` function.  The sum
  of every dump's `summary:` line is then each instruction executed in user
  space by every launcher process, from the launcher's exec (dynamic loader
  included) to the command's exec, counted once.  A launcher that stays
  (libslack `daemon` without `--respawn`) is counted until it exits after
  its command.  Counts are repeatable within a few hundred instructions.
- **Instructions by environment size.** The same count, with the
  launcher's whole environment replaced by exactly 10, 100 or 1000
  variables (`PATH` and `BENCH_VAR_i=value-i-xxxx…`), and with 10, 100 or
  1000 `-E OPT_i=vi` options (libslack: `--env=`) in an environment of
  10; at RLIMIT_NOFILE 1024.  `instructions-env.png` plots the first
  three columns.
- **System calls.** `strace -f` of one start with 10 variables: every
  call of every launcher process up to and including the command's
  `execve`, none of the command's.
- **Stop latency.** A sleeping stamp is started by the tool, then the
  tool's stop command is timed: from stamp's `exit` stamp (taken on
  SIGTERM, just before `_exit`) to the stop command's return; rounds are
  interleaved like the starts.  The floor is
  `stopfloor.c`: pidfd_open, pidfd_send_signal, poll.  Everything runs
  under `reaper.c`, a child subreaper that reaps orphans at once, because
  on machines whose PID 1 reaps slowly a stop command that waits for the pid
  to vanish would measure init.  libslack `daemon --stop` only sends the
  signal and does not wait, so it is not compared.  The row "no pidfd"
  is ours started and stopped under `tests/nosys.c` (pidfd_open and
  pidfd_send_signal fail with ENOSYS, as before Linux 5.3): its stop
  waits by blocking on the pidfile's lock.
- **Supervisor footprint.** VmRSS from `/proc/PID/status` and
  Private_Clean + Private_Dirty from `/proc/PID/smaps_rollup` of the pid in
  the pidfile (the supervisor), 0.5 s after its child started.
- **Output pump.** stamp writes the given amount in 1 KiB lines (64 KiB
  writes) to stdout; timed from the invocation until the file holds every
  byte (polled every 2 ms) and checked for exact size.  `cat` gets the same
  writer through a pipe.  Syslog: the same data with `--syslog`, sent to a
  private datagram socket named by `DAEMONIZE_SYSLOG_SOCKET` (read only by
  the tests and this benchmark) and read by `sink.c`, timed to the last
  datagram.  The kernel queues at most `net.unix.max_dgram_qlen` datagrams
  on it (10 by default), as on a real `/dev/log`.
- **Respawn latency.** With `--respawn-delay=0` (libslack: `--idiot
  --acceptable=0`, so no back-off), the driver sends SIGTERM to the child;
  the latency is from its `exit` stamp to the next child's `start` stamp.
"""


if __name__ == "__main__":
    try:
        main()
    finally:
        kill_all()
