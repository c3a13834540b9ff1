"""Terminals, signals and exit: lsl on a terminal gives the process a pty of its own.

lsl runs on a pty made here (its slave is lsl's controlling terminal and its
stdio, as under a terminal emulator) or inside a private tmux server. Every
wait is for an event: a marker in the output, the exit of a process, a line
from a FIFO. Nothing here measures time.
"""

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import uuid

import pytest

from conftest import CALL_TIMEOUT, SANITIZER_MARKERS, proc_read, wait_for

PTS = re.compile(rb"/dev/pts/(\d+)")


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def rdev_of(fd):
    st = os.fstat(fd)
    return "%x:%x" % (os.major(st.st_rdev), os.minor(st.st_rdev))


def _controlling_terminal():
    """In lsl's child: a session of its own whose terminal is the first std fd that is one."""
    os.setsid()
    for fd in (0, 1, 2):
        if os.isatty(fd):
            fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
            break


class Term:
    """lsl on a terminal of its own: the test holds the pty master and reads what lsl shows."""

    def __init__(self, lsl, *args, rows=24, cols=80, stdin=None, stdout=None, stderr=None, program=None):
        self.master, self.slave = os.openpty()
        set_size(self.slave, rows, cols)
        self.before = termios.tcgetattr(self.slave)
        env = dict(lsl.env, TERM="xterm-256color")
        pick = lambda f: self.slave if f is None else f  # noqa: E731
        self.proc = subprocess.Popen(program or lsl.command(*args), stdin=pick(stdin), stdout=pick(stdout),
                                     stderr=pick(stderr), env=env, preexec_fn=_controlling_terminal)
        self.pidfd = os.pidfd_open(self.proc.pid)
        self.out = b""
        self.pos = 0  # what expect() has consumed

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.pidfd, self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        for marker in SANITIZER_MARKERS:
            assert marker.encode() not in self.out, self.out.decode(errors="replace")

    def hang_up(self):
        """Close the terminal, as a terminal emulator's window does."""
        os.close(self.master)
        self.master = -1
        os.close(self.slave)
        self.slave = -1

    def send(self, data):
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def _read(self, timeout):
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            self.out += os.read(self.master, 65536)
        except OSError:
            return False
        return True

    def expect(self, pattern, timeout=CALL_TIMEOUT):
        """Read until pattern (bytes or str, a regular expression) shows up after the last match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            if not self._read(timeout):
                raise AssertionError(f"{pattern!r} never came; lsl showed: {self.out[-3000:]!r}")

    def wait(self):
        """Read everything lsl shows until it exits (and what is left after); return its status."""
        while True:
            ready, _, _ = select.select([self.master, self.pidfd], [], [], CALL_TIMEOUT)
            assert ready, f"lsl did not exit; it showed: {self.out[-3000:]!r}"
            if self.master in ready:
                self._read(0)
            elif self.pidfd in ready:
                break
        code = self.proc.wait()
        while self._read(0):
            pass
        return code

    def termios_now(self):
        return termios.tcgetattr(self.slave)


@pytest.fixture
def term(lsl):
    made = []

    def start(*args, **kw):
        t = Term(lsl, *args, **kw)
        made.append(t)
        return t
    yield start
    for t in made:
        t.close()


def echo_marker():
    """A command printing a word that the terminal's echo of the command itself does not contain."""
    n = uuid.uuid4().int % 100000
    return f"echo MK$(({n}+1))", f"MK{n + 1}"


def foreground_sleep():
    """A job that prints a word once it is the terminal's foreground job, then sleeps."""
    n = uuid.uuid4().int % 100000
    return f"sh -c 'echo FG$(({n}+1)); exec sleep 100'", f"FG{n + 1}"


def ask_size_until(send, expect, want):
    """Ask the shell for its terminal's size until it is want ("ROWS COLS"); each answer is awaited.

    A resize reaches the process on its own path (SIGWINCH to lsl, WINDOW_SIZE, TIOCSWINSZ),
    so a question typed right after the resize may still see the old size."""
    for _ in range(100):
        cmd, done = echo_marker()
        send(f"stty size; {cmd}")
        m = expect(rb"(\d+ \d+)\r\n" + done.encode())
        if m.group(1).decode() == want:
            return
    raise AssertionError(f"stty size never said {want}")


