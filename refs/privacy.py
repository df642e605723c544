"""Reference privacy-accounting values for crates/dojo/src/privacy/, from Google's dp-accounting.

Writes crates/dojo/fixtures/privacy/rdp.json:
- "orders": dp-accounting's DEFAULT_RDP_ORDERS (the orders our accountant uses too);
- "curves": for a few (q, sigma), the RDP of ONE Poisson-subsampled Gaussian step at every order
  (`_compute_rdp_poisson_subsampled_gaussian`, the function the RdpAccountant composes);
- "epsilons": for a grid of (q, sigma, steps, delta), RdpAccountant's epsilon and optimal order
  for `steps` self-composed PoissonSampledDpEvent(q, GaussianDpEvent(sigma)), the DP-SGD event.

Versions: python 3.11, dp-accounting 0.6.0 (numpy 2.4.6, scipy 1.17.1). No randomness. Run from
the repository root in a virtualenv with `pip install dp-accounting==0.6.0`:
    python refs/privacy.py
"""

import json
import math
import os

import dp_accounting
from dp_accounting.rdp import rdp_privacy_accountant as rdp

from importlib.metadata import version

assert version("dp-accounting") == "0.6.0", version("dp-accounting")

ORDERS = [float(a) for a in rdp.DEFAULT_RDP_ORDERS]


def finite(x):
    x = float(x)
    return x if math.isfinite(x) else None  # JSON has no inf: null means +inf


curves = []
for q, sigma in [(0.01, 1.1), (0.001, 0.6), (0.2, 2.0), (0.5, 0.8), (1.0, 1.0), (0.05, 4.0)]:
    values = rdp._compute_rdp_poisson_subsampled_gaussian(q, sigma, ORDERS)
    curves.append({"q": q, "sigma": sigma, "rdp": [finite(v) for v in values]})

epsilons = []
for q in [0.001, 0.01, 0.05, 0.2, 1.0]:
    for sigma in [0.6, 1.0, 1.5, 3.0, 8.0]:
        for steps in [1, 100, 10000]:
            for delta in [1e-5, 1e-8]:
                event = dp_accounting.SelfComposedDpEvent(
                    dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps
                )
                acc = rdp.RdpAccountant()
                acc.compose(event)
                eps, order = acc.get_epsilon_and_optimal_order(delta)
                epsilons.append(
                    {"q": q, "sigma": sigma, "steps": steps, "delta": delta,
                     "epsilon": finite(eps), "order": float(order)}
                )

out = "crates/dojo/fixtures/privacy/rdp.json"
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump({"orders": ORDERS, "curves": curves, "epsilons": epsilons}, f, indent=1)
print(f"wrote {len(curves)} curves and {len(epsilons)} epsilons to {out}")
