"""Fixtures for lsl's end-to-end tests.

The suite drives an installed lsl ($LSL_PREFIX/bin/lsl) as root against
isolated instances: each has its own LSL_STATE_DIR and LSL_RUNTIME_DIR under
a fresh temporary directory, so it never meets the machine's own /var/lib/lsl
or /run/lsl. When an instance is torn down, lsl --shutdown runs and the host
must be clean: no mount under the instance's directory, no cgroup of the
instance, no process of the instance.
"""

import contextlib
import itertools
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

import proto
import rootfs

CACHE_DIR = Path(os.environ.get("LSL_TEST_CACHE_DIR", "/var/cache/lsl-tests"))
CALL_TIMEOUT = 120  # seconds: a bound on hangs, never a performance expectation
EXIT_TIMEOUT = 60   # seconds: how long a process may take to go away once told to
REPO = Path(__file__).resolve().parents[2]

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "AddressSanitizer:DEADLYSIGNAL")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running (network, debootstrap); runs last")


def pytest_collection_modifyitems(config, items):
    # Slow tests still run, after every fast one (a stable sort keeps the rest in order).
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)


# ---------------------------------------------------------------- host inspection

def fnv1a32(text):
    h = 2166136261
    for b in text.encode():
        h ^= b
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def cgroup_base_for(runtime_dir):
    """The cgroup lsl puts an instance's distributions under (lsl_cgroup_base())."""
    if str(runtime_dir) == "/run/lsl":
        return "lsl"
    return "lsl-%08x" % fnv1a32(str(runtime_dir))


def cgroup2_root():
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        return Path("/sys/fs/cgroup")
    return Path("/sys/fs/cgroup/unified")


def cgroup_dirs_named(base):
    """Every directory called base at the top of any cgroup hierarchy."""
    found = []
    roots = [Path("/sys/fs/cgroup")]
    try:
        roots += [p for p in Path("/sys/fs/cgroup").iterdir() if p.is_dir()]
    except OSError:
        pass
    for r in roots:
        if (r / base).is_dir():
            found.append(r / base)
    return found


def mountinfo_lines(mentioning, mountinfo="/proc/self/mountinfo"):
    """Lines of a mountinfo file that name the path `mentioning` or anything below it."""
    pattern = re.compile(re.escape(str(mentioning).rstrip("/")) + r"(/|\s|$)")
    with open(mountinfo) as f:
        return [line.rstrip("\n") for line in f if pattern.search(_unescape_mountinfo(line))]


def _unescape_mountinfo(line):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line)


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def proc_read(pid, name, binary=False):
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            data = f.read()
        return data if binary else data.decode(errors="replace")
    except OSError:
        return None


