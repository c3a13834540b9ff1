"""Malformed channel messages are refused by their receiver, which keeps working.

These tests speak the wire format directly (proto.py) to the service socket
and to the control socket a session leader answers on.
"""

import ctypes
import os
import socket
import struct

import pytest

import proto
from conftest import host_pid_of, proc_ppid

Builder = proto.Builder
send_and_check_refused = proto.send_and_check_refused


def name_msg(msg_type, off=None, payload=b"", size=None):
    fixed = ctypes.sizeof(proto.Name)
    o = fixed if off is None else off
    body = struct.pack("<I", o) + b"\0" * (fixed - proto.HEADER_SIZE - 4) + payload
    return proto.raw(msg_type, body, size=size)


def run_msg(argv_offset=None, argv_count=1, tail=b"cat\0"):
    fixed = ctypes.sizeof(proto.Run)
    m = proto.Run()
    m.hdr.type = proto.RUN
    m.flags = 0
    m.argv.offset = fixed if argv_offset is None else argv_offset
    m.argv.count = argv_count
    data = bytes(m) + tail
    m.hdr.size = len(data)
    return bytes(m) + tail


# name -> (message bytes, number of fds to attach)
MALFORMED = {
    "empty": (b"", 0),
    "shorter-than-header": (b"\x01\x00\x00", 0),
    "unknown-type": (proto.raw(9999, b"\0" * 16), 0),
    "size-larger-than-sent": (proto.raw(proto.LIST, b"\0" * 8, size=4096), 0),
    "size-smaller-than-sent": (proto.raw(proto.LIST, b"\0" * 8, size=16), 0),
    "size-zero": (proto.raw(proto.HELLO, b"\1\0\0\0\0\0\0\0", size=0), 0),
    "fixed-part-missing": (proto.raw(proto.LIST), 0),
    "run-fixed-part-short": (proto.raw(proto.RUN, b"\0" * 8), 4),
    "string-offset-outside": (name_msg(proto.SET_DEFAULT, off=5000, payload=b"x\0"), 0),
    "string-offset-in-header": (name_msg(proto.SET_DEFAULT, off=4, payload=b"x\0"), 0),
    "string-offset-at-end": (name_msg(proto.TERMINATE, off=26, payload=b"ab"), 0),
    "string-unterminated": (name_msg(proto.UNREGISTER, payload=b"abc"), 0),
    "strv-count-huge": (run_msg(argv_count=1 << 31), 4),
    "strv-offset-outside": (run_msg(argv_offset=1 << 20), 4),
    "strv-unterminated": (run_msg(argv_count=2, tail=b"cat\0sh"), 4),
    "oversized": (proto.raw(proto.LIST, b"\0" * (proto.MSG_MAX + 100)), 0),
    "size-claims-huge": (proto.raw(proto.LIST, b"\0" * 8, size=0xFFFFFFFF), 0),
    "import-without-fd": (Builder(proto.IMPORT).str("name", "x").str("location", "/nonexistent/x")
                          .finish(), 0),
    "run-with-one-fd": (Builder(proto.RUN).set(flags=proto.RUN_SHELL).strv("argv", ["-c", "true"])
                        .finish(), 1),
    "list-with-fd": (Builder(proto.LIST).finish(), 1),
    "import-with-five-fds": (Builder(proto.IMPORT).str("name", "x").str("location", "/nonexistent/x")
                             .finish(), 5),
    "reply-type-sent-to-service": (Builder(proto.RESULT).set(status=0).finish(), 0),
    "mini-init-type-sent-to-service": (proto.raw(30, b"\0" * 24), 1),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_service_refuses_malformed(lsl, case):
    pid = lsl.ensure_service()
    data, nfds = MALFORMED[case]
    with lsl.connect() as c:
        c.hello()
        send_and_check_refused(c, data, nfds)
    with lsl.connect() as c:
        assert c.hello()["pid"] == pid, "the service crashed or restarted"
    assert lsl("--list", "--quiet", check=False).returncode in (0, 1)


def test_service_refuses_malformed_before_hello(lsl):
    pid = lsl.ensure_service()
    with lsl.connect() as c:
        send_and_check_refused(c, b"\xff" * 100, 0)
    with lsl.connect() as c:
        assert c.hello()["pid"] == pid


def test_valid_message_with_hostile_values(lsl, busybox_distro):
    pid = lsl.ensure_service()
    before = lsl.registry_bytes()
    for msg_type in (proto.SET_DEFAULT, proto.TERMINATE, proto.UNREGISTER):
        for name in ("x" * 60000, "../../etc", "a\tb", ""):
            with lsl.connect() as c:
                c.hello()
                r = c.request(Builder(msg_type).str("name", name).finish(seq=9))
                assert r is not None and r.type == proto.RESULT and r.body.status < 0, r
                assert r.hdr.seq == 9
    with lsl.connect() as c:
        assert c.hello()["pid"] == pid
    assert lsl.registry_bytes() == before
    assert busybox_distro.name in lsl.names_listed()


def test_many_connections_at_once(lsl):
    pid = lsl.ensure_service()
    conns = [lsl.connect() for _ in range(50)]
    try:
        for c in conns:
            c.send(proto.hello())
        for c in reversed(conns):
            r = c.recv()
            assert r is not None and r.type == proto.HELLO_REPLY and r.body.pid == pid
    finally:
        for c in conns:
            c.close()


def test_half_sent_request_then_hangup(lsl, busybox_distro):
    """A caller that connects and vanishes mid-conversation costs nothing."""
    pid = lsl.ensure_service()
    for _ in range(20):
        c = lsl.connect()
        c.send(proto.hello())
        c.close()
    assert busybox_distro.out("echo", "still") == "still\n"
    assert lsl.service_pid() == pid


# ------------------------------------------------------------------ the control socket

class ProtoRun:
    """A process started by speaking RUN ourselves: stdin/stdout pipes and the control socket."""

    def __init__(self, lsl, distro, cmdline):
        self.conn = lsl.connect()
        self.conn.hello()
        in_r, self.stdin = os.pipe()
        self.stdout, out_w = os.pipe()
        self.stderr, err_w = os.pipe()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        msg = (Builder(proto.RUN).set(flags=proto.RUN_SHELL).str("distribution", distro.name)
               .strv("argv", ["-c", cmdline]).strv("env", ["TERM=dumb"]).finish(seq=77))
        self.conn.send(msg, [in_r, out_w, err_w, theirs.fileno()])
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        theirs.close()
        while True:
            r = self.conn.recv()
            assert r is not None, "the service hung up on a valid RUN"
            if r.type == proto.WARNING:
                continue
            assert r.type == proto.RESULT and r.body.status == 0, r
            assert r.hdr.seq == 77
            break
        self.ctl = proto.Conn.from_socket(ours)
        started = self.next_control()
        assert started.type == proto.PROCESS_STARTED, started
        self.inner_pid = started.body.pid
        self.host_pid = host_pid_of(distro.pid_ns(), self.inner_pid)
        assert self.host_pid, "cannot find the started process on the host"
        self.leader = proc_ppid(self.host_pid)

    def next_control(self):
        while True:
            r = self.ctl.recv()
            if r is None or r.type != proto.RESULT:
                return r
            # A receiver may answer a refused message with a RESULT: not the outcome.

    def exit_status(self):
        r = self.next_control()
        assert r is not None, "the control socket closed without an exit status"
        assert r.type == proto.EXIT_STATUS, r
        return r.body.exit_code

    def close(self):
        for fd in (self.stdin, self.stdout, self.stderr):
            try:
                os.close(fd)
            except OSError:
                pass
        self.ctl.close()
        self.conn.close()


def signal_msg(signo):
    return Builder(proto.SIGNAL).set(signo=signo).finish()


def test_signal_over_control_socket(lsl, busybox_distro):
    run = ProtoRun(lsl, busybox_distro, "cat")
    try:
        run.ctl.send(signal_msg(15))
        assert run.exit_status() == 128 + 15
    finally:
        run.close()


def test_disallowed_signals_not_delivered(lsl, busybox_distro):
    run = ProtoRun(lsl, busybox_distro, "cat")
    try:
        for signo in (9, 19, 0, -1, 65, 100000):
            run.ctl.send(signal_msg(signo))
        os.write(run.stdin, b"alive\n")
        os.close(run.stdin)
        run.stdin = -1
        assert run.exit_status() == 0
        assert os.read(run.stdout, 100) == b"alive\n"
    finally:
        run.close()


def test_garbage_on_control_socket(lsl, busybox_distro):
    """Malformed messages on the control socket: refused (ignored, or the socket closed),
    never acted upon; the distribution carries on."""
    ns = busybox_distro.pid_ns()
    run = ProtoRun(lsl, busybox_distro, "cat")
    try:
        r, w = os.pipe()
        for data, fds in ((b"\x01\x02", []), (proto.raw(9999, b"\0" * 8), []),
                          (proto.raw(proto.SIGNAL, b"\x09\0\0\0\0\0\0\0", size=100), []),
                          (Builder(proto.WINDOW_SIZE).finish(), [w]),
                          (signal_msg(9)[:-4], []),
                          (proto.raw(proto.SIGNAL, b"\0" * (proto.MSG_MAX + 10)), [])):
            try:
                run.ctl.send(data, fds)
            except OSError:
                break  # the receiver closed the control socket: allowed
        os.close(w)
        assert proto.wait_readable(r, 60) and os.read(r, 1) == b"", \
            "the session leader kept a passed fd open"
        os.close(r)
        os.close(run.stdin)
        run.stdin = -1
        outcome = run.next_control()
        if outcome is not None:
            assert outcome.type == proto.EXIT_STATUS, outcome
            assert outcome.body.exit_code == 0, "a malformed message reached the process"
    finally:
        run.close()
    # The distribution is still the same instance and still runs commands.
    assert busybox_distro.pid_ns() == ns
    assert busybox_distro.out("echo", "fine") == "fine\n"
