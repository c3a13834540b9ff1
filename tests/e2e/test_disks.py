"""Disk images, export, --manage and disks mounted into /mnt/wsl.

Every test ends with the host checked for leaks: no loop device backed by a
file of the instance or of the test, no mount of them on the host (the
`leaks` fixture, which stops the instance's distributions first: a running
image distribution holds exactly one loop device, a stopped one none).
"""

import io
import os
import re
import stat
import struct
import subprocess
import tarfile
from pathlib import Path

import pytest

import rootfs
from conftest import Distro, assert_one_error_line, mountinfo_lines, run_on_pty

# ------------------------------------------------------------------ host inspection


def loop_backings():
    """{"loopN": backing file} for every bound loop device of the host."""
    found = {}
    for dev in Path("/sys/block").glob("loop*"):
        try:
            found[dev.name] = (dev / "loop" / "backing_file").read_text().strip()
        except OSError:
            pass
    return found


def loops_backed_by(path):
    """Loop devices whose backing file is path (or anything below it)."""
    p = str(path).rstrip("/")
    return sorted(n for n, f in loop_backings().items()
                  if f == p or f.startswith(p + "/") or f.rstrip(" (deleted)") == p)


def host_mounts_of(path):
    return mountinfo_lines(path)


@pytest.fixture
def leaks(lsl):
    """After the test: the instance's distributions stopped, no loop device or mount of its files left.

    Tests list it first, so that it checks after their other fixtures (their own tmpfs) are gone.
    """
    before = set(loop_backings())
    yield
    lsl("--unmount", check=False)
    for name in lsl.names_listed():
        lsl("--terminate", name, check=False)
    left = [f"{n} -> {f}" for n, f in loop_backings().items()
            if n not in before and f.startswith(str(lsl.root))]
    assert not left, "loop devices left behind:\n  " + "\n  ".join(left)
    mounts = host_mounts_of(lsl.root)
    assert not mounts, "mounts left on the host:\n" + "\n".join(mounts)