# ------------------------------------------------------------------ the pty inside

def test_tty_is_a_pty_of_the_distribution(term, busybox_distro):
    t = term("-d", busybox_distro.name, "-e", "sh", "-c",
             "tty; stat -c %d $(tty); stat -c %d /dev/pts/ptmx; stat -f -c %T /dev/pts; "
             "for f in 0 1 2; do readlink /proc/self/fd/$f; done")
    assert t.wait() == 0, t.out
    lines = t.out.decode().split("\r\n")
    tty = lines[0]
    assert re.fullmatch(r"/dev/pts/\d+", tty), t.out
    assert lines[1] == lines[2], "the pty is not from the distribution's devpts"
    assert int(lines[1]) != os.stat("/dev/pts/ptmx").st_dev, "the pty is the host's"
    assert lines[3] == "devpts"
    assert lines[4:7] == [tty] * 3


def test_pty_belongs_to_the_user(term, busybox_distro):
    t = term("-d", busybox_distro.name, "-u", "alice", "-e", "sh", "-c", "stat -c %u:%a $(tty)")
    assert t.wait() == 0, t.out
    assert t.out.strip() == b"1000:620"


def test_own_session_and_foreground(term, busybox_distro):
    # The process leads its session, and its group is the terminal's foreground.
    t = term("-d", busybox_distro.name, "-e", "sh", "-c",
             "cut -d' ' -f1,6,8 /proc/self/stat; echo $$")
    assert t.wait() == 0, t.out
    stat_line, pid = t.out.decode().split("\r\n")[:2]
    _cut, sid, tpgid = stat_line.split()
    # The reader is cut (a child); its session is the shell's and the foreground is the shell's group.
    assert sid == pid and tpgid == pid, t.out


def test_window_size_at_start_and_after_resize(term, busybox_distro):
    t = term("-d", busybox_distro.name, "-e", "sh", rows=33, cols=101)
    cmd, done = echo_marker()
    t.send(f"stty size; {cmd}\n")
    t.expect(rf"33 101\r\n{done}")
    # The kernel sends SIGWINCH to lsl (the foreground of its terminal); the size follows.
    set_size(t.slave, 41, 123)
    ask_size_until(lambda line: t.send(line + "\n"), t.expect, "41 123")
    t.send("exit 0\n")
    assert t.wait() == 0, t.out


def test_ctrl_c_and_ctrl_backslash_reach_the_foreground(term, debian_distro):
    t = term("-d", debian_distro.name)  # the login shell: bash with job control
    cmd, ready = foreground_sleep()
    t.send(f"{cmd}\n")
    t.expect(ready)
    t.send(b"\x03")
    cmd, alive = echo_marker()
    t.send(f"{cmd}\n")
    t.expect(alive)
    cmd, ready = foreground_sleep()
    t.send(f"{cmd}\n")
    t.expect(ready)
    t.send(b"\x1c")
    t.expect("Quit")
    t.send("exit 4\n")
    assert t.wait() == 4, t.out
    assert b"no job control" not in t.out


def test_job_control_ctrl_z_and_fg(term, debian_distro):
    t = term("-d", debian_distro.name)
    cmd, ready = foreground_sleep()
    t.send(f"{cmd}\n")
    t.expect(ready)
    t.send(b"\x1a")
    t.expect(r"Stopped\s+sh -c")
    cmd, listed = echo_marker()
    t.send(f"jobs -l; {cmd}\n")
    t.expect(r"\d+ Stopped\s+sh -c")
    t.expect(listed)
    t.send("fg\n")
    t.expect(r"sh -c [^\r]*\r\n")
    t.send(b"\x03")
    cmd, back = echo_marker()
    t.send(f"{cmd}; jobs | wc -l\n")
    t.expect(rf"{back}\r\n0\r\n")
    t.send("exit\n")
    assert t.wait() == 0, t.out
    assert b"no job control" not in t.out


