"""lsl's wire format (src/shared/protocol.h), spoken from Python to probe receivers.

Layouts are ctypes structures, so the fixed parts get exactly the C
compiler's sizes and padding (a u64 in the header makes every message
8-aligned). Variable data follows the fixed part and is referenced by byte
offsets from the start of the message.
"""

import array
import ctypes
import errno
import os
import select
import socket
import struct

u32 = ctypes.c_uint32
i32 = ctypes.c_int32
u64 = ctypes.c_uint64
u16 = ctypes.c_uint16

MSG_MAX = 64 * 1024
PROTOCOL_VERSION = 1

HELLO = 1
HELLO_REPLY = 2
RESULT = 3
WARNING = 4
PROGRESS = 5
IMPORT = 10
INSTALL = 11
LIST = 12
LIST_ENTRY = 13
RUN = 14
SET_DEFAULT = 15
TERMINATE = 16
SHUTDOWN = 17
UNREGISTER = 18
PROCESS_STARTED = 60
PROCESS_FAILED = 61
EXIT_STATUS = 62
SIGNAL = 63
WINDOW_SIZE = 64

RUN_LOGIN = 1 << 0
RUN_SHELL = 1 << 1


class Header(ctypes.LittleEndianStructure):
    _fields_ = [("type", u32), ("size", u32), ("seq", u64)]


class Strv(ctypes.LittleEndianStructure):
    _fields_ = [("offset", u32), ("count", u32)]


def _msg(name, fields):
    return type(name, (ctypes.LittleEndianStructure,), {"_fields_": [("hdr", Header)] + fields})


Hello = _msg("Hello", [("protocol_version", u32), ("reserved", u32)])
HelloReply = _msg("HelloReply", [("protocol_version", u32), ("pid", i32),
                                 ("identity", u32), ("version", u32)])
Result = _msg("Result", [("status", i32), ("reserved", u32), ("message", u32)])
Warning_ = _msg("Warning", [("text", u32)])
Import = _msg("Import", [("flags", u32), ("reserved", u32), ("name", u32), ("location", u32),
                          ("image_size", u64)])
List = _msg("List", [("flags", u32), ("reserved", u32)])
ListEntry = _msg("ListEntry", [("state", u32), ("flags", u32), ("name", u32), ("location", u32)])
Run = _msg("Run", [("flags", u32), ("reserved", u32), ("distribution", u32), ("user", u32),
                   ("cwd", u32), ("filename", u32), ("argv", Strv), ("env", Strv)])
Name = _msg("Name", [("name", u32)])
Empty = _msg("Empty", [])
ProcessStarted = _msg("ProcessStarted", [("pid", i32), ("reserved", u32)])
ProcessFailed = _msg("ProcessFailed", [("status", i32), ("exit_code", u32), ("message", u32)])
ExitStatus = _msg("ExitStatus", [("wait_status", i32), ("exit_code", u32)])
Signal = _msg("Signal", [("signo", i32), ("reserved", u32)])
WindowSize = _msg("WindowSize", [("rows", u16), ("cols", u16), ("xpixel", u16), ("ypixel", u16)])

BODY = {
    HELLO: Hello, HELLO_REPLY: HelloReply, RESULT: Result, WARNING: Warning_, IMPORT: Import,
    LIST: List, LIST_ENTRY: ListEntry, RUN: Run, SET_DEFAULT: Name, TERMINATE: Name,
    UNREGISTER: Name, SHUTDOWN: Empty, PROCESS_STARTED: ProcessStarted,
    PROCESS_FAILED: ProcessFailed, EXIT_STATUS: ExitStatus, SIGNAL: Signal,
    WINDOW_SIZE: WindowSize,
}

HEADER_SIZE = ctypes.sizeof(Header)


def field_offset(cls, name):
    return getattr(cls, name).offset


class Builder:
    """Build one message: set fixed fields, append strings, then finish()."""

    def __init__(self, msg_type, cls=None):
        self.cls = cls or BODY[msg_type]
        self.fixed = self.cls()
        self.fixed.hdr.type = msg_type
        self.tail = bytearray()

    def set(self, **fields):
        for k, v in fields.items():
            setattr(self.fixed, k, v)
        return self

    def _append(self, data):
        off = ctypes.sizeof(self.cls) + len(self.tail)
        self.tail += data
        return off

    def str(self, field, s):
        if s is not None:
            setattr(self.fixed, field, self._append(s.encode() + b"\0"))
        return self

    def strv(self, field, items):
        v = getattr(self.fixed, field)
        v.count = len(items)
        v.offset = 0
        if items:
            v.offset = self._append(b"".join(i.encode() + b"\0" for i in items))
        return self

    def finish(self, seq=1, size=None):
        data = bytes(self.fixed) + bytes(self.tail)
        self.fixed.hdr.size = len(data) if size is None else size
        self.fixed.hdr.seq = seq
        return bytes(self.fixed) + bytes(self.tail)


