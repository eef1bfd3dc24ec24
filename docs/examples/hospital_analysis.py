"""Pooled statistics over two hospitals' patients, with a laboratory as the third party.

The same file runs on every backend, unchanged:

* ``python hospital_analysis.py`` simulates all three parties in one process;
* ``mpcarray run --parties hosp_a,hosp_b,lab_c hospital_analysis.py`` runs one
  process per party on this machine over TLS;
* ``mpcarray party --config consortium.toml --name hosp_a hospital_analysis.py``
  runs one party on its own machine (see docs/socket.md).

Each hospital reads only its own records (``s.holds(name)``); the others pass
``None``. Only the printed aggregates are revealed.
"""

import numpy as np

import mpcarray as mpc

PARTIES = ["hosp_a", "hosp_b", "lab_c"]
HOSPITALS = {"hosp_a": (1, 120), "hosp_b": (2, 80)}  # stand-ins for each hospital's database


def load_records(hospital: str) -> np.ndarray:
    """Age (years) and systolic blood pressure (mmHg) of one hospital's patients."""
    seed, patients = HOSPITALS[hospital]
    rng = np.random.default_rng(seed)
    age = rng.uniform(20, 90, patients)
    pressure = 100 + 0.5 * age + rng.normal(0, 10, patients)
    return np.column_stack([age, pressure])


def analyse(s) -> dict:
    """Pooled mean age and pressure, share of hypertensive patients, slope of pressure on age."""
    parts = [s.share(load_records(h) if s.holds(h) else None, owner=h) for h in HOSPITALS]
    records = np.concatenate(parts)  # secret rows of both hospitals; the row count is public
    n = records.shape[0]
    age, pressure = records[:, 0], records[:, 1]
    mean = records.sum(axis=0) / n
    hypertensive = (pressure > 140.0).sum()
    centred_age = age - mean[0]
    slope = (centred_age * (pressure - mean[1])).sum() / (centred_age * centred_age).sum()
    return {
        "patients": n,
        "mean_age": float(mean[0].reveal(label="mean age")),
        "mean_pressure": float(mean[1].reveal(label="mean pressure")),
        "hypertensive": int(hypertensive.reveal(label="count hypertensive")),
        "slope": float(slope.reveal(label="slope pressure on age")),
    }


if __name__ == "__main__":
    with mpc.Session.from_env(parties=PARTIES) as session:
        for key, value in analyse(session).items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
