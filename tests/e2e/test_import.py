"""lsl --import NAME LOCATION FILE: formats, what extraction preserves, what it refuses."""

import io
import os
import select
import signal
import stat
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

import rootfs
from conftest import Distro, assert_one_error_line, proc_exe, run_on_pty, wait_gone

FORMATS = [".tar", ".tar.gz", ".tar.xz", ".tar.zst"]


def registered(lsl, name):
    return name in lsl.names_listed()


def assert_import_refused(lsl, name, location, archive, *needles, stdin=None):
    """The import fails with one line and leaves no registration and no files."""
    location = Path(location)
    existed = location.exists()
    parent_before = sorted(os.listdir(location.parent))
    registry_before = lsl.registry_bytes()
    p = lsl("--import", name, location, archive, check=False, stdin=stdin)
    line = assert_one_error_line(p, *needles)
    assert not registered(lsl, name)
    assert lsl.registry_bytes() == registry_before
    if existed:
        assert location.is_dir() and os.listdir(location) == [], \
            f"{location} was empty before the failed import: {os.listdir(location)}"
    else:
        assert not location.exists(), f"failed import left {location} behind"
    assert sorted(os.listdir(location.parent)) == parent_before
    return line


def add_file(tf, name, data=b"", mode=0o644, **kw):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    for k, v in kw.items():
        setattr(info, k, v)
    tf.addfile(info, io.BytesIO(data))


def add_special(tf, name, kind, linkname="", mode=0o777):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = mode
    tf.addfile(info)


# ------------------------------------------------------------------ formats

@pytest.mark.parametrize("suffix", FORMATS)
def test_import_each_format(lsl, busybox_tar, workdir, suffix):
    name = lsl.unique_name("fmt")
    location = workdir / "loc"
    lsl("--import", name, location, busybox_tar(suffix))
    try:
        assert registered(lsl, name)
        root = location / "rootfs"
        assert (root / "bin" / "busybox").is_file()
        assert os.readlink(root / "bin" / "sh") == "busybox"
        d = Distro(lsl, name, location)
        assert d.out("echo", "imported") == "imported\n"
    finally:
        lsl("--unregister", name, check=False)


@pytest.mark.parametrize("suffix", [".tar", ".tar.gz"])
def test_import_from_stdin_file(lsl, busybox_tar, workdir, suffix):
    name = lsl.unique_name("stdin")
    location = workdir / "loc"
    with open(busybox_tar(suffix), "rb") as f:
        lsl("--import", name, location, "-", stdin=f)
    try:
        assert registered(lsl, name)
        assert (location / "rootfs" / "bin" / "busybox").is_file()
    finally:
        lsl("--unregister", name, check=False)


def test_import_from_stdin_pipe(lsl, busybox_tar, workdir):
    """A pipe cannot seek: the archive is read as a stream."""
    name = lsl.unique_name("pipe")
    location = workdir / "loc"
    with open(busybox_tar(".tar.xz"), "rb") as f:
        cat = subprocess.Popen(["cat"], stdin=f, stdout=subprocess.PIPE)
    try:
        lsl("--import", name, location, "-", stdin=cat.stdout)
    finally:
        cat.stdout.close()
        cat.wait()
    try:
        assert registered(lsl, name)
        assert Distro(lsl, name, location).out("cat", "/etc/os-release").startswith("NAME=")
    finally:
        lsl("--unregister", name, check=False)


def test_import_relative_location(lsl, busybox_tar, workdir):
    """LOCATION is relative to the caller's working directory, as with wsl.exe."""
    name = lsl.unique_name("rel")
    lsl("--import", name, "relative-loc", busybox_tar(".tar"), cwd=workdir)
    try:
        assert (workdir / "relative-loc" / "rootfs" / "bin" / "busybox").is_file()
        text = lsl.registry_path().read_text()
        assert f"location={workdir}/relative-loc" in text
    finally:
        lsl("--unregister", name, check=False)


