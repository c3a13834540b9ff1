"""Bad input: one 'lsl: ...' line on stderr, exit 1, and nothing changed."""

import os
import re

import pytest

from conftest import REPO, assert_one_error_line, snapshot


def refused(lsl, args, *needles, watch=(), **kw):
    before = snapshot(lsl, *watch)
    p = lsl(*args, check=False, **kw)
    line = assert_one_error_line(p, *needles)
    assert p.stdout == "", f"nothing on stdout when refusing: {p.stdout!r}"
    assert snapshot(lsl, *watch) == before, "a refused command changed something"
    return line


@pytest.mark.parametrize("args", [
    ["--bogus"],
    ["-Z"],
    ["--list", "--bogus"],
    ["--import"],
    ["--import", "onlyname"],
    ["--import", "name", "{work}/x"],
    ["--set-default"],
    ["--terminate"],
    ["--unregister"],
    ["-d"],
    ["-u"],
    ["--cd"],
])
def test_bad_command_line(lsl, workdir, args):
    refused(lsl, [a.replace("{work}", str(workdir)) for a in args], watch=[workdir])


def test_unknown_option_named(lsl):
    refused(lsl, ["--frobnicate"], "--frobnicate")


@pytest.mark.parametrize("verb", [["-d", "{}", "--", "true"], ["-d", "{}", "-e", "true"],
                                  ["--terminate", "{}"], ["--unregister", "{}"],
                                  ["--set-default", "{}"]])
def test_unknown_distribution(lsl, busybox_distro, verb):
    args = [a.replace("{}", "no-such-distro") for a in verb]
    refused(lsl, args, "no-such-distro")


def test_name_already_registered(lsl, busybox_distro, busybox_tar, workdir):
    location = workdir / "loc"
    refused(lsl, ["--import", busybox_distro.name, location, busybox_tar(".tar")],
            busybox_distro.name, watch=[workdir])
    assert not location.exists()


def test_name_already_registered_other_case(lsl, busybox_distro, busybox_tar, workdir):
    location = workdir / "loc"
    refused(lsl, ["--import", busybox_distro.name.upper(), location, busybox_tar(".tar")],
            watch=[workdir])


def test_location_not_empty(lsl, busybox_tar, workdir):
    location = workdir / "loc"
    location.mkdir()
    (location / "precious").write_text("keep me\n")
    name = lsl.unique_name("notempty")
    refused(lsl, ["--import", name, location, busybox_tar(".tar")], watch=[workdir])
    assert (location / "precious").read_text() == "keep me\n"
    assert os.listdir(location) == ["precious"]


def test_location_is_a_file(lsl, busybox_tar, workdir):
    location = workdir / "file"
    location.write_text("x")
    refused(lsl, ["--import", lsl.unique_name("isfile"), location, busybox_tar(".tar")],
            watch=[workdir])


def test_missing_file(lsl, workdir):
    missing = workdir / "no-such.tar"
    refused(lsl, ["--import", lsl.unique_name("missing"), workdir / "loc", missing],
            str(missing), watch=[workdir])


def test_unreadable_file(lsl, workdir):
    refused(lsl, ["--import", lsl.unique_name("dir"), workdir / "loc", workdir],
            watch=[workdir])


@pytest.mark.parametrize("name", ["tab\tname", "new\nline", "", "a/b", "../up"])
def test_bad_names(lsl, busybox_tar, workdir, name):
    refused(lsl, ["--import", name, workdir / "loc", busybox_tar(".tar")], watch=[workdir])


def test_location_with_newline(lsl, busybox_tar, workdir):
    refused(lsl, ["--import", lsl.unique_name("nl"), workdir / "bad\nloc", busybox_tar(".tar")],
            watch=[workdir])


def test_install_unknown_distribution(lsl, workdir):
    refused(lsl, ["--install", "no-such-linux"], "no-such-linux", watch=[lsl.state])


def test_version(lsl):
    p = lsl("--version")
    version = re.search(r"version:\s*'([^']+)'", (REPO / "meson.build").read_text()).group(1)
    assert version in p.stdout
    assert p.stderr == ""


def test_help(lsl):
    p = lsl("--help")
    for option in ["--import", "--install", "--list", "--verbose", "--running", "--quiet",
                   "--set-default", "--terminate", "--shutdown", "--unregister", "--version",
                   "--help", "--distribution", "--user", "--cd", "--exec"]:
        assert option in p.stdout, f"--help does not mention {option}"
    assert p.stderr == ""
