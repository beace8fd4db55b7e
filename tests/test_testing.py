"""losslab.testing: assert_close checks namespace, shape, dtype and device before values."""

from __future__ import annotations

import numpy as np
import pytest

from losslab.testing import Backend, assert_close

xps = pytest.importorskip("array_api_strict")


def test_a_float32_result_matches_a_float64_oracle():
    assert_close(np.float32([1.0, 2.0]), np.array([1.0, 2.0000001]))
    assert_close(xps.asarray([1.0, 2.0], dtype=xps.float32), np.array([1.0, 2.0]), xp=xps, dtype="float32")


def test_values_are_compared():
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.1]))
    assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.1]), atol=0.2)


def test_actual_must_be_an_array():
    with pytest.raises(AssertionError, match="namespace mismatch: expected an array, got list"):
        assert_close([1.0, 2.0], np.array([1.0, 2.0]))


def test_namespace_is_checked_against_xp():
    with pytest.raises(AssertionError, match=r"namespace mismatch: got an array of .*numpy, expected array_api_strict"):
        assert_close(np.array([1.0]), np.array([1.0]), xp=xps)


def test_another_librarys_array_is_an_oracle():
    # compared by value: a float32 array-api-strict result against a float64 NumPy one and the other way round
    assert_close(xps.asarray([1.0], dtype=xps.float32), np.array([1.0]))
    assert_close(np.float32([1.0]), xps.asarray([1.0], dtype=xps.float64))
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_close(np.array([1.0]), xps.asarray([2.0]))


def test_shape_is_checked_before_values():
    # (3,) against (3, 1) would broadcast to equal values
    with pytest.raises(AssertionError, match=r"shape mismatch: got \(3,\), expected \(3, 1\)"):
        assert_close(np.ones(3), np.ones((3, 1)))


def test_dtype_is_checked_when_given():
    with pytest.raises(AssertionError, match="dtype mismatch: got float32, expected float64"):
        assert_close(np.float32([1.0]), np.array([1.0]), dtype="float64")
    with pytest.raises(AssertionError, match="dtype mismatch: got float32, expected float64"):
        assert_close(xps.asarray([1.0], dtype=xps.float32), np.array([1.0]), dtype=xps.float64)


def test_dtype_is_checked_against_a_reference_array():
    with pytest.raises(AssertionError, match="dtype mismatch: got float32, expected float64"):
        assert_close(xps.asarray([1.0], dtype=xps.float32), xps.asarray([1.0], dtype=xps.float64))


def test_device_is_checked_when_given_and_against_a_reference_array():
    cpu = xps.asarray(0.0).device
    assert_close(xps.asarray([1.0]), np.array([1.0]), device=cpu)
    on_other = xps.asarray([1.0], device=xps.Device("device1"))  # array-api-strict's second (fake) device
    with pytest.raises(AssertionError, match=r"device mismatch: got .*device1.*, expected .*CPU_DEVICE"):
        assert_close(on_other, np.array([1.0]), device=cpu)
    with pytest.raises(AssertionError, match=r"device mismatch: got .*device1.*, expected .*CPU_DEVICE"):
        assert_close(on_other, xps.asarray([1.0]))


def test_checks_run_in_order_namespace_shape_dtype_device():
    # Every check would fail here; the first one names the problem.
    actual = xps.asarray([1.0, 2.0], dtype=xps.float32, device=xps.Device("device1"))
    with pytest.raises(AssertionError, match="namespace"):
        assert_close(actual, np.ones(3), xp=np, dtype="float64", device="cpu")
    with pytest.raises(AssertionError, match="shape"):
        assert_close(actual, np.ones(3), dtype="float64", device="cpu")
    with pytest.raises(AssertionError, match="dtype"):
        assert_close(actual, np.ones(2), dtype="float64", device="cpu")
    with pytest.raises(AssertionError, match="device"):
        assert_close(actual, np.ones(2), dtype="float32", device="cpu")


def test_the_xp_fixture_comes_from_the_plugin(xp, backend):
    assert isinstance(backend, Backend)
    assert_close(xp.asarray([1.0, 2.0]), np.array([1.0, 2.0]), xp=xp)