def test_import_into_existing_empty_location(lsl, busybox_tar, workdir):
    name = lsl.unique_name("empty")
    location = workdir / "loc"
    location.mkdir()
    lsl("--import", name, location, busybox_tar(".tar.gz"))
    try:
        assert (location / "rootfs" / "bin" / "busybox").is_file()
    finally:
        lsl("--unregister", name, check=False)


def test_import_progress_on_a_terminal(lsl, busybox_tar, workdir):
    """On a terminal the import shows its progress; the result is the same."""
    name = lsl.unique_name("tty")
    location = workdir / "loc"
    rc, out = run_on_pty(lsl, "--import", name, location, busybox_tar(".tar.gz"))
    try:
        assert rc == 0, out
        assert registered(lsl, name)
        assert b"%" in out, f"no progress shown on the terminal: {out!r}"
    finally:
        lsl("--unregister", name, check=False)


# ------------------------------------------------------------------ what is preserved

XATTR_VALUE = rootfs.SPECIAL_XATTR


@pytest.fixture(scope="module")
def special_tree(tmp_path_factory):
    """A tree with every kind of metadata an import must keep, as a tarball."""
    base = tmp_path_factory.mktemp("special")
    src = base / "src"
    rootfs.build_special_tree(str(src))
    tarball = rootfs.make_tar(str(src), str(base / "special.tar.gz"), ".tar.gz")
    return src, tarball


@pytest.fixture(scope="module")
def special_import(instance, special_tree):
    src, tarball = special_tree
    location = instance.root / "special" / "loc"
    location.parent.mkdir(parents=True, exist_ok=True)
    name = instance.unique_name("special")
    instance("--import", name, location, tarball)
    yield src / "data", location / "rootfs" / "data", Distro(instance, name, location)
    instance("--terminate", name, check=False)
    instance("--unregister", name, check=False)


def test_owners_and_modes(special_import):
    src, dst, _ = special_import
    st = os.lstat(dst / "owned")
    assert (st.st_uid, st.st_gid) == (1234, 5678)
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert stat.S_IMODE(os.lstat(dst / "setuid").st_mode) == 0o4755
    assert stat.S_IMODE(os.lstat(dst / "sticky").st_mode) == 0o1777
    assert stat.S_IMODE(os.lstat(dst / "olddir").st_mode) == 0o750
    alice = os.lstat(dst.parent / "home" / "alice")
    assert (alice.st_uid, alice.st_gid) == (1000, 1000)


def test_times(special_import):
    src, dst, _ = special_import
    assert os.lstat(dst / "timed").st_mtime_ns == os.lstat(src / "timed").st_mtime_ns
    # A directory's time survives the files extracted into it.
    assert os.lstat(dst / "olddir").st_mtime_ns == os.lstat(src / "olddir").st_mtime_ns


def test_xattrs(special_import):
    _, dst, _ = special_import
    assert os.getxattr(dst / "xattr", "user.lsl_test") == XATTR_VALUE


def test_file_capabilities(special_import):
    src, dst, _ = special_import
    out = subprocess.run(["getcap", str(dst / "cap")], capture_output=True, text=True).stdout
    assert "cap_net_raw" in out and "ep" in out.split()[-1], out
    assert os.getxattr(dst / "cap", "security.capability") == \
        os.getxattr(src / "cap", "security.capability")


def test_hard_links(special_import):
    _, dst, _ = special_import
    a, b = os.lstat(dst / "hard1"), os.lstat(dst / "hard2")
    assert a.st_ino == b.st_ino
    assert a.st_nlink == 2


