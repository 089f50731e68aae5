"""The click's Redis round trip on the wire: its commands written and their replies read off the socket.

A click sends two commands (the visitor's key and the stream append) and reads two short replies.
Going through redis-py's connection for that (its reply parser, health and buffer checks, per reply)
cost about 30 µs of CPU per click, three times the two system calls themselves; on a small server CPU
is what limits how many redirects are answered. So the commands are packed here (RESP, what redis-py's
packer makes) and the replies read straight from the connection's socket. redis-py still opens the
connection and does its handshake (password, database, TLS, protocol), so every `REDIS_URL` works.

Only the replies these commands can get are read: a simple string (`+OK`), a null (`_` in RESP3, `$-1`
in RESP2), a bulk string (the entry id) and an error (`-ERR …`, raised as redis-py's ResponseError).
Anything else raises, and the caller drops the connection.
"""
import socket

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, ResponseError

CRLF = b"\r\n"
READ_SIZE = 4096


def pack(commands) -> bytes:
    """The commands in Redis's protocol (RESP), each a tuple of str, bytes or int."""
    out = []
    for command in commands:
        out.append(b"*%d\r\n" % len(command))
        for part in command:
            data = part if isinstance(part, bytes) else str(part).encode()
            out.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(out)


def exchange(connection, payload: bytes, replies: int) -> list:
    """Send `payload` (packed commands) on `connection` and return its `replies` replies.

    `connection` is a redis-py connection (connected here if it is not); one without a socket of its
    own (an in-memory server) is driven through its own methods instead.
    """
    sock = connection._sock
    if sock is None:
        connection.connect()
        sock = connection._sock
    if not isinstance(sock, socket.socket):
        connection.send_packed_command([payload])
        return [connection.read_response() for _ in range(replies)]
    try:
        sock.sendall(payload)
        return read_replies(sock, replies)
    except OSError as exc:  # timeouts included: the caller falls back to another store
        raise RedisConnectionError(f"click buffer: {type(exc).__name__}: {exc}") from exc


def read_replies(sock, count: int) -> list:
    """Read `count` replies from `sock`: bytes for strings, None for a null; an error reply raises."""
    data = sock.recv(READ_SIZE)
    replies, pos = [], 0
    while len(replies) < count:
        reply, end = _parse(data, pos)
        if end < 0:
            more = sock.recv(READ_SIZE)
            if not more:
                raise RedisConnectionError("click buffer: Redis closed the connection")
            data += more
            continue
        replies.append(reply)
        pos = end
    return replies


def _parse(data: bytes, pos: int):
    """The reply starting at `pos` and where it ends, or (None, -1) while it is incomplete."""
    line_end = data.find(CRLF, pos)
    if line_end < 0:
        return None, -1
    kind, line = data[pos:pos + 1], data[pos + 1:line_end]
    if kind == b"+":
        return line, line_end + 2
    if kind == b"_":
        return None, line_end + 2
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, line_end + 2
        end = line_end + 2 + size
        if len(data) < end + 2:
            return None, -1
        return data[line_end + 2:end], end + 2
    if kind == b"-":
        raise ResponseError(line.decode("utf-8", "replace"))
    raise InvalidResponse(f"click buffer: unexpected reply {data[pos:pos + 20]!r}")
