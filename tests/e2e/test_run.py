"""Running commands: lsl [-d NAME] [-u USER] [--cd DIR] [-- CMD... | -e CMD...]."""

import os
import socket
import subprocess

import pytest

from conftest import assert_one_error_line

EXPECTED_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games"


def env_of(p):
    return dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)


# ------------------------------------------------------------------ output, status, stdio

def test_output_and_status(busybox_distro):
    p = busybox_distro.sh("echo hello world")
    assert p.stdout == "hello world\n"
    assert p.returncode == 0


@pytest.mark.parametrize("code", [0, 1, 7, 42, 255])
def test_exit_status_propagates(busybox_distro, code):
    p = busybox_distro.sh(f"exit {code}", check=False)
    assert p.returncode == code


def test_signal_death_is_128_plus_n(busybox_distro):
    p = busybox_distro.run("sh", "-c", "kill -TERM $$", check=False)
    assert p.returncode == 128 + 15


def test_stdin_passed_through(busybox_distro):
    assert busybox_distro.sh("cat", input="hi\n").stdout == "hi\n"
    data = "".join(f"line {i}\n" for i in range(20000))
    assert busybox_distro.run("cat", input=data).stdout == data


def test_stdout_and_stderr_separate(busybox_distro):
    p = busybox_distro.sh("echo out; echo err >&2")
    assert p.stdout == "out\n"
    assert p.stderr == "err\n"


def test_binary_output_unchanged(busybox_distro):
    blob = bytes(range(256)) * 64
    p = busybox_distro.run("cat", input=blob, text=False)
    assert p.stdout == blob


def test_stdout_is_the_callers_file(busybox_distro, workdir):
    """The process writes to the caller's own open file, not to a relay."""
    path = workdir / "out.txt"
    with open(path, "w+") as f:
        busybox_distro.run("stat", "-L", "-c", "%d %i", "/proc/self/fd/1", stdout=f)
        st = os.fstat(f.fileno())
    dev, ino = path.read_text().split()
    assert int(ino) == st.st_ino
    assert int(dev) == st.st_dev
    with open(path, "w") as f:
        busybox_distro.run("readlink", "/proc/self/fd/1", stdout=f)
    target = path.read_text().strip()
    assert not target.startswith(("pipe:", "socket:")), target


def test_stdin_and_stderr_are_the_callers(busybox_distro, workdir):
    src = workdir / "in.txt"
    src.write_text("input\n")
    errpath = workdir / "err.txt"
    with open(src) as fin, open(errpath, "w") as ferr:
        p = busybox_distro.sh("stat -L -c %i /proc/self/fd/0; stat -L -c %i /proc/self/fd/2",
                              stdin=fin, stderr=ferr)
        in_ino, err_ino = os.fstat(fin.fileno()).st_ino, os.fstat(ferr.fileno()).st_ino
    assert p.stdout.split() == [str(in_ino), str(err_ino)]


def test_pipe_is_the_callers_pipe(busybox_distro):
    r, w = os.pipe()
    try:
        busybox_distro.run("readlink", "/proc/self/fd/1", stdout=w)
        os.close(w)
        w = -1
        out = os.read(r, 4096).decode().strip()
        assert out == f"pipe:[{os.fstat(r).st_ino}]"
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def test_arguments_exact_with_exec(busybox_distro):
    args = ["a b", "", "*", "$HOME", "'quoted'", "semi;colon", "new\nline"]
    p = busybox_distro.run("printf", "[%s]\\n", *args)
    assert p.stdout == "".join(f"[{a}]\n" for a in args)


def test_double_dash_goes_through_the_shell(busybox_distro):
    p = busybox_distro.sh("echo $((6 * 7)) | cat")
    assert p.stdout == "42\n"


def test_long_options(lsl, busybox_distro):
    p = lsl("--distribution", busybox_distro.name, "--user", "alice", "--cd", "/tmp",
            "--exec", "sh", "-c", "id -u; pwd")
    assert p.stdout.split() == ["1000", "/tmp"]