def test_device_nodes_and_fifos(special_import):
    _, dst, _ = special_import
    c = os.lstat(dst / "chardev")
    assert stat.S_ISCHR(c.st_mode) and (os.major(c.st_rdev), os.minor(c.st_rdev)) == (1, 3)
    assert stat.S_IMODE(c.st_mode) == 0o620
    b = os.lstat(dst / "blockdev")
    assert stat.S_ISBLK(b.st_mode) and (os.major(b.st_rdev), os.minor(b.st_rdev)) == (7, 200)
    assert stat.S_ISFIFO(os.lstat(dst / "fifo").st_mode)


def test_symlinks_kept_not_followed(special_import):
    _, dst, _ = special_import
    assert os.readlink(dst / "rel-link") == "hard1"
    assert os.readlink(dst / "abs-link") == "/etc/passwd"
    assert os.readlink(dst / "dangling-link") == "does/not/exist"


def test_preserved_as_seen_inside(special_import):
    """The distribution itself sees the same metadata."""
    _, _, d = special_import
    assert d.out("stat", "-c", "%u:%g %a", "/data/owned").strip() == "1234:5678 640"
    assert d.out("readlink", "/data/abs-link").strip() == "/etc/passwd"


# ------------------------------------------------------------------ entries escaping LOCATION

def escape_archive(path, build):
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tf:
        add_special(tf, "bin", tarfile.DIRTYPE, mode=0o755)
        add_file(tf, "bin/ok", b"fine\n")
        build(tf)
    return path


UP = "/".join([".."] * 40)  # climbs to / from anywhere


def escape_cases(outside):
    target = outside / "target"
    return {
        "dotdot": lambda tf: add_file(tf, "../escaped", b"evil\n"),
        "deep-dotdot": lambda tf: add_file(tf, "bin/../../../escaped", b"evil\n"),
        "absolute": lambda tf: add_file(tf, str(outside / "escaped-abs"), b"evil\n"),
        "symlink-dir-absolute": lambda tf: (
            add_special(tf, "a", tarfile.SYMTYPE, linkname=str(outside)),
            add_file(tf, "a/escaped-through-link", b"evil\n")),
        "symlink-dir-relative": lambda tf: (
            add_special(tf, "r", tarfile.SYMTYPE, linkname=UP),
            add_file(tf, f"r{outside}/escaped-through-rel", b"evil\n")),
        "hardlink-outside": lambda tf: add_special(tf, "h", tarfile.LNKTYPE, linkname=str(target)),
        "hardlink-dotdot": lambda tf: add_special(tf, "h2", tarfile.LNKTYPE,
                                                  linkname=UP + str(target)),
    }


@pytest.mark.parametrize("case", list(escape_cases(Path("/x"))))
def test_entry_escaping_location_is_refused(lsl, workdir, case):
    outside = workdir / "outside"
    outside.mkdir()
    target = outside / "target"
    target.write_text("host file\n")
    archive = escape_archive(workdir / f"{case}.tar", escape_cases(outside)[case])
    case_dir = workdir / "case"
    case_dir.mkdir()
    name = lsl.unique_name("escape")
    assert_import_refused(lsl, name, case_dir / "loc", archive)
    assert sorted(os.listdir(outside)) == ["target"], "something was written outside LOCATION"
    assert target.read_text() == "host file\n"
    assert os.lstat(target).st_nlink == 1
    assert not (workdir / "escaped").exists()
    assert os.listdir(case_dir) == []


# ------------------------------------------------------------------ broken archives

def test_corrupt_archive(lsl, busybox_tar, workdir):
    good = Path(busybox_tar(".tar.gz")).read_bytes()
    bad = workdir / "corrupt.tar.gz"
    mid = len(good) // 2
    bad.write_bytes(good[:mid] + bytes(b ^ 0x5A for b in good[mid:mid + 4096]) + good[mid + 4096:])
    assert_import_refused(lsl, lsl.unique_name("corrupt"), workdir / "loc", bad)


