"""Distribution start-up as WSL's init does it: cgroups, binfmt, wsl.conf, network files,
automount, fstab, /mnt/wsl, boot command, default user, umask, time zone."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import rootfs
from conftest import cgroup2_root

INTEROP_MAGIC = b"\x7fLSLHOST"


@pytest.fixture
def distro_with(instance, busybox_tree, make_distro, session_tmp):
    """distro_with({"etc/wsl.conf": "..."}, symlinks={"mnt": "/etc"}) -> a busybox distribution
    whose tree has these extra files (str or bytes) and symlinks."""

    def make(files=None, symlinks=None, remove=(), lsl=None):
        tree = Path(tempfile.mkdtemp(prefix="tree.", dir=session_tmp))
        try:
            shutil.copytree(busybox_tree, tree / "root", symlinks=True)
            root = tree / "root"
            for rel in remove:
                p = root / rel
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                else:
                    p.unlink()
            for rel, content in (files or {}).items():
                p = root / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(content.encode() if isinstance(content, str) else content)
            for rel, target in (symlinks or {}).items():
                p = root / rel
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                p.parent.mkdir(parents=True, exist_ok=True)
                p.symlink_to(target)
            tar = rootfs.make_tar(str(root), str(tree / "rootfs.tar"), ".tar")
            return make_distro(tar, lsl=lsl)
        finally:
            shutil.rmtree(tree / "root", ignore_errors=True)
    return make


def warnings_of(p):
    return [line for line in p.stderr.splitlines() if line.startswith("lsl: warning: ")]


def unified_cgroup(text):
    """The cgroup2 line's path of a /proc/PID/cgroup (hybrid hosts list v1 hierarchies too)."""
    return next(line[3:] for line in text.splitlines() if line.startswith("0::"))


def mounts_inside(d):
    table = {}
    for line in d.out("cat", "/proc/self/mountinfo").splitlines():
        left, right = line.split(" - ")
        table[left.split()[4]] = (right.split()[0], left.split()[5], right.split()[2:])
    return table


# ------------------------------------------------------------------ cgroups

def test_cgroup2_inside_rooted_at_the_distributions_cgroup(lsl, busybox_distro):
    busybox_distro.terminate()
    mounts = mounts_inside(busybox_distro)
    assert mounts["/sys/fs/cgroup"][0] == "cgroup2"
    # The cgroup namespace hides the host's tree: this process is at the root.
    assert unified_cgroup(busybox_distro.out("cat", "/proc/self/cgroup")) == "/"
    host = cgroup2_root() / lsl.base / busybox_distro.name
    assert host.is_dir()


def test_cgroups_writable_from_inside(lsl, busybox_distro):
    child = "lsl-e2e-child"
    p = busybox_distro.sh(f"mkdir /sys/fs/cgroup/{child} && echo $$ > /sys/fs/cgroup/{child}/cgroup.procs"
                          " && cat /proc/self/cgroup")
    assert unified_cgroup(p.stdout) == f"/{child}"
    host = cgroup2_root() / lsl.base / busybox_distro.name / child
    assert host.is_dir()
    busybox_distro.sh(f"rmdir /sys/fs/cgroup/{child}")


def test_terminate_removes_the_cgroup_with_children(lsl, make_distro):
    d = make_distro()
    d.sh("mkdir -p /sys/fs/cgroup/a/b")
    host = cgroup2_root() / lsl.base / d.name
    assert (host / "a" / "b").is_dir()
    d.terminate()
    assert not host.exists()


def test_cgroups_v1_request_still_starts(distro_with):
    d = distro_with({"etc/wsl.conf": "[automount]\ncgroups = v1\n"})
    p = d.sh("test -d /sys/fs/cgroup && echo ok")
    assert p.stdout.strip() == "ok"
    mounts = mounts_inside(d)
    assert mounts["/sys/fs/cgroup"][0] in ("cgroup2", "tmpfs")


