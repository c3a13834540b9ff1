"""Protocol abuse by a root client on the service socket (beyond test_protocol.py's malformed
messages): truncated headers carrying fds, wrong fd counts, fds of the wrong kind, thousands of
connections that never speak and callers that vanish mid-conversation. The service stays up,
answers others meanwhile, and leaks neither fds nor memory."""

import contextlib
import os
import resource
import socket
import struct
import tempfile

import pytest

import proto
from conftest import fd_count, proc_read, wait_for

Builder = proto.Builder


def vm_rss_kb(pid):
    for line in (proc_read(pid, "status") or "").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def settled_fds(pid, baseline):
    """Wait until the service holds no more fds than baseline (closing is asynchronous)."""
    return wait_for(lambda: fd_count(pid) <= baseline, f"the service's fds back to {baseline} "
                    f"(now {fd_count(pid)})")


def run_msg(distro, cmdline, seq=5, flags=proto.RUN_SHELL):
    return (Builder(proto.RUN).set(flags=flags).str("distribution", distro)
            .strv("argv", ["-c", cmdline]).strv("env", ["TERM=dumb"]).finish(seq=seq))


def still_serves(lsl, distro, pid):
    """The service that was there answers HELLO and runs a normal command."""
    with lsl.connect() as c:
        assert c.hello()["pid"] == pid, "the service crashed or was replaced"
    p = lsl("-d", distro.name, "-e", "true", check=False)
    assert p.returncode == 0, p.stderr


@pytest.fixture
def service(lsl, busybox_distro):
    """(pid, baseline fd count) of the running service, with the distribution already running."""
    busybox_distro.run("true")
    pid = lsl.ensure_service()
    return pid, fd_count(pid)


# ------------------------------------------------------------------ headers and fd counts

def pipes(n):
    made = [os.pipe() for _ in range(n)]
    return [r for r, _ in made], [w for _, w in made]


TRUNCATED = {
    "two-bytes": b"\x0e\x00",
    "header-minus-one": struct.pack("<IIQ", proto.RUN, 72, 1)[:-1],
    "header-only-run": struct.pack("<IIQ", proto.RUN, 16, 1),
    "run-cut-in-fixed-part": run_msg("x", "true")[:30],
    "run-cut-in-strings": run_msg("x", "true")[:-3],
}


@pytest.mark.parametrize("nfds", (0, 4, 64))
@pytest.mark.parametrize("case", list(TRUNCATED))
def test_truncated_message_with_fds(lsl, busybox_distro, service, case, nfds):
    """The fds riding on a message too short to be one are closed, whatever the count."""
    pid, base = service
    with lsl.connect() as c:
        proto.send_and_check_refused(c, TRUNCATED[case], nfds)
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


@pytest.mark.parametrize("nfds", (0, 3, 5, 200))
def test_run_with_wrong_fd_count(lsl, busybox_distro, service, nfds):
    pid, base = service
    with lsl.connect() as c:
        c.hello()
        proto.send_and_check_refused(c, run_msg(busybox_distro.name, "true"), nfds)
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


def test_hello_with_fds(lsl, busybox_distro, service):
    pid, base = service
    readers, writers = pipes(3)
    with lsl.connect() as c:
        c.send(proto.hello(), writers)
        for w in writers:
            os.close(w)
        r = c.recv()
        assert r is not None and (r.type == proto.HELLO_REPLY or (r.type == proto.RESULT and r.body.status < 0)), r
    for fd in readers:
        assert proto.wait_readable(fd, 60) and os.read(fd, 1) == b""
        os.close(fd)
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


# ------------------------------------------------------------------ fds of the wrong kind

@contextlib.contextmanager
def stdio_of_kind(kind):
    """An fd to pass where a pipe end is expected, and what keeps it alive."""
    if kind == "directory":
        fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
        yield fd
        os.close(fd)
    elif kind == "o-path":
        fd = os.open("/", os.O_PATH)
        yield fd
        os.close(fd)
    elif kind == "stream-socket":
        a, b = socket.socketpair()
        b.shutdown(socket.SHUT_WR)  # a reader of it sees EOF
        yield a.fileno()
        a.close()
        b.close()
    elif kind == "listening-socket":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind("\0lsl-abuse-%d" % os.getpid())
        s.listen(1)
        yield s.fileno()
        s.close()
    elif kind == "epoll":
        import select
        ep = select.epoll()
        yield ep.fileno()
        ep.close()
    else:
        raise ValueError(kind)