def test_full_screen_editor(term, busybox_distro):
    name = f"/tmp/vi-{uuid.uuid4().hex[:8]}"
    t = term("-d", busybox_distro.name, "-e", "vi", name, rows=20, cols=70)
    # vi draws its empty-buffer lines ("~") once it runs on the terminal; each key is awaited.
    t.expect(r"~")
    t.send("i")
    t.expect(r"I " + name)
    t.send("hello from vi")
    t.expect(r"hello from vi")
    t.send(b"\x1b")
    t.expect(r"- " + name)
    t.send(":wq\r")
    assert t.wait() == 0, t.out
    assert busybox_distro.out("cat", name) == "hello from vi\n"


def test_full_screen_top(term, busybox_distro):
    t = term("-d", busybox_distro.name, "-e", "top", "-n", "1", rows=20, cols=90)
    assert t.wait() == 0, t.out
    assert b"PID" in t.out and b"top" in t.out


# ------------------------------------------------------------------ lsl's own terminal

def test_terminal_restored_after_exit(term, busybox_distro):
    t = term("-d", busybox_distro.name, "-e", "sh")
    cmd, done = echo_marker()
    t.send(f"{cmd}\n")
    t.expect(done)
    raw = t.termios_now()
    assert not (raw[3] & termios.ICANON) and not (raw[3] & termios.ECHO), "lsl's terminal is not raw"
    t.send("exit 9\n")
    assert t.wait() == 9, t.out
    assert t.termios_now() == t.before


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT])
def test_terminal_restored_when_lsl_is_signalled(term, busybox_distro, sig):
    t = term("-d", busybox_distro.name, "-e", "sh", "-c", "echo RE$((1+1))ADY; exec sleep 1000")
    t.expect("RE2ADY")  # relayed: the relay runs, the terminal is raw
    t.proc.send_signal(sig)
    assert t.wait() == 128 + sig, t.out
    assert t.termios_now() == t.before


def proc_state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def is_raw(attrs):
    return not (attrs[3] & termios.ICANON) and not (attrs[3] & termios.ECHO)


@pytest.mark.parametrize("stop", [signal.SIGTSTP, signal.SIGSTOP])
def test_stop_and_continue_lend_the_terminal_back(term, busybox_distro, stop):
    """Stopped, lsl leaves the terminal to the shell; continued, it takes it (raw) again."""
    t = term("-d", busybox_distro.name, "-e", "sh")
    cmd, done = echo_marker()
    t.send(f"{cmd}\n")
    t.expect(done)
    t.proc.send_signal(stop)
    wait_for(lambda: proc_state(t.proc.pid) == "T", "lsl to stop")
    if stop == signal.SIGTSTP:
        assert t.termios_now() == t.before, "lsl stopped with its terminal still raw"
    # What a shell does when its job stops: its own settings back.
    termios.tcsetattr(t.slave, termios.TCSANOW, t.before)
    t.proc.send_signal(signal.SIGCONT)
    wait_for(lambda: is_raw(t.termios_now()), "lsl to make its terminal raw again")
    cmd, done = echo_marker()
    t.send(f"{cmd}\n")
    t.expect(done)
    t.send("exit 3\n")
    assert t.wait() == 3, t.out
    assert t.termios_now() == t.before


def test_background_job_leaves_the_terminal_alone(term, lsl, busybox_distro):
    """`lsl CMD &` from an interactive shell: no pty, no raw mode, nothing read from the terminal."""
    t = term(program=["bash", "--norc", "--noprofile", "-i"])
    t.send(f"{lsl.bin} -d {busybox_distro.name} -e sh -c 'tty; echo BG$((1+1))' & wait; echo W$((2+2))\n")
    t.expect(r"not a tty\r\nBG2\r\n")
    t.expect("W4")
    t.send("exit\n")
    assert t.wait() == 0, t.out
    assert t.termios_now() == t.before


def test_typed_eof_ends_cat(term, busybox_distro):
    t = term("-d", busybox_distro.name, "-e", "cat")
    t.send("some input\n")
    t.expect(r"some input\r\nsome input\r\n")  # the pty's echo, then cat's copy
    t.send(b"\x04")
    assert t.wait() == 0, t.out


