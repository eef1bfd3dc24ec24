"""The socket backend's cheaper paths: keystream words never drawn, many TLS records per receive.

Party 0 and the dealer skip the stream words party 0's corrections replace
(``Kind.party0_gaps``); a TLS stream decrypts every record that has arrived in
one call. Each must change no result and no error.
"""

import ssl
import time

import numpy as np
import pytest
from test_wire_config import tls_pair

import mpcarray as mpc
from mpcarray import session
from mpcarray.errors import NetworkError
from mpcarray.preprocessing import SimulatedDealer
from mpcarray.preprocessing.kinds import KINDS, correction, party0_gaps, stream_length
from mpcarray.preprocessing.randomness import KEY_BYTES, CryptoStream, KeyedStreams, keystream_rows
from mpcarray.transport import tls
from mpcarray.transport.channel import GATHER, Channel, pump
from mpcarray.transport.tls import make_certificates

KEYS = [bytes([rank + 1]) * KEY_BYTES for rank in range(3)]


# ------------------------------------------------------------------ keystream gaps
@pytest.mark.parametrize("skips", [(0,), (1,), (2,), (3, 5), (7, 0, 9)])
def test_skipping_keystream_bytes_lands_where_drawing_them_would(skips):
    """Skips of any length (8-byte words, not whole 16-byte AES blocks) keep the stream in place."""
    full = CryptoStream(KEYS[0]).uint64(40)
    stream, at, drawn = CryptoStream(KEYS[0]), 0, []
    for words in skips:
        drawn.append((at, stream.uint64(3)))
        stream.skip(8 * words)
        at += 3 + words
    drawn.append((at, stream.uint64(5)))
    for start, words in drawn:
        np.testing.assert_array_equal(words, full[start:start + len(words)])
    with pytest.raises(ValueError, match="cannot skip"):
        stream.skip(-8)


def test_keystream_gaps_leave_only_the_first_row_undrawn():
    gaps = ((2, 5), (5, 6), (9, 12))
    full = keystream_rows([CryptoStream(key) for key in KEYS], 12)
    streams = [CryptoStream(key) for key in KEYS]
    gapped = keystream_rows(streams, 12, gaps)
    np.testing.assert_array_equal(gapped[1:], full[1:])
    drawn = np.ones(12, dtype=bool)
    for start, stop in gaps:
        drawn[start:stop] = False
    np.testing.assert_array_equal(gapped[0, drawn], full[0, drawn])
    # every stream went past the whole request: the next one agrees again
    np.testing.assert_array_equal(keystream_rows(streams, 4), keystream_rows([CryptoStream(k) for k in KEYS], 16)[:, 12:])
    with pytest.raises(ValueError, match="not sorted disjoint"):
        keystream_rows(streams, 12, ((5, 7), (6, 8)))
    with pytest.raises(ValueError, match="not sorted disjoint"):
        keystream_rows(streams, 12, ((10, 13),))


def test_party0_gaps_lie_within_their_requests():
    for name, params in (("beaver_triples", (10,)), ("square_pairs", (10,)), ("truncation", (10, 16))):
        length, gaps = stream_length(name, params), party0_gaps(name, params)
        assert gaps and all(0 <= start < stop <= length for start, stop in gaps)
    assert party0_gaps("edabits", (10,)) == () and party0_gaps("matrix_triple", (2, 3, 4, 1)) == ()
    no_gaps = KINDS["edabits"].party0_gaps
    assert {name for name, kind in KINDS.items() if kind.party0_gaps is not no_gaps} == {
        "beaver_triples", "square_pairs", "truncation"}


class _GarbageInGaps:
    """AES keystreams as the socket backend's party 0 and dealer draw them, with ``pattern`` where
    party 0's gaps are."""

    def __init__(self, keys, pattern):
        self._inner, self._pattern = KeyedStreams(keys), np.uint64(pattern)

    def next(self, length, gaps=()):
        streams, offset = self._inner.next(length, gaps)
        for start, stop in gaps:
            streams[0, start:stop] = self._pattern
        return streams, offset


class _AesDealer(SimulatedDealer):
    """Every party's stream from AES-256-CTR in one process (as ``tests/test_streams.py``'s)."""

    def __init__(self, transport, seed=None):
        super().__init__(transport, seed)
        self._streams = KeyedStreams(KEYS[: transport.n_parties])


class _GappedAesDealer(SimulatedDealer):
    """The socket backend's arrangement in one process: the parties' streams skip party 0's gaps
    (one pattern there) and party 0's corrections come from the dealer's own copy of the streams
    (another pattern there), not fused into the parties' kernels. A kernel reading a word it was
    promised not to read, on either side, makes the triples inconsistent and the results wrong."""

    skips_party0_gaps = True

    def __init__(self, transport, seed=None):
        super().__init__(transport, seed)
        keys = KEYS[: transport.n_parties]
        self._streams = _GarbageInGaps(keys, 0x5A5A5A5A5A5A5A5A)
        self._dealer_streams = _GarbageInGaps(keys, 0xA5A5A5A5A5A5A5A5)

    def _correction(self, name, params, streams, offset):
        theirs, their_offset = self._dealer_streams.next(stream_length(name, params), party0_gaps(name, params))
        fix = correction(name, theirs, their_offset, params)
        self._transport.count_from_dealer(0, fix.nbytes)
        return lambda: fix