def proc_exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def fd_count(pid):
    """How many fds pid holds."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def proc_ppid(pid):
    status = proc_read(pid, "status") or ""
    m = re.search(r"^PPid:\s+(\d+)", status, re.M)
    return int(m.group(1)) if m else None


def proc_ns(pid, ns):
    try:
        return os.readlink(f"/proc/{pid}/ns/{ns}")
    except OSError:
        return None


def pids_in_ns(ns_link, ns="pid"):
    return [p for p in all_pids() if proc_ns(p, ns) == ns_link]


def host_pid_of(ns_link, inner_pid):
    """Host pid of the process known as inner_pid inside the pid namespace ns_link."""
    for pid in pids_in_ns(ns_link):
        m = re.search(r"^NSpid:\s+(.*)$", proc_read(pid, "status") or "", re.M)
        if m and m.group(1).split()[-1] == str(inner_pid):
            return pid
    return None


def under(path, prefix):
    prefix = str(prefix).rstrip("/") + "/"
    return path is not None and (path + "/").startswith(prefix)


def wait_gone(pids, timeout=EXIT_TIMEOUT):
    """Block (on pidfds) until every pid has exited; return those still alive."""
    fds = {}
    for pid in pids:
        try:
            fds[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            pass
    alive = []
    try:
        pending = set(fds)
        if pending:
            deadline = time.monotonic() + timeout
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                ready, _, _ = select.select(list(pending), [], [], left)
                pending -= set(ready)
        alive = [fds[fd] for fd in pending]
    finally:
        for fd in fds:
            os.close(fd)
    return alive


def pid_alive(pid):
    return os.path.exists(f"/proc/{pid}") and "State:\tZ" not in (proc_read(pid, "status") or "")


# ---------------------------------------------------------------- an lsl instance

class LslFailed(AssertionError):
    pass


def _one_line(text):
    return text if len(text) < 4000 else text[:4000] + "...(cut)"


class Instance:
    """One isolated lsl: its own state and runtime directories, same installed programs."""

    def __init__(self, prefix, root):
        self.prefix = Path(prefix)
        self.root = Path(root)
        os.chmod(self.root, 0o755)  # non-root callers must reach service.sock
        self.state = self.root / "state"
        self.runtime = self.root / "run"
        self.cache = CACHE_DIR
        self.work = self.root / "work"
        self.work.mkdir()
        self.bin = self.prefix / "bin" / "lsl"
        self.libexec = self.prefix / "libexec" / "lsl"
        self.base = cgroup_base_for(self.runtime)
        self.env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "LSL_STATE_DIR": str(self.state),
            "LSL_RUNTIME_DIR": str(self.runtime),
            "LSL_CACHE_DIR": str(self.cache),
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1"),
            "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
        }
        if os.environ.get("LSL_DEBUG"):
            self.env["LSL_DEBUG"] = os.environ["LSL_DEBUG"]
        self.names = itertools.count()

    # -- running lsl

    def command(self, *args, as_nobody=False, binary=None):
        cmd = [str(binary or self.bin), *map(str, args)]
        if as_nobody:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", *cmd]
        return cmd

    def __call__(self, *args, input=None, check=True, env=None, timeout=CALL_TIMEOUT,
                 stdin=None, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                 cwd=None, as_nobody=False, binary=None):
        """Run lsl; returns the CompletedProcess. check=True fails the test on a non-zero exit."""
        full_env = dict(self.env)
        if env:
            for k, v in env.items():
                if v is None:
                    full_env.pop(k, None)
                else:
                    full_env[k] = v
        if input is None and stdin is None:
            stdin = subprocess.DEVNULL
        cmd = self.command(*args, as_nobody=as_nobody, binary=binary)
        p = subprocess.run(cmd, input=input, stdin=stdin, stdout=stdout, stderr=stderr,
                           env=full_env, timeout=timeout, text=text, cwd=cwd)
        err = p.stderr if isinstance(p.stderr, str) else (p.stderr or b"").decode(errors="replace")
        for marker in SANITIZER_MARKERS:
            if marker in (err or ""):
                raise LslFailed(f"sanitizer report from {cmd}:\n{err}")
        if check and p.returncode != 0:
            raise LslFailed(
                f"{' '.join(cmd)} exited {p.returncode}\nstdout: {_one_line(str(p.stdout))}\n"
                f"stderr: {_one_line(err)}\nservice log tail:\n{self.log_tail()}")
        return p

    def popen(self, *args, env=None, as_nobody=False, binary=None, **kw):
        full_env = dict(self.env)
        full_env.update(env or {})
        kw.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.Popen(self.command(*args, as_nobody=as_nobody, binary=binary),
                                env=full_env, **kw)

    # -- state

    def unique_name(self, stem="t"):
        return f"{stem}-{next(self.names)}-{uuid.uuid4().hex[:6]}"

    def registry_path(self):
        return self.state / "registry"

    def registry_bytes(self):
        try:
            return self.registry_path().read_bytes()
        except FileNotFoundError:
            return None

    def log_path(self):
        return self.runtime / "lslservice.log"

    def log(self):
        try:
            return self.log_path().read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=15):
        return "\n".join(self.log().splitlines()[-n:])

    def registered_in_file(self):
        data = self.registry_bytes() or b""
        return [line.split(b"\t")[1].decode() for line in data.splitlines()
                if line.startswith(b"distribution\t")]

    def names_listed(self, *flags):
        """Names `lsl --list --quiet` prints (lsl may refuse to list when nothing is registered)."""
        p = self("--list", "--quiet", *flags, check=False)
        if p.returncode != 0:
            assert not self.registered_in_file(), \
                f"lsl --list failed with distributions registered: {p.stderr}"
            return []
        return [line.strip() for line in p.stdout.splitlines() if line.strip()]

    def socket_path(self):
        return self.runtime / "service.sock"

    def connect(self, timeout=60):
        return proto.Conn(self.socket_path(), timeout=timeout)

    def service_info(self):
        """HELLO's answer from the running service, or None when none is listening."""
        try:
            with self.connect() as c:
                return c.hello()
        except (FileNotFoundError, ConnectionRefusedError):
            return None

    def service_pid(self):
        info = self.service_info()
        return info["pid"] if info else None

    def ensure_service(self):
        self("--list", check=False)
        pid = self.service_pid()
        assert pid, f"no service answers after lsl ran\n{self.log_tail()}"
        return pid

    def processes(self):
        """Pids of every process belonging to this instance."""
        mine = set()
        runtime_entry = b"LSL_RUNTIME_DIR=" + str(self.runtime).encode()
        svc = None
        try:
            svc = self.service_pid() if self.socket_path().exists() else None
        except (OSError, AssertionError):
            svc = None
        pids = [p for p in all_pids() if p != os.getpid()]
        for pid in pids:
            environ = proc_read(pid, "environ", binary=True) or b""
            if runtime_entry in environ.split(b"\0"):
                mine.add(pid)
                continue
            cg = proc_read(pid, "cgroup") or ""
            if re.search(rf"/{re.escape(self.base)}(/|$)", cg, re.M):
                mine.add(pid)
        if svc:
            mine.add(svc)
        # Descendants of anything found (init, session leaders, user processes).
        changed = True
        while changed:
            changed = False
            for pid in pids:
                if pid not in mine and proc_ppid(pid) in mine:
                    mine.add(pid)
                    changed = True
        return {p for p in mine if pid_alive(p)}

    def mini_init_pid(self):
        for pid in self.processes():
            exe = proc_exe(pid)
            if exe and exe.endswith("/mini_init"):
                return pid
        return None

    # -- teardown

    def close(self, check_prefix_processes=False):
        problems = []
        before = self.processes()
        p = None
        try:
            p = self("--shutdown", check=False, timeout=CALL_TIMEOUT)
            if p.returncode != 0:
                problems.append(f"lsl --shutdown exited {p.returncode}: {p.stderr.strip()}")
        except (subprocess.TimeoutExpired, LslFailed) as e:
            problems.append(f"lsl --shutdown failed: {e}")
        # lsl --shutdown may have started a service just to stop it: wait for that too.
        alive = wait_gone(before | self.processes())
        if alive:
            problems.append("processes still running after lsl --shutdown: " + ", ".join(
                f"{pid} ({proc_exe(pid)})" for pid in alive))
        left = self.processes()
        if left:
            problems.append("processes of the instance left: " + ", ".join(
                f"{pid} ({proc_exe(pid)})" for pid in sorted(left)))
        if check_prefix_processes:
            strays = [pid for pid in all_pids() if pid_alive(pid) and under(proc_exe(pid), self.prefix)]
            if strays:
                problems.append("processes running from the installation left: " + ", ".join(
                    f"{pid} ({proc_exe(pid)})" for pid in strays))
        mounts = mountinfo_lines(self.root)
        if mounts:
            problems.append("mounts left on the host:\n  " + "\n  ".join(mounts))
        cgroups = cgroup_dirs_named(self.base)
        if cgroups:
            problems.append("cgroups left: " + ", ".join(map(str, cgroups)))
        log = self.log()
        for marker in SANITIZER_MARKERS:
            if marker in log:
                problems.append(f"sanitizer report in {self.log_path()}:\n{log[-6000:]}")
                break

        # Leave the machine clean even when the checks failed.
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_gone(self.processes())
        for line in sorted(mountinfo_lines(self.root), key=len, reverse=True):
            subprocess.run(["umount", "-l", _unescape_mountinfo(line).split()[4]], check=False)
        for cg in cgroups:
            for d in sorted(cg.rglob("*"), key=lambda x: len(str(x)), reverse=True):
                if d.is_dir():
                    try:
                        d.rmdir()
                    except OSError:
                        pass
            try:
                cg.rmdir()
            except OSError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
        if problems:
            raise AssertionError("the instance did not leave the host clean:\n- " + "\n- ".join(problems))