# ------------------------------------------------------------------ which fds are the terminal

def test_stdout_terminal_stdin_pipe(term, busybox_distro):
    """stdin a pipe: no pty (the default follows stdin); stdout is the caller's terminal itself."""
    r, w = os.pipe()
    try:
        t = term("-d", busybox_distro.name, "-e", "sh", "-c",
                 "tty; readlink /proc/self/fd/0; stat -L -c %t:%T /proc/self/fd/1; cat", stdin=r)
        os.close(r)
        r = -1
        os.write(w, b"piped\n")
        os.close(w)
        w = -1
        assert t.wait() == 0, t.out
    finally:
        for fd in (r, w):
            if fd >= 0:
                os.close(fd)
    lines = t.out.decode().splitlines()
    assert lines[0] == "not a tty"
    assert lines[1].startswith("pipe:")
    assert lines[2] == rdev_of(t.slave)
    assert lines[3] == "piped"


def test_stdout_terminal_stdin_pipe_with_tty_option(term, busybox_distro):
    """--tty: the pty stands for stdout and stderr (the terminals); stdin stays the pipe."""
    t = term("--tty", "-d", busybox_distro.name, "-e", "sh", "-c",
             "readlink /proc/self/fd/0; tty </proc/self/fd/1", stdin=subprocess.DEVNULL)
    assert t.wait() == 0, t.out
    # stdin is no terminal: lsl's stays as it is, and it adds its own CR to the pty's CR LF.
    lines = re.split(r"\r+\n", t.out.decode())
    assert lines[0] == "/dev/null"
    assert PTS.fullmatch(lines[1].encode())


def test_stdin_terminal_stdout_pipe(term, busybox_distro):
    r, w = os.pipe()
    pipe_ino = os.fstat(r).st_ino
    try:
        t = term("-d", busybox_distro.name, "-e", "sh", "-c",
                 "tty; readlink /proc/self/fd/1; printf 'a\\nb\\n'; echo to-stderr >&2", stdout=w)
        os.close(w)
        w = -1
        assert t.wait() == 0, t.out
        piped = b""
        while chunk := os.read(r, 65536):
            piped += chunk
    finally:
        for fd in (r, w):
            if fd >= 0:
                os.close(fd)
    lines = piped.decode().split("\n")
    assert PTS.fullmatch(lines[0].encode()), piped  # stdin is the pty: tty names it
    assert lines[1] == f"pipe:[{pipe_ino}]"
    assert lines[2:4] == ["a", "b"]  # the pipe gets the bytes as written, no CR added
    # stderr is the pty, shown on lsl's terminal (which keeps its own CR LF: stdout is not the pty).
    assert re.search(rb"to-stderr\r+\n", t.out)


def test_tty_option_without_any_terminal(lsl, busybox_distro):
    p = lsl("--tty", "-d", busybox_distro.name, "-e", "sh", "-c", "tty; cat",
            input=b"line one\nno newline", text=False)
    out = p.stdout.decode()
    assert re.search(r"/dev/pts/\d+\r\n", out), out
    # The input is echoed by the pty, then copied by cat; EOF after a partial line ends cat.
    assert out.count("line one\r\n") == 2
    assert out.count("no newline") == 2


def test_tty_option_stdin_dev_null(lsl, busybox_distro):
    p = lsl("--tty", "-d", busybox_distro.name, "-e", "sh", "-c", "cat; echo after-eof",
            stdin=subprocess.DEVNULL, text=False)
    assert p.stdout == b"after-eof\r\n"


def test_no_tty_option_with_a_terminal(term, busybox_distro):
    t = term("-T", "-d", busybox_distro.name, "-e", "sh", "-c",
             "test -t 0 && stat -L -c %t:%T /proc/self/fd/0; echo $(tty)")
    assert t.wait() == 0, t.out
    lines = t.out.decode().splitlines()
    # The caller's own terminal, passed through: not a pty of the distribution.
    assert lines[0] == rdev_of(t.slave)
    assert lines[1] == "not a tty"


