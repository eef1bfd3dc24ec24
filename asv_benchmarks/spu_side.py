"""SecretFlow SPU's side of ``spu_same_run.py``: run by an interpreter that has ``spu`` installed.

Usage (called by ``spu_same_run.py``; SPU 0.9.5 pins its own numpy and jax, so it lives in a
virtual environment of its own)::

    /path/to/spu-venv/bin/python asv_benchmarks/spu_side.py INPUTS.npz REPEAT

``INPUTS.npz`` holds ``a``, ``b`` (the operands of 10^6 products) and ``Z``, ``y`` (the
standardised breast-cancer design with its intercept column, and the labels). Three
parties run SPU's ABY3 protocol over Z_2^64 with 18 fractional bits in one process, one
thread per party (SPU's simulator, the closest analogue of mpcarray's simulated backend).
As in PEERS.md, input sharing is outside the timing: the inputs are shared once, and each
timed call sets them in fresh party runtimes, runs the compiled program and takes each
party's output shares. Prints one JSON line: the median seconds per call of
``products`` (``a * b``) and ``logistic`` (10 gradient-descent epochs from zero with
learning rate 1, as ``bench_models.gd_epochs``), after one warm-up call each.
"""

import json
import statistics
import sys
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np
import spu.utils.frontend as spu_fe
from spu import api as spu_api
from spu import libspu

PARTIES = 3
EPOCHS = 10
CONFIG = libspu.RuntimeConfig(protocol=libspu.ProtocolKind.ABY3, field=libspu.FieldType.FM64,
                              fxp_fraction_bits=18)


def products(a, b):
    return a * b


def gd_epochs(Z, y):
    n = Z.shape[0]
    gamma = Z.T @ (y - 0.5) / n
    for _ in range(EPOCHS - 1):
        gamma = gamma + Z.T @ (y - jax.nn.sigmoid(Z @ gamma)) / n
    return gamma


def compiled(function, args):
    """``function`` compiled for SPU with every argument secret, and the arguments' shares."""
    names = [f"in{i}" for i in range(len(args))]
    executable, _ = spu_fe.compile(spu_fe.Kind.JAX, function, args, {}, names,
                                   [libspu.Visibility.VIS_SECRET] * len(args),
                                   lambda outputs: [f"out{i}" for i in range(len(outputs))])
    io = spu_api.Io(PARTIES, CONFIG)
    return executable, [io.make_shares(np.asarray(x), libspu.Visibility.VIS_SECRET) for x in args]


def run(executable, shares):
    """One secure evaluation: every party in its own thread over in-memory links."""
    links = libspu.link.Desc()
    for rank in range(PARTIES):
        links.add_party(f"id_{rank}", f"thread_{rank}")
    errors = []

    def party(rank):
        try:
            runtime = spu_api.Runtime(libspu.link.create_mem(links, rank), libspu.RuntimeConfig(CONFIG))
            for name, share in zip(executable.input_names, shares):
                runtime.set_var(name, share[rank])
            runtime.run(executable)
            for name in executable.output_names:
                runtime.get_var(name)
        except Exception as error:  # noqa: BLE001 (raised again in the caller's thread)
            errors.append(error)

    threads = [threading.Thread(target=party, args=(rank,)) for rank in range(PARTIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def median_seconds(executable, shares, repeat: int) -> float:
    run(executable, shares)  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(executable, shares)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(path: str, repeat: int) -> None:
    inputs = np.load(path)
    workloads = {"products": (products, (inputs["a"], inputs["b"])),
                 "logistic": (gd_epochs, (jnp.asarray(inputs["Z"]), jnp.asarray(inputs["y"])))}
    print(json.dumps({name: median_seconds(*compiled(function, args), repeat)
                      for name, (function, args) in workloads.items()}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