# ------------------------------------------------------------------ users, groups, cwd, env

def test_default_user_is_root(busybox_distro):
    assert busybox_distro.out("id", "-u").strip() == "0"
    assert busybox_distro.out("pwd").strip() == "/root"


def test_other_user(lsl, busybox_distro):
    p = lsl("-d", busybox_distro.name, "-u", "alice", "-e", "sh", "-c", "id -u; id -g; id -G; pwd")
    uid, gid, groups, cwd = p.stdout.splitlines()
    assert (uid, gid) == ("1000", "1000")
    assert {"10", "1000"} <= set(groups.split())
    assert "0" not in groups.split()
    assert cwd == "/home/alice"


def test_user_by_uid(lsl, busybox_distro):
    p = lsl("-d", busybox_distro.name, "-u", "1000", "-e", "sh", "-c", "id -u; echo $USER")
    assert p.stdout.split() == ["1000", "alice"]


def test_unknown_user(lsl, busybox_distro):
    p = lsl("-d", busybox_distro.name, "-u", "nosuchuser", "-e", "true", check=False)
    assert_one_error_line(p, "nosuchuser")
    assert p.stdout == ""


def test_cd(lsl, busybox_distro):
    assert lsl("-d", busybox_distro.name, "--cd", "/tmp", "-e", "pwd").stdout == "/tmp\n"
    assert lsl("-d", busybox_distro.name, "-u", "alice", "--cd", "~", "-e", "pwd").stdout == \
        "/home/alice\n"


def test_cd_missing_directory(lsl, busybox_distro):
    p = lsl("-d", busybox_distro.name, "--cd", "/no/such/dir", "-e", "pwd", check=False)
    assert p.returncode != 0
    assert p.stdout == ""
    assert "/no/such/dir" in p.stderr


def test_environment(lsl, busybox_distro):
    p = lsl("-d", busybox_distro.name, "-u", "alice", "-e", "env",
            env={"TERM": "xterm-lsltest", "LANG": "C.UTF-8", "LSL_E2E_SECRET": "leak"})
    env = env_of(p)
    assert env["HOME"] == "/home/alice"
    assert env["USER"] == "alice"
    assert env["LOGNAME"] == "alice"
    assert env["SHELL"] == "/bin/sh"
    assert env["LSL_DISTRO_NAME"] == busybox_distro.name
    assert env["TERM"] == "xterm-lsltest"
    assert env["LANG"] == "C.UTF-8"
    assert env["PATH"] == EXPECTED_PATH
    assert "LSL_E2E_SECRET" not in env, "the caller's environment is not passed wholesale"
    assert "LSL_INIT_CHANNEL" not in env


def test_root_environment(busybox_distro):
    env = env_of(busybox_distro.run("env"))
    assert (env["HOME"], env["USER"], env["SHELL"]) == ("/root", "root", "/bin/sh")


def test_distribution_locale_wins(make_distro):
    d = make_distro()
    (d.rootfs / "etc" / "default").mkdir(parents=True, exist_ok=True)
    (d.rootfs / "etc" / "default" / "locale").write_text('LANG="de_DE.UTF-8"\n')
    env = env_of(d.lsl("-d", d.name, "-e", "env", env={"LANG": "C.UTF-8"}))
    assert env["LANG"] == "de_DE.UTF-8"


def test_login_shell_without_command(lsl, busybox_distro):
    p = lsl("-d", busybox_distro.name, input="echo $0\necho $HOME\nexit 3\n", check=False)
    assert p.returncode == 3
    zero, home = p.stdout.splitlines()
    assert zero.startswith("-"), f"not a login shell: $0={zero!r}"
    assert zero == "-sh"
    assert home == "/root"


def test_login_shell_as_other_user(lsl, busybox_distro):
    p = lsl("-d", busybox_distro.name, "-u", "alice", input="echo $0; id -u; pwd\n")
    assert p.stdout.split() == ["-sh", "1000", "/home/alice"]


# ------------------------------------------------------------------ command not found, exec

