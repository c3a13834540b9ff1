"""What lsl creates on the host has the narrowest modes that work, and a non-root user reaches
nothing of a distribution through it: the runtime directory (service socket, lock, log, mount
points), the state directory (registry, distribution locations), and the running distribution's
processes."""

import errno
import os
import socket
import stat
import struct

import pytest

import proto
from conftest import host_pid_of, import_distro

NOBODY = 65534

# name (relative to the runtime or state directory) -> the mode it must have exactly.
RUNTIME_MODES = {
    ".": 0o755,              # non-root callers must reach service.sock to be told they are refused
    "service.sock": 0o666,   # the same; every request but HELLO is refused for them
    "service.lock": 0o600,
    "lslservice.log": 0o600,  # names, paths and commands of root's distributions
}
STATE_MODES = {
    ".": 0o700,
    "registry": 0o600,
}


def as_nobody(fn, *args):
    """Run fn(*args) in a forked child with uid/gid nobody and no groups; returns its result
    (an int, a short string, or the errno of an OSError as 'errno:N')."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            out = repr(fn(*args))
        except OSError as e:
            out = f"'errno:{e.errno}'"
        except BaseException as e:  # noqa: BLE001: reported to the parent
            out = repr(f"exception:{e!r}")
        os.write(w, out.encode()[:4000])
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 4096):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return eval(data.decode())  # our own repr()


def read_file(path):
    with open(path, "rb") as f:
        return len(f.read())


def list_dir(path):
    return len(os.listdir(path))


def walk(top):
    """Every path under top (top included), without following symlinks."""
    yield top
    for dirpath, dirnames, filenames in os.walk(top):
        for n in dirnames + filenames:
            yield os.path.join(dirpath, n)


@pytest.fixture
def running(fresh, busybox_tar):
    """A private instance with a directory distribution running, plus one under the state dir."""
    d = import_distro(fresh, busybox_tar(".tar"), location=fresh.work / "loc")
    d.run("true")
    return fresh, d


def test_runtime_and_state_modes(running):
    lsl, d = running
    for rel, mode in RUNTIME_MODES.items():
        st = os.lstat(lsl.runtime / rel)
        assert stat.S_IMODE(st.st_mode) == mode, f"{lsl.runtime / rel}: {oct(st.st_mode)}, want {oct(mode)}"
        assert st.st_uid == 0
    for rel, mode in STATE_MODES.items():
        st = os.lstat(lsl.state / rel)
        assert stat.S_IMODE(st.st_mode) == mode, f"{lsl.state / rel}: {oct(st.st_mode)}, want {oct(mode)}"
        assert st.st_uid == 0
    # The distribution's location: root only (another system's setuid programs and devices inside).
    assert stat.S_IMODE(os.lstat(d.location).st_mode) == 0o700


def test_nothing_world_writable_or_unexpectedly_readable(running):
    lsl, d = running
    allowed_readable = {str(lsl.runtime), str(lsl.runtime / "service.sock"), str(lsl.runtime / "mnt-wsl")}
    problems = []
    for top in (lsl.runtime, lsl.state):
        for p in walk(str(top)):
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                problems.append(f"{p}: a symlink in lsl's own directories")
                continue
            if st.st_uid != 0:
                problems.append(f"{p}: owned by uid {st.st_uid}")
            world = st.st_mode & 0o007
            if p == str(lsl.runtime / "service.sock"):
                continue
            if world & 0o002:
                problems.append(f"{p}: world-writable ({oct(st.st_mode)})")
            if (world & 0o004) and p not in allowed_readable:
                problems.append(f"{p}: world-readable ({oct(st.st_mode)})")
    assert not problems, "\n".join(problems)


def test_no_secret_in_lsl_files(running):
    """Nothing like a credential is kept: the files hold names, paths and settings only."""
    lsl, d = running
    for top in (lsl.runtime, lsl.state):
        for p in walk(str(top)):
            if os.path.isfile(p) and not os.path.islink(p):
                text = open(p, "rb").read(1 << 20).lower()
                for word in (b"password", b"secret", b"token", b"cookie", b"private key"):
                    assert word not in text, f"{p} mentions {word!r}"


def test_nobody_cannot_read_the_registry_or_log(running):
    lsl, d = running
    assert as_nobody(read_file, str(lsl.state / "registry")) == f"errno:{errno.EACCES}"
    assert as_nobody(list_dir, str(lsl.state)) == f"errno:{errno.EACCES}"
    assert as_nobody(read_file, str(lsl.log_path())) == f"errno:{errno.EACCES}"
    assert as_nobody(read_file, str(lsl.runtime / "service.lock")) == f"errno:{errno.EACCES}"


def test_nobody_cannot_reach_a_distributions_files(running):
    lsl, d = running
    # A file anyone could read inside the distribution is still out of reach from the host.
    assert os.stat(d.rootfs / "etc" / "os-release").st_mode & 0o004
    for path in (d.rootfs / "etc" / "os-release", d.location / "rootfs"):
        got = as_nobody(read_file if path.name != "rootfs" else list_dir, str(path))
        assert got == f"errno:{errno.EACCES}", f"nobody reached {path}: {got}"
    # Nor through the running distribution's processes (their root and cwd links).
    ns = d.pid_ns()
    init = host_pid_of(ns, 1)
    assert init
    for link in ("root", "cwd"):
        got = as_nobody(list_dir, f"/proc/{init}/{link}/")
        assert got == f"errno:{errno.EACCES}", f"nobody listed /proc/{init}/{link}: {got}"
    assert as_nobody(list_dir, str(lsl.runtime / "mnt-wsl")) == 0


def nobody_requests(path, name):
    """As nobody: every request type, with fds where they take some; returns the statuses."""
    statuses = {}
    for msg_type, body, nfds in (
            (proto.LIST, proto.Builder(proto.LIST).finish(seq=2), 0),
            (proto.RUN, proto.Builder(proto.RUN).set(flags=proto.RUN_SHELL).str("distribution", name)
             .strv("argv", ["-c", "touch /tmp/nobody-was-here"]).finish(seq=2), 4),
            (proto.IMPORT, proto.Builder(proto.IMPORT).str("name", "x").str("location", "/tmp/x")
             .finish(seq=2), 1),
            (proto.TERMINATE, proto.Builder(proto.TERMINATE).str("name", name).finish(seq=2), 0),
            (proto.UNREGISTER, proto.Builder(proto.UNREGISTER).str("name", name).finish(seq=2), 0),
            (proto.SHUTDOWN, proto.Builder(proto.SHUTDOWN).finish(seq=2), 0)):
        c = proto.Conn(path, timeout=60)
        fds = []
        for _ in range(nfds):
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            fds.append((a, b))
        c.send(body, [b.fileno() for _, b in fds])
        for _, b in fds:
            b.close()
        r = c.recv()
        statuses[msg_type] = (r.type, r.body.status) if r is not None and r.body is not None else None
        c.close()
        for a, _ in fds:
            a.settimeout(60)
            # The service closed what it was given: our end sees EOF.
            assert a.recv(16) == b"", "the service kept an fd of a refused request"
            a.close()
    return statuses


def test_nobody_refused_every_request(running):
    lsl, d = running
    pid = lsl.service_pid()
    statuses = as_nobody(nobody_requests, str(lsl.socket_path()), d.name)
    assert isinstance(statuses, dict), statuses
    for msg_type, got in statuses.items():
        assert got == (proto.RESULT, -errno.EPERM), f"request {msg_type} as nobody: {got}"
    assert lsl.service_pid() == pid
    assert not (d.rootfs / "tmp" / "nobody-was-here").exists()
    assert d.name in lsl.names_listed()


def test_installed_location_under_the_state_dir(fresh, busybox_tar):
    """A distribution stored under LSL_STATE_DIR (as --install does): nothing of it readable by others."""
    lsl = fresh
    d = import_distro(lsl, busybox_tar(".tar"), location=lsl.state / "distributions" / "bb")
    d.run("true")
    assert stat.S_IMODE(os.lstat(d.location).st_mode) == 0o700
    assert as_nobody(read_file, str(d.rootfs / "etc" / "os-release")) == f"errno:{errno.EACCES}"


def test_hello_identity_is_not_a_secret(lsl):
    """HELLO, answered for anyone, carries only the protocol version, pid, identity and version."""
    lsl.ensure_service()
    with lsl.connect() as c:
        c.send(proto.hello())
        r = c.recv()
    fixed = struct.calcsize("<IIQIiII")
    strings = [s for s in r.data[fixed:].split(b"\0") if s]
    assert len(strings) <= 2, strings