def mkfs(path, size="64M", tree=None):
    """An ext4 image of the test's own (e2fsprogs, as a user would make one)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    cmd = ["mkfs.ext4", "-q", "-F"]
    if tree:
        cmd += ["-d", str(tree)]
    subprocess.run(cmd + [str(path), size], check=True, stdin=subprocess.DEVNULL)
    return Path(path)


def allocated(path):
    return os.stat(path).st_blocks * 512


def image_line(lsl, name):
    for line in (lsl.registry_bytes() or b"").decode().splitlines():
        if line.startswith(f"distribution\t{name}\t"):
            return dict(f.split("=", 1) for f in line.split("\t")[2:])
    return None


def write_mbr(path, parts):
    """A DOS partition table [(start sector, sectors, type)] on the image at path."""
    mbr = bytearray(512)
    for k, (start, count, kind) in enumerate(parts):
        mbr[446 + 16 * k:446 + 16 * (k + 1)] = struct.pack("<B3sB3sII", 0, b"\0" * 3, kind, b"\0" * 3, start, count)
    mbr[510:512] = b"\x55\xaa"
    with open(path, "r+b") as f:
        f.write(mbr)


@pytest.fixture
def small_fs(workdir):
    """A 2 MiB tmpfs of the test's own: a disk that fills up."""
    mnt = workdir / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=755", "lsl-e2e-small", str(mnt)], check=True)
    yield mnt
    r = subprocess.run(["umount", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
        pytest.fail(f"the small filesystem is still busy after the test: {r.stderr.strip()}")


@pytest.fixture
def other_fs(workdir):
    """A 256 MiB tmpfs: another filesystem to move distributions to."""
    mnt = workdir / "other"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m,mode=755", "lsl-e2e-other", str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture
def image_distro(lsl, busybox_tar, workdir):
    """image_distro(size="256M") -> a busybox distribution stored in an ext4 image; removed after the test."""
    made = []

    def make(size="256M", name=None, location=None):
        name = name or lsl.unique_name("img")
        location = Path(location or workdir / name)
        lsl("--import", name, location, busybox_tar(".tar"), "--format", "image", "--size", size)
        d = Distro(lsl, name, location)
        d.image = location / "ext4.img"
        made.append(d)
        return d
    yield make
    for d in made:
        lsl("--terminate", d.name, check=False)
        lsl("--unregister", d.name, check=False)


def assert_refused_cleanly(lsl, p, *needles, paths=()):
    assert_one_error_line(p, *needles)
    for path in paths:
        assert not Path(path).exists(), f"{path} was left behind"


# ------------------------------------------------------------------ image distributions

def test_import_format_image(leaks, lsl, image_distro):
    d = image_distro("256M")
    fields = image_line(lsl, d.name)
    assert fields["image"] == str(d.image)
    st = os.stat(d.image)
    assert st.st_size == 256 << 20
    assert allocated(d.image) < st.st_size // 4, "the image is not sparse"
    assert not (d.location / "rootfs").exists()
    # Stopped: no loop device, no mount.
    assert loops_backed_by(d.image) == []
    assert d.out("stat", "-f", "-c", "%T", "/").strip() in ("ext2/ext3", "ext4")
    assert d.out("cat", "/etc/os-release").startswith("NAME=")
    with d.hold():
        assert len(loops_backed_by(d.image)) == 1, loop_backings()
        assert host_mounts_of(d.location) == []
        # Exactly one however many processes run.
        assert d.out("echo", "second") == "second\n"
        assert len(loops_backed_by(d.image)) == 1
    d.terminate()
    assert loops_backed_by(d.image) == []


def test_image_default_size_is_sparse_terabyte(leaks, lsl):
    name = lsl.unique_name("dflt")
    location = lsl.work / name
    lsl("--import", name, location, rootfs_tar(lsl), "--format", "image")
    try:
        img = location / "ext4.img"
        assert os.stat(img).st_size == 1 << 40
        assert allocated(img) < 256 << 20
        assert Distro(lsl, name, location).out("echo", "ok") == "ok\n"
    finally:
        lsl("--terminate", name, check=False)
        lsl("--unregister", name)
    assert not location.exists()


def rootfs_tar(lsl):
    path = lsl.work / "busybox-for-disks.tar"
    if not path.exists():
        tree = lsl.work / "busybox-for-disks"
        rootfs.build_busybox_tree(str(tree))
        rootfs.make_tar(str(tree), str(path), ".tar")
    return path


def test_data_survives_restart_and_unregister_removes_image(leaks, lsl, image_distro):
    d = image_distro()
    d.sh("echo kept > /root/kept")
    d.terminate()
    assert d.out("cat", "/root/kept") == "kept\n"
    lsl("--terminate", d.name)
    lsl("--unregister", d.name)
    assert not d.image.exists()
    assert not d.location.exists()


def test_import_vhd(leaks, lsl, workdir, busybox_tree):
    src = mkfs(workdir / "src.img", "64M", tree=busybox_tree)
    before = src.read_bytes()[:4096]
    name = lsl.unique_name("vhd")
    location = workdir / "vhdloc"
    lsl("--import", name, location, src, "--vhd")
    try:
        img = location / "ext4.img"
        assert img.stat().st_size == src.stat().st_size
        assert allocated(img) < 32 << 20, "the copy is not sparse"
        d = Distro(lsl, name, location)
        assert d.out("cat", "/etc/os-release").startswith("NAME=")
        d.sh("echo changed > /root/x")
        d.terminate()
        # The copy is the distribution's, the source untouched and free.
        assert src.read_bytes()[:4096] == before
        assert loops_backed_by(src) == []
    finally:
        lsl("--terminate", name, check=False)
        lsl("--unregister", name, check=False)


def test_import_in_place(leaks, lsl, workdir, busybox_tree):
    img = mkfs(workdir / "inplace" / "my.img", "64M", tree=busybox_tree)
    name = lsl.unique_name("inplace")
    lsl("--import-in-place", name, img)
    try:
        fields = image_line(lsl, name)
        assert fields["image"] == str(img) and fields.get("in_place") == "1"
        d = Distro(lsl, name, img.parent)
        d.sh("echo here > /root/here")
        lsl("--terminate", name)
        # A second registration of the same file is refused.
        p = lsl("--import-in-place", lsl.unique_name("again"), img, check=False)
        assert_one_error_line(p, "is the disk of the distribution", name)
    finally:
        lsl("--terminate", name, check=False)
        lsl("--unregister", name)
    # Unregister leaves the user's own file, with the distribution's changes.
    assert img.exists()
    out = subprocess.run(["debugfs", "-R", "cat /root/here", str(img)], capture_output=True, text=True).stdout
    assert out == "here\n"


@pytest.mark.parametrize("how", ["vhd", "in-place"])
def test_not_an_ext4_image(leaks, lsl, workdir, how):
    bad = workdir / "bad.img"
    bad.write_bytes(os.urandom(1 << 20))
    name = lsl.unique_name("bad")
    before = lsl.registry_bytes()
    if how == "vhd":
        p = lsl("--import", name, workdir / "badloc", bad, "--vhd", check=False)
    else:
        p = lsl("--import-in-place", name, bad, check=False)
    assert_refused_cleanly(lsl, p, "not an ext4 filesystem image", paths=[workdir / "badloc"])
    assert lsl.registry_bytes() == before
    assert name not in lsl.names_listed()


def test_image_in_use_on_the_host(leaks, lsl, workdir, busybox_tree, image_distro):
    img = mkfs(workdir / "busy.img", "64M", tree=busybox_tree)
    dev = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True, text=True,
                         check=True).stdout.strip()
    try:
        name = lsl.unique_name("busy")
        p = lsl("--import", name, workdir / "busyloc", img, "--vhd", check=False)
        assert_refused_cleanly(lsl, p, "in use", paths=[workdir / "busyloc"])
        p = lsl("--import-in-place", name, img, check=False)
        assert_refused_cleanly(lsl, p, "in use")
        assert name not in lsl.names_listed()
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
    # A registered image attached on the host: its distribution does not start.
    d = image_distro("64M")
    dev = subprocess.run(["losetup", "-f", "--show", "-r", str(d.image)], capture_output=True, text=True,
                         check=True).stdout.strip()
    try:
        p = d.run("true", check=False)
        assert_one_error_line(p, "in use")
        assert lsl("--list", "--running", "--quiet").stdout.split() == []
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
    assert d.out("echo", "free again") == "free again\n"


def test_import_format_image_disk_full(leaks, lsl, small_fs, busybox_tar):
    name = lsl.unique_name("full")
    p = lsl("--import", name, small_fs / "loc", busybox_tar(".tar"), "--format", "image", "--size", "64M",
            check=False)
    assert_refused_cleanly(lsl, p, "no space left", paths=[small_fs / "loc"])
    assert os.listdir(small_fs) == []
    assert name not in lsl.names_listed()


def test_import_format_image_escaping_entries_refused(leaks, lsl, workdir):
    outside = workdir / "outside"
    outside.mkdir()
    archive = workdir / "escape.tar"
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("bin")
        info.type = tarfile.DIRTYPE
        tf.addfile(info)
        info = tarfile.TarInfo("a")
        info.type = tarfile.SYMTYPE
        info.linkname = str(outside)
        tf.addfile(info)
        data = b"evil\n"
        info = tarfile.TarInfo("a/escaped")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    name = lsl.unique_name("escape")
    p = lsl("--import", name, workdir / "escloc", archive, "--format", "image", "--size", "32M", check=False)
    assert_refused_cleanly(lsl, p, paths=[workdir / "escloc"])
    assert os.listdir(outside) == []


def test_bad_sizes_refused(leaks, lsl, workdir, busybox_tar):
    name = lsl.unique_name("size")
    for size, needle in (("banana", "not a size"), ("1K", "too small"), ("0", "not a size")):
        p = lsl("--import", name, workdir / "sz", busybox_tar(".tar"), "--format", "image", "--size", size,
                check=False)
        assert_refused_cleanly(lsl, p, needle, paths=[workdir / "sz"])
    p = lsl("--import", name, workdir / "sz", busybox_tar(".tar"), "--size", "1G", check=False)
    assert_refused_cleanly(lsl, p, "--size needs --format image", paths=[workdir / "sz"])


# ------------------------------------------------------------------ export

def members(archive):
    with tarfile.open(archive) as tf:
        return {m.name.lstrip("./") or ".": m for m in tf.getmembers()}


@pytest.mark.parametrize("suffix", [".tar", ".tar.gz", ".tar.xz", ".tar.zst"])
def test_export_formats_from_the_name(leaks, lsl, busybox_distro, workdir, suffix):
    out = workdir / f"export{suffix}"
    lsl("--export", busybox_distro.name, out)
    kind = subprocess.run(["file", "-b", str(out)], capture_output=True, text=True).stdout.lower()
    expect = {".tar": "tar archive", ".tar.gz": "gzip", ".tar.xz": "xz", ".tar.zst": "zstandard"}[suffix]
    assert expect in kind, kind
    if suffix != ".tar.zst":  # Python's tarfile reads no zstd
        m = members(out)
        assert m["bin/busybox"].isfile() and m["bin/sh"].issym()
        assert m["bin/sh"].linkname == "busybox"
        assert m["home/alice"].uid == 1000
    # Imported back, it is the same distribution.
    name = lsl.unique_name("back")
    lsl("--import", name, workdir / "back", out)
    try:
        assert Distro(lsl, name, workdir / "back").out("cat", "/etc/os-release").startswith("NAME=")
    finally:
        lsl("--unregister", name)


def test_export_format_option_and_stdout(leaks, lsl, busybox_distro, workdir):
    out = workdir / "named-plain"
    lsl("--export", busybox_distro.name, out, "--format", "tar.gz")
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    with open(workdir / "stdout.tar", "wb") as f:
        p = lsl("--export", busybox_distro.name, "-", stdout=f, text=False)
    assert p.returncode == 0
    assert "bin/busybox" in members(workdir / "stdout.tar")
    p = lsl("--export", busybox_distro.name, out, "--format", "zip", check=False)
    assert_one_error_line(p, "unknown format")


def test_export_unknown_distribution(leaks, lsl, workdir):
    p = lsl("--export", "no-such-distro", workdir / "x.tar", check=False)
    assert_refused_cleanly(lsl, p, "no distribution named", paths=[workdir / "x.tar"])


def test_export_image_running_and_stopped(leaks, lsl, image_distro, workdir):
    d = image_distro()
    with d.hold():
        d.sh("echo live > /root/live")
        lsl("--export", d.name, workdir / "running.tar")
        m = members(workdir / "running.tar")
        assert "root/live" in m
        # Its own root filesystem: not what is mounted on it (/proc, /dev), lsl's /init an empty file.
        assert not any(n.startswith("proc/") for n in m), sorted(n for n in m if n.startswith("proc"))
        assert m["init"].size == 0
        assert len(loops_backed_by(d.image)) == 1
        lsl("--export", d.name, workdir / "running.vhd")
    assert subprocess.run(["e2fsck", "-fn", str(workdir / "running.vhd")], capture_output=True).returncode == 0
    lsl("--terminate", d.name)
    lsl("--export", d.name, workdir / "stopped.tar.gz")
    assert "root/live" in members(workdir / "stopped.tar.gz")
    lsl("--export", d.name, workdir / "stopped.vhd")
    assert os.stat(workdir / "stopped.vhd").st_size == os.stat(d.image).st_size
    assert allocated(workdir / "stopped.vhd") < os.stat(d.image).st_size // 4
    assert loops_backed_by(d.image) == []
    # The exported image is a distribution of its own.
    name = lsl.unique_name("fromvhd")
    lsl("--import", name, workdir / "fromvhd", workdir / "stopped.vhd", "--vhd")
    try:
        assert Distro(lsl, name, workdir / "fromvhd").out("cat", "/root/live") == "live\n"
    finally:
        lsl("--terminate", name, check=False)
        lsl("--unregister", name)


def test_export_vhd_of_a_directory_distribution(leaks, lsl, busybox_distro, workdir):
    out = workdir / "dir.vhd"
    lsl("--export", busybox_distro.name, out, "--vhd")
    assert subprocess.run(["e2fsck", "-fn", str(out)], capture_output=True).returncode == 0
    name = lsl.unique_name("dirvhd")
    lsl("--import-in-place", name, out)
    try:
        assert Distro(lsl, name, workdir).out("cat", "/etc/os-release").startswith("NAME=")
    finally:
        lsl("--terminate", name, check=False)
        lsl("--unregister", name)
    p = lsl("--export", busybox_distro.name, "-", "--format", "vhd", stdout=subprocess.PIPE, check=False)
    assert_one_error_line(p, "only be exported to a file")


def test_export_disk_full(leaks, lsl, busybox_distro, small_fs, workdir):
    big = busybox_distro.rootfs / "big.bin"
    big.write_bytes(os.urandom(4 << 20))
    try:
        for out in ("full.tar", "full.vhd"):
            p = lsl("--export", busybox_distro.name, small_fs / out, check=False)
            assert_one_error_line(p, "no space left")
            assert os.listdir(small_fs) == [], f"a failed export left {os.listdir(small_fs)}"
    finally:
        big.unlink()


def test_export_progress_on_a_terminal(leaks, lsl, busybox_distro, workdir):
    out = workdir / "tty.tar.gz"
    rc, seen = run_on_pty(lsl, "--export", busybox_distro.name, out)
    assert rc == 0, seen
    assert b"Exporting" in seen and b"%" in seen, f"no progress shown on the terminal: {seen!r}"
    assert "bin/busybox" in members(out)


def test_export_keeps_an_older_file_on_failure(leaks, lsl, busybox_distro, workdir):
    out = workdir / "kept.tar"
    out.write_text("older\n")
    p = lsl("--export", "no-such-distro", out, check=False)
    assert p.returncode == 1
    assert out.read_text() == "older\n"
    lsl("--export", busybox_distro.name, out)
    assert "bin/busybox" in members(out)


# ------------------------------------------------------------------ round trip

XATTR = rootfs.SPECIAL_XATTR


@pytest.fixture(scope="module")
def special_tarball(tmp_path_factory):
    """A tree with every kind of metadata, as a tarball (GNU tar, nanosecond times)."""
    base = tmp_path_factory.mktemp("disks-special")
    src = base / "src"
    rootfs.build_special_tree(str(src))
    return rootfs.make_tar(str(src), str(base / "special.tar.gz"), ".tar.gz")


def tree_facts(root):
    """Everything an export must keep, per path below root (lost+found and /init aside)."""
    root = Path(root)
    facts, inodes = {}, {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            rel = str(p.relative_to(root))
            if rel in ("lost+found", "init") or rel.startswith("lost+found/"):
                continue
            st = os.lstat(p)
            kind = stat.S_IFMT(st.st_mode)
            try:
                xattrs = {a: os.getxattr(p, a, follow_symlinks=False) for a in os.listxattr(p, follow_symlinks=False)}
            except OSError:
                xattrs = {}
            entry = {"type": kind, "mode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
                     "xattrs": xattrs}
            entry["mtime"] = st.st_mtime_ns
            if stat.S_ISREG(st.st_mode):
                entry["size"] = st.st_size
                entry["data"] = p.read_bytes() if st.st_size < (1 << 20) else None
                inodes.setdefault(st.st_ino, []).append(rel)
            elif stat.S_ISLNK(st.st_mode):
                entry["target"] = os.readlink(p)
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                entry["rdev"] = st.st_rdev
            facts[rel] = entry
    links = sorted(sorted(v) for v in inodes.values() if len(v) > 1)
    return facts, links


def assert_same_tree(a, b):
    fa, la = tree_facts(a)
    fb, lb = tree_facts(b)
    assert sorted(fa) == sorted(fb), f"paths differ: only in {a}: {sorted(set(fa) - set(fb))[:10]}, " \
                                     f"only in {b}: {sorted(set(fb) - set(fa))[:10]}"
    for rel in fa:
        assert fa[rel] == fb[rel], f"{rel} differs:\n  {fa[rel]}\n  {fb[rel]}"
    assert la == lb, f"hard links differ: {la} != {lb}"
    assert ["data/hard1", "data/hard2"] in la


def mounted_image(img, mnt):
    subprocess.run(["mount", "-o", "ro,loop", str(img), str(mnt)], check=True)


@pytest.mark.parametrize("via", ["tar.gz", "vhd"])
def test_round_trip(leaks, lsl, special_tarball, workdir, via):
    """import (directory) -> export -> import gives the same tree; through an image distribution too."""
    first = lsl.unique_name("rt1")
    lsl("--import", first, workdir / "rt1", special_tarball)
    names = [first]
    try:
        out = workdir / f"rt.{via}"
        lsl("--export", first, out)
        second = lsl.unique_name("rt2")
        if via == "vhd":
            lsl("--import", second, workdir / "rt2", out, "--vhd")
        else:
            lsl("--import", second, workdir / "rt2", out, "--format", "image", "--size", "256M")
        names.append(second)
        # The image distribution exported again, into a plain directory.
        out2 = workdir / "rt2.tar"
        lsl("--export", second, out2)
        third = lsl.unique_name("rt3")
        lsl("--import", third, workdir / "rt3", out2)
        names.append(third)
        assert_same_tree(workdir / "rt1" / "rootfs", workdir / "rt3" / "rootfs")
        # And the image itself holds the same.
        mnt = workdir / "mnt"
        mnt.mkdir()
        mounted_image(workdir / "rt2" / "ext4.img", mnt)
        try:
            assert_same_tree(workdir / "rt1" / "rootfs", mnt)
        finally:
            subprocess.run(["umount", str(mnt)], check=True)
        out3 = subprocess.run(["getcap", str(workdir / "rt3" / "rootfs" / "data" / "cap")],
                              capture_output=True, text=True).stdout
        assert "cap_net_raw" in out3
    finally:
        for n in names:
            lsl("--terminate", n, check=False)
            lsl("--unregister", n, check=False)


# ------------------------------------------------------------------ --manage

def test_resize_grow_and_shrink(leaks, lsl, image_distro):
    d = image_distro("128M")
    d.sh("echo data > /root/data")
    d.terminate()
    lsl("--manage", d.name, "--resize", "512M")
    assert os.stat(d.image).st_size == 512 << 20
    size = int(d.out("df", "-k", "/").splitlines()[1].split()[1])
    assert size > 400 * 1024, size
    d.terminate()
    lsl("--manage", d.name, "--resize", "96M")
    assert os.stat(d.image).st_size == 96 << 20
    assert d.out("cat", "/root/data") == "data\n"
    size = int(d.out("df", "-k", "/").splitlines()[1].split()[1])
    assert size < 96 * 1024, size
    d.terminate()


def test_resize_refusals(leaks, lsl, image_distro, busybox_distro):
    d = image_distro("64M")
    d.sh("dd if=/dev/urandom of=/root/fill bs=1M count=24 2>/dev/null")
    before = os.stat(d.image).st_size
    # Running.
    with d.hold():
        p = lsl("--manage", d.name, "--resize", "1G", check=False)
        assert_one_error_line(p, "is running")
    d.terminate()
    # Below what its files use.
    p = lsl("--manage", d.name, "--resize", "20M", check=False)
    assert_one_error_line(p, "cannot resize", d.name)
    assert os.stat(d.image).st_size == before
    assert d.out("sh", "-c", "wc -c < /root/fill").strip() == str(24 << 20)
    d.terminate()
    # A directory distribution has no disk to resize.
    p = lsl("--manage", busybox_distro.name, "--resize", "1G", check=False)
    assert_one_error_line(p, "nothing to resize")
    p = lsl("--manage", d.name, check=False)
    assert_one_error_line(p, "needs an action")


def test_set_default_user(leaks, lsl, make_distro, image_distro):
    d = make_distro()
    lsl("--manage", d.name, "--set-default-user", "alice")
    assert d.out("id", "-u").strip() == "1000"
    assert "default_uid=1000" in lsl.registry_bytes().decode()
    lsl("--manage", d.name, "--set-default-user", "root")
    assert d.out("id", "-u").strip() == "0"
    p = lsl("--manage", d.name, "--set-default-user", "nobody-here", check=False)
    assert_one_error_line(p, "user 'nobody-here' does not exist")
    # The distribution's /etc/passwd is read inside it: an absolute symlink points into its root.
    (d.rootfs / "etc" / "passwd.real").write_text("root:x:0:0::/root:/bin/sh\ncarol:x:4242:4242::/:/bin/sh\n")
    (d.rootfs / "etc" / "passwd").unlink()
    os.symlink("/etc/passwd.real", d.rootfs / "etc" / "passwd")
    lsl("--terminate", d.name)
    lsl("--manage", d.name, "--set-default-user", "carol")
    assert "default_uid=4242" in lsl.registry_bytes().decode()
    # An image distribution, stopped (its image mounted by lsl for a moment) and running.
    i = image_distro("64M")
    lsl("--manage", i.name, "--set-default-user", "alice")
    assert i.out("id", "-u").strip() == "1000"
    lsl("--manage", i.name, "--set-default-user", "0")
    assert i.out("id", "-u").strip() == "0"


def test_move_directory_distribution(leaks, lsl, make_distro, workdir, other_fs):
    d = make_distro(location=workdir / "orig")
    d.sh("echo moved > /root/moved")
    # Running: refused.
    with d.hold():
        p = lsl("--manage", d.name, "--move", workdir / "new", check=False)
        assert_one_error_line(p, "is running")
    lsl("--terminate", d.name)
    lsl("--manage", d.name, "--move", workdir / "new")
    assert not (workdir / "orig").exists()
    assert f"location={workdir}/new\t" in lsl.registry_bytes().decode()
    d.location = workdir / "new"
    assert d.out("cat", "/root/moved") == "moved\n"
    lsl("--terminate", d.name)
    # Across filesystems: copied, everything kept, the old files removed.
    before, _ = tree_facts(workdir / "new" / "rootfs")
    lsl("--manage", d.name, "--move", other_fs / "there")
    lsl("--shutdown")  # the removal of the old files is done once the service has stopped
    assert not (workdir / "new").exists()
    after, _ = tree_facts(other_fs / "there" / "rootfs")
    assert before == after
    d.location = other_fs / "there"
    assert d.out("cat", "/root/moved") == "moved\n"
    # Into a location that is not empty: refused, nothing changed.
    (workdir / "full").mkdir()
    (workdir / "full" / "thing").write_text("x")
    registry = lsl.registry_bytes()
    lsl("--terminate", d.name)
    p = lsl("--manage", d.name, "--move", workdir / "full", check=False)
    assert_one_error_line(p, "not empty")
    assert lsl.registry_bytes() == registry
    assert os.listdir(workdir / "full") == ["thing"]
    lsl("--manage", d.name, "--move", workdir / "back")
    lsl("--unregister", d.name)


def test_move_to_a_full_disk(leaks, lsl, make_distro, image_distro, small_fs):
    d = make_distro()
    (d.rootfs / "big.bin").write_bytes(os.urandom(4 << 20))
    i = image_distro("64M")
    i.sh("dd if=/dev/urandom of=/root/big bs=1M count=4 2>/dev/null")
    lsl("--terminate", i.name)
    registry = lsl.registry_bytes()
    for x in (d, i):
        p = lsl("--manage", x.name, "--move", small_fs / x.name, check=False)
        assert_one_error_line(p, "no space left")
        assert os.listdir(small_fs) == [], f"a failed move left {os.listdir(small_fs)}"
    assert lsl.registry_bytes() == registry
    assert d.out("sh", "-c", "wc -c < /big.bin").strip() == str(4 << 20)
    assert i.out("sh", "-c", "wc -c < /root/big").strip() == str(4 << 20)


def test_move_image_distribution(leaks, lsl, image_distro, workdir, other_fs):
    d = image_distro("64M")
    d.sh("echo in-image > /root/f")
    lsl("--terminate", d.name)
    lsl("--manage", d.name, "--move", workdir / "imgnew")
    assert (workdir / "imgnew" / "ext4.img").exists() and not d.image.exists()
    d.image = workdir / "imgnew" / "ext4.img"
    assert image_line(lsl, d.name)["image"] == str(d.image)
    assert d.out("cat", "/root/f") == "in-image\n"
    lsl("--terminate", d.name)
    lsl("--manage", d.name, "--move", other_fs / "img")
    lsl("--shutdown")
    assert not d.image.exists()
    d.image = other_fs / "img" / "ext4.img"
    assert allocated(d.image) < os.stat(d.image).st_size // 2, "the copy is not sparse"
    assert d.out("cat", "/root/f") == "in-image\n"


# ------------------------------------------------------------------ --mount

def mini_init_mounts(lsl, mentioning):
    pid = lsl.mini_init_pid()
    if not pid:
        return []
    return mountinfo_lines(mentioning, f"/proc/{pid}/mountinfo")


def listed_mounts(lsl):
    out = lsl("--list", "--mounts").stdout
    lines = [line for line in out.splitlines() if line.strip()]
    if lines == ["No disks are mounted."]:
        return {}
    assert lines[0].split()[:2] == ["DISK", "NAME"], out
    return {line.split()[1]: line.split() for line in lines[1:]}


def test_mount_image_everywhere(leaks, lsl, make_distro, workdir):
    disk = mkfs(workdir / "shared.img", "32M")
    a = make_distro()
    with a.hold():
        p = lsl("--mount", disk)
        assert "/mnt/wsl/shared.img" in p.stdout
        assert len(loops_backed_by(disk)) == 1
        assert host_mounts_of(disk.parent) == [], "the disk is mounted on the host"
        assert listed_mounts(lsl)["shared.img"][0] == str(disk)
        # The running distribution sees it, and one started later too.
        a.sh("echo from-a > /mnt/wsl/shared.img/a")
        b = make_distro()
        assert b.out("cat", "/mnt/wsl/shared.img/a") == "from-a\n"
        # It survives a distribution's restart.
        lsl("--terminate", b.name)
        assert b.out("cat", "/mnt/wsl/shared.img/a") == "from-a\n"
        # The same disk twice: refused.
        p = lsl("--mount", disk, "--name", "again", check=False)
        assert_one_error_line(p, "already mounted")
        lsl("--unmount", disk)
        assert a.out("ls", "/mnt/wsl").split() == []
        assert b.out("ls", "/mnt/wsl").split() == []
    assert loops_backed_by(disk) == []
    assert listed_mounts(lsl) == {}
    assert mini_init_mounts(lsl, lsl.runtime / "mnt-wsl") == [] or \
        all("lsl-mnt-wsl" in line for line in mini_init_mounts(lsl, lsl.runtime / "mnt-wsl"))
    out = subprocess.run(["debugfs", "-R", "cat /a", str(disk)], capture_output=True, text=True).stdout
    assert out == "from-a\n"


def test_mount_partition_name_type_options(leaks, lsl, make_distro, workdir):
    disk = workdir / "parts.img"
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    write_mbr(disk, [(2048, 40960, 0x83), (43008, 20480, 0x83)])
    subprocess.run(["mkfs.ext4", "-q", "-F", "-E", f"offset={2048 * 512}", str(disk), "20M"], check=True)
    d = make_distro()
    lsl("--mount", disk, "--partition", "1", "--name", "part1", "--type", "ext4", "--options", "ro,noexec")
    try:
        assert "part1" in listed_mounts(lsl)
        assert d.out("ls", "/mnt/wsl/part1").split() == ["lost+found"]
        p = d.sh("touch /mnt/wsl/part1/x", check=False)
        assert p.returncode != 0 and "read-only" in p.stderr.lower()
        # Partition 2 has no filesystem, partition 3 does not exist.
        p = lsl("--mount", disk, "--partition", "2", "--name", "part2", check=False)
        assert_one_error_line(p, "partition 2", "not a valid ext4 filesystem")
        p = lsl("--mount", disk, "--partition", "3", "--name", "part3", check=False)
        assert_one_error_line(p, "no partition 3")
        assert sorted(listed_mounts(lsl)) == ["part1"]
        assert len(loops_backed_by(disk)) == 1
    finally:
        lsl("--unmount", "part1")
    assert loops_backed_by(disk) == []


def test_mount_bad_input(leaks, lsl, workdir, image_distro):
    junk = workdir / "junk.img"
    junk.write_bytes(os.urandom(1 << 20))
    p = lsl("--mount", junk, check=False)
    assert_one_error_line(p, "not a valid ext4 filesystem")
    p = lsl("--mount", workdir / "missing.img", check=False)
    assert_one_error_line(p, "no such file")
    p = lsl("--mount", workdir, check=False)
    assert_one_error_line(p, "neither a block device nor a disk image")
    p = lsl("--mount", junk, "--type", "proc", check=False)
    assert_one_error_line(p, "not a filesystem that lives on a disk")
    p = lsl("--mount", junk, "--name", "../x", check=False)
    assert_one_error_line(p, "invalid name")
    p = lsl("--mount", junk, "--options", "bind", check=False)
    assert_one_error_line(p, "bind")
    # A distribution's disk is not a disk to mount.
    d = image_distro("64M")
    p = lsl("--mount", d.image, check=False)
    assert_one_error_line(p, "is the disk of the distribution")
    p = lsl("--unmount", junk, check=False)
    assert_one_error_line(p, "not mounted")
    assert listed_mounts(lsl) == {}
    assert loops_backed_by(workdir) == []


def test_mount_bare_and_block_device(leaks, lsl, workdir):
    img = mkfs(workdir / "blk.img", "32M")
    dev = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True, text=True,
                         check=True).stdout.strip()
    try:
        p = lsl("--mount", dev, "--name", "blk")
        assert "/mnt/wsl/blk" in p.stdout
        backings = loop_backings()
        assert any(f == dev for f in backings.values()), backings
        lsl("--unmount", dev)
        assert not any(f == dev for f in loop_backings().values())
        # A block device mounted on the host is in use.
        mnt = workdir / "hostmnt"
        mnt.mkdir()
        subprocess.run(["mount", dev, str(mnt)], check=True)
        try:
            p = lsl("--mount", dev, check=False)
            assert_one_error_line(p, "in use")
        finally:
            subprocess.run(["umount", str(mnt)], check=True)
        # The image behind the block device is in use too.
        p = lsl("--mount", img, "--bare", check=False)
        assert_one_error_line(p, "in use")
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
    # --bare attaches only.
    p = lsl("--mount", img, "--bare")
    assert "attached as /dev/loop" in p.stdout
    assert len(loops_backed_by(img)) == 1
    row = listed_mounts(lsl)["blk.img"]
    assert row[2] == "-"
    lsl("--unmount", img)
    assert loops_backed_by(img) == []


def test_bare_disk_has_a_node_in_every_distribution(leaks, lsl, make_distro, workdir):
    """--bare: the disk is for the distributions to use (lsblk, mount), those started later too."""
    tree = workdir / "bare-tree"
    tree.mkdir()
    (tree / "marker").write_text("from the bare disk\n")
    img = mkfs(workdir / "bare.img", "32M", tree=tree)
    before = make_distro()
    before.run("true")
    out = lsl("--mount", img, "--bare").stdout
    m = re.search(r"/dev/(loop\d+)", out)
    assert m, out
    node = m.group(1)
    check = (f"test -b /dev/{node} && mkdir -p /tmp/raw && mount -t ext4 /dev/{node} /tmp/raw && "
             "cat /tmp/raw/marker && umount /tmp/raw")
    assert before.sh(check).stdout == "from the bare disk\n"
    later = make_distro()
    assert later.sh(check).stdout == "from the bare disk\n"
    lsl("--unmount", img)
    for d in (before, later):
        assert d.sh(f"test -e /dev/{node} || echo gone").stdout == "gone\n"
    assert loops_backed_by(img) == []


def test_mounts_go_with_shutdown(fresh):
    lsl = fresh
    disk = mkfs(lsl.work / "gone.img", "32M")
    lsl("--mount", disk)
    lsl("--mount", mkfs(lsl.work / "bare.img", "32M"), "--bare")
    assert len(loops_backed_by(lsl.work)) == 2
    lsl("--shutdown")
    assert loops_backed_by(lsl.work) == []
    assert listed_mounts(lsl) == {}
