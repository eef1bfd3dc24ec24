"""The wire format: one frame per array, a small fixed header then the raw buffer.

Header (network byte order): magic ``b"MPCA"``, format version, dtype code (from
:data:`DTYPES`, a whitelist), ``ndim`` (at most :data:`MAX_NDIM`), the frame's
tag (the sender's per-connection sequence number, so a desynchronised protocol
fails loudly), ``nbytes``, then ``ndim`` dimensions. The body is the array's
C-order bytes, received with ``recv_into`` straight into a preallocated NumPy
array. Nothing received is ever unpickled or evaluated; sizes are checked
against :data:`MAX_FRAME_BYTES` before anything is allocated.
"""

import math
import struct

import numpy as np

from ..errors import ProtocolError

MAGIC = b"MPCA"
VERSION = 1
MAX_NDIM = 32
#: Largest body accepted (4 GiB): a peer cannot make us allocate more.
MAX_FRAME_BYTES = 1 << 32

#: The only dtypes that may cross the wire, by code.
DTYPES = {1: np.dtype(np.uint8), 2: np.dtype(np.uint64), 3: np.dtype(np.int64),
          4: np.dtype(np.float64), 5: np.dtype(np.bool_)}
_CODES = {dtype: code for code, dtype in DTYPES.items()}

PREFIX = struct.Struct("!4sBBBxQQ")  # magic, version, dtype, ndim, pad, tag, nbytes
DIM = struct.Struct("!Q")

#: Frame kinds, the low :data:`KIND_BITS` bits of a frame's tag. A ``HEARTBEAT`` is an empty
#: ``uint8`` frame (32 bytes on the wire) sent every second on an idle connection
#: (:mod:`~mpcarray.transport.heartbeat`): it shows the sender is alive, is sequenced like any
#: frame, and is never delivered to the protocol nor counted as its progress.
GATHER, POINT, CONTROL, HEARTBEAT = 1, 2, 3, 4
KIND_BITS = 4


def encode_header(array: np.ndarray, tag: int) -> bytes:
    """The header announcing ``array`` (contiguous, whitelisted dtype) as frame ``tag``."""
    code = _CODES.get(array.dtype)
    if code is None:
        raise ProtocolError(f"dtype {array.dtype} cannot be sent; allowed: {sorted(map(str, _CODES))}")
    if array.ndim > MAX_NDIM:
        raise ProtocolError(f"arrays of more than {MAX_NDIM} dimensions cannot be sent")
    dims = struct.pack(f"!{array.ndim}Q", *array.shape)
    return PREFIX.pack(MAGIC, VERSION, code, array.ndim, tag, array.nbytes) + dims


def decode_prefix(prefix: bytes) -> tuple[np.dtype, int, int, int]:
    """Parse and check the fixed part of a header: ``(dtype, ndim, tag, nbytes)``."""
    magic, version, code, ndim, tag, nbytes = PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise ProtocolError(f"malformed frame: bad magic {magic!r}")
    if version != VERSION:
        raise ProtocolError(f"peer speaks wire version {version}, this process {VERSION}")
    if code not in DTYPES:
        raise ProtocolError(f"malformed frame: unknown dtype code {code}")
    if ndim > MAX_NDIM:
        raise ProtocolError(f"malformed frame: {ndim} dimensions (at most {MAX_NDIM})")
    if nbytes > MAX_FRAME_BYTES:
        raise ProtocolError(f"oversized frame: {nbytes} bytes (at most {MAX_FRAME_BYTES})")
    return DTYPES[code], ndim, tag, nbytes


def decode_shape(dims: bytes, dtype: np.dtype, nbytes: int) -> tuple[int, ...]:
    """Parse the dimensions and check they agree with ``nbytes``."""
    shape = struct.unpack(f"!{len(dims) // DIM.size}Q", dims)
    if any(side > MAX_FRAME_BYTES for side in shape):  # (0, 2^60) makes 0 bytes but no array
        raise ProtocolError(f"malformed frame: shape {shape} has a dimension of {max(shape)} "
                            f"(at most {MAX_FRAME_BYTES})")
    if math.prod(side for side in shape if side) * dtype.itemsize > MAX_FRAME_BYTES:
        # (0, 2^32, 2^32) makes 0 bytes too, but NumPy refuses it (ValueError): its other sides must fit a frame
        raise ProtocolError(f"malformed frame: shape {shape} of {dtype} is too large even without its "
                            f"zero dimensions (at most {MAX_FRAME_BYTES} bytes)")
    if math.prod(shape) * dtype.itemsize != nbytes:
        raise ProtocolError(f"malformed frame: shape {shape} of {dtype} does not make {nbytes} bytes")
    return shape