class RawRun:
    """RUN spoken by hand with chosen fds; collects what comes back on the control socket."""

    def __init__(self, lsl, fds, control_fd=None, cmdline="echo hi"):
        self.conn = lsl.connect()
        self.conn.hello()
        self.ctl = None
        if control_fd is None:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            self.ctl = proto.Conn.from_socket(ours, timeout=120)
            control_fd = theirs.fileno()
            self.conn.send(run_msg(lsl.abuse_distro, cmdline, seq=3), [*fds, control_fd])
            theirs.close()
        else:
            self.conn.send(run_msg(lsl.abuse_distro, cmdline, seq=3), [*fds, control_fd])
        self.result = None
        while True:
            r = self.conn.recv()
            if r is None or r.type != proto.WARNING:
                self.result = r
                break

    def outcome(self):
        """EXIT_STATUS's exit code, PROCESS_FAILED's status, or None if the control socket closed."""
        while self.ctl is not None:
            r = self.ctl.recv()
            if r is None:
                return None
            r.close_fds()
            if r.type == proto.EXIT_STATUS:
                return ("exit", r.body.exit_code)
            if r.type == proto.PROCESS_FAILED:
                return ("failed", r.body.status)
        return None

    def close(self):
        if self.ctl:
            self.ctl.close()
        self.conn.close()


@pytest.mark.parametrize("where", ("stdin", "stdout"))
@pytest.mark.parametrize("kind", ("directory", "o-path", "stream-socket", "listening-socket", "epoll"))
def test_stdio_of_the_wrong_kind(lsl, busybox_distro, service, kind, where):
    """A non-pipe stdin/stdout: the process runs with it (and fails to use it) or the RUN is refused;
    never a crash or a hang."""
    pid, base = service
    lsl.abuse_distro = busybox_distro.name
    null = os.open("/dev/null", os.O_RDWR)
    try:
        with stdio_of_kind(kind) as odd:
            fds = [odd, null, null] if where == "stdin" else [null, odd, null]
            run = RawRun(lsl, fds, cmdline="cat >/dev/null; echo hi")
            try:
                assert run.result is not None and run.result.type == proto.RESULT, run.result
                if run.result.body.status == 0:
                    run.outcome()  # any exit code: the point is that it ends
            finally:
                run.close()
    finally:
        os.close(null)
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


@pytest.mark.parametrize("kind", ("regular-file", "directory", "pipe", "stream-socket", "dgram-socket"))
def test_control_fd_of_the_wrong_kind(lsl, busybox_distro, service, kind):
    """The control fd must be a SOCK_SEQPACKET socket: anything else is refused before a process
    starts, and nothing is written into it."""
    pid, base = service
    lsl.abuse_distro = busybox_distro.name
    marker = busybox_distro.rootfs / "tmp" / f"abuse-{kind}"
    null = os.open("/dev/null", os.O_RDWR)
    keep = []
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "regular-file":
            ctl = os.open(os.path.join(tmp, "f"), os.O_RDWR | os.O_CREAT, 0o600)
        elif kind == "directory":
            ctl = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
        elif kind == "pipe":
            r, ctl = os.pipe()
            keep.append(r)
        else:
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM if kind == "stream-socket"
                                     else socket.SOCK_DGRAM)
            keep.append(a.detach())
            ctl = b.detach()
        try:
            run = RawRun(lsl, [null, null, null], control_fd=ctl, cmdline=f"touch /tmp/abuse-{kind}")
            try:
                assert run.result is not None and run.result.type == proto.RESULT, run.result
                assert run.result.body.status < 0, f"a {kind} was accepted as the control socket"
                assert "control" in run.result.str("message"), run.result
            finally:
                run.close()
            if kind == "regular-file":
                assert os.path.getsize(os.path.join(tmp, "f")) == 0, "the service wrote into the file"
        finally:
            for fd in [ctl, null, *keep]:
                os.close(fd)
    assert not marker.exists(), "the command ran without a control socket"
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


def test_import_archive_of_the_wrong_kind(lsl, busybox_distro, service, workdir):
    pid, base = service
    before = lsl.registry_bytes()
    for fd in (os.open("/", os.O_RDONLY | os.O_DIRECTORY), os.open("/", os.O_PATH)):
        try:
            with lsl.connect() as c:
                c.hello()
                r = c.request(Builder(proto.IMPORT).str("name", lsl.unique_name("abuse"))
                              .str("location", str(workdir / "loc")).finish(seq=4), [fd])
                assert r is not None and r.type == proto.RESULT and r.body.status < 0, r
        finally:
            os.close(fd)
    assert lsl.registry_bytes() == before
    assert not (workdir / "loc").exists()
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


# ------------------------------------------------------------------ connections that never speak

def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return soft, hard


def connect_silent(path, n, batch=500):
    """n connected sockets that never send anything, opened in batches."""
    socks = []
    while len(socks) < n:
        for _ in range(min(batch, n - len(socks))):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
            s.settimeout(120)
            s.connect(str(path))
            socks.append(s)
    return socks


