"""Distributions that boot their own systemd ([boot] systemd = true), and lsl --safe-mode.

The Debian tests use a debootstrap with systemd, systemd-sysv, dbus and
libpam-systemd (rootfs.debian_systemd_tarball, cached); they are slow. The
failure cases (no /sbin/init, an init that cannot run or never finishes
booting) use the busybox tree and are not.
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

import rootfs
from conftest import CACHE_DIR, cgroup2_root, discard_distro, import_distro, pids_in_ns, wait_for
from test_startup import binfmt_name, host_binfmt

SYSTEMD_CONF = "[boot]\nsystemd = true\n"
MARKER_UNIT = """[Unit]
Description=lsl test: leaves a mark when it is stopped

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/bin/sh -c 'date +%s > /var/lib/lsl-e2e/stopped'

[Install]
WantedBy=multi-user.target
"""


def warnings_of(p):
    return [line for line in p.stderr.splitlines() if line.startswith("lsl: warning: ")]


def link(root, rel, target):
    p = Path(root) / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.is_symlink() or p.exists():
        p.unlink()
    p.symlink_to(target)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="session")
def systemd_tarball():
    return rootfs.debian_systemd_tarball(str(CACHE_DIR))


@pytest.fixture(scope="module")
def sd(instance, systemd_tarball):
    """A Debian distribution with [boot] systemd = true, prepared before its first start:
    a unit that marks its stop, and systemd-networkd-wait-online pulled in at boot."""
    d = import_distro(instance, systemd_tarball, stem="systemd")
    root = d.rootfs
    (root / "etc/wsl.conf").write_text(SYSTEMD_CONF)
    (root / "var/lib/lsl-e2e").mkdir(parents=True, exist_ok=True)
    (root / "etc/systemd/system/lsl-e2e-marker.service").write_text(MARKER_UNIT)
    link(root, "etc/systemd/system/multi-user.target.wants/lsl-e2e-marker.service",
         "/etc/systemd/system/lsl-e2e-marker.service")
    # A unit that only waits for a network lsl already provides: masked, it must not delay the boot.
    link(root, "etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service",
         "/lib/systemd/system/systemd-networkd-wait-online.service")
    link(root, "etc/systemd/system/multi-user.target.wants/network-online.target",
         "/lib/systemd/system/network-online.target")
    # systemd-binfmt would run (and flush the host's binfmt_misc) with any binfmt.d entry.
    (root / "etc/binfmt.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/binfmt.d/lsl-e2e.conf").write_text(":lsl-e2e-sd:M::\\x01\\x02lslsd::/bin/false:\n")
    yield d
    discard_distro(d)


@pytest.fixture
def busybox_with(instance, busybox_tree, make_distro, session_tmp):
    """busybox_with({"etc/wsl.conf": ...}, modes={"sbin/init": 0o755}) -> a busybox distribution."""

    def make(files, modes=None):
        tree = Path(tempfile.mkdtemp(prefix="tree.", dir=session_tmp))
        try:
            root = tree / "root"
            shutil.copytree(busybox_tree, root, symlinks=True)
            for rel, content in files.items():
                p = root / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(content.encode() if isinstance(content, str) else content)
            for rel, mode in (modes or {}).items():
                os.chmod(root / rel, mode)
            return make_distro(rootfs.make_tar(str(root), str(tree / "rootfs.tar"), ".tar"))
        finally:
            shutil.rmtree(tree / "root", ignore_errors=True)
    return make


def failed_units(d):
    return d.sh("systemctl --failed --no-legend --plain; journalctl -b -p warning --no-pager | tail -40",
                check=False).stdout


def ensure_started(d):
    """Start (if stopped) and return the output of the first command: the system state."""
    return d.run("systemctl", "is-system-running", check=False)


# ------------------------------------------------------------------ boot

@pytest.mark.slow
def test_first_command_runs_in_a_booted_system_with_no_failed_unit(sd):
    sd.terminate()
    p = ensure_started(sd)
    # The first command already sees the end of the boot: never "starting".
    assert p.stdout.strip() == "running", f"{p.stdout!r} {p.stderr!r}\n{failed_units(sd)}"
    assert not warnings_of(p), p.stderr


@pytest.mark.slow
def test_systemd_is_pid_1_and_lsl_runs_beside_it(sd):
    ensure_started(sd)
    assert sd.out("cat", "/proc/1/comm").strip() == "systemd"
    # lsl's processes live in their own cgroup next to systemd's tree.
    own = sd.out("cat", "/proc/self/cgroup")
    assert re.search(r"^0::/lsl$", own, re.M), own
    assert sd.out("systemctl", "show", "-p", "ControlGroup", "--value", "init.scope").strip() == "/init.scope"
    assert sd.out("sh", "-c", "cat /proc/$PPID/comm").strip() == "init"


@pytest.mark.slow
def test_journald_logind_and_dbus_are_active(sd):
    ensure_started(sd)
    p = sd.run("systemctl", "is-active", "systemd-journald", "systemd-logind", "dbus", check=False)
    assert p.stdout.split() == ["active"] * 3, p.stdout + failed_units(sd)
    assert sd.out("journalctl", "-b", "--no-pager", "-n", "1", "-o", "cat").strip()


@pytest.mark.slow
def test_network_wait_units_are_masked(sd):
    ensure_started(sd)
    for unit in ("systemd-networkd-wait-online.service", "NetworkManager-wait-online.service"):
        state = sd.run("systemctl", "is-enabled", unit, check=False).stdout.strip()
        assert state.startswith("masked"), f"{unit}: {state}"


@pytest.mark.slow
def test_transient_unit_runs(sd):
    ensure_started(sd)
    p = sd.run("systemd-run", "--quiet", "--wait", "--unit=lsl-e2e-transient", "/bin/sh", "-c", "exit 0",
               check=False)
    assert p.returncode == 0, p.stderr
    p = sd.run("systemd-run", "--quiet", "--wait", "/bin/sh", "-c", "exit 3", check=False)
    assert p.returncode == 3


@pytest.mark.slow
def test_service_with_restart_always_restarts(sd):
    ensure_started(sd)
    unit = ("[Service]\nExecStart=/bin/sleep 1000000\nRestart=always\nRestartSec=100ms\n")
    sd.sh(f"printf '{unit}' > /run/systemd/system/lsl-e2e-restart.service && systemctl daemon-reload")
    sd.run("systemctl", "start", "lsl-e2e-restart.service")
    first = sd.out("systemctl", "show", "-p", "MainPID", "--value", "lsl-e2e-restart.service").strip()
    assert first != "0"
    sd.sh(f"kill -9 {first}")
    def restarted():
        pid = sd.out("systemctl", "show", "-p", "MainPID", "--value", "lsl-e2e-restart.service").strip()
        restarts = sd.out("systemctl", "show", "-p", "NRestarts", "--value", "lsl-e2e-restart.service").strip()
        return pid not in ("0", first) and restarts == "1"
    wait_for(restarted, "systemd to restart the killed service")
    sd.run("systemctl", "stop", "lsl-e2e-restart.service")


@pytest.mark.slow
def test_mounts_shared_by_lsl_are_not_unmounted_by_systemd(sd):
    ensure_started(sd)
    for unit in ("mnt-wsl.mount", "mnt-host.mount"):
        value = sd.out("systemctl", "show", "-p", "DefaultDependencies", "--value", unit).strip()
        assert value == "no", f"{unit}: DefaultDependencies={value}"


# ------------------------------------------------------------------ user sessions

@pytest.mark.slow
def test_user_session_through_logind(sd):
    ensure_started(sd)
    sd.sh("id bob >/dev/null 2>&1 || useradd -m -s /bin/bash bob")
    uid = sd.out("id", "-u", "bob").strip()
    p = sd.lsl("-d", sd.name, "-u", "bob", "--",
               'echo "dir=$XDG_RUNTIME_DIR"; test -d "$XDG_RUNTIME_DIR" && echo exists; '
               "systemctl --user is-system-running; loginctl list-sessions --no-legend", check=False)
    out = p.stdout
    assert f"dir=/run/user/{uid}" in out, out + p.stderr
    assert "exists" in out, out + p.stderr
    assert re.search(r"^(running|degraded)$", out, re.M), out + p.stderr
    assert re.search(rf"\b{uid}\s+bob\b", out), out
    assert not warnings_of(p), p.stderr
    # Later processes of that user share the one session.
    again = sd.lsl("-d", sd.name, "-u", "bob", "--", "loginctl list-sessions --no-legend").stdout
    assert len(re.findall(rf"\b{uid}\s+bob\b", again)) == 1, again


@pytest.mark.slow
def test_default_user_gets_systemd_user(sd):
    ensure_started(sd)
    p = sd.sh('echo "$XDG_RUNTIME_DIR"; systemctl --user is-system-running', check=False)
    lines = p.stdout.split()
    assert lines[0] == "/run/user/0", p.stdout + p.stderr
    assert lines[1] in ("running", "degraded"), p.stdout + p.stderr


# ------------------------------------------------------------------ stopping

@pytest.mark.slow
def test_terminate_runs_the_shutdown_transaction(lsl, sd):
    ensure_started(sd)
    marker = sd.rootfs / "var/lib/lsl-e2e/stopped"
    if marker.exists():
        marker.unlink()
    assert sd.out("systemctl", "is-active", "lsl-e2e-marker.service").strip() == "active"
    ns = sd.pid_ns()
    sd.terminate()
    assert marker.exists(), "ExecStop of an active unit did not run: systemd was not shut down"
    assert not pids_in_ns(ns), "processes of the distribution are left"
    assert not (cgroup2_root() / lsl.base / sd.name).exists()


@pytest.mark.slow
def test_binfmt_entry_survives_systemd(lsl, sd, busybox_distro):
    name = binfmt_name(lsl)
    busybox_distro.sh("true")
    assert host_binfmt(name) is not None
    sd.terminate()
    ensure_started(sd)
    state = sd.run("systemctl", "is-enabled", "systemd-binfmt.service", check=False).stdout.strip()
    assert state.startswith("masked"), state
    assert sd.out("cat", "/proc/sys/fs/binfmt_misc/status").strip() == "enabled"
    entry = host_binfmt(name)
    assert entry is not None and entry.startswith("enabled"), entry
    assert host_binfmt("lsl-e2e-sd") is None, "the distribution registered its binfmt.d entry on the host"
    sd.terminate()
    entry = host_binfmt(name)
    assert entry is not None and entry.startswith("enabled"), "systemd's shutdown removed lsl's entry"
    assert (host_binfmt("status") or "").strip() == "enabled"


@pytest.mark.slow
def test_shared_mounts_survive_a_systemd_shutdown(sd, busybox_distro):
    target = f"/mnt/wsl/guard-{sd.name}"
    busybox_distro.sh(f"mkdir -p {target} && mount -t tmpfs lsl-e2e-guard {target} && touch {target}/inside")
    try:
        ensure_started(sd)
        assert sd.out("ls", target).split() == ["inside"]
        sd.terminate()
        assert busybox_distro.out("ls", target).split() == ["inside"]
    finally:
        busybox_distro.sh(f"umount {target}; rmdir {target}", check=False)


@pytest.mark.slow
def test_idle_counts_only_what_lsl_started(lsl, sd):
    conf = sd.rootfs / "etc/wsl.conf"
    sd.terminate()
    conf.write_text(SYSTEMD_CONF + "[general]\ninstanceIdleTimeout = 300\n")
    try:
        assert ensure_started(sd).stdout.strip() == "running"
        # systemd's own services (journald, logind, user@...) do not keep it running, as with WSL.
        wait_for(lambda: sd.name not in lsl.names_listed("--running"), "the idle distribution to stop", timeout=30)
        # (That a process the user left behind keeps a distribution running is test_life's.)
    finally:
        sd.terminate()
        conf.write_text(SYSTEMD_CONF)


@pytest.mark.slow
def test_cgroups_v1_request_uses_v2_with_systemd(sd):
    conf = sd.rootfs / "etc/wsl.conf"
    host_v1 = Path("/sys/fs/cgroup/systemd")
    before = sorted(p.name for p in host_v1.iterdir() if p.is_dir()) if host_v1.is_dir() else None
    sd.terminate()
    conf.write_text(SYSTEMD_CONF + "[automount]\ncgroups = v1\n")
    try:
        p = sd.run("stat", "-f", "-c", "%T", "/sys/fs/cgroup")
        assert p.stdout.strip() == "cgroup2fs"
        assert any("cgroups=v1 is not possible with [boot] systemd" in w for w in warnings_of(p)), p.stderr
        assert sd.out("systemctl", "is-system-running").strip() == "running"
    finally:
        sd.terminate()
        conf.write_text(SYSTEMD_CONF)
    # Nothing of the distribution's systemd in the host's own v1 hierarchies.
    if before is not None:
        assert sorted(p.name for p in host_v1.iterdir() if p.is_dir()) == before


# ------------------------------------------------------------------ when systemd cannot run

def test_missing_sbin_init_starts_without_systemd(busybox_with):
    d = busybox_with({"etc/wsl.conf": SYSTEMD_CONF})
    p = d.sh("echo up; cat /proc/1/comm")
    assert p.stdout.split() == ["up", "init"]
    assert any("/sbin/init does not exist" in w for w in warnings_of(p)), p.stderr


def test_init_that_cannot_run_starts_without_systemd(busybox_with):
    d = busybox_with({"etc/wsl.conf": SYSTEMD_CONF, "sbin/init": b"\x00\x01 not a program\n"},
                     modes={"sbin/init": 0o755})
    p = d.sh("echo up")
    assert p.stdout.strip() == "up"
    assert any("cannot start systemd" in w and "/sbin/init" in w for w in warnings_of(p)), p.stderr
    d.terminate()


def test_systemd_that_never_finishes_booting_is_bounded(busybox_with):
    d = busybox_with({"etc/wsl.conf": SYSTEMD_CONF + "initTimeout = 1500\n",
                      "sbin/init": "#!/bin/sh\nexec sleep 1000000\n"},
                     modes={"sbin/init": 0o755})
    p = d.sh("echo up")
    assert p.stdout.strip() == "up"
    # Bounded by initTimeout: the warning says so (a hang would hit the call's own time-out).
    assert any("did not finish booting within 1500 ms" in w for w in warnings_of(p)), p.stderr
    d.terminate()


# ------------------------------------------------------------------ safe mode

def test_safe_mode_ignores_wsl_conf(busybox_with):
    conf = ("[network]\nhostname = from-wsl-conf\n[boot]\ncommand = touch /run/boot-ran\nsystemd = true\n"
            "initTimeout = 1000\n")
    d = busybox_with({"etc/wsl.conf": conf, "sbin/init": "#!/bin/sh\nexec sleep 1000000\n"},
                     modes={"sbin/init": 0o755})
    p = d.lsl("--safe-mode", "-d", d.name, "--", "hostname; cat /proc/1/comm; if test -e /run/boot-ran; then echo ran; fi")
    assert p.stdout.split()[0] != "from-wsl-conf"
    assert p.stdout.split()[1:] == ["init"], p.stdout
    assert any(w == "lsl: warning: safe mode: /etc/wsl.conf ignored" for w in warnings_of(p)), p.stderr
    # Running already: said, and nothing changes.
    p = d.lsl("--safe-mode", "-d", d.name, "--", "echo again")
    assert p.stdout.strip() == "again"
    assert any("safe mode applies at its next start" in w for w in warnings_of(p)), p.stderr
    d.terminate()
    # Without --safe-mode, the next start reads wsl.conf again.
    p = d.sh("hostname", check=False)
    assert p.stdout.strip() == "from-wsl-conf", p.stdout + p.stderr
