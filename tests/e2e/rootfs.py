"""Root filesystems the end-to-end tests import: made here, never downloaded as images.

* busybox: a static busybox and its applet links, a passwd/group with root
  and alice. No C library inside, so a distribution made from it only works
  if lsl's init is static.
* debian: `debootstrap --variant=minbase` of the host's own release, kept as a
  tarball in the cache directory between runs.
* debian-systemd: the same with systemd, systemd-sysv, dbus and libpam-systemd
  (a distribution that boots its own systemd), cached the same way.

Run as a script to fill the Debian cache ahead of a test run:
    /usr/bin/python3 tests/e2e/rootfs.py debian debian-systemd
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile

CACHE_DIR = os.environ.get("LSL_TEST_CACHE_DIR", "/var/cache/lsl-tests")
DEBIAN_MIRROR = "http://deb.debian.org/debian"

# Compression flag given to tar for each archive suffix.
COMPRESSORS = {
    ".tar": [],
    ".tar.gz": ["--gzip"],
    ".tar.xz": ["--xz"],
    ".tar.zst": ["--zstd"],
}

ALICE_UID = 1000
WHEEL_GID = 10


def make_tar(src_dir, dest, suffix=None):
    """Archive src_dir's contents as a rootfs tarball (numeric owners, xattrs kept)."""
    if suffix is None:
        suffix = next(s for s in sorted(COMPRESSORS, key=len, reverse=True) if dest.endswith(s))
    cmd = ["tar", "--numeric-owner", "--xattrs", "--xattrs-include=*"]
    cmd += COMPRESSORS[suffix]
    cmd += ["-C", src_dir, "-cpf", dest, "."]
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
    return dest


