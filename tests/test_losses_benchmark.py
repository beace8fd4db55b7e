"""benchmarks/losses.py: its command line and its pure formatting helpers (no timing)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from tests._scripts import BENCHMARKS, benchmark_module

SCRIPT = BENCHMARKS / "losses.py"


@pytest.fixture(scope="module")
def bench():
    with benchmark_module("losses") as module:
        yield module


def _fake_row(**overrides):
    row = {
        "section": "torch",
        "loss": "SCCE(logits)",
        "peer": "F.cross_entropy(int labels)",
        "size": 1_000_000,
        "classes": 1000,
        "fwd_losslab_ms": 1.5,
        "fwd_peer_ms": 1.0,
        "fwd_ratio": 1.5,
        "fb_losslab_ms": 12.34,
        "fb_peer_ms": 4.0,
        "fb_ratio": 3.085,
        "mem_losslab_bytes": 2 * 2**20,
        "mem_peer_bytes": 2**20,
        "rel_diff": 1.2e-7,
    }
    row.update(overrides)
    return row


def test_help_runs():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    for option in ("--sizes", "--repeats", "--quick", "--out", "--sections", "--threads", "--min-time"):
        assert option in result.stdout
    assert "_keras-worker" not in result.stdout


def test_markdown_rows_from_fake_numbers(bench):
    rows = [
        _fake_row(),
        _fake_row(
            section="numpy",
            loss="MSE",
            peer="sklearn mean_squared_error",
            size=1000,
            classes=None,
            fwd_losslab_ms=0.0123,
            fwd_peer_ms=0.25,
            fwd_ratio=0.0492,
            fb_losslab_ms=None,
            fb_peer_ms=None,
            fb_ratio=None,
            mem_losslab_bytes=None,
            mem_peer_bytes=None,
            rel_diff=None,
        ),
    ]
    lines = bench.markdown_rows(rows)
    assert lines[0] == "| " + " | ".join(bench.COLUMNS) + " |"
    assert lines[1].startswith("|---|---|---|---:|")
    assert lines[2] == (
        "| torch | SCCE(logits) | F.cross_entropy(int labels) | 1e6 | 1000 | 1.5 | 1 | 1.50 | 12.3 | 4 | 3.08 "
        "| 2 | 1 | 1.2e-07 |"
    )
    assert (
        lines[3]
        == "| numpy | MSE | sklearn mean_squared_error | 1e3 |  | 0.0123 | 0.25 | 0.05 | — | — | — | — | — | — |"
    )


def test_headline_uses_the_largest_size(bench):
    rows = [
        _fake_row(size=1000, fwd_ratio=100.0, fb_ratio=100.0),  # not the largest size: ignored
        _fake_row(fwd_ratio=2.0, fb_ratio=4.0),
        _fake_row(loss="MSE", classes=None, fwd_ratio=0.5, fb_ratio=1.0),
    ]
    summary = bench.headline(rows)
    assert [(h["section"], h["pass"]) for h in summary] == [("torch", "fwd"), ("torch", "fwd+bwd")]
    fwd, fb = summary
    assert fwd["geomean"] == pytest.approx(1.0) and fb["geomean"] == pytest.approx(2.0)
    assert (fwd["min_loss"], fwd["max_loss"]) == ("MSE", "SCCE(logits) C=1000")
    assert bench.headline_lines(summary)[0] == (
        "torch fwd at 1e6: ratio geomean 1.00 over 2 (best 0.50 MSE, worst 2.00 SCCE(logits) C=1000)"
    )


def test_markdown_report_has_header_and_table(bench):
    meta = {
        "date": "2026-01-01T00:00:00+00:00",
        "machine": {"cpu_model": "Test CPU", "cpu_count": 2, "torch": "2.0", "jax": "0.4", "python": "3.11"},
        "config": {"sizes": [1000, 1_000_000], "repeats": 7, "min_time": 0.02, "sections": ["torch"], "threads": 1},
    }
    text = bench.format_markdown([_fake_row()], meta, ["torch cuda: skipped: no CUDA device"])
    assert "Test CPU" in text and "torch 2.0" in text and "2026-01-01" in text
    assert "ratio = losslab ÷ peer" in text
    assert "- torch cuda: skipped: no CUDA device" in text
    assert "| torch | SCCE(logits) |" in text


def test_small_formatters(bench):
    assert bench.parse_sizes("1e3, 1e4,250") == [1000, 10000, 250]
    assert [bench.fmt_size(n) for n in (1000, 10**7, 250, 100)] == ["1e3", "1e7", "250", "100"]
    assert [bench.fmt_ms(v) for v in (None, 0.012345, 12.34, 1234.5)] == ["—", "0.0123", "12.3", "1234"]
    assert bench.fmt_ratio(None) == "—" and bench.fmt_ratio(0.456) == "0.46"


def test_memory_headline_counts_multiples_of_the_input(bench):
    mib = 2**20
    rows = [
        # y_pred (1000, 1000) float32 = 4e6 bytes
        _fake_row(shape=[1000, 1000], mem_losslab_bytes=8_000_000, mem_peer_bytes=4_000_000),
        _fake_row(
            loss="MSE", classes=None, shape=[100_000, 10], mem_losslab_bytes=12_000_000, mem_peer_bytes=4_000_000
        ),
        _fake_row(size=1000, shape=[1, 1000], mem_losslab_bytes=100 * mib),  # not the largest size: ignored
        _fake_row(section="numpy", shape=[1000, 1000], mem_losslab_bytes=None),  # not measured: no entry
    ]
    (entry,) = bench.memory_headline(rows)
    assert (entry["section"], entry["size"], entry["n"]) == ("torch", 1_000_000, 2)
    assert entry["max"] == pytest.approx(3.0) and entry["max_loss"] == "MSE"
    assert entry["median"] == pytest.approx(2.5)
    assert entry["peer_max"] == pytest.approx(1.0)
    assert bench.headline_lines([entry]) == [
        (
            "torch memory at 1e6: losslab's fwd+bwd peak is at most 3.0x the size of y_pred (MSE; median 2.5x over 2), "
            "the peer's at most 1.0x (SCCE(logits) C=1000)"
        )
    ]


def test_overhead_headline_lists_every_torch_ratio_at_1e3(bench):
    rows = [
        _fake_row(loss="MSE", size=1000, classes=None, fwd_ratio=1.2),
        _fake_row(size=1000, classes=10, fwd_ratio=1.5),
        _fake_row(loss="MSE", classes=None, fwd_ratio=0.9),  # 1e6: not the overhead
        _fake_row(section="jax jit", loss="MSE", size=1000, classes=None, fwd_ratio=3.0),  # not eager torch
    ]
    (entry,) = bench.overhead_headline(rows)
    assert (entry["section"], entry["pass"], entry["size"], entry["n"]) == ("torch", "overhead", 1000, 2)
    assert entry["geomean"] == pytest.approx((1.2 * 1.5) ** 0.5)
    assert bench.headline_lines([entry]) == [
        "torch fwd at 1e3 (per-call overhead): ratio geomean 1.34 over 2: MSE 1.20, SCCE(logits) C=10 1.50"
    ]
    assert entry in bench.full_headline(rows)


def test_sections_accept_torch_compile(bench):
    plan = bench.plan_from_args(bench.build_parser().parse_args(["--sections", "torch,torch compile"]))
    assert plan.sections == ["torch", "torch compile"]


def test_torch_compile_section_runs(bench):
    """The compiled training steps run and are reported (dynamo with its eager backend here: inductor is slow)."""
    pytest.importorskip("torch")
    with warnings.catch_warnings():
        # torch warns while it traces its own optimizer step (deprecations, probes of non-leaf .grad); losslab's
        # traces are checked warning-free in tests/losses/test_compile.py
        warnings.simplefilter("ignore")
        rows = bench.run_torch_compile(1, 0.001, backend="eager", cases=("MSE", "BinaryFocal(logits)"))
    assert [(r["section"], r["loss"], r["size"]) for r in rows] == [
        ("torch compile", "MSE", 256),
        ("torch compile", "BinaryFocal(logits)", 256),
    ]
    for row in rows:
        assert row["steps_per_s_losslab"] > 0 and row["steps_per_s_peer"] > 0
        assert row["fb_ratio"] == pytest.approx(row["steps_per_s_peer"] / row["steps_per_s_losslab"])
        assert row["rel_diff"] < 1e-5  # the same first step: same weights, same data, the same loss
    lines = bench.compile_markdown_rows(rows)
    assert lines[0] == "| " + " | ".join(bench.COMPILE_COLUMNS) + " |"
    assert lines[2].startswith("| MSE | F.mse_loss | 256 | ")
    text = bench.format_markdown(rows)
    assert "## torch compile: compiled training steps" in text and "## Results" not in text
    assert "- torch compile train step (batch 256): time ratio geomean" in text
