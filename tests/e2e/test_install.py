"""lsl --install debian [--name NAME]: debootstrap, then registration. Slow: runs last."""

import os

import pytest

from conftest import assert_one_error_line
from rootfs import host_codename

pytestmark = pytest.mark.slow

INSTALL_TIMEOUT = 1800  # a bound on a network download, not an expectation


@pytest.fixture(scope="module")
def installed(instance):
    name = instance.unique_name("installed")
    p = instance("--install", "debian", "--name", name, timeout=INSTALL_TIMEOUT)
    yield name, p
    instance("--terminate", name, check=False)
    instance("--unregister", name, check=False)


def test_install_registers_a_working_debian(instance, installed):
    name, p = installed
    assert name in instance.names_listed()
    os_release = instance("-d", name, "-e", "cat", "/etc/os-release").stdout
    assert "ID=debian" in os_release
    assert f"VERSION_CODENAME={host_codename()}" in os_release
    assert instance("-d", name, "-e", "dpkg-query", "-W", "-f=${Status}", "bash").stdout == \
        "install ok installed"


def test_install_output_reaches_the_caller(installed):
    _, p = installed
    out = p.stdout + p.stderr
    assert "Base system installed successfully" in out, out[-2000:]


def test_install_stores_under_the_state_directory(instance, installed):
    name, _ = installed
    text = instance.registry_path().read_text()
    entry = [line for line in text.splitlines() if line.startswith(f"distribution\t{name}\t")]
    assert len(entry) == 1
    fields = dict(f.split("=", 1) for f in entry[0].split("\t")[2:])
    assert fields["rootfs"].startswith(str(instance.state) + "/")
    assert os.path.isfile(os.path.join(fields["rootfs"], "etc", "debian_version"))


def test_install_same_name_refused(instance, installed):
    name, _ = installed
    before = instance.registry_bytes()
    p = instance("--install", "debian", "--name", name, check=False, timeout=INSTALL_TIMEOUT)
    assert_one_error_line(p, name)
    assert instance.registry_bytes() == before


def test_install_default_name_then_unregister(instance):
    """Without --name the distribution is named after what was installed."""
    assert "debian" not in [n.lower() for n in instance.names_listed()]
    instance("--install", "debian", timeout=INSTALL_TIMEOUT)
    names = [n for n in instance.names_listed() if n.lower() == "debian"]
    assert len(names) == 1, instance.names_listed()
    name = names[0]
    try:
        text = instance.registry_path().read_text()
        entry = [line for line in text.splitlines() if line.startswith(f"distribution\t{name}\t")][0]
        fields = dict(f.split("=", 1) for f in entry.split("\t")[2:])
        assert instance("-d", "debian", "-e", "cat", "/etc/debian_version").returncode == 0
        instance("--unregister", name)
        assert not os.path.exists(fields["rootfs"])
        assert name not in instance.names_listed()
    finally:
        instance("--unregister", name, check=False)