# ------------------------------------------------------------------ output and exit

def test_output_just_before_exit_is_not_lost_with_pty(term, busybox_distro):
    t = term("-d", busybox_distro.name, "--", "head -c 1000000 /dev/zero | tr '\\0' x; exit 3")
    assert t.wait() == 3, t.out
    assert t.out.count(b"x") == 1000000


def test_output_just_before_exit_is_not_lost_without_pty(lsl, busybox_distro):
    p = lsl("-d", busybox_distro.name, "--", "head -c 1000000 /dev/zero | tr '\\0' x; exit 3",
            check=False)
    assert p.returncode == 3
    assert p.stdout == "x" * 1000000


def test_large_output_through_the_pty(term, busybox_distro):
    # 8 MB of lines through the relay: every byte arrives (with the pty's CR before each LF).
    t = term("-d", busybox_distro.name, "--",
             "i=0; while [ $i -lt 8 ]; do head -c 1000000 /dev/zero | tr '\\0' y | fold -w 99; "
             "i=$((i+1)); done")
    assert t.wait() == 0, t.out
    assert t.out.count(b"y") == 8000000
    assert t.out.count(b"\r\n") == t.out.count(b"\n")


def test_exit_status_through_the_pty(term, busybox_distro):
    t = term("-d", busybox_distro.name, "-e", "sh", "-c", "kill -TERM $$")
    assert t.wait() == 128 + signal.SIGTERM, t.out


# ------------------------------------------------------------------ lsl dies: the process hears it

@contextlib.contextmanager
def hangup_probe(distro):
    """A FIFO in the distribution's /run; reading it returns once a trapped SIGHUP wrote to it."""
    fifo = f"/run/hup-{uuid.uuid4().hex[:8]}"
    distro.run("mkfifo", fifo)
    # The trap first reaps the sleep: a SIGCHLD would interrupt the FIFO's open in the shell.
    script = (f"trap 'kill $! 2>/dev/null; wait; echo got-hup > {fifo}; exit 0' HUP; "
              "echo RE$((1+1))ADY; sleep 1000 & wait")
    try:
        yield fifo, script
    finally:
        distro.run("rm", "-f", fifo, check=False)