@pytest.mark.parametrize("suffix", FORMATS)
def test_truncated_archive(lsl, busybox_tar, workdir, suffix):
    good = Path(busybox_tar(suffix)).read_bytes()
    bad = workdir / f"truncated{suffix}"
    bad.write_bytes(good[: len(good) // 2])
    assert_import_refused(lsl, lsl.unique_name("trunc"), workdir / "loc", bad)


def test_not_an_archive(lsl, workdir):
    bad = workdir / "notes.tar"
    bad.write_text("this is not a tar archive\n" * 100)
    assert_import_refused(lsl, lsl.unique_name("notar"), workdir / "loc", bad)


def test_empty_file(lsl, workdir):
    bad = workdir / "empty.tar"
    bad.write_bytes(b"")
    assert_import_refused(lsl, lsl.unique_name("emptyfile"), workdir / "loc", bad)


def test_truncated_from_stdin(lsl, busybox_tar, workdir):
    good = Path(busybox_tar(".tar.zst")).read_bytes()
    bad = workdir / "trunc.tar.zst"
    bad.write_bytes(good[: len(good) // 3])
    with open(bad, "rb") as f:
        assert_import_refused(lsl, lsl.unique_name("truncstdin"), workdir / "loc", "-", stdin=f)


def test_failure_keeps_existing_empty_location(lsl, workdir):
    bad = workdir / "bad.tar"
    bad.write_bytes(os.urandom(10000))
    location = workdir / "keep"
    location.mkdir()
    assert_import_refused(lsl, lsl.unique_name("keep"), location, bad)
    assert location.is_dir()


@pytest.fixture
def small_fs(workdir):
    """A 2 MiB tmpfs of the test's own, unmounted afterwards."""
    mnt = workdir / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=755", "lsl-e2e-small", str(mnt)],
                   check=True)
    yield mnt
    r = subprocess.run(["umount", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
        pytest.fail(f"the small filesystem is still busy after the test: {r.stderr.strip()}")


def test_disk_full(lsl, workdir, small_fs, busybox_tree):
    src = workdir / "big"
    rootfs.build_busybox_tree(str(src))
    (src / "big.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    archive = rootfs.make_tar(str(src), str(workdir / "big.tar"), ".tar")
    assert_import_refused(lsl, lsl.unique_name("full"), small_fs / "loc", archive)
    assert os.listdir(small_fs) == []


def write_all(fd, data, timeout=60):
    """Write everything, failing (not hanging) if nobody reads within the bound."""
    os.set_blocking(fd, False)
    deadline = time.monotonic() + timeout
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        assert left > 0, "nobody read the archive"
        _, ready, _ = select.select([], [fd], [], left)
        if ready:
            view = view[os.write(fd, view):]


def _find_extractor(lsl):
    for pid in lsl.processes():
        exe = proc_exe(pid)
        if exe and exe.endswith("/lsl-import"):
            return pid
    return None


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_import(fresh, workdir, sig):
    """The caller goes away mid-import: the extractor is stopped and nothing is left."""
    lsl = fresh
    name = lsl.unique_name("interrupted")
    location = lsl.work / "loc"
    r, w = os.pipe()
    proc = lsl.popen("--import", name, location, "-", stdin=r,
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(r)
    try:
        # A tar stream announcing a 1 GiB file; write 4 MiB of it. A blocking write
        # of more than the pipe holds returns only once the extractor has read it.
        info = tarfile.TarInfo("big")
        info.size = 1 << 30
        write_all(w, info.tobuf(format=tarfile.GNU_FORMAT) + b"\0" * (4 << 20))
        extractor = _find_extractor(lsl)
        assert extractor, "no lsl-import process while an import is reading its archive"
        proc.send_signal(sig)
        proc.wait(timeout=60)
        proc.stderr.close()
        assert wait_gone([extractor]) == [], \
            "the extractor kept running after the caller went away"
    finally:
        os.close(w)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # SHUTDOWN answers once everything is stopped: after it, cleanup is done.
    lsl("--shutdown")
    assert not location.exists(), f"interrupted import left {location}"
    assert name not in lsl.names_listed()
