"""lslservice: started on demand, one per runtime directory, root only, replaced by
another build, and its registry."""

import os
import shutil
import stat
import subprocess

from conftest import (assert_one_error_line, import_distro, proc_exe, proc_read, under,
                      wait_gone)


def service_exe(lsl):
    return lsl.prefix / "libexec" / "lsl" / "lslservice"


def identity_of(path):
    st = os.stat(path)
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


# ------------------------------------------------------------------ start on demand

def test_started_on_demand(fresh):
    assert fresh.service_info() is None
    fresh("--list", check=False)
    info = fresh.service_info()
    assert info, f"no service after the first command\n{fresh.log_tail()}"
    pid = info["pid"]
    assert proc_exe(pid) == str(service_exe(fresh)), "the service is found relative to lsl's prefix"
    status = proc_read(pid, "status")
    assert "\nUid:\t0\t" in status
    # It stays, and serves the next command.
    fresh("--list", check=False)
    assert fresh.service_pid() == pid
    assert stat.S_ISSOCK(os.stat(fresh.socket_path()).st_mode)
    assert fresh.log_path().exists()


def test_service_does_not_hold_the_callers_stdio(fresh):
    """The daemon must not keep lsl's pipes open (or `lsl ... | cat` would never end)."""
    p = fresh("--list", check=False, timeout=60)
    assert p is not None
    pid = fresh.service_pid()
    assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/null"
    for fd in (1, 2):
        assert os.readlink(f"/proc/{pid}/fd/{fd}") == str(fresh.log_path())


def test_concurrent_first_commands_start_one_service(fresh):
    procs = [fresh.popen("--list", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(6)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = {rc for rc, _ in results}
    assert codes <= {0, 1}, results
    assert len(codes) == 1, f"the racing commands did not all see the same service: {results}"
    services = [pid for pid in fresh.processes()
                if proc_exe(pid) == str(service_exe(fresh))]
    assert services == [fresh.service_pid()], services


def test_hello(lsl):
    lsl.ensure_service()
    with lsl.connect() as c:
        info = c.hello(seq=12345)
    assert info["seq"] == 12345
    assert info["protocol_version"] == 1
    assert info["identity"] == identity_of(service_exe(lsl))
    assert info["version"] and info["version"] in lsl("--version").stdout


# ------------------------------------------------------------------ root only

NOBODY_HELLO = r"""
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(60)
s.connect(sys.argv[1])
s.send(struct.pack("<IIQII", 1, 24, 7, 1, 0))
r = s.recv(65536)
t, size, seq, ver, pid = struct.unpack_from("<IIQIi", r)
print(t, seq, pid)
"""


def test_non_root_refused_by_the_service(lsl, busybox_distro):
    pid = lsl.ensure_service()
    before = lsl.registry_bytes()
    for args in (["--list"], ["-d", busybox_distro.name, "-e", "true"],
                 ["--terminate", busybox_distro.name], ["--unregister", busybox_distro.name],
                 ["--set-default", busybox_distro.name], ["--shutdown"]):
        p = lsl(*args, check=False, as_nobody=True)
        assert_one_error_line(p, "root")
    assert lsl.service_pid() == pid, "a refused caller stopped or replaced the service"
    assert lsl.registry_bytes() == before
    assert busybox_distro.name in lsl.names_listed()


def test_hello_answered_for_anyone(lsl):
    pid = lsl.ensure_service()
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                        "/usr/bin/python3", "-c", NOBODY_HELLO, str(lsl.socket_path())],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["2", "7", str(pid)]


def test_non_root_refused_even_without_import_rights(lsl, workdir, busybox_tar):
    lsl.ensure_service()
    os.chmod(workdir, 0o777)
    p = lsl("--import", lsl.unique_name("nobody"), workdir / "loc", busybox_tar(".tar"),
            check=False, as_nobody=True)
    assert_one_error_line(p)
    assert not (workdir / "loc").exists()


# ------------------------------------------------------------------ another build

def copy_installation(lsl, dest):
    shutil.copytree(lsl.prefix, dest, symlinks=True)
    return dest / "bin" / "lsl"


def test_other_build_replaces_the_service(fresh, busybox_tar):
    lsl = fresh
    d = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "d")
    # /run is a fresh tmpfs at every start: a marker there tells instances apart.
    d.sh("touch /run/lsl-e2e-marker")
    first = lsl.service_pid()
    assert under(proc_exe(first), lsl.prefix)

    other = copy_installation(lsl, lsl.root / "other-prefix")
    p = lsl("--list", "--quiet", binary=other)
    assert d.name in p.stdout.split(), "the replacing service lost the registry"
    assert wait_gone([first]) == [], "the old service is still running"
    second = lsl.service_pid()
    assert second != first
    assert under(proc_exe(second), lsl.root / "other-prefix")
    # The old service stopped its distributions on the way out.
    running = lsl("--list", "--running", "--quiet", binary=other, check=False).stdout.split()
    assert d.name not in running
    p = lsl("-d", d.name, "-e", "ls", "/run", binary=other)
    assert "lsl-e2e-marker" not in p.stdout.split()
    assert lsl.service_pid() == second

    # And back: the original lsl does not use the copy's service either.
    lsl("--list", "--quiet")
    assert wait_gone([second]) == []
    third = lsl.service_pid()
    assert under(proc_exe(third), lsl.prefix)