def test_missing_command_through_shell(busybox_distro):
    p = busybox_distro.sh("lsl-no-such-command", check=False)
    assert p.returncode == 127
    assert "lsl-no-such-command" in p.stderr


def test_missing_command_exec(busybox_distro):
    p = busybox_distro.run("lsl-no-such-command", "arg", check=False)
    assert p.returncode == 127
    assert "lsl-no-such-command" in p.stderr
    assert p.stdout == ""


def test_missing_absolute_command(busybox_distro):
    p = busybox_distro.run("/no/such/program", check=False)
    assert p.returncode == 127


def test_not_executable(busybox_distro):
    busybox_distro.sh("echo 'echo hi' > /tmp/notexec; chmod 644 /tmp/notexec")
    p = busybox_distro.run("/tmp/notexec", check=False)
    assert p.returncode == 126
    assert "/tmp/notexec" in p.stderr


def test_exec_searches_the_users_path(busybox_distro):
    assert busybox_distro.run("busybox", "true").returncode == 0


# ------------------------------------------------------------------ default distribution

def test_set_default(lsl, make_distro):
    a, b = make_distro(), make_distro()
    lsl("--set-default", a.name)
    assert lsl("-e", "sh", "-c", "echo $LSL_DISTRO_NAME").stdout.strip() == a.name
    lsl("--set-default", b.name)
    assert lsl("--", "echo $LSL_DISTRO_NAME").stdout.strip() == b.name
    # Names compare case-insensitively.
    lsl("--set-default", a.name.upper())
    assert lsl("-e", "sh", "-c", "echo $LSL_DISTRO_NAME").stdout.strip() == a.name


# ------------------------------------------------------------------ the distribution's world

def test_init_is_pid_1(busybox_distro):
    assert busybox_distro.out("cat", "/proc/1/cmdline").split("\0")[0] == "init"
    assert busybox_distro.out("readlink", "/proc/1/exe").strip() == "/init"


def test_init_is_static_and_read_only(busybox_distro, prefix):
    """The busybox distribution has no C library: init running there proves it is static."""
    assert not (busybox_distro.rootfs / "lib").exists()
    out = subprocess.run(["file", "-L", str(prefix / "libexec" / "lsl" / "init")],
                         capture_output=True, text=True).stdout
    assert "statically linked" in out or "static-pie linked" in out, out
    p = busybox_distro.sh("echo x > /init", check=False)
    assert p.returncode != 0
    mounts = busybox_distro.out("cat", "/proc/self/mountinfo").splitlines()
    init_mount = [m for m in mounts if m.split()[4] == "/init"]
    assert init_mount and "ro" in init_mount[0].split()[5].split(","), mounts


def test_own_namespaces(busybox_distro):
    for ns in ("pid", "mnt", "uts", "ipc", "cgroup"):
        inside = busybox_distro.out("readlink", f"/proc/self/ns/{ns}").strip()
        assert inside != os.readlink(f"/proc/self/ns/{ns}"), f"{ns} namespace shared with the host"


def test_second_run_reuses_instance(busybox_distro):
    with busybox_distro.hold():
        assert busybox_distro.pid_ns() == busybox_distro.pid_ns()
        ino = busybox_distro.out("stat", "-L", "-c", "%i", "/proc/self/ns/pid").strip()
        assert busybox_distro.out("stat", "-L", "-c", "%i", "/proc/self/ns/pid").strip() == ino
        # The holder's sleep is in the same instance: the second run sees it.
        assert "sleep" in busybox_distro.out("ps")


def test_hostname_is_the_hosts(busybox_distro):
    assert busybox_distro.out("hostname").strip() == socket.gethostname()


def test_mount_inside_not_visible_on_host(busybox_distro):
    busybox_distro.sh("mkdir -p /tmp/inner && mount -t tmpfs lsl-e2e-inner /tmp/inner && "
                      "touch /tmp/inner/marker && grep -q lsl-e2e-inner /proc/self/mountinfo")
    with open("/proc/self/mountinfo") as f:
        assert "lsl-e2e-inner" not in f.read()
    assert not (busybox_distro.rootfs / "tmp" / "inner" / "marker").exists()
    busybox_distro.sh("umount /tmp/inner")


