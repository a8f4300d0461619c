"""Just enough of PostgreSQL's wire protocol (v3, simple query) to create and drop the tests' own
database, so that the tests need no driver and no psql: trust, cleartext and md5 authentication."""

import hashlib
import socket
import struct


class PgError(Exception):
    pass


def execute(host, port, user, password, sql, database="postgres", timeout=30.0):
    """Runs one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
        s.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
        while True:
            kind, body = _read(s)
            if kind == b"R":
                code = struct.unpack("!i", body[:4])[0]
                if code == 0:
                    continue
                if code == 3:
                    _send(s, b"p", (password or "").encode() + b"\0")
                elif code == 5:
                    inner = hashlib.md5((password or "").encode() + user.encode()).hexdigest().encode()
                    _send(s, b"p", b"md5" + hashlib.md5(inner + body[4:8]).hexdigest().encode() + b"\0")
                else:
                    raise PgError("authentication method %d is not supported by the tests' helper: "
                                  "use trust, password or md5 for BATON_TEST_PG" % code)
            elif kind == b"E":
                raise PgError(_message(body))
            elif kind == b"Z":
                break
        _send(s, b"Q", sql.encode() + b"\0")
        error = None
        while True:
            kind, body = _read(s)
            if kind == b"E":
                error = _message(body)
            elif kind == b"Z":
                break
        _send(s, b"X", b"")
        if error:
            raise PgError(error)


def _send(s, kind, body):
    s.sendall(kind + struct.pack("!i", 4 + len(body)) + body)


def _read(s):
    head = _exactly(s, 5)
    return head[:1], _exactly(s, struct.unpack("!i", head[1:])[0] - 4)


def _exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise PgError("PostgreSQL closed the connection")
        data += chunk
    return data


def _message(body):
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[part[:1]] = part[1:].decode("utf-8", "replace")
    return "%s: %s" % (fields.get(b"C", "?"), fields.get(b"M", "?"))