def _results(monkeypatch, dealer):
    monkeypatch.setattr(session, "SimulatedDealer", dealer)
    rng = np.random.default_rng(11)
    with mpc.Session(parties=3, seed=5) as s:
        assert type(s._rt.provider) is dealer
        x = s.share(rng.uniform(-4, 4, 500), owner=0)
        y = s.share(rng.uniform(-4, 4, 500), owner=1)
        k = s.share(rng.integers(-50, 50, 500), owner=2)
        return {"product": (x * y).reveal(), "square": (x * x).reveal(), "integers": (k * k).reveal(),
                "truncated": (x / 8).reveal(), "sum of products": (x * y + x * x).sum().reveal()}


def test_words_party0_skips_are_never_read(monkeypatch):
    full, gapped = _results(monkeypatch, _AesDealer), _results(monkeypatch, _GappedAesDealer)
    for name, value in full.items():
        np.testing.assert_array_equal(gapped[name], value, err_msg=name)


# ------------------------------------------------------------------ TLS receives
@pytest.fixture(scope="module")
def credentials(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"), ["a", "b"])


@pytest.fixture
def streams(credentials):
    """A connected TLS pair (sender, receiver), the receiver non-blocking; both closed afterwards."""
    sender, receiver = tls_pair(credentials)
    receiver.setblocking(False)
    yield sender, receiver
    sender.close()
    receiver.close()


@pytest.mark.network
def test_one_receive_decrypts_every_record_that_arrived(streams):
    sender, receiver = streams
    data = np.random.default_rng(2).integers(0, 256, 200_000, dtype=np.uint8)
    assert sender.send(memoryview(data)) == len(data)  # 13 records, all in the socket buffer
    into = memoryview(bytearray(len(data) + 100))
    assert receiver.recv_into(into) == len(data)  # one call, not one per record
    assert bytes(into[:len(data)]) == data.tobytes()
    with pytest.raises(BlockingIOError):
        receiver.recv_into(into)


@pytest.mark.network
def test_data_before_a_broken_record_is_delivered_first(streams):
    """Records decrypted before a broken one come out of one receive; the next receive raises."""
    sender, receiver = streams
    data = np.random.default_rng(3).integers(0, 256, 50_000, dtype=np.uint8)
    assert sender.send(memoryview(data)) == len(data)
    time.sleep(0.2)
    while True:  # the records as they arrived, then one that fails its tag, behind them
        try:
            receiver._incoming.write(receiver._raw[:receiver._sock.recv_into(receiver._raw)])
        except BlockingIOError:
            break
    receiver._incoming.write(bytes([23, 3, 3, 0, 32]) + bytes(32))
    into = memoryview(bytearray(len(data) + 100))
    assert receiver.recv_into(into) == len(data)
    assert bytes(into[:len(data)]) == data.tobytes()
    with pytest.raises(ssl.SSLError):
        receiver.recv_into(into)


@pytest.mark.network
def test_large_frame_received_in_pieces_over_tls(credentials, monkeypatch):
    """A frame larger than a receive's raw buffer and a send's slice arrives whole, in place."""
    monkeypatch.setattr(tls, "RAW_BYTES", 1 << 14)
    left, right = tls_pair(credentials)
    a, b = Channel(left, "b"), Channel(right, "a")
    try:
        big = np.random.default_rng(3).integers(0, 2**63, 700_001, dtype=np.uint64)
        into = np.zeros_like(big)
        b.expect(into, GATHER)
        a.post(big, GATHER)
        a.post(big[:3], GATHER)
        b.expect(None, GATHER)
        pump([a, b], lambda: not a.busy and not b.busy, 10.0)
        np.testing.assert_array_equal(into, big)
        np.testing.assert_array_equal(b.inbox.popleft(), big[:3])
    finally:
        a.close()
        b.close()


@pytest.mark.network
def test_truncated_frame_over_tls_is_a_clear_error(credentials):
    """A peer that stops mid-frame (its records decrypted so far are delivered) is named."""
    left, right = tls_pair(credentials)
    a, b = Channel(left, "b"), Channel(right, "a")
    try:
        big = np.arange(300_000, dtype=np.uint64)
        b.expect(np.empty_like(big), GATHER)
        a.post(big, GATHER)
        pump([a, b], lambda: b._stage == "body" and b._filled > 100_000, 10.0)
        a.close()
        with pytest.raises(NetworkError, match="a closed the connection"):
            pump([b], lambda: not b.busy, 5.0)
    finally:
        b.close()