def raw(msg_type, body=b"", seq=1, size=None):
    """A header followed by arbitrary bytes; size defaults to the true length."""
    n = HEADER_SIZE + len(body)
    return struct.pack("<IIQ", msg_type, n if size is None else size, seq) + body


def hello(seq=1):
    return Builder(HELLO).set(protocol_version=PROTOCOL_VERSION).finish(seq)


def get_str(msg, off):
    if off == 0:
        return None
    end = msg.index(b"\0", off)
    return msg[off:end].decode()


class Reply:
    def __init__(self, data, fds):
        self.data = data
        self.fds = fds
        self.hdr = Header.from_buffer_copy(data[:HEADER_SIZE])
        self.type = self.hdr.type
        cls = BODY.get(self.type)
        self.body = None
        if cls is not None and len(data) >= ctypes.sizeof(cls):
            self.body = cls.from_buffer_copy(data[:ctypes.sizeof(cls)])

    def str(self, field):
        return get_str(self.data, getattr(self.body, field))

    def close_fds(self):
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def __repr__(self):
        if self.type == RESULT and self.body is not None:
            return f"RESULT(status={self.body.status}, message={self.str('message')!r})"
        return f"Reply(type={self.type}, size={len(self.data)})"


class Conn:
    """One SOCK_SEQPACKET connection; every wait is bounded by `timeout`."""

    def __init__(self, path, timeout=60):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
        self.timeout = timeout
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))

    @classmethod
    def from_socket(cls, sock, timeout=60):
        self = cls.__new__(cls)
        self.sock = sock
        self.timeout = timeout
        sock.settimeout(timeout)
        return self

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data, fds=()):
        anc = []
        if fds:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        return self.sock.sendmsg([data], anc)

    def recv(self):
        """The next message as a Reply, or None when the peer closed the connection."""
        fds = array.array("i")
        space = socket.CMSG_SPACE(8 * fds.itemsize)
        try:
            data, anc, flags, _ = self.sock.recvmsg(MSG_MAX + 1, space)
        except ConnectionResetError:
            # As the C channel does: a peer that closed with our last message unread
            # makes the kernel report ECONNRESET once, ahead of what it had queued.
            try:
                data, anc, flags, _ = self.sock.recvmsg(MSG_MAX + 1, space)
            except ConnectionResetError:
                return None
        for level, ctype, cdata in anc:
            if level == socket.SOL_SOCKET and ctype == socket.SCM_RIGHTS:
                fds.frombytes(cdata[:len(cdata) - (len(cdata) % fds.itemsize)])
        if not data:
            for fd in fds:
                os.close(fd)
            return None
        return Reply(data, list(fds))

    def request(self, data, fds=()):
        self.send(data, fds)
        return self.recv()

    def hello(self, seq=1):
        r = self.request(hello(seq))
        assert r is not None, "service closed the connection instead of answering HELLO"
        assert r.type == HELLO_REPLY, f"HELLO answered with {r!r}"
        return {
            "pid": r.body.pid,
            "protocol_version": r.body.protocol_version,
            "identity": r.str("identity"),
            "version": r.str("version"),
            "seq": r.hdr.seq,
        }


def wait_readable(fd, timeout):
    r, _, _ = select.select([fd], [], [], timeout)
    return bool(r)


def is_eof_or_error(conn):
    """After a refused message: True if the reply is a failure RESULT or the connection closed."""
    try:
        r = conn.recv()
    except socket.timeout:
        raise AssertionError("the receiver neither answered nor closed the connection")
    except OSError as e:
        if e.errno in (errno.ECONNRESET, errno.EPIPE):
            return True, None
        raise
    if r is None:
        return True, None
    r.close_fds()
    ok = r.type == RESULT and r.body is not None and r.body.status < 0
    return ok, r


def send_and_check_refused(conn, data, nfds):
    """Send data with nfds pipe write ends: the reply is a failure or a hang-up, and every
    fd passed is closed by the receiver (its pipe's read end sees EOF)."""
    pipes = [os.pipe() for _ in range(nfds)]
    try:
        try:
            conn.send(data, [w for _, w in pipes])
        except OSError as e:
            raise AssertionError(f"could not even send the message: {e}") from e
        for _, w in pipes:
            os.close(w)
        ok, reply = is_eof_or_error(conn)
        assert ok, f"refused message answered with {reply!r}"
        for r, _ in pipes:
            assert wait_readable(r, 60), "the receiver kept a passed fd open"
            assert os.read(r, 1) == b"", "unexpected data on a passed pipe"
    finally:
        for r, _ in pipes:
            os.close(r)