def test_rebuilt_in_place_replaces_the_service(fresh):
    """Same path, new file contents (a rebuild): the running service is another build."""
    lsl = fresh
    other = copy_installation(lsl, lsl.root / "rebuilt")
    lsl("--list", binary=other, check=False)
    first = lsl.service_pid()
    svc = lsl.root / "rebuilt" / "libexec" / "lsl" / "lslservice"
    st = os.stat(svc)
    os.utime(svc, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    lsl("--list", binary=other, check=False)
    assert wait_gone([first]) == []
    second = lsl.service_pid()
    assert second != first
    with lsl.connect() as c:
        assert c.hello()["identity"] == identity_of(svc)
    lsl("--shutdown", binary=other)


# ------------------------------------------------------------------ registry

def test_registry_format(fresh, busybox_tar):
    lsl = fresh
    d = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "d")
    lsl("--set-default", d.name)
    text = lsl.registry_path().read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert "version\t1" in lines
    assert f"default\t{d.name}" in lines
    entry = [line for line in lines if line.startswith(f"distribution\t{d.name}\t")]
    assert len(entry) == 1
    fields = dict(f.split("=", 1) for f in entry[0].split("\t")[2:])
    assert fields["location"] == str(d.location)
    assert fields["rootfs"] == str(d.rootfs)
    assert fields["default_uid"] == "0"


def test_registry_written_by_rename(fresh, busybox_tar):
    lsl = fresh
    a = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "a")
    b = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "b")
    before = os.stat(lsl.registry_path()).st_ino
    lsl("--set-default", b.name)
    assert os.stat(lsl.registry_path()).st_ino != before, "registry rewritten in place"
    leftovers = [n for n in os.listdir(lsl.state) if n.startswith("registry.")]
    assert not [n for n in leftovers if ".tmp" in n], leftovers
    assert a.name in lsl.names_listed()


def test_registry_torn_write_leftover_is_ignored(fresh, busybox_tar):
    """A crash between writing the temporary file and renaming it leaves the old state."""
    lsl = fresh
    d = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "d")
    lsl("--shutdown")
    (lsl.state / "registry.tmp.99999").write_bytes(b"version\t1\ndistrib")
    assert lsl.names_listed() == [d.name]
    os.unlink(lsl.state / "registry.tmp.99999")


def _broken_registry(fresh, busybox_tar, content):
    lsl = fresh
    d = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "d")
    lsl("--shutdown")
    reg = lsl.registry_path()
    good = reg.read_bytes()
    reg.write_bytes(content)
    try:
        pids = set()
        for args in (["--list"], ["--set-default", d.name],
                     ["--import", "other", lsl.work / "other", busybox_tar(".tar")],
                     ["-d", d.name, "-e", "true"]):
            p = lsl(*args, check=False)
            assert_one_error_line(p, str(reg))
            assert reg.read_bytes() == content, f"{args[0]} overwrote the unreadable registry"
            pid = lsl.service_pid()
            if pid:
                pids.add(pid)
        assert len(pids) <= 1, "the service restarted: it crashed on the registry"
        assert not (lsl.work / "other").exists()
    finally:
        reg.write_bytes(good)


def test_registry_garbage(fresh, busybox_tar):
    _broken_registry(fresh, busybox_tar, b"\x00\xff\xfegarbage\tnot a registry\n\n\x01")


def test_registry_unknown_key(fresh, busybox_tar):
    _broken_registry(fresh, busybox_tar,
                     b"version\t1\ndistribution\tx\tlocation=/nonexistent\trootfs=/nonexistent/rootfs"
                     b"\tdefault_uid=0\towned=1\tcolour=blue\n")


def test_registry_unknown_version(fresh, busybox_tar):
    _broken_registry(fresh, busybox_tar, b"version\t999\n")