def test_ten_thousand_silent_connections(lsl, busybox_distro, service):
    pid, base = service
    n = 10000
    soft, hard = raise_nofile(n + 1000)
    if hard < n + 200:
        pytest.skip(f"RLIMIT_NOFILE's hard limit {hard} is below {n} connections")
    rss_before = vm_rss_kb(pid)
    socks = []
    try:
        socks = connect_silent(lsl.socket_path(), n)
        # While they are all open, others are served.
        still_serves(lsl, busybox_distro, pid)
        p = lsl("--list", "--quiet", check=False)
        assert busybox_distro.name in p.stdout
    finally:
        for s in socks:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)
    assert vm_rss_kb(pid) < rss_before + 64 * 1024, "the service kept tens of MiB after they closed"


def test_silent_connections_do_not_grow_memory(lsl, busybox_distro, service):
    """Repeated rounds of idle connections and abandoned requests: memory levels off."""
    pid, base = service
    raise_nofile(3000)
    rss = []
    for _ in range(6):
        socks = connect_silent(lsl.socket_path(), 2000)
        for s in socks[:200]:
            s.send(proto.hello())
        for s in socks[200:400]:
            s.send(run_msg(busybox_distro.name, "true")[:40])
        for s in socks:
            s.close()
        settled_fds(pid, base)
        rss.append(vm_rss_kb(pid))
    # No tight bound: the last rounds must not keep adding what the first ones took.
    assert rss[-1] <= rss[1] + 16 * 1024, f"VmRSS kept growing across rounds: {rss}"
    still_serves(lsl, busybox_distro, pid)


# ------------------------------------------------------------------ callers that vanish

def test_disconnect_mid_conversation(lsl, busybox_distro, service):
    """Vanish at each point of a RUN: after sending it, after its RESULT, with the process running,
    and with a request half-answered (WARNINGs pending)."""
    pid, base = service
    null = os.open("/dev/null", os.O_RDWR)
    try:
        for stage in ("sent", "result", "running"):
            for _ in range(10):
                c = lsl.connect()
                c.hello()
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                c.send(run_msg(busybox_distro.name, "sleep 0.2"), [null, null, null, theirs.fileno()])
                theirs.close()
                if stage in ("result", "running"):
                    r = c.recv()
                    while r is not None and r.type == proto.WARNING:
                        r = c.recv()
                if stage == "running":
                    ctl = proto.Conn.from_socket(ours)
                    started = ctl.recv()
                    assert started is not None and started.type == proto.PROCESS_STARTED, started
                c.close()
                ours.close()
            # Half a message on the wire cannot exist with SOCK_SEQPACKET; a cut stream of them can.
            c = lsl.connect()
            c.sock.setblocking(False)
            for _ in range(50):
                try:
                    c.send(proto.hello())
                except BlockingIOError:
                    break
            c.close()
    finally:
        os.close(null)
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


def test_sender_that_never_reads(lsl, busybox_distro, service):
    """A caller that sends requests and never reads the replies is dropped, not served forever."""
    pid, base = service
    c = lsl.connect()
    c.sock.setblocking(False)
    sent = 0
    try:
        for _ in range(20000):
            try:
                c.send(Builder(proto.LIST).finish(seq=sent))
                sent += 1
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
        still_serves(lsl, busybox_distro, pid)
    finally:
        c.close()
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


def test_many_fds_in_one_message_are_closed(lsl, busybox_distro, service):
    """The kernel's maximum of fds on one message (253), on a message the service refuses."""
    pid, base = service
    with lsl.connect() as c:
        c.hello()
        proto.send_and_check_refused(c, Builder(proto.LIST).finish(), 253)
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)


def _nobody_flood(path, n):
    """As nobody: open n connections; return (how many the service kept, n). Each says HELLO once
    (a kept one is answered, a refused one reads EOF), then stays silent."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(60)
        s.connect(path)
        socks.append(s)
    kept = 0
    for s in socks:
        try:
            s.send(proto.hello())
            kept += len(s.recv(proto.MSG_MAX)) > 0
        except (BrokenPipeError, ConnectionResetError):
            pass
    # Hold them while the parent checks that root is still served.
    os.write(1, b"ready\n")
    os.read(0, 1)
    return kept, len(socks)


def test_non_root_cannot_exhaust_the_service(lsl, busybox_distro, service):
    """Anyone may connect; someone who is not root holding thousands of silent connections
    does not take the fds root's requests need."""
    import subprocess
    import sys
    pid, base = service
    code = ("import sys; sys.path.insert(0, %r); import test_abuse, os\n"
            "print(test_abuse._nobody_flood(%r, 3000), flush=True)\n") % (
        os.path.dirname(__file__), str(lsl.socket_path()))
    soft, hard = raise_nofile(4000)
    try:
        child = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                                  sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        assert child.stdout.readline().strip() == "ready"
        assert fd_count(pid) < base + 200, "the service holds a connection for each of them"
        still_serves(lsl, busybox_distro, pid)
        child.stdin.write("x")
        child.stdin.close()
        kept, total = eval(child.stdout.readline())
        assert total == 3000 and kept <= 100, (kept, total)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    settled_fds(pid, base)
    still_serves(lsl, busybox_distro, pid)