def build_busybox_tree(dest):
    """Populate dest with a minimal busybox-only root filesystem."""
    busybox = "/bin/busybox"
    bindir = os.path.join(dest, "bin")
    os.makedirs(bindir, exist_ok=True)
    shutil.copy2(busybox, os.path.join(bindir, "busybox"))
    os.chmod(os.path.join(bindir, "busybox"), 0o755)
    applets = subprocess.run([busybox, "--list"], check=True, capture_output=True,
                             text=True).stdout.split()
    for applet in applets:
        if applet == "busybox" or "/" in applet:
            continue
        link = os.path.join(bindir, applet)
        if not os.path.lexists(link):
            os.symlink("busybox", link)

    etc = os.path.join(dest, "etc")
    os.makedirs(etc, exist_ok=True)
    with open(os.path.join(etc, "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
        f.write(f"alice:x:{ALICE_UID}:{ALICE_UID}:Alice:/home/alice:/bin/sh\n")
    with open(os.path.join(etc, "group"), "w") as f:
        f.write("root:x:0:\n")
        f.write(f"wheel:x:{WHEEL_GID}:alice\n")
        f.write(f"alice:x:{ALICE_UID}:\n")
    with open(os.path.join(etc, "os-release"), "w") as f:
        f.write('NAME="busybox test root"\nID=busybox\nVERSION_ID=1\n')

    root_home = os.path.join(dest, "root")
    os.makedirs(root_home, exist_ok=True)
    os.chmod(root_home, 0o700)
    alice_home = os.path.join(dest, "home", "alice")
    os.makedirs(alice_home, exist_ok=True)
    os.chown(alice_home, ALICE_UID, ALICE_UID)
    os.chmod(alice_home, 0o755)
    for d in ("tmp",):
        os.makedirs(os.path.join(dest, d), exist_ok=True)
        os.chmod(os.path.join(dest, d), 0o1777)
    for d in ("proc", "sys", "dev", "run", "mnt"):
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    return dest


SPECIAL_XATTR = b"lsl-e2e-value"


def build_special_tree(dest):
    """A busybox root plus data/ holding every kind of metadata an import or export must keep:
    owners, setuid and sticky modes, nanosecond times, a user xattr (SPECIAL_XATTR), a file
    capability, hard links, device nodes, a FIFO, symlinks (relative, absolute, dangling), a
    sparse file and a directory with its own mode and times."""
    build_busybox_tree(dest)
    data = os.path.join(dest, "data")
    os.mkdir(data)
    j = lambda *n: os.path.join(data, *n)
    with open(j("owned"), "w") as f:
        f.write("owned\n")
    os.chown(j("owned"), 1234, 5678)
    os.chmod(j("owned"), 0o640)
    with open(j("setuid"), "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(j("setuid"), 0o4755)
    os.mkdir(j("sticky"))
    os.chmod(j("sticky"), 0o1777)
    with open(j("timed"), "w") as f:
        f.write("old\n")
    os.utime(j("timed"), ns=(1_000_000_000_000_000_000, 1_000_000_000_123_456_789))
    with open(j("xattr"), "w") as f:
        f.write("x\n")
    os.setxattr(j("xattr"), "user.lsl_test", SPECIAL_XATTR)
    with open(j("cap"), "wb") as f:
        f.write(b"\x7fELF not really\n")
    os.chmod(j("cap"), 0o755)
    subprocess.run(["setcap", "cap_net_raw+ep", j("cap")], check=True)
    with open(j("hard1"), "w") as f:
        f.write("shared\n")
    os.link(j("hard1"), j("hard2"))
    os.mknod(j("chardev"), stat.S_IFCHR | 0o620, os.makedev(1, 3))
    os.chmod(j("chardev"), 0o620)  # mknod applied this process's umask
    os.mknod(j("blockdev"), stat.S_IFBLK | 0o600, os.makedev(7, 200))
    os.mkfifo(j("fifo"), 0o640)
    os.symlink("hard1", j("rel-link"))
    os.symlink("/etc/passwd", j("abs-link"))
    os.symlink("does/not/exist", j("dangling-link"))
    with open(j("sparse"), "wb") as f:
        f.seek(8 << 20)
        f.write(b"end\n")
    os.mkdir(j("olddir"))
    with open(j("olddir", "inside"), "w") as f:
        f.write("in\n")
    os.chmod(j("olddir"), 0o750)
    os.utime(j("olddir"), ns=(1_100_000_000_000_000_000, 1_100_000_000_000_000_000))
    return dest


def host_codename():
    with open("/etc/os-release") as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key == "VERSION_CODENAME" and value:
                return value.strip('"')
    raise RuntimeError("/etc/os-release has no VERSION_CODENAME")


def debian_tarball(cache_dir=CACHE_DIR, codename=None, log=sys.stderr):
    """Path of the cached debootstrap tarball, building it first if missing."""
    return _debootstrap_tarball(cache_dir, codename, "", [], log)


# What a distribution needs to boot its own systemd with logind and user sessions.
SYSTEMD_PACKAGES = ["systemd", "systemd-sysv", "dbus", "libpam-systemd"]


def debian_systemd_tarball(cache_dir=CACHE_DIR, codename=None, log=sys.stderr):
    """Like debian_tarball, with systemd as the distribution's init (debian-<codename>-systemd)."""
    return _debootstrap_tarball(cache_dir, codename, "-systemd",
                                ["--include=" + ",".join(SYSTEMD_PACKAGES)], log)


def _debootstrap_tarball(cache_dir, codename, variant, extra_args, log):
    """Path of a cached debootstrap tarball, building it first if missing.

    It is built under a temporary name and renamed into place, so an
    interrupted build never leaves a cache entry that looks complete.
    """
    codename = codename or host_codename()
    os.makedirs(cache_dir, exist_ok=True)
    final = os.path.join(cache_dir, f"debian-{codename}{variant}.tar.gz")
    if os.path.exists(final):
        return final
    work = tempfile.mkdtemp(prefix=f"debian-{codename}{variant}.", dir=cache_dir)
    try:
        root = os.path.join(work, "root")
        os.mkdir(root)
        subprocess.run(["debootstrap", "--variant=minbase", *extra_args, codename, root, DEBIAN_MIRROR],
                       check=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        partial = os.path.join(work, "partial.tar.gz")
        make_tar(root, partial, ".tar.gz")
        os.rename(partial, final)
    finally:
        # debootstrap may leave its own mounts (proc, sys) behind when interrupted.
        _unmount_under(work)
        shutil.rmtree(work, ignore_errors=True)
    return final


def _unmount_under(path):
    prefix = os.path.realpath(path) + "/"
    targets = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mnt = line.split()[4].encode().decode("unicode_escape")
            if mnt.startswith(prefix):
                targets.append(mnt)
    for mnt in sorted(targets, key=len, reverse=True):
        subprocess.run(["umount", "-l", mnt], check=False)


if __name__ == "__main__":
    what = sys.argv[1:] or ["debian"]
    for w in what:
        if w == "debian":
            print(debian_tarball())
        elif w == "debian-systemd":
            print(debian_systemd_tarball())
        elif w == "busybox":
            out = tempfile.mkdtemp(prefix="busybox-root.")
            build_busybox_tree(out)
            print(make_tar(out, out + ".tar.gz"))
        else:
            sys.exit(f"unknown rootfs {w!r}: debian, debian-systemd or busybox")