@pytest.mark.parametrize("with_pty", [True, False])
def test_sigkill_of_lsl_hangs_the_process_up(lsl, term, busybox_distro, with_pty):
    with hangup_probe(busybox_distro) as (fifo, script):
        if with_pty:
            t = term("-d", busybox_distro.name, "-e", "sh", "-c", script)
            t.expect("RE2ADY")
            proc = t.proc
        else:
            proc = lsl.popen("-d", busybox_distro.name, "-e", "sh", "-c", script,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert proc.stdout.readline() == b"RE2ADY\n"
        proc.kill()
        proc.wait()
        if not with_pty:
            proc.stdout.close()
        # Blocks until the trap writes: the process got SIGHUP (a bound on hangs, not a timing).
        assert busybox_distro.out("cat", fifo) == "got-hup\n"


def test_terminal_hang_up_reaches_the_process(term, busybox_distro):
    with hangup_probe(busybox_distro) as (fifo, script):
        t = term("-d", busybox_distro.name, "-e", "sh", "-c", script)
        t.expect("RE2ADY")
        t.hang_up()
        assert t.proc.wait(timeout=CALL_TIMEOUT) == 128 + signal.SIGHUP
        assert busybox_distro.out("cat", fifo) == "got-hup\n"


def test_signals_forwarded_without_pty(lsl, busybox_distro):
    proc = lsl.popen("-d", busybox_distro.name, "-e", "sh", "-c",
                     "trap 'echo got-usr1' USR1; echo RE$((1+1))ADY; sleep 1000 & wait; "
                     "sleep 1000 & wait", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"RE2ADY\n"
        proc.send_signal(signal.SIGUSR1)
        assert proc.stdout.readline() == b"got-usr1\n"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=CALL_TIMEOUT) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


# ------------------------------------------------------------------ through tmux

class Tmux:
    """A private tmux server (its own socket name); the pane's output streams into a FIFO."""

    def __init__(self, lsl, tmpdir):
        self.socket = f"lsl-e2e-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.env = dict(lsl.env, TERM="xterm-256color")
        self.dir = tmpdir
        self.fifo = tmpdir / "pane.fifo"
        os.mkfifo(self.fifo)
        self.reader = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.out = b""
        self.pos = 0
        self.started = False

    def __call__(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], env=self.env,
                              check=True, capture_output=True, text=True, timeout=CALL_TIMEOUT).stdout

    def start(self, argv, rows, cols):
        """Run argv in a pane; the wrapper records the terminal's settings around it and its status."""
        wrapper = ('read go; stty -g > "$0/before"; "$@"; rc=$?; stty -g > "$0/after"; '
                   'echo "EX""IT=$rc"; read done')
        self("new-session", "-d", "-s", "main", "-x", str(cols), "-y", str(rows),
             "sh", "-c", wrapper, str(self.dir), *argv)
        self.started = True
        self("set-option", "-t", "main", "status", "off")
        self("pipe-pane", "-t", "main", f"cat > {self.fifo}")
        self.keys("Enter")

    def keys(self, *keys):
        self("send-keys", "-t", "main", *keys)

    def type(self, text):
        self("send-keys", "-t", "main", "-l", text)
        self.keys("Enter")

    def pane_size(self):
        return self("display-message", "-p", "-t", "main", "#{pane_height} #{pane_width}").strip()

    def expect(self, pattern):
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            ready, _, _ = select.select([self.reader], [], [], CALL_TIMEOUT)
            assert ready, f"{pattern!r} never came; the pane showed: {self.out[-3000:]!r}"
            data = os.read(self.reader, 65536)
            assert data, f"the pane closed before {pattern!r}; it showed: {self.out[-3000:]!r}"
            self.out += data

    def close(self):
        if self.started:
            subprocess.run(["tmux", "-L", self.socket, "kill-server"], env=self.env,
                           capture_output=True, timeout=CALL_TIMEOUT)
        os.close(self.reader)
        for marker in SANITIZER_MARKERS:
            assert marker.encode() not in self.out, self.out.decode(errors="replace")


@pytest.fixture
def tmux(lsl, workdir):
    t = Tmux(lsl, workdir)
    yield t
    t.close()


def test_tmux_session(tmux, lsl, debian_distro):
    tmux.start([str(lsl.bin), "-d", debian_distro.name], rows=30, cols=100)
    cmd, done = echo_marker()
    tmux.type(f"tty; {cmd}")
    tmux.expect(rb"/dev/pts/\d+\r\n" + done.encode())
    ask_size_until(tmux.type, tmux.expect, tmux.pane_size())

    tmux("resize-window", "-t", "main", "-x", "87", "-y", "23")
    assert tmux.pane_size() == "23 87"
    ask_size_until(tmux.type, tmux.expect, "23 87")

    cmd, ready = foreground_sleep()
    tmux.type(cmd)
    tmux.expect(ready)
    tmux.keys("C-c")
    cmd, alive = echo_marker()
    tmux.type(cmd)
    tmux.expect(alive)
    tmux.type("exit 6")
    tmux.expect("EXIT=6")
    assert (tmux.dir / "before").read_text() == (tmux.dir / "after").read_text()


def test_tmux_lsl_killed_restores_terminal(tmux, lsl, busybox_distro):
    tag = f": tag-{uuid.uuid4().hex}; exec sh"
    argv = [str(lsl.bin), "-d", busybox_distro.name, "-e", "sh", "-c", tag]
    tmux.start(argv, rows=24, cols=80)
    cmd, done = echo_marker()
    tmux.type(cmd)
    tmux.expect(done)
    want = ("\0".join(argv) + "\0").encode()
    mine = [p for p in lsl.processes() if proc_read(p, "cmdline", binary=True) == want]
    assert len(mine) == 1, mine
    os.kill(mine[0], signal.SIGTERM)
    tmux.expect(f"EXIT={128 + signal.SIGTERM}")
    assert (tmux.dir / "before").read_text() == (tmux.dir / "after").read_text()
