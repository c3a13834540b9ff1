"""Hostile distributions: a root filesystem built to make lsl escape it, hang or crash.

Each case starts from the busybox distribution, plants something hostile in
its tree (symlinks pointing outside it, FIFOs, device nodes, huge or odd
files) and starts it. The start must either work (warnings allowed) or fail
with clear `lsl: ...` lines, always within a bound (a timeout, not a timing
assertion), and must leave the host exactly as it was: no mount changed
where the planted links point, and decoy files outside the distribution
(and the host's own /etc/hosts, /etc/hostname, /etc/resolv.conf) unchanged
down to their contents, inode and times.
"""

import hashlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from conftest import CALL_TIMEOUT

HOST_FILES = ("/etc/hosts", "/etc/hostname", "/etc/resolv.conf")
# Host mount points a planted link could aim a distribution's mount at.
SENSITIVE_MOUNTS = ("/", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/proc", "/sys", "/sys/fs/cgroup",
                    "/run", "/run/lock", "/run/user", "/mnt", "/mnt/wsl", "/mnt/host", "/etc", "/tmp", "/init",
                    *HOST_FILES)
DIRS = ("dev", "proc", "sys", "run", "mnt")
ETC_FILES = ("etc/hosts", "etc/resolv.conf", "etc/hostname")


# ------------------------------------------------------------------ the host's state

def _fingerprint_one(path):
    st = os.lstat(path)
    entry = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_size,
             st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    if stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            entry += (hashlib.sha256(f.read()).hexdigest(),)
    elif stat.S_ISLNK(st.st_mode):
        entry += (os.readlink(path),)
    return entry


def fingerprints(paths):
    """sha256 + stat of each path (following nothing), and of every entry below directories."""
    out = {}
    for p in paths:
        p = str(p)
        if not os.path.lexists(p):
            out[p] = None
            continue
        out[p] = _fingerprint_one(p)
        if os.path.isdir(p) and not os.path.islink(p):
            for dirpath, dirnames, filenames in os.walk(p):
                for n in dirnames + filenames:
                    q = os.path.join(dirpath, n)
                    out[q] = _fingerprint_one(q)
        elif os.path.islink(p):
            real = os.path.realpath(p)
            if os.path.isfile(real):
                out[p + " -> " + real] = _fingerprint_one(real)
    return out


def host_mounts(watched):
    """The host's mount entries whose mount point is sensitive or below one of `watched`."""
    found = set()
    prefixes = [str(w).rstrip("/") + "/" for w in watched]
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            if point in SENSITIVE_MOUNTS or any((point + "/").startswith(p) for p in prefixes):
                # id, parent, device, root, point, options, then optional fields and the source.
                found.add(" ".join(fields[2:6]) + " " + line.split(" - ", 1)[1].strip())
    return found


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def decoy():
    """Files and directories outside every distribution that planted links point at."""
    d = Path(tempfile.mkdtemp(prefix="lsl-hostile-decoy-"))
    for name in ("hosts", "hostname", "resolv.conf", "wsl.conf", "passwd"):
        (d / name).write_text(f"decoy {name}: must never change\n")
    (d / "init").write_text("#!/bin/sh\necho decoy init\n")
    (d / "init").chmod(0o755)
    for name in DIRS:
        (d / name).mkdir()
        (d / name / "marker").write_text(f"decoy /{name}\n")
    yield d
    shutil.rmtree(d, ignore_errors=True)


class Guard:
    """Snapshot of what must not change; check() compares."""

    def __init__(self, lsl, decoy, distro):
        self.watched = [decoy, lsl.root]
        self.paths = [decoy, *HOST_FILES]
        self.prints = fingerprints(self.paths)
        self.mounts = host_mounts(self.watched)
        self.distro = distro

    def check(self):
        after = fingerprints(self.paths)
        changed = {k: (self.prints.get(k), after.get(k)) for k in set(self.prints) | set(after)
                   if self.prints.get(k) != after.get(k)}
        assert not changed, f"files outside the distribution changed: {changed}"
        mounts = host_mounts(self.watched)
        assert mounts == self.mounts, (f"the host's mount table changed:\n+ {sorted(mounts - self.mounts)}\n"
                                       f"- {sorted(self.mounts - mounts)}")


