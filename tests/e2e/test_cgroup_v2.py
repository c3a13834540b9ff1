"""A pure cgroup v2 host, as most users' hosts are.

This machine is hybrid (v1 controllers, cgroup2 at /sys/fs/cgroup/unified). A
pure v2 view is made for one lsl instance: every lsl command, and so the
service it starts and everything that service starts, runs in a mount
namespace of its own where /sys/fs/cgroup is the cgroup2 hierarchy itself.
The cgroups are the host's own: they are checked from the host's view.
"""

import tempfile

import pytest

import rootfs
from conftest import CACHE_DIR, Instance, cgroup2_root, import_distro, wait_for
from test_startup import unified_cgroup

# Mounts made by the host later still reach the namespace (slave), none go back.
PURE_V2 = ["unshare", "--mount", "--propagation", "slave", "--", "sh", "-c",
           'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"', "lsl-pure-v2"]


class PureV2Instance(Instance):
    def command(self, *args, **kw):
        return PURE_V2 + super().command(*args, **kw)


@pytest.fixture
def v2(prefix):
    inst = PureV2Instance(prefix, tempfile.mkdtemp(prefix="lsl-e2e-v2-"))
    yield inst
    inst.close()


def test_distribution_on_a_pure_v2_host(v2, busybox_tar):
    d = import_distro(v2, busybox_tar(".tar"))
    fs = d.out("stat", "-f", "-c", "%t", "/sys/fs/cgroup").strip()
    assert fs == "63677270", "/sys/fs/cgroup is not cgroup2"  # CGROUP2_SUPER_MAGIC
    assert unified_cgroup(d.out("cat", "/proc/self/cgroup")) == "/"
    p = d.sh("mkdir /sys/fs/cgroup/child && echo $$ > /sys/fs/cgroup/child/cgroup.procs"
             " && cat /proc/self/cgroup")
    assert unified_cgroup(p.stdout) == "/child"
    host = cgroup2_root() / v2.base / d.name
    assert (host / "child").is_dir()
    d.terminate()
    assert not host.exists()


@pytest.mark.slow
def test_systemd_boots_on_a_pure_v2_host(v2):
    d = import_distro(v2, rootfs.debian_systemd_tarball(str(CACHE_DIR)), stem="systemd-v2")
    (d.rootfs / "etc/wsl.conf").write_text("[boot]\nsystemd = true\n")
    p = d.run("systemctl", "is-system-running", check=False)
    failed = d.sh("systemctl --failed --no-legend --plain", check=False).stdout
    assert p.stdout.strip() == "running", f"{p.stdout!r} {p.stderr!r}\n{failed}"
    assert "lsl: warning" not in p.stderr, p.stderr
    assert d.sh("systemctl start systemd-hostnamed && systemctl is-active systemd-hostnamed").stdout \
        .strip() == "active"
    host = cgroup2_root() / v2.base / d.name
    assert (host / "init.scope").is_dir() or any(host.iterdir())
    d.terminate()
    wait_for(lambda: not host.exists(), "the distribution's cgroup to go")