class Distro:
    """A registered distribution and how to run things in it."""

    def __init__(self, lsl, name, location):
        self.lsl = lsl
        self.name = name
        self.location = Path(location)

    @property
    def rootfs(self):
        return self.location / "rootfs"

    def run(self, *argv, **kw):
        """argv executed directly (lsl -d NAME -e ...)."""
        return self.lsl("-d", self.name, "-e", *argv, **kw)

    def sh(self, cmdline, **kw):
        """cmdline through the distribution's shell (lsl -d NAME -- ...)."""
        return self.lsl("-d", self.name, "--", cmdline, **kw)

    def out(self, *argv, **kw):
        return self.run(*argv, **kw).stdout

    def pid_ns(self):
        return self.out("readlink", "/proc/self/ns/pid").strip()

    def terminate(self, check=True):
        return self.lsl("--terminate", self.name, check=check)

    @contextlib.contextmanager
    def hold(self):
        """Keep the distribution running (a process of the user's inside) for a while."""
        proc = self.lsl.popen("-d", self.name, "-e", "sh", "-c", "echo started $$; exec sleep 1000000",
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            assert line.startswith("started "), f"holder did not start: {line!r} {proc.stderr.read()}"
            proc.inner_pid = int(line.split()[1])  # its pid inside the distribution
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def prefix():
    value = os.environ.get("LSL_PREFIX")
    if not value:
        pytest.fail("LSL_PREFIX is not set: point it at an lsl installation prefix "
                    "(scripts/test.sh does this)", pytrace=False)
    p = Path(value).resolve()
    if not os.access(p / "bin" / "lsl", os.X_OK):
        pytest.fail(f"{p}/bin/lsl is missing or not executable", pytrace=False)
    if os.geteuid() != 0:
        pytest.fail("the end-to-end tests must run as root", pytrace=False)
    return p


@pytest.fixture(scope="session")
def session_tmp():
    d = Path(tempfile.mkdtemp(prefix="lsl-e2e-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def new_instance(prefix):
    return Instance(prefix, tempfile.mkdtemp(prefix="lsl-e2e-inst-"))


@pytest.fixture(scope="session")
def instance(prefix):
    """The instance most tests share (it persists across tests; each test sets up what it needs)."""
    inst = new_instance(prefix)
    yield inst
    inst.close(check_prefix_processes=True)


@pytest.fixture(scope="session")
def lsl(instance):
    return instance


@pytest.fixture
def fresh(prefix):
    """A private instance for a test that needs exact global state or breaks things."""
    inst = new_instance(prefix)
    yield inst
    inst.close()


@pytest.fixture
def workdir(instance, request):
    """A scratch directory for one test, inside the shared instance's tree."""
    d = Path(tempfile.mkdtemp(prefix=re.sub(r"\W", "_", request.node.name)[:40] + ".",
                              dir=instance.work))
    yield d
    if not mountinfo_lines(d):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def busybox_tree(session_tmp):
    return rootfs.build_busybox_tree(str(session_tmp / "busybox-root"))


@pytest.fixture(scope="session")
def busybox_tar(busybox_tree, session_tmp):
    """busybox_tar(".tar.zst") -> path of the busybox rootfs in that format (made once)."""
    made = {}

    def get(suffix=".tar"):
        if suffix not in made:
            made[suffix] = rootfs.make_tar(busybox_tree, str(session_tmp / f"busybox{suffix}"), suffix)
        return made[suffix]
    return get


@pytest.fixture(scope="session")
def debian_tarball():
    return rootfs.debian_tarball(str(CACHE_DIR))


def import_distro(lsl, tarball, name=None, location=None, stem="bb"):
    name = name or lsl.unique_name(stem)
    location = Path(location or (lsl.root / "distros" / name))
    location.parent.mkdir(parents=True, exist_ok=True)
    lsl("--import", name, location, tarball)
    return Distro(lsl, name, location)


def discard_distro(d):
    d.lsl("--terminate", d.name, check=False)
    d.lsl("--unregister", d.name, check=False)
    shutil.rmtree(d.location, ignore_errors=True)


@pytest.fixture(scope="session")
def busybox_distro(instance, busybox_tar):
    """A busybox distribution registered once in the shared instance."""
    d = import_distro(instance, busybox_tar(".tar"), stem="busybox")
    yield d
    discard_distro(d)


@pytest.fixture(scope="session")
def debian_distro(instance, debian_tarball):
    """The cached debootstrap tarball imported once in the shared instance."""
    d = import_distro(instance, debian_tarball, stem="debian")
    yield d
    discard_distro(d)


@pytest.fixture
def make_distro(instance, busybox_tar):
    """make_distro(tarball=None, lsl=None, ...) -> a new distribution, removed after the test."""
    made = []

    def make(tarball=None, lsl=None, **kw):
        d = import_distro(lsl or instance, tarball or busybox_tar(".tar"), **kw)
        made.append(d)
        return d
    yield make
    for d in reversed(made):
        discard_distro(d)


# ---------------------------------------------------------------- assertions

def assert_one_error_line(p, *needles, code=1):
    """lsl failed the way bad input must: exit `code`, one 'lsl: ...' line on stderr."""
    err = p.stderr if isinstance(p.stderr, str) else p.stderr.decode(errors="replace")
    lines = [line for line in err.splitlines() if line.strip()]
    assert p.returncode == code, f"exit {p.returncode}, expected {code}; stderr: {err!r}"
    assert len(lines) == 1, f"expected one error line, got: {err!r}"
    assert lines[0].startswith("lsl: "), f"error line must start with 'lsl: ': {lines[0]!r}"
    for n in needles:
        assert n.lower() in lines[0].lower(), f"{n!r} not in {lines[0]!r}"
    return lines[0]


def snapshot(lsl, *paths):
    """What must stay unchanged when lsl refuses something."""
    listing = lsl("--list", "--verbose", check=False)
    tree = {}
    for p in paths:
        p = Path(p)
        if p.exists():
            for f in [p, *p.rglob("*")]:
                st = f.lstat()
                tree[str(f)] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)
        else:
            tree[str(p)] = None
    return {"registry": lsl.registry_bytes(), "list": (listing.returncode, listing.stdout),
            "tree": tree}


# ---------------------------------------------------------------- lifetime, faults and load (test_life, test_faults, test_load)

def wait_for(cond, what, timeout=EXIT_TIMEOUT, interval=0.05):
    """Retry cond() until it returns something true (returned), a bounded number of times."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def configured(prefix):
    """configured(idle_timeout_ms) -> a private instance whose service reads its own lsl.conf
    (LSL_CONFIG) with that [general] instanceIdleTimeout; inst.config is the file's path."""
    made = []

    def make(idle_timeout_ms=None, text=None):
        inst = new_instance(prefix)
        made.append(inst)
        inst.config = inst.root / "lsl.conf"
        if text is None:
            text = "" if idle_timeout_ms is None else f"[general]\ninstanceIdleTimeout = {idle_timeout_ms}\n"
        inst.config.write_text(text)
        inst.env["LSL_CONFIG"] = str(inst.config)
        return inst
    yield make
    problems = []
    for inst in made:
        try:
            inst.close()
        except AssertionError as e:
            problems.append(str(e))
    if problems:
        raise AssertionError("\n".join(problems))


def run_on_pty(lsl, *args):
    """Run lsl with stdout and stderr on a new pty; returns (exit status, everything it wrote)."""
    import pty
    master, slave = pty.openpty()
    try:
        proc = lsl.popen(*args, stdout=slave, stderr=slave)
        os.close(slave)
        slave = -1
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every writer of the terminal is gone
                break
            if not chunk:
                break
            seen += chunk
        return proc.wait(timeout=CALL_TIMEOUT), seen
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