# ------------------------------------------------------------------ binfmt

def host_binfmt(name):
    """The host's binfmt_misc entry `name` (text) or None, read in a private mount namespace."""
    script = ("mountpoint -q /proc/sys/fs/binfmt_misc || "
              "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; "
              f"cat /proc/sys/fs/binfmt_misc/{name} 2>/dev/null || true")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                       capture_output=True, text=True, check=True)
    return p.stdout or None


def binfmt_name(lsl):
    return "LSLInterop" if lsl.base == "lsl" else "LSLInterop-" + lsl.base.split("-", 1)[1]


def test_binfmt_entry_while_interop_wanted(fresh, busybox_tar):
    from conftest import import_distro
    d = import_distro(fresh, busybox_tar(".tar"))
    name = binfmt_name(fresh)
    assert host_binfmt(name) is None
    d.sh("true")
    entry = host_binfmt(name)
    assert entry is not None, "no binfmt_misc entry while a distribution with interop runs"
    assert "enabled" in entry
    assert "flags: F" in entry
    assert "magic 7f4c534c484f5354" in entry
    assert "4d5a" not in entry.split("magic", 1)[1][:8]  # never MZ
    d.terminate()
    assert host_binfmt(name) is None, "the entry outlived every distribution that wanted it"


def test_binfmt_launcher_reports_interop_unavailable(distro_with):
    d = distro_with({"usr/local/bin/hostcmd": INTEROP_MAGIC + b"\nrest of a launcher\n"})
    d.sh("chmod 755 /usr/local/bin/hostcmd")
    p = d.sh("/usr/local/bin/hostcmd a b", check=False)
    assert p.returncode == 1
    assert "interop is not available yet" in p.stderr


def test_binfmt_not_registered_when_interop_disabled(fresh, busybox_tree, session_tmp):
    from conftest import import_distro
    tree = Path(tempfile.mkdtemp(dir=session_tmp)) / "root"
    shutil.copytree(busybox_tree, tree, symlinks=True)
    (tree / "etc" / "wsl.conf").write_text("[interop]\nenabled = false\n")
    tar = rootfs.make_tar(str(tree), str(tree) + ".tar", ".tar")
    d = import_distro(fresh, tar)
    d.sh("true")
    assert host_binfmt(binfmt_name(fresh)) is None


def test_binfmt_other_entries_left_alone(fresh, busybox_tar):
    from conftest import import_distro
    other = "lsl-e2e-other"
    # Since Linux 6.7 entries last as long as some binfmt_misc mount does: keep one for the test.
    holder = subprocess.Popen(
        ["unshare", "-m", "--propagation", "private", "sh", "-c",
         "mountpoint -q /proc/sys/fs/binfmt_misc || "
         "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; "
         f"echo ':{other}:M::\\x01\\x02lsltest::/bin/false:' > /proc/sys/fs/binfmt_misc/register; "
         "echo ready; exec sleep 1000000"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert host_binfmt(other) is not None
        d = import_distro(fresh, busybox_tar(".tar"))
        d.sh("true")
        d.terminate()
        assert host_binfmt(other) is not None
    finally:
        subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        "mountpoint -q /proc/sys/fs/binfmt_misc || "
                        "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; "
                        f"echo -1 > /proc/sys/fs/binfmt_misc/{other}"], check=False)
        holder.kill()
        holder.wait()
        holder.stdout.close()


# ------------------------------------------------------------------ wsl.conf

