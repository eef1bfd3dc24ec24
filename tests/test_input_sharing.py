"""Owners' inputs shared in one round (``protocols.share_inputs``): shares, header, rejection, malformed messages."""

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray import protocols


def _reconstruct(rt, shares: np.ndarray) -> np.ndarray:
    return rt.scheme.reconstruct(shares, rt.number).view(np.int64)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_every_owner_shares_in_one_round(n):
    """Each owner's shares add up to its integers; the header tells every party shape and dtype."""
    with mpc.Session(parties=n, seed=3) as s:
        rt = s._rt
        values = [np.arange(6, dtype=np.int64).reshape(2, 3) * (k + 1) for k in range(n)]
        inputs = [protocols.Input(k, rt.number.encode_int(v), np.dtype(np.int64)) for k, v in enumerate(values)]
        before = s.comm.snapshot()
        shared = protocols.share_inputs(rt, inputs)
        cost = s.comm - before
    assert cost.rounds == 1
    assert cost.bytes_sent.tolist() == [8 * (3 + 2 + 6) * (n - 1)] * n
    for result, v in zip(shared, values):
        assert result.shape == (2, 3) and result.dtype == np.int64 and not result.is_field
        np.testing.assert_array_equal(_reconstruct(rt, result.shares), v)
        assert all(np.any(row != v.view(np.uint64)) for row in result.shares)  # no share is the value


def test_a_rejected_input_is_none_for_every_party_and_the_others_arrive():
    with mpc.Session(parties=3, seed=3) as s:
        rt = s._rt
        kept = np.array([5, -7], dtype=np.int64)
        shared = protocols.share_inputs(rt, [protocols.Input(0), protocols.Input(1, rt.number.encode_int(kept),
                                                                              np.dtype(np.int64))])
    assert shared[0] is None
    np.testing.assert_array_equal(_reconstruct(rt, shared[1].shares), kept)


def test_a_malformed_message_raises_a_protocol_error(monkeypatch):
    with mpc.Session(parties=3, seed=3) as s:
        rt = s._rt
        receive = type(rt.transport).recv
        monkeypatch.setattr(type(rt.transport), "recv", lambda self, a, b: receive(self, a, b)[:-1])
        with pytest.raises(mpc.ProtocolError, match="sent 5 words where its header announced"):
            protocols.share_inputs(rt, [protocols.Input(0, np.arange(6, dtype=np.uint64), np.dtype(np.uint64))])
        monkeypatch.setattr(type(rt.transport), "recv", lambda self, a, b: np.array([1, 99], dtype=np.uint64))
        with pytest.raises(mpc.ProtocolError, match="malformed input header"):
            protocols.share_inputs(rt, [protocols.Input(0, np.arange(6, dtype=np.uint64), np.dtype(np.uint64))])


def test_owner_apply_each_refuses_mixed_sessions_and_unowned_arrays():
    with mpc.Session(parties=3, seed=1) as s, mpc.Session(parties=3, seed=2) as t:
        a, b = s.share(np.ones(3), owner=0), t.share(np.ones(3), owner=1)
        with pytest.raises(mpc.UnsupportedOperationError, match="one session"):
            mpc.owner_apply_each([(a,), (b,)], lambda v: v.sum())
        with pytest.raises(mpc.UnsupportedOperationError, match="shared by their owner"):
            mpc.owner_apply_each([(a + a,)], lambda v: v.sum())
        assert mpc.owner_apply_each([], lambda v: v.sum()) == []