def replace_with(path, kind, target=None):
    """Make path (inside a rootfs) a symlink to target, a FIFO or a character device."""
    if os.path.lexists(path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path, 0o644)
    elif kind == "chardev":
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    elif kind == "dir":
        os.mkdir(path)
    else:
        os.symlink(target, path)


def link_target(kind, rel, decoy, rootfs):
    """Where a planted link aims: the decoy (or the host's own file) outside the distribution."""
    name = os.path.basename(rel)
    if kind == "abs-link":
        return str(decoy / name)
    if kind == "dotdot-link":
        # Far more ../ than the tree is deep: from the host this reaches its real root.
        depth = len(Path(rootfs, rel).parts) + 8
        outside = f"etc/{name}" if rel.startswith("etc/") else str(decoy / name).lstrip("/")
        return "../" * depth + outside
    if kind == "proc-link":
        return f"/proc/self/root{decoy / name}"
    if kind == "mnt-host-link":
        # Inside a running distribution this one does lead out: automount puts the host's tree there.
        return f"/mnt/host{decoy / name}"
    return None


def start(d, *argv, user=None):
    """Start the distribution with argv; returns the CompletedProcess, checked for clear messages."""
    args = ["-d", d.name] + (["-u", user] if user else []) + list(argv)
    p = d.lsl(*args, check=False, timeout=CALL_TIMEOUT)
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    for line in lines:
        assert line.startswith("lsl: "), f"unclear message {line!r} (stderr {p.stderr!r})"
    if p.returncode != 0:
        assert any(not line.startswith("lsl: warning: ") for line in lines), \
            f"exit {p.returncode} without an error message: {p.stderr!r}"
    return p


def start_and_check(lsl, d, guard, *argv, user=None):
    try:
        return start(d, *(argv or ("-e", "echo", "ok")), user=user)
    finally:
        d.lsl("--terminate", d.name, check=False)
        guard.check()


@pytest.fixture
def hostile(lsl, make_distro, decoy):
    """hostile(mutate) -> (distro, guard): a busybox distribution changed by mutate(rootfs)."""

    def make(mutate):
        d = make_distro()
        mutate(d.rootfs)
        return d, Guard(lsl, decoy, d)
    return make


# ------------------------------------------------------------------ planted paths

KINDS = ("abs-link", "dotdot-link", "proc-link", "mnt-host-link", "fifo", "chardev")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("rel", ("init",) + DIRS)
def test_planted_path(lsl, hostile, decoy, rel, kind):
    def mutate(rootfs):
        replace_with(str(rootfs / rel), kind, link_target(kind, rel, decoy, rootfs))
    d, guard = hostile(mutate)
    p = start_and_check(lsl, d, guard)
    if p.returncode == 0:
        assert p.stdout == "ok\n"
    else:
        # The error names the path it refused.
        assert f"/{rel}" in p.stderr, p.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_planted_etc_files(lsl, hostile, decoy, kind):
    """/etc/hosts, /etc/resolv.conf and /etc/hostname are never followed out nor written through."""
    def mutate(rootfs):
        for rel in ETC_FILES:
            replace_with(str(rootfs / rel), kind, link_target(kind, rel, decoy, rootfs))
    d, guard = hostile(mutate)
    p = start_and_check(lsl, d, guard)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "ok\n"


def test_etc_itself_a_link_outside(lsl, hostile, decoy):
    def mutate(rootfs):
        keep = rootfs.parent / "etc.orig"
        os.rename(rootfs / "etc", keep)
        os.symlink(str(decoy), rootfs / "etc")
        shutil.rmtree(keep)
    d, guard = hostile(mutate)
    start_and_check(lsl, d, guard)


# ------------------------------------------------------------------ wsl.conf