def test_wsl_conf_warnings_shown_once_to_the_starter(distro_with):
    conf = ("# comment\r\n"
            "; another comment\r\n"
            "[automount]\r\n"
            "enabled = maybe\r\n"
            "[bogus]\r\n"
            "key = 1\r\n"
            "[network]\r\n"
            "hostname = ok-name\r\n"
            "this line is not ini\r\n")
    d = distro_with({"etc/wsl.conf": conf})
    p = d.sh("hostname")
    warnings = warnings_of(p)
    text = "\n".join(warnings)
    assert "Invalid boolean value 'maybe' for key 'automount.enabled' in /etc/wsl.conf:4" in text, text
    assert "Unknown key 'bogus.key' in /etc/wsl.conf:6" in text, text
    assert "/etc/wsl.conf:9" in text, text
    assert len(warnings) == 3, warnings
    # The lines after the bad ones still count.
    assert p.stdout.strip() == "ok-name"
    # A bad boolean keeps the default (automount enabled).
    assert d.sh("test -d /mnt/host/proc && echo yes").stdout.strip() == "yes"
    # Shown once: the next command of the running distribution prints none.
    assert warnings_of(d.sh("true")) == []


@pytest.mark.parametrize("content", [
    os.urandom(4096),
    b"[network]\nhostname=" + b"a" * (1024 * 1024 - 64) + b"\n",
    b"\0" * 1000,
    b"[network]\nhostname = one\n[network]\nhostname = two\n",
    b"[user]\ndefault = ../../etc\n[automount]\nroot = /../../outside\n",
], ids=["random", "one-long-line", "nul-bytes", "duplicates", "path-outside"])
def test_hostile_wsl_conf_still_starts(distro_with, content):
    d = distro_with({"etc/wsl.conf": content})
    p = d.sh("echo started")
    assert p.stdout.strip() == "started"
    assert len(warnings_of(p)) >= 1
    assert len(warnings_of(p)) <= 70


def test_duplicate_key_first_wins(distro_with):
    d = distro_with({"etc/wsl.conf": "[network]\nhostname = one\nhostname = two\n"})
    p = d.sh("hostname")
    assert p.stdout.strip() == "one"
    assert any("Duplicated config key 'network.hostname'" in w for w in warnings_of(p))


def test_oversized_wsl_conf_is_one_warning(distro_with):
    d = distro_with({"etc/wsl.conf": b"#" * (2 * 1024 * 1024)})
    p = d.sh("true")
    assert len(warnings_of(p)) == 1 and "1 MiB" in warnings_of(p)[0]


def test_no_passwd_hosts_or_os_release(distro_with):
    d = distro_with(remove=["etc/passwd", "etc/group", "etc/os-release"])
    assert d.sh("id -u").stdout.strip() == "0"


# ------------------------------------------------------------------ hostname and network files

def test_hostname_from_wsl_conf(distro_with):
    d = distro_with({"etc/wsl.conf": "[network]\nhostname = lsl-box\n"})
    assert d.out("hostname").strip() == "lsl-box"
    assert d.out("cat", "/etc/hostname") == "lsl-box\n"


def test_hostname_cleaned(distro_with):
    d = distro_with({"etc/wsl.conf": "[network]\nhostname = -my_box..name!-\n"})
    name = d.out("hostname").strip()
    assert name and all(c.isalnum() or c in ".-" for c in name), name
    assert not name.startswith(("-", ".")) and not name.endswith(("-", ".")) and ".." not in name


def test_generated_hosts(distro_with):
    d = distro_with({"etc/wsl.conf": "[network]\nhostname = boxname\n", "etc/hosts": "1.2.3.4 old\n"})
    hosts = d.out("cat", "/etc/hosts")
    assert "generated by lsl" in hosts
    assert "generateHosts = false" in hosts
    assert "127.0.0.1\tlocalhost" in hosts
    assert "boxname" in hosts
    assert "1.2.3.4 old" not in hosts


def test_hosts_not_generated_when_disabled(distro_with):
    d = distro_with({"etc/wsl.conf": "[network]\ngenerateHosts = false\n", "etc/hosts": "1.2.3.4 mine\n"})
    assert d.out("cat", "/etc/hosts") == "1.2.3.4 mine\n"


