"""The click's Redis round trip on the wire: packing, and replies read however the bytes arrive."""
import socket
import threading

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, ResponseError

from app.services.tracking import wire


def test_commands_are_packed_as_redis_py_packs_them():
    from redis.connection import Connection

    commands = (("SET", "clicks:seen:7:ab", "id 2026-01-01T00:00:00", "NX", "EX", 3600),
                ("XADD", "clicks", "*", "c", '{"ip":"203.0.113.5","note":"ti\u1ebfng Vi\u1ec7t"}'))
    expected = b"".join(b"".join(Connection().pack_command(*command)) for command in commands)
    assert wire.pack(commands) == expected


def _replies_from(chunks: list[bytes], count: int, *, then_close: bool = False):
    """What `read_replies` makes of `chunks`, each sent on its own after a pause."""
    ours, theirs = socket.socketpair()
    ours.settimeout(2)

    def send():
        for chunk in chunks:
            theirs.sendall(chunk)
            threading.Event().wait(0.01)
        if then_close:
            theirs.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        return wire.read_replies(ours, count)
    finally:
        sender.join()
        ours.close()
        theirs.close()


@pytest.mark.parametrize("chunks", [
    [b"+OK\r\n$15\r\n1796516260400-6\r\n"],
    [b"+O", b"K\r", b"\n$15\r\n17965", b"16260400-6\r", b"\n"],
])
def test_a_string_and_an_entry_id_arrive_whole_or_in_pieces(chunks):
    assert _replies_from(chunks, 2) == [b"OK", b"1796516260400-6"]


@pytest.mark.parametrize("null", [b"_\r\n", b"$-1\r\n"])
def test_a_null_reads_as_none_in_either_protocol(null):
    assert _replies_from([null + b"$3\r\n1-0\r\n"], 2) == [None, b"1-0"]


def test_an_error_reply_raises_redis_py_s_error():
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        _replies_from([b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+OK\r\n"], 2)


def test_a_reply_it_does_not_expect_raises():
    with pytest.raises(InvalidResponse):
        _replies_from([b":1\r\n+OK\r\n"], 2)


def test_a_connection_closed_before_the_replies_raises_a_connection_error():
    with pytest.raises(RedisConnectionError):
        _replies_from([b"+OK\r\n"], 2, then_close=True)


def test_a_connection_without_a_socket_is_driven_through_its_own_methods():
    class InMemory:
        _sock = None

        def __init__(self):
            self.sent, self.connected = [], False

        def connect(self):
            self.connected = True
            self._sock = object()

        def send_packed_command(self, payload):
            self.sent.append(payload)

        def read_response(self):
            return b"OK"

    connection = InMemory()
    assert wire.exchange(connection, b"*1\r\n$4\r\nPING\r\n", 2) == [b"OK", b"OK"]
    assert connection.connected and connection.sent == [[b"*1\r\n$4\r\nPING\r\n"]]