def _sparse(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


WSL_CONF = {
    "fifo": lambda p: replace_with(p, "fifo"),
    "dir": lambda p: replace_with(p, "dir"),
    "chardev": lambda p: replace_with(p, "chardev"),
    "1GiB": lambda p: _sparse(p, 1 << 30),
}


@pytest.mark.parametrize("conf", ("etc/wsl.conf", "etc/wsl-distribution.conf"))
@pytest.mark.parametrize("kind", list(WSL_CONF))
def test_hostile_wsl_conf(lsl, hostile, kind, conf):
    d, guard = hostile(lambda rootfs: WSL_CONF[kind](str(rootfs / conf)))
    p = start_and_check(lsl, d, guard)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "ok\n"
    warnings = [line for line in p.stderr.splitlines() if line.startswith("lsl: warning: ")]
    assert len(warnings) == 1 and f"/{conf}" in warnings[0], p.stderr


# ------------------------------------------------------------------ /etc/passwd

# The caller's uid without reading /etc/passwd (busybox id complains about bad records).
UID_CMD = ("sh", "-c", "set -- $(grep ^Uid: /proc/self/status); echo $2")
ROOT_LINE = "root:x:0:0:root:/root:/bin/sh\n"
ALICE_LINE = "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"


def write_passwd(text):
    def mutate(rootfs):
        (rootfs / "etc" / "passwd").write_text(text)
    return mutate


def test_passwd_with_100000_users(lsl, hostile):
    users = "".join(f"u{i}:x:{10000 + i}:{10000 + i}:user {i}:/home/u{i}:/bin/sh\n" for i in range(100000))
    d, guard = hostile(write_passwd(ROOT_LINE + users + ALICE_LINE))
    p = start_and_check(lsl, d, guard, "-e", "id", "-u", user="u99999")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(10000 + 99999)
    assert start(d, "-e", "id", "-u", user="alice").stdout.strip() == "1000"
    d.lsl("--terminate", d.name, check=False)


def test_passwd_lines_without_fields(lsl, hostile):
    junk = "\n".join(["", "nofields", ":", "::::::", "::::::::::::::", "root", "alice:x",
                      "alice:x:1000", ":x:0:0::/:/bin/sh", "x" * 10000, "\x00\x01\x02", "#comment"]) + "\n"
    d, guard = hostile(write_passwd(junk + ROOT_LINE + junk + ALICE_LINE + junk))
    p = start_and_check(lsl, d, guard, "-e", *UID_CMD, user="alice")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1000"
    p = start(d, "-e", *UID_CMD)
    assert p.returncode == 0 and p.stdout.strip() == "0", p.stderr
    d.lsl("--terminate", d.name, check=False)


def test_passwd_uid_4294967295(lsl, hostile):
    """(uid_t)-1 means "leave unchanged" to setuid(): such an entry must never be used."""
    evil = "evil:x:4294967295:4294967295:evil:/:/bin/sh\nhuge:x:4294967296:0::/:/bin/sh\n"
    d, guard = hostile(write_passwd(ROOT_LINE + evil + ALICE_LINE))
    for user in ("evil", "huge", "4294967295"):
        p = start(d, "-e", "id", "-u", user=user)
        assert p.returncode != 0, f"{user}: ran as {p.stdout!r}"
        assert p.stdout == ""
        assert "lsl: " in p.stderr and user in p.stderr, p.stderr
    p = start_and_check(lsl, d, guard, "-e", "id", "-u", user="alice")
    assert p.stdout.strip() == "1000"


def test_default_user_with_uid_4294967295(lsl, hostile):
    def mutate(rootfs):
        write_passwd(ROOT_LINE + "evil:x:4294967295:4294967295:evil:/:/bin/sh\n")(rootfs)
        (rootfs / "etc" / "wsl.conf").write_text("[user]\ndefault = evil\n")
    d, guard = hostile(mutate)
    p = start_and_check(lsl, d, guard, "-e", "id", "-u")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "0"
    assert any("evil" in line for line in p.stderr.splitlines() if line.startswith("lsl: warning: ")), p.stderr


def test_default_shell_missing(lsl, hostile):
    d, guard = hostile(write_passwd("root:x:0:0:root:/root:/bin/no-such-shell\n" + ALICE_LINE))
    p = start_and_check(lsl, d, guard, "--", "echo", "ok")
    assert p.returncode != 0
    assert "/bin/no-such-shell" in p.stderr, p.stderr
    # Programs named directly do not need the shell.
    p = start_and_check(lsl, d, guard, "-e", "echo", "ok")
    assert p.returncode == 0 and p.stdout == "ok\n", p.stderr
    # Nor does the login shell hang: it fails the same way.
    p = start_and_check(lsl, d, guard)
    assert p.returncode == 0 and p.stdout == "ok\n", p.stderr
    p = start(d)
    assert p.returncode != 0 and "/bin/no-such-shell" in p.stderr, p.stderr
    d.lsl("--terminate", d.name, check=False)


PASSWD_KINDS = {
    "fifo": lambda p: replace_with(p, "fifo"),
    "dir": lambda p: replace_with(p, "dir"),
    "chardev": lambda p: replace_with(p, "chardev"),
    "1GiB": lambda p: _sparse(p, 1 << 30),
    "abs-link": lambda p: replace_with(p, "abs-link", "/etc/passwd-outside"),
    "proc-link": lambda p: replace_with(p, "proc-link", "/proc/self/root/etc/passwd-outside"),
}


@pytest.mark.parametrize("kind", list(PASSWD_KINDS))
def test_hostile_passwd_file(lsl, hostile, decoy, kind):
    """A passwd that is no file: running as root still works (built-in root) or fails clearly; the
    service's own reader (--set-default-user) neither hangs nor reads outside the root."""
    def mutate(rootfs):
        (rootfs / "etc" / "passwd-outside").unlink(missing_ok=True)
        PASSWD_KINDS[kind](str(rootfs / "etc" / "passwd"))
    d, guard = hostile(mutate)
    pid = lsl.ensure_service()
    p = start_and_check(lsl, d, guard, "-e", "echo", "ok")
    assert p.returncode != 0 or p.stdout == "ok\n", p
    p = d.lsl("--manage", d.name, "--set-default-user", "alice", check=False, timeout=CALL_TIMEOUT)
    assert p.returncode != 0 and p.stderr.startswith("lsl: "), p.stderr
    assert "alice" in p.stderr or "/etc/passwd" in p.stderr, p.stderr
    assert lsl.service_pid() == pid
    guard.check()


def test_set_default_user_uid_4294967295_refused(lsl, hostile):
    d, guard = hostile(write_passwd(ROOT_LINE + "evil:x:4294967295:4294967295:evil:/:/bin/sh\n"))
    before = lsl.registry_bytes()
    for user in ("evil", "4294967295"):
        p = d.lsl("--manage", d.name, "--set-default-user", user, check=False, timeout=CALL_TIMEOUT)
        assert p.returncode != 0 and user in p.stderr, p.stderr
    assert lsl.registry_bytes() == before
    assert start(d, "-e", "id", "-u").stdout.strip() == "0"
    d.lsl("--terminate", d.name, check=False)
    guard.check()


def test_time_zone_files_lead_to_the_host(lsl, hostile, decoy):
    """/etc/timezone and /etc/localtime planted as links into the host's tree (/mnt/host): init
    replaces the links, never writes through them."""
    try:
        link = os.readlink("/etc/localtime")
        zone = link.split("zoneinfo/", 1)[1]
    except (OSError, IndexError):
        zone = "Etc/UTC"

    def mutate(rootfs):
        zf = rootfs / "usr" / "share" / "zoneinfo" / zone
        zf.parent.mkdir(parents=True, exist_ok=True)
        zf.write_bytes(b"TZif2 not really\n")
        for name in ("timezone", "localtime"):
            replace_with(str(rootfs / "etc" / name), "mnt-host-link", f"/mnt/host{decoy / 'hosts'}")
    d, guard = hostile(mutate)
    p = start_and_check(lsl, d, guard)
    assert p.returncode == 0 and p.stdout == "ok\n", p.stderr
