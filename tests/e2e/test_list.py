"""lsl --list [--verbose] [--running] [--quiet]."""

import pytest

from conftest import import_distro

STATES = {"Stopped", "Running"}


def parse_verbose(out):
    """{name: (is_default, state)} from `--list --verbose` (a header line, then one per distro)."""
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines, "no output"
    header = lines[0].split()
    assert "NAME" in header and "STATE" in header, f"no header line: {lines[0]!r}"
    rows = {}
    for line in lines[1:]:
        tokens = line.split()
        default = tokens[0] == "*"
        if default:
            tokens = tokens[1:]
        assert len(tokens) >= 2, f"bad row {line!r}"
        assert tokens[1] in STATES, f"bad state in {line!r}"
        rows[tokens[0]] = (default, tokens[1])
    return rows


def plain_lines(out, name):
    return [line for line in out.splitlines()
            if name in line.replace("*", " ").replace("(Default)", " ").split()]


@pytest.fixture
def three(fresh, busybox_tar):
    """A private instance with three distributions (names in mixed case, to check sorting)."""
    tar = busybox_tar(".tar")
    names = ["beta", "Alpha", "gamma"]
    distros = {n: import_distro(fresh, tar, name=n, location=fresh.work / n) for n in names}
    return fresh, distros


def test_first_import_becomes_default(three):
    lsl, _ = three
    rows = parse_verbose(lsl("--list", "--verbose").stdout)
    assert rows["beta"][0], rows
    assert [n for n, (d, _) in rows.items() if d] == ["beta"]


def test_quiet_names_only_sorted(three):
    lsl, _ = three
    out = lsl("--list", "--quiet").stdout
    assert out.splitlines() == ["Alpha", "beta", "gamma"]


def test_verbose_states_and_default(three):
    lsl, distros = three
    lsl("--set-default", "gamma")
    with distros["Alpha"].hold():
        rows = parse_verbose(lsl("--list", "--verbose").stdout)
        assert rows == {"Alpha": (False, "Running"), "beta": (False, "Stopped"),
                        "gamma": (True, "Stopped")}
        assert list(rows) == ["Alpha", "beta", "gamma"]
    lsl("--terminate", "Alpha")
    rows = parse_verbose(lsl("--list", "-v").stdout)
    assert rows["Alpha"] == (False, "Stopped")


def test_plain_list_marks_default(three):
    lsl, _ = three
    lsl("--set-default", "Alpha")
    out = lsl("--list").stdout
    for name in ("Alpha", "beta", "gamma"):
        lines = plain_lines(out, name)
        assert len(lines) == 1, f"{name} should be on exactly one line:\n{out}"
        marked = "*" in lines[0] or "(Default)" in lines[0]
        assert marked == (name == "Alpha"), f"default marking wrong:\n{out}"


def test_running(three):
    lsl, distros = three
    assert lsl.names_listed("--running") == []
    with distros["gamma"].hold():
        assert lsl("--list", "--running", "--quiet").stdout.splitlines() == ["gamma"]
        rows = parse_verbose(lsl("--list", "--running", "--verbose").stdout)
        assert list(rows) == ["gamma"] and rows["gamma"][1] == "Running"
        out = lsl("--list", "--running").stdout
        assert plain_lines(out, "gamma") and not plain_lines(out, "beta")
    lsl("--terminate", "gamma")
    assert lsl.names_listed("--running") == []


def test_list_reflects_unregister(three):
    lsl, _ = three
    lsl("--unregister", "beta")
    assert lsl("--list", "--quiet").stdout.splitlines() == ["Alpha", "gamma"]


def test_list_with_nothing_registered(fresh):
    p = fresh("--list", check=False)
    assert p.returncode in (0, 1)
    if p.returncode:
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("lsl: "), p.stderr
    q = fresh("--list", "--quiet", check=False)
    assert q.stdout.strip() == ""


def test_list_does_not_start_distributions(three):
    lsl, _ = three
    lsl("--list", "--verbose")
    assert lsl.names_listed("--running") == []