def test_generated_resolv_conf_from_the_hosts(distro_with):
    d = distro_with({"etc/resolv.conf": "nameserver 9.9.9.9\n"})
    resolv = d.out("cat", "/etc/resolv.conf")
    assert "generated by lsl" in resolv
    host_ns = [l for l in Path("/etc/resolv.conf").read_text().splitlines() if l.startswith("nameserver")]
    for line in host_ns:
        assert line in resolv
    assert "9.9.9.9" not in resolv or any("9.9.9.9" in l for l in host_ns)


def test_resolv_conf_symlink_respected(distro_with):
    d = distro_with({"etc/my-resolv": "nameserver 5.6.7.8\n"}, symlinks={"etc/resolv.conf": "my-resolv"})
    assert d.out("readlink", "/etc/resolv.conf").strip() == "my-resolv"
    assert d.out("cat", "/etc/resolv.conf") == "nameserver 5.6.7.8\n"


def test_immutable_hosts_respected(make_distro, lsl):
    d = make_distro()
    d.sh("echo '10.0.0.1 pinned' > /etc/hosts")
    d.terminate()
    hosts = d.rootfs / "etc" / "hosts"
    r = subprocess.run(["chattr", "+i", str(hosts)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"the filesystem under the test directory has no immutable flag: {r.stderr!r}")
    try:
        p = d.sh("cat /etc/hosts")
        assert p.stdout == "10.0.0.1 pinned\n"
        assert warnings_of(p) == []
    finally:
        d.terminate()
        subprocess.run(["chattr", "-i", str(hosts)], check=False)


# ------------------------------------------------------------------ automount and fstab

def test_host_filesystem_at_mnt_host(busybox_distro, workdir):
    marker = workdir / "seen-from-inside"
    marker.write_text("host file\n")
    assert busybox_distro.out("cat", f"/mnt/host{marker}") == "host file\n"
    busybox_distro.sh(f"echo written > /mnt/host{workdir}/from-inside")
    assert (workdir / "from-inside").read_text() == "written\n"


def test_automount_disabled(distro_with):
    d = distro_with({"etc/wsl.conf": "[automount]\nenabled = false\n"})
    assert "/mnt/host" not in mounts_inside(d)


def test_automount_root_and_options(distro_with, workdir):
    d = distro_with({"etc/wsl.conf": "[automount]\nroot = /hostfs\noptions = ro,noexec\n"})
    mounts = mounts_inside(d)
    assert "/hostfs/host" in mounts
    assert "ro" in mounts["/hostfs/host"][1].split(",")
    p = d.sh(f"touch /hostfs/host{workdir}/nope", check=False)
    assert p.returncode != 0
    assert not (workdir / "nope").exists()


def test_automount_bad_options_warned(distro_with):
    d = distro_with({"etc/wsl.conf": "[automount]\noptions = ro;rm -rf\n"})
    p = d.sh("true")
    assert any("automount.options" in w for w in warnings_of(p)), p.stderr


def test_planted_symlink_never_redirects_a_mount(distro_with):
    d = distro_with(symlinks={"mnt": "/etc"})
    p = d.sh("ls /etc")
    assert "host" not in p.stdout.split()
    assert any("/mnt" in w for w in warnings_of(p)), p.stderr
    assert not Path("/etc/host").exists()
    assert not Path("/etc/wsl").exists()


def test_fstab_mounted(distro_with):
    fstab = ("# a comment\n"
             "tmpfs /media/scratch tmpfs size=1m,mode=0700 0 0\n"
             "tmpfs /media/skipped tmpfs noauto 0 0\n"
             "tmpfs /media/bad tmpfs size=1m,bogus_flag_zz 0 0\n"
             "UUID=1234 /media/disk ext4 defaults,nofail 0 2\n")
    d = distro_with({"etc/fstab": fstab, "media/scratch/.keep": "", "media/skipped/.keep": "",
                     "media/bad/.keep": "", "media/disk/.keep": ""})
    p = d.sh("true")
    mounts = mounts_inside(d)
    assert mounts.get("/media/scratch", ("",))[0] == "tmpfs"
    assert "/media/skipped" not in mounts
    assert "/media/disk" not in mounts
    assert any("/etc/fstab:4" in w for w in warnings_of(p)), p.stderr
    assert d.out("stat", "-c", "%a", "/media/scratch").strip() == "700"


def test_fstab_ignored_when_disabled(distro_with):
    d = distro_with({"etc/wsl.conf": "[automount]\nmountFsTab = false\n",
                     "etc/fstab": "tmpfs /media/scratch tmpfs defaults 0 0\n", "media/scratch/.keep": ""})
    assert "/media/scratch" not in mounts_inside(d)


def test_fstab_target_through_symlink_refused(distro_with):
    d = distro_with({"etc/fstab": "tmpfs /media/x tmpfs defaults 0 0\n"}, symlinks={"media": "/etc"})
    p = d.sh("true")
    assert any("/etc/fstab:1" in w for w in warnings_of(p)), p.stderr
    assert "/etc/x" not in mounts_inside(d)


# ------------------------------------------------------------------ /mnt/wsl

def test_mnt_wsl_mounts_propagate_between_distributions(make_distro):
    a, b = make_distro(), make_distro()
    target = f"/mnt/wsl/prop-{a.name}"
    a.sh(f"mkdir -p {target} && mount -t tmpfs lsl-e2e-prop {target} && touch {target}/inside")
    try:
        assert b.out("ls", target).split() == ["inside"]
    finally:
        a.sh(f"umount {target} && rmdir {target}")
    assert b.out("ls", "/mnt/wsl").split().count(f"prop-{a.name}") == 0


# ------------------------------------------------------------------ boot, user, umask, time zone

def test_boot_command_runs_as_root_before_the_first_process(distro_with):
    d = distro_with({"etc/wsl.conf": "[boot]\ncommand = id -u > /run/boot-ran\n"})
    assert d.out("cat", "/run/boot-ran").strip() == "0"


def test_boot_command_failure_is_not_fatal(distro_with):
    d = distro_with({"etc/wsl.conf": "[boot]\ncommand = exit 3\n"}, remove=["bin/sh"])
    p = d.run("busybox", "echo", "up")
    assert p.stdout.strip() == "up"
    assert any("boot command" in w for w in warnings_of(p)), p.stderr


def test_default_user_from_wsl_conf(distro_with):
    d = distro_with({"etc/wsl.conf": "[user]\ndefault = alice\n"})
    assert d.out("id", "-u").strip() == "1000"
    assert d.lsl("-d", d.name, "-u", "root", "-e", "id", "-u").stdout.strip() == "0"


def test_unknown_default_user_warned(distro_with):
    d = distro_with({"etc/wsl.conf": "[user]\ndefault = nobodyhere\n"})
    p = d.run("id", "-u")
    assert p.stdout.strip() == "0"
    assert any("nobodyhere" in w for w in warnings_of(p)), p.stderr


def test_umask_from_wsl_conf(distro_with):
    d = distro_with({"etc/wsl.conf": "[filesystem]\numask = 077\n"})
    assert d.sh("umask").stdout.strip() in ("0077", "077")


def host_zone():
    try:
        link = os.readlink("/etc/localtime")
        return link.split("zoneinfo/", 1)[1]
    except (OSError, IndexError):
        return Path("/etc/timezone").read_text().strip()


def test_time_zone_follows_the_host(distro_with):
    zone = host_zone()
    d = distro_with({f"usr/share/zoneinfo/{zone}": Path(f"/usr/share/zoneinfo/{zone}").read_bytes()})
    assert d.out("readlink", "/etc/localtime").strip() == f"/usr/share/zoneinfo/{zone}"
    assert d.out("cat", "/etc/timezone").strip() == zone


def test_time_zone_missing_inside_changes_nothing(distro_with):
    # Minimal distributions often have no zone files: that is not worth a warning at every start.
    d = distro_with()
    p = d.sh("test -e /etc/localtime && echo yes || echo no")
    assert p.stdout.strip() == "no"
    assert warnings_of(p) == []


def test_time_zone_off(distro_with):
    zone = host_zone()
    d = distro_with({"etc/wsl.conf": "[time]\nuseWindowsTimezone = false\n",
                     f"usr/share/zoneinfo/{zone}": "x"})
    p = d.sh("test -e /etc/localtime && echo yes || echo no")
    assert p.stdout.strip() == "no"
    assert warnings_of(p) == []


# ------------------------------------------------------------------ first run ([oobe])

OOBE_SCRIPT = "#!/bin/sh\necho oobe-ran >> /root/oobe-log\necho first-run output\nexit ${OOBE_EXIT:-0}\n"


def test_first_run_command_once_at_the_first_interactive_launch(distro_with):
    d = distro_with({"etc/wsl-distribution.conf": "[oobe]\ncommand = /usr/local/bin/oobe\ndefaultUid = 1000\n",
                     "usr/local/bin/oobe": OOBE_SCRIPT})
    d.sh("chmod 755 /usr/local/bin/oobe")
    # A command is not an interactive launch: no first run yet, still root.
    assert d.out("id", "-u").strip() == "0"
    assert d.sh("cat /root/oobe-log 2>/dev/null || true").stdout == ""
    p = d.lsl("-d", d.name, input="id -u\n")
    assert p.stdout.splitlines() == ["first-run output", "1000"], p.stdout
    p = d.lsl("-d", d.name, input="id -u\n")
    assert p.stdout.splitlines() == ["1000"]
    d.terminate()
    # Remembered across starts: the registry says it ran.
    p = d.lsl("-d", d.name, input="id -u\n")
    assert p.stdout.splitlines() == ["1000"]
    assert d.lsl("-d", d.name, "-u", "root", "-e", "cat", "/root/oobe-log").stdout == "oobe-ran\n"


def test_failed_first_run_command_runs_again(distro_with):
    d = distro_with({"etc/wsl-distribution.conf": "[oobe]\ncommand = OOBE_EXIT=3 /usr/local/bin/oobe\n"
                     "defaultUid = 1000\n",
                     "usr/local/bin/oobe": OOBE_SCRIPT})
    d.sh("chmod 755 /usr/local/bin/oobe")
    p = d.lsl("-d", d.name, input="id -u\n")
    assert p.stdout.splitlines() == ["first-run output", "0"]
    assert any("first-run command" in w and "3" in w for w in warnings_of(p)), p.stderr
    p = d.lsl("-d", d.name, input="id -u\n")
    assert p.stdout.splitlines() == ["first-run output", "0"]


def test_default_uid_without_a_first_run_command(distro_with):
    d = distro_with({"etc/wsl-distribution.conf": "[oobe]\ndefaultUid = 1000\n"})
    assert d.out("id", "-u").strip() == "1000"


# ------------------------------------------------------------------ Initialize reports back

def test_list_verbose_shows_os_user_and_systemd(lsl, distro_with):
    d = distro_with({"etc/wsl.conf": "[user]\ndefault = alice\n[boot]\nsystemd = true\n"})
    def row():
        out = lsl("--list", "--verbose").stdout
        header = out.splitlines()[0].split()
        assert header == ["NAME", "STATE", "OS", "UID", "SYSTEMD"], out
        line = next(l for l in out.splitlines() if d.name in l.split())
        return line.replace("*", " ").split()
    assert row()[2:] == ["-", "-", "-"]  # never started: unknown
    d.sh("true")
    assert row()[1:] == ["Running", "busybox-1", "1000", "yes"]
    d.terminate()
    assert row()[1:] == ["Stopped", "busybox-1", "1000", "yes"]
