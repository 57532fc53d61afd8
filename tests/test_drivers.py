"""Key driver analysis against cases that can be worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import hadamard

from dashboard.drivers import key_drivers, quadrant, relative_weights, shapley_weights


def orthogonal_frame() -> pd.DataFrame:
    """Three drivers with zero mean, unit variance and zero correlation (Hadamard columns), and
    y = 3 x1 + 2 x2 + x3 + e with e orthogonal to them: var(y) = 9 + 4 + 1 + 1 = 15."""
    h = hadamard(32).astype(float)
    x1, x2, x3, e = h[:, 1], h[:, 2], h[:, 3], h[:, 4]
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "y": 3 * x1 + 2 * x2 + x3 + e})


def test_uncorrelated_drivers_get_their_squared_standardised_betas():
    result = key_drivers(orthogonal_frame(), "y", ["x1", "x2", "x3"], draws=0)
    # r_j = b_j / sqrt(15), and with uncorrelated drivers the standardised beta equals r_j.
    assert list(result["weight"]) == pytest.approx([9 / 15, 4 / 15, 1 / 15])
    assert list(result["importance"]) == pytest.approx([900 / 14, 400 / 14, 100 / 14])
    assert result.attrs["r2"] == pytest.approx(14 / 15)
    assert list(result["n"]) == [32, 32, 32]


def test_shapley_equals_relative_weights_for_uncorrelated_drivers():
    result = key_drivers(orthogonal_frame(), "y", ["x1", "x2", "x3"], method="shapley", draws=0)
    assert list(result["weight"]) == pytest.approx([9 / 15, 4 / 15, 1 / 15])


def test_two_correlated_drivers_match_the_closed_form_relative_weights():
    # R_xx = [[1, r], [r, 1]] has eigenvectors (1, 1)/sqrt2 and (1, -1)/sqrt2, so
    # Lambda = [[a, b], [b, a]] with a, b = (sqrt(1 + r) +- sqrt(1 - r)) / 2 and det = sqrt(1 - r^2).
    r, r1, r2 = 0.6, 0.5, 0.3
    a = (math.sqrt(1 + r) + math.sqrt(1 - r)) / 2
    b = (math.sqrt(1 + r) - math.sqrt(1 - r)) / 2
    det = math.sqrt(1 - r * r)
    beta1, beta2 = (a * r1 - b * r2) / det, (a * r2 - b * r1) / det
    expected = [a * a * beta1**2 + b * b * beta2**2, b * b * beta1**2 + a * a * beta2**2]
    weights = relative_weights(np.array([[1, r], [r, 1]]), np.array([r1, r2]))
    assert list(weights) == pytest.approx(expected)
    # They add up to the regression's R^2 = r_xy' R_xx^-1 r_xy = (r1^2 + r2^2 - 2 r r1 r2) / (1 - r^2).
    assert weights.sum() == pytest.approx((r1**2 + r2**2 - 2 * r * r1 * r2) / (1 - r * r))


def test_shapley_for_two_drivers_splits_the_shared_part_equally():
    r, r1, r2 = 0.6, 0.5, 0.3
    full = (r1**2 + r2**2 - 2 * r * r1 * r2) / (1 - r * r)
    weights = shapley_weights(np.array([[1, r], [r, 1]]), np.array([r1, r2]))
    assert list(weights) == pytest.approx([(r1**2 + full - r2**2) / 2, (r2**2 + full - r1**2) / 2])


def correlated_frame(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    x = {f"d{j}": common + rng.normal(scale=0.8 + 0.3 * j, size=n) for j in range(4)}
    y = 0.8 * x["d0"] + 0.5 * x["d1"] + 0.2 * x["d2"] + rng.normal(size=n)
    return pd.DataFrame({**x, "y": y})


def test_relative_weights_sum_to_the_ols_r_squared_and_approximate_shapley():
    frame = correlated_frame()
    drivers = ["d0", "d1", "d2", "d3"]
    rw = key_drivers(frame, "y", drivers, draws=0)
    sh = key_drivers(frame, "y", drivers, method="shapley", draws=0)
    design = np.column_stack([np.ones(len(frame)), frame[drivers].to_numpy()])
    fitted = design @ np.linalg.lstsq(design, frame["y"].to_numpy(), rcond=None)[0]
    ols_r2 = 1 - ((frame["y"] - fitted) ** 2).sum() / ((frame["y"] - frame["y"].mean()) ** 2).sum()
    assert rw.attrs["r2"] == pytest.approx(ols_r2)
    assert sh.attrs["r2"] == pytest.approx(ols_r2)
    # Johnson's weights approximate the Shapley split closely (Johnson 2000; LeBreton et al. 2004).
    assert np.abs(rw["importance"] - sh["importance"]).max() < 2.0
    assert list(rw.sort_values("importance", ascending=False)["driver"][:2]) == ["d0", "d1"]


def test_bootstrap_intervals_are_seeded_and_contain_the_estimate():
    frame = correlated_frame()
    a = key_drivers(frame, "y", ["d0", "d1", "d2"], draws=200, seed=5)
    b = key_drivers(frame, "y", ["d0", "d1", "d2"], draws=200, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert ((a["low"] <= a["importance"]) & (a["importance"] <= a["high"])).all()
    assert not a.equals(key_drivers(frame, "y", ["d0", "d1", "d2"], draws=200, seed=6))


def test_incomplete_rows_are_left_out_and_performance_uses_the_same_rows():
    ratings = pd.DataFrame(
        {
            "a": [1, 2, 3, 4, 5] * 8 + [None],
            "b": [2, 2, 4, 5, 5] * 8 + [5],
            "y": [1, 3, 3, 5, 4] * 8 + [5],
        }
    )
    mean = key_drivers(ratings, "y", ["a", "b"], draws=0)
    top2 = key_drivers(ratings, "y", ["a", "b"], performance="top_box", draws=0)
    assert list(mean["n"]) == [40, 40]
    assert list(mean["performance"]) == pytest.approx([3.0, 3.6])
    assert list(top2["performance"]) == pytest.approx([40.0, 60.0])


def test_bad_inputs_are_refused_with_a_reason():
    frame = correlated_frame(n=40)
    with pytest.raises(ValueError, match="at least two drivers"):
        key_drivers(frame, "y", ["d0"])
    with pytest.raises(ValueError, match="not in the data: nope"):
        key_drivers(frame, "y", ["d0", "nope"])
    with pytest.raises(ValueError, match="at least 30 complete answers"):
        key_drivers(frame.head(20), "y", ["d0", "d1"])
    copy = frame.assign(d1=frame["d0"])
    with pytest.raises(ValueError, match="collinear"):
        key_drivers(copy, "y", ["d0", "d1"], draws=0)
    flat = frame.assign(d1=1.0)
    with pytest.raises(ValueError, match="no variation"):
        key_drivers(flat, "y", ["d0", "d1"], draws=0)


def test_quadrant_splits_at_mean_importance_and_mean_performance():
    frame = pd.DataFrame({"importance": [40, 30, 20, 10], "performance": [3.0, 4.5, 4.4, 3.1]})
    assert list(quadrant(frame)) == ["Fix first", "Keep strong", "Maintain", "Lower priority"]
