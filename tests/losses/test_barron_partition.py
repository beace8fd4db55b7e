"""Barron's log-partition function against closed forms and an independent quadrature.

Oracles: the closed forms of Z(alpha) at alpha = 0 (a Cauchy-like density,
:math:`\\int (1 + x^2/2)^{-1} dx = \\sqrt2\\,\\pi`), 1
(:math:`\\int e^{1 - \\sqrt{x^2 + 1}} dx = 2 e K_1(1)`, with
:math:`K_1(1) = 0.6019072301972346`, Abramowitz & Stegun table 9.8) and 2
(:math:`\\sqrt{2\\pi}`); elsewhere a plain trapezoid over x (not the table's
sinh substitution) on [-L, L] plus the tail integrated by hand, in float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab._backend import array_namespace
from losslab.losses._barron_partition import log_partition, log_partition_float64
from losslab.testing import Backend, assert_close

K1_AT_1 = 0.6019072301972346
CLOSED_FORMS = {
    0.0: math.log(math.sqrt(2.0) * math.pi),
    1.0: math.log(2.0 * math.e * K1_AT_1),
    2.0: 0.5 * math.log(2 * math.pi),
}


def plain_quadrature(alpha: float) -> float:
    """log Z by the trapezoid rule in x on [-L, L] (L = 2000) with the paper's rho; the tails by their asymptote.

    For alpha >= 0.5 the tail beyond 2000 is below 1e-14 and left out; the grid step 1e-3 near 0 makes the
    trapezoid exact to ~1e-12 for these analytic integrands.
    """
    x = np.concatenate([np.linspace(0.0, 50.0, 50001), np.linspace(50.0, 2000.0, 195001)[1:]])
    b = abs(alpha - 2.0)
    rho = 0.5 * x**2 if b == 0 else b / alpha * ((x**2 / b + 1.0) ** (alpha / 2.0) - 1.0)
    f = np.exp(-rho)
    return math.log(2.0 * np.trapezoid(f, x))


@pytest.mark.parametrize("alpha", sorted(CLOSED_FORMS))
def test_closed_forms(alpha):
    assert log_partition_float64(np.array([alpha]))[0] == pytest.approx(CLOSED_FORMS[alpha], abs=1e-13)


@pytest.mark.parametrize("alpha", [0.5, 0.77, 1.5, 1.999, 2.001, 2.6, 3.3, 4.0])
def test_table_integral_matches_a_plain_quadrature(alpha):
    assert log_partition_float64(np.array([alpha]))[0] == pytest.approx(plain_quadrature(alpha), abs=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_spline_matches_the_integral(xp, dtype):
    """Within 1.1e-6 on a dense grid of [0, 4] (largest next to the singular alpha = 2), exact at the closed forms."""
    alphas = np.concatenate([np.linspace(0.0, 4.0, 1201), 2.0 + np.array([-1e-3, -1e-5, 1e-6, 1e-4, 3e-3])])
    reference = log_partition_float64(alphas)
    values = xp.asarray(alphas.astype(dtype))
    actual = log_partition(values, array_namespace(values))
    assert actual.dtype == getattr(xp, dtype)
    tolerance = 1.2e-6 if dtype == "float64" else 2e-6
    assert_close(actual, xp.asarray(reference.astype(dtype)), atol=tolerance, rtol=0, xp=xp)
    special = xp.asarray(np.array(sorted(CLOSED_FORMS), dtype=dtype))
    exact = log_partition(special, array_namespace(special))
    expected = np.array([CLOSED_FORMS[a] for a in sorted(CLOSED_FORMS)], dtype=dtype)
    assert_close(exact, xp.asarray(expected), atol=1e-12 if dtype == "float64" else 1e-6, rtol=0, xp=xp)


def test_spline_keeps_the_shape():
    alpha = np.array([[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]])
    assert log_partition(alpha, array_namespace(alpha)).shape == (2, 3)


@pytest.mark.parametrize("backend", [Backend.TORCH, Backend.JAX], ids=str)
def test_gradient_matches_finite_differences_of_the_integral(backend):
    """d log Z / d alpha against central differences of the NumPy integral; finite at 2 and 0 outside [0, 4]."""
    alphas = np.array([0.25, 0.9, 1.7, 2.4, 3.6])
    step = 1e-5
    expected = (log_partition_float64(alphas + step) - log_partition_float64(alphas - step)) / (2 * step)
    if backend is Backend.TORCH:
        torch = pytest.importorskip("torch")
        a = torch.tensor(np.concatenate([alphas, [2.0, -1.0, 5.0]]), requires_grad=True)
        log_partition(a, array_namespace(a)).sum().backward()
        grad = a.grad.numpy()
    else:
        jax = pytest.importorskip("jax")
        jnp = backend.namespace()
        grad = np.asarray(
            jax.grad(lambda a: log_partition(a, array_namespace(a)).sum())(
                jnp.asarray(np.concatenate([alphas, [2.0, -1.0, 5.0]]))
            )
        )
    np.testing.assert_allclose(grad[:5], expected, rtol=2e-4, atol=2e-4)
    assert np.isfinite(grad[5])
    assert grad[6] == 0.0 and grad[7] == 0.0


def test_stored_table_is_the_integral():
    """The table in ``_barron_partition_table.py`` is what a fresh integration gives (regenerate it if not)."""
    from losslab.losses._barron_partition import build_table
    from losslab.losses._barron_partition_table import TANGENTS, VALUES

    values, tangents = build_table()
    np.testing.assert_allclose(VALUES, values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(TANGENTS, tangents, rtol=0, atol=1e-8)
