"""Just enough of Redis's protocol (RESP) to delete the tests' own keys, those under their private
prefix, when a run ends (the coordinator leaves ``<prefix>:workers`` and Redisson's
``redisson__timeout__set:{<prefix>:workers}`` without an expiry)."""

import socket
import urllib.parse


def delete_prefix(redis_url, prefix, timeout=10.0):
    """Deletes the keys matching ``prefix:*`` and Redisson's ``redisson__*{prefix:*}`` (SCAN, then DEL):
    never anything outside the prefix."""
    u = urllib.parse.urlsplit(redis_url)
    with socket.create_connection((u.hostname, u.port or 6379), timeout=timeout) as s:
        reader = s.makefile("rb")
        if u.password:
            _call(s, reader, "AUTH", urllib.parse.unquote(u.password))
        db = (u.path or "/0").lstrip("/") or "0"
        _call(s, reader, "SELECT", db)
        for pattern in (_glob(prefix) + ":*", "redisson__*{" + _glob(prefix) + ":*}"):
            cursor = "0"
            while True:
                cursor, keys = _call(s, reader, "SCAN", cursor, "MATCH", pattern, "COUNT", "1000")
                cursor = cursor.decode()
                if keys:
                    _call(s, reader, "DEL", *[k.decode() for k in keys])
                if cursor == "0":
                    break


def _glob(text):
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _call(s, reader, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        data = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    s.sendall(out)
    return _read(reader)


def _read(reader):
    line = reader.readline()
    kind, rest = line[:1], line[1:-2]
    if kind == b"-":
        raise OSError("Redis: " + rest.decode())
    if kind in (b"+", b":"):
        return rest
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = reader.read(n + 2)
        return data[:-2]
    if kind == b"*":
        return [_read(reader) for _ in range(int(rest))]
    raise OSError("unexpected Redis answer %r" % line)