DEV_NODES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8),
             "urandom": (1, 9), "tty": (5, 0)}


def test_dev(busybox_distro):
    names = set(busybox_distro.out("ls", "-a", "/dev").split())
    assert set(DEV_NODES) | {"ptmx", "pts", "shm", "mqueue"} <= names, names
    for node, (major, minor) in DEV_NODES.items():
        out = busybox_distro.out("stat", "-c", "%F %t %T", f"/dev/{node}").split()
        assert out[:-2] == ["character", "special", "file"], (node, out)
        assert (int(out[-2], 16), int(out[-1], 16)) == (major, minor), (node, out)
    assert busybox_distro.sh("echo x > /dev/null && head -c 8 /dev/zero | wc -c").stdout.strip() == "8"
    full = busybox_distro.sh("echo x > /dev/full", check=False)
    assert full.returncode != 0


def test_mounts_made_by_init(busybox_distro):
    fstype = {}
    for line in busybox_distro.out("cat", "/proc/self/mountinfo").splitlines():
        left, right = line.split(" - ")
        fstype[left.split()[4]] = right.split()[0]
    expected = {"/proc": "proc", "/sys": "sysfs", "/dev": "tmpfs", "/dev/pts": "devpts",
                "/dev/shm": "tmpfs", "/dev/mqueue": "mqueue", "/run": "tmpfs",
                "/run/lock": "tmpfs"}
    for point, fs in expected.items():
        assert fstype.get(point) == fs, f"{point}: {fstype.get(point)} (want {fs})"


def test_dev_pts_is_a_new_instance(busybox_distro):
    master, slave = os.openpty()  # makes sure the host's devpts has an entry
    try:
        host_entry = os.path.basename(os.ttyname(slave))
        inside = busybox_distro.out("ls", "/dev/pts").split()
        assert "ptmx" in inside
        assert host_entry not in inside, f"the host's /dev/pts/{host_entry} is visible inside"
        dev_inside = busybox_distro.out("stat", "-c", "%d", "/dev/pts").strip()
        assert int(dev_inside) != os.stat("/dev/pts").st_dev
    finally:
        os.close(master)
        os.close(slave)


def test_tmp_is_world_writable(busybox_distro):
    assert busybox_distro.out("stat", "-c", "%a", "/tmp").strip() == "1777"


def test_mnt_wsl_is_shared_between_distributions(make_distro):
    a, b = make_distro(), make_distro()
    marker = f"marker-{os.getpid()}-{a.name}"
    a.sh(f"touch /mnt/wsl/{marker}")
    try:
        assert marker in b.out("ls", "/mnt/wsl").split()
    finally:
        a.sh(f"rm -f /mnt/wsl/{marker}")


def test_user_process_fds_are_only_stdio(busybox_distro):
    fds = set(busybox_distro.out("ls", "/proc/self/fd").split())
    # ls itself has the directory it lists open: at most that one besides 0, 1, 2.
    assert {"0", "1", "2"} <= fds and len(fds - {"0", "1", "2"}) <= 1, fds


def test_debian_runs(debian_distro):
    assert "ID=debian" in debian_distro.out("cat", "/etc/os-release")
    assert debian_distro.out("id", "-un").strip() == "root"
    assert debian_distro.run("true").returncode == 0


def test_debian_users_and_login_shell(lsl, debian_distro):
    p = lsl("-d", debian_distro.name, "-u", "nobody", "--cd", "/tmp", "-e", "sh", "-c",
            "id -u; pwd")
    assert p.stdout.split() == ["65534", "/tmp"]
    p = lsl("-d", debian_distro.name, input="echo $0\n")
    assert p.stdout.strip() == "-bash"
    assert debian_distro.sh("ls /lsl-nothing-here", check=False).returncode == 2
