#!/usr/bin/env python
"""Time losslab's losses against each backend's own implementation, in one run on one machine.

For every loss that a peer library also has, at several sizes (total elements
of ``y_pred``; float32 throughout), this script measures:

``torch``
    losslab's class form (default reduction, i.e. the mean) on torch tensors,
    with its native fast paths (``losslab.losses._fast``), against the
    ``torch.nn.functional`` equivalent on the same tensors: forward, and
    forward+backward (the gradient with respect to ``y_pred``).
``torch generic``
    the same losslab calls inside ``generic_only()`` (the Array API code, no
    fast path) against the same ``torch.nn.functional`` peer, to show what the
    fast paths buy.
``jax jit``
    losslab under ``jax.jit`` (the value, and ``jax.value_and_grad``) against
    ``optax.losses`` under ``jax.jit``, with ``block_until_ready``.
``numpy``
    losslab on NumPy arrays against scikit-learn's metric (forward only).
``keras torch``
    Keras 3's ``keras.losses.<Class>()`` against losslab's class, both on torch
    tensors, in a subprocess with ``KERAS_BACKEND=torch`` (so that Keras's
    backend import does not touch this process).
``torch compile``
    a training step compiled with ``torch.compile`` (default inductor
    backend): a small MLP on a batch of 256, forward, loss, backward and an
    SGD step, with losslab's class as the loss against the same step with the
    ``torch.nn.functional`` loss (focal: written out with ``F`` ops, as
    torchvision's ``sigmoid_focal_loss`` without class balancing). Reported as
    steps per second and their ratio, with the compile time of the first call.
    ``--sizes`` does not apply; ``--repeats`` and ``--min-time`` do.
``torch cuda``, ``torch cuda generic``, ``jax gpu``
    the torch and JAX sections again on the GPU, when there is one; otherwise
    the script prints ``skipped: no CUDA device``.

Timing: each callable is warmed up (which also compiles the ``jax.jit``
functions), then a loop of ``n`` calls is sized so that it lasts at least
``--min-time`` seconds (20 ms by default); the reported time per call is the
median over ``--repeats`` such loops. The callables of one row are timed in
turn inside each repeat (losslab, peer, losslab, peer, ...) so that a change in
the machine's load hits both sides alike. The garbage collector is off during
a loop. No Python loops over samples anywhere: every call is one vectorised
loss call on the whole batch.

Memory (peak bytes allocated above the inputs, forward+backward, one call):

* torch on CPU: ``torch.profiler`` with ``profile_memory=True``; its allocation
  and free events, taken in time order, give a running total whose maximum is
  the peak (the new gradient of ``y_pred`` included; the previous one is freed
  before the window opens);
* torch on CUDA: ``torch.cuda.max_memory_allocated`` minus the memory allocated
  before the call;
* JAX: what XLA plans for the compiled ``value_and_grad`` function,
  ``temp_size_in_bytes + output_size_in_bytes`` of ``memory_analysis()``
  (buffers are planned at compile time, so this is the peak above the inputs);
* NumPy and scikit-learn: the ``tracemalloc`` peak of one forward call
  (NumPy reports its array buffers to ``tracemalloc``).

Threads: ``--threads 1`` (the default) runs torch (here and in the Keras worker)
with one intra-op thread and turns XLA's multi-threaded Eigen off, so that a
second busy core on a shared machine does not stall a thread pool; both sides of
every ratio run with the same setting. ``--threads 0`` keeps each library's
default.

Allocator: CPU tensors of 1e5 elements and more are allocated by glibc's
``malloc`` with ``mmap`` above a *dynamic* threshold that depends on the
process's history; a buffer that comes fresh from ``mmap`` is page-faulted on
every call, which adds about 3 ms per 4 MB buffer. The same call can therefore
time at 1 ms in one process and 4 ms in another. ``--steady-malloc`` fixes the
threshold at 32 MiB and stops trimming (``mallopt``, as the environment
variables ``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` would), here and
in the Keras worker, so that buffers up to 32 MiB are reused like a caching
allocator's; off by default.

Ratios are losslab ÷ peer: below 1 losslab is faster (or smaller), above 1 it is
slower. ``rel diff`` is ``|losslab - peer| / |peer|`` of the two loss values on
the same inputs: a check that the two sides compute the same number.

Usage::

    python benchmarks/losses.py                           # sizes 1e3..1e6, 7 repeats
    python benchmarks/losses.py --quick                   # sizes 1e3,1e5, 3 repeats
    python benchmarks/losses.py --sizes 1e6,1e7 --sections torch,jax

Only the standard library is imported at module level, so ``--help`` and the
formatting helpers (used by ``tests/test_losses_benchmark.py``) are cheap.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _machine  # benchmarks/_machine.py: this folder is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 100_000)
DEFAULT_REPEATS = 7
QUICK_REPEATS = 3
CLASS_COUNTS = (10, 1000)
FEATURES = 10  # last-axis length of the element-wise losses: y_pred has shape (size // 10, 10)
SECTIONS = ("torch", "jax", "numpy", "keras", "torch compile", "gpu")
COMPILE_SECTION = "torch compile"

# --------------------------------------------------------------------------------------------
# The cases: which losslab loss, on which data. Peers are attached per section below.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One losslab loss with its arguments and the kind of data it is fed."""

    key: str  # short label used in the table
    cls: str  # losslab (and keras.losses) class name
    data: str  # see make_data
    kwargs: tuple[tuple[str, Any], ...] = ()
    categorical: bool = False  # run at every class count in CLASS_COUNTS (else FEATURES on the last axis)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.kwargs)


CASES: dict[str, Case] = {
    c.key: c
    for c in (
        Case("MSE", "MeanSquaredError", "real"),
        Case("MAE", "MeanAbsoluteError", "real"),
        Case("MAPE", "MeanAbsolutePercentageError", "positive"),
        Case("MSLE", "MeanSquaredLogarithmicError", "positive"),
        Case("Huber", "Huber", "real", (("delta", 1.0),)),
        Case("LogCosh", "LogCosh", "real"),
        Case("Cosine", "CosineSimilarity", "real"),
        Case("Hinge", "Hinge", "pm1"),
        Case("BCE(logits)", "BinaryCrossentropy", "binary_logits", (("from_logits", True),)),
        Case("BCE(probs)", "BinaryCrossentropy", "binary_probs"),
        Case("BCE(probs) N×1", "BinaryCrossentropy", "binary_column"),
        Case("SCCE(logits)", "SparseCategoricalCrossentropy", "sparse_logits", (("from_logits", True),), True),
        Case("SCCE(probs)", "SparseCategoricalCrossentropy", "sparse_probs", (), True),
        Case("CCE(logits)", "CategoricalCrossentropy", "onehot_logits", (("from_logits", True),), True),
        Case("KLD", "KLDivergence", "distributions", (), True),
        Case("Poisson", "Poisson", "counts"),
        # Beyond Keras: losses that torch or optax also have.
        Case("SmoothL1", "SmoothL1", "real", (("beta", 1.0),)),
        Case("PoissonNLL(log)", "PoissonNLL", "counts_log_rate"),
        Case("MultilabelSoftMargin", "MultilabelSoftMargin", "binary_logits"),
        Case(
            "BinaryFocal(logits)", "BinaryFocalCrossentropy", "binary_logits", (("from_logits", True), ("gamma", 2.0))
        ),
        Case("Poly1(logits)", "Poly1Crossentropy", "onehot_logits", (("from_logits", True), ("epsilon", 1.0)), True),
        Case("CTC", "CTC", "ctc"),
    )
}

CTC_FRAMES, CTC_CLASSES, CTC_LABEL_LENGTH = 50, 20, 10
"""CTC data: ``y_pred`` of shape ``(size / (frames * classes), frames, classes)``, labels of 10 symbols."""

NOTES_BY_CASE = {
    "KLD": "KLD: losslab (as Keras) clips both distributions to [1e-7, 1]; the peers take log(y_pred) unclipped "
    "(torch kl_div(log p, t, 'batchmean'), optax kl_divergence(log p, t)). Same number on these inputs (no "
    "zeros), different semantics near 0.",
    "MAPE": "MAPE: sklearn returns a fraction, losslab (as Keras) a percentage; rel diff compares losslab with "
    "100 × sklearn.",
    "BCE(probs)": "BCE(probs): losslab clips probabilities to [1e-7, 1 - 1e-7]; torch's binary_cross_entropy clamps "
    "log at -100 instead.",
    "Poisson": "Poisson: torch poisson_nll_loss(log_input=False) uses eps 1e-8 inside the log, losslab 1e-7.",
    "Hinge": "Hinge: losslab (as Keras) first checks whether labels are {0, 1} and maps them to {-1, 1}; the inputs "
    "here are {-1, 1} labels, which optax's hinge_loss takes as they are.",
    "Cosine": "Cosine: the loss is -mean(cos); the peers are -mean(F.cosine_similarity) and -mean(optax "
    "cosine_similarity); their epsilons differ (only matters for zero vectors).",
    "CTC": "CTC: torch's ctc_loss(reduction='mean') divides by the label lengths; the peer here is "
    "ctc_loss(reduction='none').mean(), losslab's (Keras's) mean over sequences. optax's ctc_loss takes paddings.",
    "BinaryFocal(logits)": "BinaryFocal(logits): Keras's focal loss without class balancing is optax's "
    "sigmoid_focal_loss(alpha=None); torch has no focal loss (torchvision's is not installed here).",
}


def shape_of(case: Case, size: int, classes: int | None) -> tuple[int, ...]:
    """``(batch, last)`` with ``batch * last`` close to ``size`` (at least one row).

    CTC: ``(batch, frames, classes)``.
    """
    if case.data == "ctc":
        return max(1, size // (CTC_FRAMES * CTC_CLASSES)), CTC_FRAMES, CTC_CLASSES
    last = classes if case.categorical else FEATURES
    if case.data == "binary_column":
        last = 1
    return max(1, size // last), last


def make_data(case: Case, size: int, classes: int | None, seed: int = 0) -> tuple[Any, Any]:
    """``(y_true, y_pred)`` as float32 NumPy arrays (int64 labels for the sparse losses)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = shape_of(case, size, classes)
    batch, last = shape[0], shape[-1]
    f32 = np.float32

    def softmax(x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return (e / e.sum(axis=-1, keepdims=True)).astype(f32)

    kind = case.data
    if kind == "real":
        return rng.standard_normal(shape, dtype=f32), rng.standard_normal(shape, dtype=f32)
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape).astype(f32), rng.uniform(0.5, 2.0, shape).astype(f32)
    if kind == "counts":
        return rng.poisson(2.0, shape).astype(f32), rng.uniform(0.1, 4.0, shape).astype(f32)
    if kind == "pm1":
        return (2.0 * rng.integers(0, 2, shape) - 1.0).astype(f32), rng.standard_normal(shape, dtype=f32)
    if kind == "binary_logits":
        return rng.integers(0, 2, shape).astype(f32), 2.0 * rng.standard_normal(shape, dtype=f32)
    if kind in ("binary_probs", "binary_column"):
        return rng.integers(0, 2, shape).astype(f32), rng.uniform(0.01, 0.99, shape).astype(f32)
    if kind == "sparse_logits":
        return rng.integers(0, last, batch).astype(np.int64), rng.standard_normal(shape, dtype=f32)
    if kind == "sparse_probs":
        return rng.integers(0, last, batch).astype(np.int64), softmax(rng.standard_normal(shape, dtype=f32))
    if kind == "onehot_logits":
        return np.eye(last, dtype=f32)[rng.integers(0, last, batch)], rng.standard_normal(shape, dtype=f32)
    if kind == "counts_log_rate":
        return rng.poisson(2.0, shape).astype(f32), rng.standard_normal(shape, dtype=f32)
    if kind == "ctc":
        return rng.integers(1, last, (batch, CTC_LABEL_LENGTH)).astype(np.int64), rng.standard_normal(shape, dtype=f32)
    if kind == "distributions":
        return softmax(rng.standard_normal(shape, dtype=f32)), softmax(rng.standard_normal(shape, dtype=f32))
    raise ValueError(f"unknown data kind {kind!r}")


def configs(case: Case, sizes: list[int]) -> Iterator[tuple[int, int | None]]:
    """``(size, classes)`` pairs to run ``case`` at."""
    for size in sizes:
        for classes in CLASS_COUNTS if case.categorical else (None,):
            yield size, classes


def losslab_loss(case: Case) -> Any:
    import losslab

    return getattr(losslab, case.cls)(**case.options)


# --------------------------------------------------------------------------------------------
# Timing and memory.
# --------------------------------------------------------------------------------------------


def _calibrate(fn: Callable[[], Any], min_time: float) -> int:
    """The number of calls whose loop lasts at least ``min_time`` seconds."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time:
            return n
        n = max(2 * n, math.ceil(n * 1.2 * min_time / max(elapsed, 1e-9)))


def bench(
    fns: dict[str, Callable[[], Any]],
    repeats: int,
    min_time: float = 0.02,
    warmup: int = 3,
    contexts: dict[str, Callable[[], Any]] | None = None,
) -> dict[str, float]:
    """Median milliseconds per call of each callable, timed in turn inside each repeat.

    ``contexts[name]`` (a context-manager factory, e.g. ``generic_only``) is entered
    around that callable's warm-up, calibration and every timed loop, so that
    its cost is not charged to the calls.
    """
    contexts = contexts or {}
    ctx = lambda name: contexts.get(name, contextlib.nullcontext)()  # noqa: E731
    loops: dict[str, int] = {}
    for name, fn in fns.items():
        with ctx(name):
            for _ in range(warmup):
                fn()
            loops[name] = _calibrate(fn, min_time)
    times: dict[str, list[float]] = {name: [] for name in fns}
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, fn in fns.items():
                n = loops[name]
                with ctx(name):
                    t0 = time.perf_counter()
                    for _ in range(n):
                        fn()
                    times[name].append((time.perf_counter() - t0) / n)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: 1e3 * statistics.median(ts) for name, ts in times.items()}


def steady_malloc() -> bool:
    """Fix glibc's mmap threshold at 32 MiB and stop trimming; ``False`` where that is not possible."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 32 * 2**20)) and bool(libc.mallopt(m_trim_threshold, 2**30))
    except (OSError, AttributeError):
        return False


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C-level writes to fd 2 (the torch profiler prints start/stop lines)."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover - no fd 2
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def torch_cpu_peak_bytes(step: Callable[[], Any]) -> int | None:
    """Peak bytes allocated above the starting point during one ``step()``, from the profiler's events."""
    from torch.profiler import ProfilerActivity, profile

    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    try:
        events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
        events.sort(key=lambda e: e.start_ns())
        current = peak = 0
        for e in events:
            current += e.nbytes()
            peak = max(peak, current)
        return peak
    except AttributeError:  # older/newer torch: fall back to the sum of positive self allocations
        return sum(max(e.self_cpu_memory_usage, 0) for e in prof.events())


def torch_cuda_peak_bytes(step: Callable[[], Any]) -> int:
    import torch

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    step()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def tracemalloc_peak_bytes(fn: Callable[[], Any]) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


def xla_peak_bytes(jitted: Any, *args: Any) -> int | None:
    try:
        stats = jitted.lower(*args).compile().memory_analysis()
        return int(stats.temp_size_in_bytes + stats.output_size_in_bytes)
    except Exception:  # not every backend/version reports it
        return None


def rel_diff(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def _row(section: str, case: Case, size: int, classes: int | None, peer: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "section": section,
        "loss": case.key,
        "losslab": case.cls + (f"({', '.join(f'{k}={v}' for k, v in case.kwargs)})" if case.kwargs else "()"),
        "peer": peer,
        "size": size,
        "classes": classes,
        "shape": list(shape_of(case, size, classes)),
    }
    for key in (
        "fwd_losslab_ms",
        "fwd_peer_ms",
        "fb_losslab_ms",
        "fb_peer_ms",
        "mem_losslab_bytes",
        "mem_peer_bytes",
        "rel_diff",
    ):
        row[key] = values.get(key)
    row["fwd_ratio"] = ratio(row["fwd_losslab_ms"], row["fwd_peer_ms"])
    row["fb_ratio"] = ratio(row["fb_losslab_ms"], row["fb_peer_ms"])
    return row


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _progress(row: dict[str, Any]) -> None:
    print(
        f"  {row['section']:<18} {row['loss']:<15} {fmt_size(row['size']):>5} {fmt_classes(row['classes']):>5}  "
        f"fwd {fmt_ratio(row['fwd_ratio']):>6}  fwd+bwd {fmt_ratio(row['fb_ratio']):>6}",
        file=sys.stderr,
        flush=True,
    )


# --------------------------------------------------------------------------------------------
# torch (CPU and CUDA)
# --------------------------------------------------------------------------------------------

TORCH_CASES = (
    "MSE",
    "MAE",
    "Huber",
    "Cosine",
    "BCE(logits)",
    "BCE(probs)",
    "SCCE(logits)",
    "CCE(logits)",
    "KLD",
    "Poisson",
    "SmoothL1",
    "PoissonNLL(log)",
    "MultilabelSoftMargin",
    "CTC",
)


def torch_peers() -> dict[str, tuple[str, Callable[[Any, Any], Any]]]:
    import torch.nn.functional as F

    return {
        "MSE": ("F.mse_loss", lambda t, p: F.mse_loss(p, t)),
        "MAE": ("F.l1_loss", lambda t, p: F.l1_loss(p, t)),
        "Huber": ("F.huber_loss(delta=1)", lambda t, p: F.huber_loss(p, t, delta=1.0)),
        "Cosine": ("-F.cosine_similarity.mean", lambda t, p: -F.cosine_similarity(p, t, dim=-1).mean()),
        "BCE(logits)": ("F.binary_cross_entropy_with_logits", lambda t, p: F.binary_cross_entropy_with_logits(p, t)),
        "BCE(probs)": ("F.binary_cross_entropy", lambda t, p: F.binary_cross_entropy(p, t)),
        "SCCE(logits)": ("F.cross_entropy(int labels)", lambda t, p: F.cross_entropy(p, t)),
        "CCE(logits)": ("F.cross_entropy(prob targets)", lambda t, p: F.cross_entropy(p, t)),
        "KLD": ("F.kl_div(log p, t, batchmean)", lambda t, p: F.kl_div(p.log(), t, reduction="batchmean")),
        "Poisson": ("F.poisson_nll_loss(log_input=False)", lambda t, p: F.poisson_nll_loss(p, t, log_input=False)),
        "SmoothL1": ("F.smooth_l1_loss(beta=1)", lambda t, p: F.smooth_l1_loss(p, t, beta=1.0)),
        "PoissonNLL(log)": ("F.poisson_nll_loss", lambda t, p: F.poisson_nll_loss(p, t)),
        "MultilabelSoftMargin": ("F.multilabel_soft_margin_loss", lambda t, p: F.multilabel_soft_margin_loss(p, t)),
        "CTC": ("F.ctc_loss(reduction='none').mean", _torch_ctc),
    }


def _torch_ctc(t: Any, p: Any) -> Any:
    import torch
    import torch.nn.functional as F

    batch, frames, _ = p.shape
    frame_lengths = torch.full((batch,), frames, dtype=torch.long, device=p.device)
    label_lengths = torch.full((batch,), t.shape[1], dtype=torch.long, device=p.device)
    log_probs = p.log_softmax(-1).transpose(0, 1)
    return F.ctc_loss(log_probs, t, frame_lengths, label_lengths, reduction="none").mean()


def run_torch(sizes: list[int], repeats: int, min_time: float, device: str = "cpu") -> list[dict[str, Any]]:
    """Rows of the ``torch`` and ``torch generic`` sections (``torch cuda``... on ``device="cuda"``)."""
    import torch

    from losslab.losses._fast import generic_only

    cuda = device != "cpu"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    peak = torch_cuda_peak_bytes if cuda else torch_cpu_peak_bytes
    fast_section, generic_section = ("torch cuda", "torch cuda generic") if cuda else ("torch", "torch generic")
    peers = torch_peers()
    rows = []
    for key in TORCH_CASES:
        case = CASES[key]
        peer_name, peer = peers[key]
        loss = losslab_loss(case)
        for size, classes in configs(case, sizes):
            t_np, p_np = make_data(case, size, classes)
            t = torch.from_numpy(t_np).to(device)
            p = torch.from_numpy(p_np).to(device)
            pg = p.clone().requires_grad_(True)

            # This iteration's arrays are bound as defaults: the closures must not see a later iteration's.
            def fwd(fn: Callable[[Any, Any], Any], t: Any = t, p: Any = p) -> Callable[[], Any]:
                def call() -> Any:
                    out = fn(t, p)
                    sync()
                    return out

                return call

            def fwd_bwd(fn: Callable[[Any, Any], Any], t: Any = t, pg: Any = pg) -> Callable[[], Any]:
                def call() -> None:
                    pg.grad = None
                    fn(t, pg).backward()
                    sync()

                return call

            ctx = {"generic": generic_only}
            f = bench({"fast": fwd(loss), "generic": fwd(loss), "peer": fwd(peer)}, repeats, min_time, contexts=ctx)
            fb = bench(
                {"fast": fwd_bwd(loss), "generic": fwd_bwd(loss), "peer": fwd_bwd(peer)},
                repeats,
                min_time,
                contexts=ctx,
            )

            def memory(fn: Callable[[Any, Any], Any], t: Any = t, pg: Any = pg) -> int | None:
                pg.grad = None  # freed before measuring, so that its free is not counted inside the window
                return peak(lambda: fn(t, pg).backward())

            mem_fast, mem_peer = memory(loss), memory(peer)
            with generic_only():
                mem_generic = memory(loss)
                value_generic = float(loss(t, p))
            value_fast, value_peer = float(loss(t, p)), float(peer(t, p))
            for section, name, mem, value in (
                (fast_section, "fast", mem_fast, value_fast),
                (generic_section, "generic", mem_generic, value_generic),
            ):
                row = _row(
                    section,
                    case,
                    size,
                    classes,
                    peer_name,
                    fwd_losslab_ms=f[name],
                    fwd_peer_ms=f["peer"],
                    fb_losslab_ms=fb[name],
                    fb_peer_ms=fb["peer"],
                    mem_losslab_bytes=mem,
                    mem_peer_bytes=mem_peer,
                    rel_diff=rel_diff(value, value_peer),
                )
                rows.append(row)
                _progress(row)
    return rows


# --------------------------------------------------------------------------------------------
# torch.compile: a compiled training step with losslab's loss against the same step with F's
# --------------------------------------------------------------------------------------------

COMPILE_CASES = ("SCCE(logits)", "BCE(logits)", "MSE", "BinaryFocal(logits)")
COMPILE_BATCH, COMPILE_FEATURES, COMPILE_HIDDEN, COMPILE_OUTPUTS = 256, 64, 128, 10
"""The step: ``Linear(64, 128) -> ReLU -> Linear(128, 10)`` on a batch of 256, then the loss, backward, SGD."""


def _focal_reference(logits: Any, target: Any, gamma: float = 2.0) -> Any:
    """Binary focal cross-entropy from logits with ``F`` ops (torchvision's formula, no class balancing)."""
    import torch
    import torch.nn.functional as F

    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    p = torch.sigmoid(logits)
    p_t = target * p + (1.0 - target) * (1.0 - p)
    return ((1.0 - p_t) ** gamma * bce).mean()


COMPILE_NOTE = (
    "torch compile: the focal peer is torchvision's sigmoid_focal_loss formula (alpha off, gamma 2, mean) written "
    "with F ops; losslab clips sigmoid(x) to [1e-7, 1 - 1e-7] in the modulating factor, as Keras does. The SCCE "
    "model has 10 classes; BCE and focal 10 independent binary outputs; MSE 10 regression outputs."
)


def compile_peers() -> dict[str, tuple[str, Callable[[Any, Any], Any]]]:
    """``key -> (name, loss(y_true, y_pred))``: the ``torch.nn.functional`` side of each compiled step."""
    import torch.nn.functional as F

    return {
        "SCCE(logits)": ("F.cross_entropy", lambda t, p: F.cross_entropy(p, t)),
        "BCE(logits)": ("F.binary_cross_entropy_with_logits", lambda t, p: F.binary_cross_entropy_with_logits(p, t)),
        "MSE": ("F.mse_loss", lambda t, p: F.mse_loss(p, t)),
        "BinaryFocal(logits)": ("focal from F ops (gamma=2)", lambda t, p: _focal_reference(p, t)),
    }


def _compile_data(case: Case, seed: int = 0) -> tuple[Any, Any]:
    """Inputs ``(batch, 64)`` and targets for a model with 10 outputs (class indices for the sparse loss)."""
    import numpy as np
    import torch

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((COMPILE_BATCH, COMPILE_FEATURES), dtype=np.float32)
    shape = (COMPILE_BATCH, COMPILE_OUTPUTS)
    if case.data == "sparse_logits":
        y = rng.integers(0, COMPILE_OUTPUTS, COMPILE_BATCH).astype(np.int64)
    elif case.data == "binary_logits":
        y = rng.integers(0, 2, shape).astype(np.float32)
    else:
        y = rng.standard_normal(shape, dtype=np.float32)
    return torch.from_numpy(x), torch.from_numpy(y)


def compiled_step(loss_fn: Callable[[Any, Any], Any], backend: str = "inductor", seed: int = 0) -> Callable[..., Any]:
    """``step(x, y) -> loss``: forward, ``loss_fn(y, model(x))``, backward and SGD, under ``torch.compile``."""
    import torch

    torch.manual_seed(seed)  # both sides of a row start from the same weights
    model = torch.nn.Sequential(
        torch.nn.Linear(COMPILE_FEATURES, COMPILE_HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(COMPILE_HIDDEN, COMPILE_OUTPUTS),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def step(x: Any, y: Any) -> Any:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(y, model(x))
        loss.backward()
        optimizer.step()
        return loss.detach()

    return torch.compile(step, backend=backend)


def run_torch_compile(
    repeats: int, min_time: float, backend: str = "inductor", cases: tuple[str, ...] = COMPILE_CASES
) -> list[dict[str, Any]]:
    """Rows of the ``torch compile`` section: steps per second of each compiled step, and their ratio."""
    import torch

    with torch.compiler.config.patch(force_disable_caches=True):  # compile times without inductor's disk caches
        rows = _compile_rows(repeats, min_time, backend, cases)
    torch._dynamo.reset()  # drop the compiled frames before the process moves on (or exits)
    return rows


def _compile_rows(repeats: int, min_time: float, backend: str, cases: tuple[str, ...]) -> list[dict[str, Any]]:
    import torch

    peers = compile_peers()
    rows = []
    x, y = _compile_data(CASES["MSE"])
    compiled_step(peers["MSE"][1], backend)(x, y)  # the first compile of a process also loads the compiler
    for key in cases:
        case = CASES[key]
        peer_name, peer = peers[key]
        x, y = _compile_data(case)
        torch._dynamo.reset()  # each row compiles its two steps afresh (one code object: a shared recompile limit)
        steps = {"lab": compiled_step(losslab_loss(case), backend), "peer": compiled_step(peer, backend)}
        compile_s, first_loss = {}, {}
        for name, step in steps.items():
            started = time.perf_counter()
            first_loss[name] = float(step(x, y))  # traces and compiles; same weights and data on both sides
            compile_s[name] = time.perf_counter() - started
        ms = bench({name: lambda step=step, x=x, y=y: step(x, y) for name, step in steps.items()}, repeats, min_time)
        row = _row(
            COMPILE_SECTION,
            case,
            COMPILE_BATCH,
            COMPILE_OUTPUTS if case.categorical else None,
            peer_name,
            fb_losslab_ms=ms["lab"],
            fb_peer_ms=ms["peer"],
            rel_diff=rel_diff(first_loss["lab"], first_loss["peer"]),
        )
        row["shape"] = [COMPILE_BATCH, COMPILE_OUTPUTS]
        row.update(
            steps_per_s_losslab=1e3 / ms["lab"],
            steps_per_s_peer=1e3 / ms["peer"],
            compile_s_losslab=compile_s["lab"],
            compile_s_peer=compile_s["peer"],
            backend=backend,
        )
        rows.append(row)
        _progress(row)
    return rows


# --------------------------------------------------------------------------------------------
# JAX (jit) against optax
# --------------------------------------------------------------------------------------------

JAX_CASES = (
    "MSE",
    "Huber",
    "LogCosh",
    "Cosine",
    "Hinge",
    "BCE(logits)",
    "SCCE(logits)",
    "CCE(logits)",
    "KLD",
    "Poisson",
    "BinaryFocal(logits)",
    "Poly1(logits)",
    "CTC",
)


def jax_peers() -> dict[str, tuple[str, Callable[[Any, Any], Any] | None]]:
    import jax.numpy as jnp
    import optax

    L = optax.losses
    poisson = getattr(L, "poisson_loss", None)
    return {
        "MSE": ("optax squared_error.mean", lambda t, p: L.squared_error(p, t).mean()),
        "Huber": ("optax huber_loss(delta=1).mean", lambda t, p: L.huber_loss(p, t, delta=1.0).mean()),
        "LogCosh": ("optax log_cosh.mean", lambda t, p: L.log_cosh(p, t).mean()),
        "Cosine": ("-optax cosine_similarity.mean", lambda t, p: -L.cosine_similarity(p, t).mean()),
        "Hinge": ("optax hinge_loss.mean", lambda t, p: L.hinge_loss(p, t).mean()),
        "BCE(logits)": (
            "optax sigmoid_binary_cross_entropy.mean",
            lambda t, p: L.sigmoid_binary_cross_entropy(p, t).mean(),
        ),
        "SCCE(logits)": (
            "optax softmax_cross_entropy_with_integer_labels.mean",
            lambda t, p: L.softmax_cross_entropy_with_integer_labels(p, t).mean(),
        ),
        "CCE(logits)": ("optax softmax_cross_entropy.mean", lambda t, p: L.softmax_cross_entropy(p, t).mean()),
        "KLD": ("optax kl_divergence(log p, t).mean", lambda t, p: L.kl_divergence(jnp.log(p), t).mean()),
        "Poisson": ("optax poisson_loss.mean", (lambda t, p: poisson(p, t).mean()) if poisson else None),
        "BinaryFocal(logits)": (
            "optax sigmoid_focal_loss(gamma=2).mean",
            lambda t, p: L.sigmoid_focal_loss(p, t, gamma=2.0).mean(),
        ),
        "Poly1(logits)": (
            "optax poly_loss_cross_entropy(epsilon=1).mean",
            lambda t, p: L.poly_loss_cross_entropy(p, t, epsilon=1.0).mean(),
        ),
        "CTC": (
            "optax ctc_loss.mean",
            lambda t, p: L.ctc_loss(p, jnp.zeros(p.shape[:2], p.dtype), t, jnp.zeros(t.shape, p.dtype)).mean(),
        ),
    }


def run_jax(
    sizes: list[int], repeats: int, min_time: float, platform_name: str = "cpu"
) -> tuple[list[dict[str, Any]], list[str]]:
    import jax
    import optax

    dev = jax.devices(platform_name)[0]
    section = "jax jit" if platform_name == "cpu" else "jax gpu"
    peers = jax_peers()
    rows, notes = [], []
    for key in JAX_CASES:
        case = CASES[key]
        peer_name, peer = peers[key]
        if peer is None:
            notes.append(
                f"{section}: {case.key} skipped: optax {optax.__version__} has no {peer_name.split()[1].split('.')[0]}"
            )
            continue
        loss = losslab_loss(case)
        f_lab = jax.jit(lambda t, p, loss=loss: loss(t, p))
        f_peer = jax.jit(peer)
        fb_lab = jax.jit(jax.value_and_grad(lambda p, t, loss=loss: loss(t, p)))
        fb_peer = jax.jit(jax.value_and_grad(lambda p, t, peer=peer: peer(t, p)))
        for size, classes in configs(case, sizes):
            t_np, p_np = make_data(case, size, classes)
            if t_np.dtype.kind == "i":
                t_np = t_np.astype("int32")  # jax without x64
            t, p = jax.device_put(t_np, dev), jax.device_put(p_np, dev)
            f = bench(
                {
                    "lab": lambda f_lab=f_lab, t=t, p=p: f_lab(t, p).block_until_ready(),
                    "peer": lambda f_peer=f_peer, t=t, p=p: f_peer(t, p).block_until_ready(),
                },
                repeats,
                min_time,
            )
            fb = bench(
                {
                    "lab": lambda fb_lab=fb_lab, t=t, p=p: jax.block_until_ready(fb_lab(p, t)),
                    "peer": lambda fb_peer=fb_peer, t=t, p=p: jax.block_until_ready(fb_peer(p, t)),
                },
                repeats,
                min_time,
            )
            row = _row(
                section,
                case,
                size,
                classes,
                peer_name,
                fwd_losslab_ms=f["lab"],
                fwd_peer_ms=f["peer"],
                fb_losslab_ms=fb["lab"],
                fb_peer_ms=fb["peer"],
                mem_losslab_bytes=xla_peak_bytes(fb_lab, p, t),
                mem_peer_bytes=xla_peak_bytes(fb_peer, p, t),
                rel_diff=rel_diff(float(f_lab(t, p)), float(f_peer(t, p))),
            )
            rows.append(row)
            _progress(row)
    return rows, notes


# --------------------------------------------------------------------------------------------
# NumPy against scikit-learn
# --------------------------------------------------------------------------------------------

NUMPY_CASES = ("MSE", "MAE", "MAPE", "MSLE", "BCE(probs) N×1", "SCCE(probs)")


def sklearn_peers() -> dict[str, tuple[str, Callable[..., Any], float]]:
    """``key -> (name, fn(t, p, classes), scale)``; ``scale`` turns the peer's value into losslab's units."""
    import numpy as np
    from sklearn import metrics

    return {
        "MSE": ("sklearn mean_squared_error", lambda t, p, c: metrics.mean_squared_error(t, p), 1.0),
        "MAE": ("sklearn mean_absolute_error", lambda t, p, c: metrics.mean_absolute_error(t, p), 1.0),
        "MAPE": (
            "sklearn mean_absolute_percentage_error",
            lambda t, p, c: metrics.mean_absolute_percentage_error(t, p),
            100.0,
        ),
        "MSLE": ("sklearn mean_squared_log_error", lambda t, p, c: metrics.mean_squared_log_error(t, p), 1.0),
        "BCE(probs) N×1": (
            "sklearn log_loss (binary)",
            lambda t, p, c: metrics.log_loss(t[:, 0], p[:, 0], labels=[0, 1]),
            1.0,
        ),
        "SCCE(probs)": (
            "sklearn log_loss (multiclass)",
            lambda t, p, c: metrics.log_loss(t, p, labels=np.arange(c)),
            1.0,
        ),
    }


def run_numpy(sizes: list[int], repeats: int, min_time: float) -> list[dict[str, Any]]:
    import warnings

    peers = sklearn_peers()
    rows = []
    for key in NUMPY_CASES:
        case = CASES[key]
        peer_name, peer, scale = peers[key]
        loss = losslab_loss(case)
        for size, classes in configs(case, sizes):
            t, p = make_data(case, size, classes)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. log_loss on one sample
                calls = {
                    "lab": lambda loss=loss, t=t, p=p: loss(t, p),
                    "peer": lambda peer=peer, t=t, p=p, classes=classes: peer(t, p, classes),
                }
                f = bench(calls, repeats, min_time)
                lab_call, peer_call = calls["lab"], calls["peer"]
                row = _row(
                    "numpy",
                    case,
                    size,
                    classes,
                    peer_name,
                    fwd_losslab_ms=f["lab"],
                    fwd_peer_ms=f["peer"],
                    mem_losslab_bytes=tracemalloc_peak_bytes(lab_call),
                    mem_peer_bytes=tracemalloc_peak_bytes(peer_call),
                    rel_diff=rel_diff(float(lab_call()), scale * float(peer_call())),
                )
            rows.append(row)
            _progress(row)
    return rows


# --------------------------------------------------------------------------------------------
# Keras 3 (torch backend), in a subprocess: this same file with --_keras-worker.
# --------------------------------------------------------------------------------------------

KERAS_CASES = (
    "MSE",
    "MAE",
    "MAPE",
    "MSLE",
    "Huber",
    "LogCosh",
    "Cosine",
    "Hinge",
    "BCE(logits)",
    "BCE(probs)",
    "SCCE(logits)",
    "CCE(logits)",
    "KLD",
    "Poisson",
)


def keras_worker(config_path: str, result_path: str) -> None:
    """Entry point of the Keras subprocess: keras.losses vs losslab, both on torch tensors."""
    config = json.loads(Path(config_path).read_text())
    _import_losslab()
    import keras
    import torch

    if keras.backend.backend() != "torch":
        raise SystemExit(f"the Keras worker needs KERAS_BACKEND=torch; got {keras.backend.backend()}")
    if config.get("threads"):
        torch.set_num_threads(config["threads"])
    steady = steady_malloc() if config.get("steady_malloc") else False
    rows = []
    for key in KERAS_CASES:
        case = CASES[key]
        loss = losslab_loss(case)
        peer = getattr(keras.losses, case.cls)(**case.options)
        peer_name = f"keras.losses.{case.cls}"
        for size, classes in configs(case, config["sizes"]):
            t_np, p_np = make_data(case, size, classes)
            t, p = torch.from_numpy(t_np), torch.from_numpy(p_np)
            f = bench(
                {"lab": lambda loss=loss, t=t, p=p: loss(t, p), "peer": lambda peer=peer, t=t, p=p: peer(t, p)},
                config["repeats"],
                config["min_time"],
            )
            row = _row(
                "keras torch",
                case,
                size,
                classes,
                peer_name,
                fwd_losslab_ms=f["lab"],
                fwd_peer_ms=f["peer"],
                rel_diff=rel_diff(float(loss(t, p)), float(peer(t, p))),
            )
            rows.append(row)
            _progress(row)
    info = {
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "torch_threads": torch.get_num_threads(),
        "steady_malloc": steady,
    }
    Path(result_path).write_text(json.dumps({"rows": rows, "info": info}))


def run_keras(
    sizes: list[int], repeats: int, min_time: float, threads: int | None, steady: bool = False
) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="losses_bench_") as tmp:
        config_path, result_path = Path(tmp, "config.json"), Path(tmp, "result.json")
        config = {"sizes": sizes, "repeats": repeats, "min_time": min_time, "threads": threads, "steady_malloc": steady}
        config_path.write_text(json.dumps(config))
        env = {**os.environ, "KERAS_BACKEND": "torch"}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_keras-worker", str(config_path), str(result_path)]
        proc = subprocess.run(cmd, env=env, check=False)
        if proc.returncode != 0 or not result_path.exists():
            return [], [f"keras torch: skipped: the Keras subprocess exited with status {proc.returncode}"], {}
        result = json.loads(result_path.read_text())
    return result["rows"], [], result.get("info", {})


# --------------------------------------------------------------------------------------------
# Pure helpers: formatting and the headline (tested without timing).
# --------------------------------------------------------------------------------------------

COLUMNS = (
    "section",
    "loss",
    "peer",
    "size",
    "classes",
    "fwd losslab ms",
    "fwd peer ms",
    "fwd ratio",
    "fwd+bwd losslab ms",
    "fwd+bwd peer ms",
    "fwd+bwd ratio",
    "mem losslab MiB",
    "mem peer MiB",
    "rel diff",
)
LEFT_ALIGNED = (0, 1, 2)


def parse_sizes(text: str) -> list[int]:
    """``"1e3,1e4,250"`` -> ``[1000, 10000, 250]``."""
    sizes = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        value = float(part)
        if value < 1 or value != int(value):
            raise argparse.ArgumentTypeError(f"sizes are positive whole numbers; got {part!r}")
        sizes.append(int(value))
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes given")
    return sizes


def fmt_size(n: int) -> str:
    """``1000`` -> ``"1e3"``; other numbers as they are."""
    k = round(math.log10(n)) if n > 0 else 0
    return f"1e{k}" if n == 10**k and k >= 3 else str(n)


def fmt_classes(classes: int | None) -> str:
    return "" if classes is None else str(classes)


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "—"
    return f"{ms:.0f}" if ms >= 1000 else f"{ms:.3g}"


def fmt_ratio(r: float | None) -> str:
    return "—" if r is None else f"{r:.2f}"


def fmt_mib(nbytes: float | None) -> str:
    return "—" if nbytes is None else f"{nbytes / 2**20:.3g}"


def fmt_rel(value: float | None) -> str:
    return "—" if value is None else f"{value:.1e}"


def row_cells(row: dict[str, Any]) -> list[str]:
    """One table line as strings, in :data:`COLUMNS` order."""
    return [
        row["section"],
        row["loss"],
        row["peer"],
        fmt_size(row["size"]),
        fmt_classes(row.get("classes")),
        fmt_ms(row.get("fwd_losslab_ms")),
        fmt_ms(row.get("fwd_peer_ms")),
        fmt_ratio(row.get("fwd_ratio")),
        fmt_ms(row.get("fb_losslab_ms")),
        fmt_ms(row.get("fb_peer_ms")),
        fmt_ratio(row.get("fb_ratio")),
        fmt_mib(row.get("mem_losslab_bytes")),
        fmt_mib(row.get("mem_peer_bytes")),
        fmt_rel(row.get("rel_diff")),
    ]


def markdown_rows(rows: list[dict[str, Any]]) -> list[str]:
    """The Markdown table: header, alignment line, one line per row."""
    out = ["| " + " | ".join(COLUMNS) + " |"]
    out.append("|" + "|".join("---" if i in LEFT_ALIGNED else "---:" for i in range(len(COLUMNS))) + "|")
    out += ["| " + " | ".join(row_cells(r)) + " |" for r in rows]
    return out


COMPILE_COLUMNS = (
    "loss",
    "peer",
    "batch",
    "compile s losslab",
    "compile s peer",
    "losslab steps/s",
    "peer steps/s",
    "ratio",
    "rel diff",
)

COMPILE_HOW_TO_READ = (
    f"Each step is `Linear({COMPILE_FEATURES}, {COMPILE_HIDDEN}) -> ReLU -> Linear({COMPILE_HIDDEN}, "
    f"{COMPILE_OUTPUTS})` on a batch of {COMPILE_BATCH}, the loss, `backward()` and an SGD step, the whole "
    "function under `torch.compile` (inductor unless the backend says otherwise), timed after its first call "
    "(`compile s`: that first call, tracing and code generation, with inductor's on-disk caches off). "
    "**ratio = losslab step time ÷ peer step time** (= peer steps/s ÷ losslab steps/s): below 1 losslab's step "
    "is faster. `rel diff` compares the two losses of the first step (same weights, same data)."
)


def eager_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the main table: every section but ``torch compile``, which has a table of its own."""
    return [r for r in rows if r["section"] != COMPILE_SECTION]


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def fmt_seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def compile_cells(row: dict[str, Any]) -> list[str]:
    """One line of the ``torch compile`` table, in :data:`COMPILE_COLUMNS` order."""
    return [
        row["loss"],
        row["peer"],
        str(row["size"]),
        fmt_seconds(row.get("compile_s_losslab")),
        fmt_seconds(row.get("compile_s_peer")),
        fmt_rate(row.get("steps_per_s_losslab")),
        fmt_rate(row.get("steps_per_s_peer")),
        fmt_ratio(row.get("fb_ratio")),
        fmt_rel(row.get("rel_diff")),
    ]


def compile_markdown_rows(rows: list[dict[str, Any]]) -> list[str]:
    """The ``torch compile`` table (empty without such rows)."""
    compiled = [r for r in rows if r["section"] == COMPILE_SECTION]
    if not compiled:
        return []
    out = ["| " + " | ".join(COMPILE_COLUMNS) + " |"]
    out.append("|" + "|".join("---" if i < 2 else "---:" for i in range(len(COMPILE_COLUMNS))) + "|")
    out += ["| " + " | ".join(compile_cells(r)) + " |" for r in compiled]
    return out


def format_compile_plain(rows: list[dict[str, Any]]) -> str:
    compiled = [r for r in rows if r["section"] == COMPILE_SECTION]
    if not compiled:
        return ""
    cells = [list(COMPILE_COLUMNS)] + [compile_cells(r) for r in compiled]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COMPILE_COLUMNS))]
    return "\n".join(
        "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths, strict=True)))
        for c in cells
    )


def full_headline(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every headline entry: ratios at the largest sizes, the eager overhead at 1e3, memory."""
    return headline(rows) + overhead_headline(rows) + memory_headline(rows)


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def headline(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per section and pass: geometric mean, min and max of the ratios at that section's largest size.

    The ``torch compile`` section has one pass, the training step (its ratios are in the ``fb`` fields).
    """
    out = []
    for section in dict.fromkeys(r["section"] for r in rows):
        in_section = [r for r in rows if r["section"] == section]
        largest = max(r["size"] for r in in_section)
        at_largest = [r for r in in_section if r["size"] == largest]
        passes = (("fb_ratio", "train step"),) if section == COMPILE_SECTION else PASSES
        for field_name, label in passes:
            entry = _ratio_summary(at_largest, field_name)
            if entry:
                out.append({"section": section, "pass": label, "size": largest, **entry})
    return out


PASSES = (("fwd_ratio", "fwd"), ("fb_ratio", "fwd+bwd"))
OVERHEAD_SIZE = 1_000
"""The size at which a call's fixed cost shows: the ``overhead`` headline reads the torch rows there."""


def _ratio_summary(rows: list[dict[str, Any]], field_name: str) -> dict[str, Any] | None:
    pairs = [(r[field_name], r) for r in rows if r.get(field_name)]
    if not pairs:
        return None
    lo = min(pairs, key=lambda vr: vr[0])
    hi = max(pairs, key=lambda vr: vr[0])
    return {
        "n": len(pairs),
        "geomean": _geomean([v for v, _ in pairs]),
        "min": lo[0],
        "min_loss": _label(lo[1]),
        "max": hi[0],
        "max_loss": _label(hi[1]),
        "ratios": {_label(r): v for v, r in pairs},
    }


def overhead_headline(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Eager torch forward at 1e3 elements, where the kernel is short and a call's Python cost shows: every ratio."""
    out = []
    for section in ("torch", "torch cuda"):
        at_small = [r for r in rows if r["section"] == section and r["size"] == OVERHEAD_SIZE]
        entry = _ratio_summary(at_small, "fwd_ratio")
        if entry:
            out.append({"section": section, "pass": "overhead", "size": OVERHEAD_SIZE, **entry})
    return out


def _label(row: dict[str, Any]) -> str:
    return row["loss"] + (f" C={row['classes']}" if row.get("classes") else "")


def headline_lines(summary: list[dict[str, Any]]) -> list[str]:
    lines = []
    for h in summary:
        if h["pass"] == "overhead":
            each = ", ".join(f"{loss} {ratio:.2f}" for loss, ratio in h["ratios"].items())
            lines.append(
                f"{h['section']} fwd at {fmt_size(h['size'])} (per-call overhead): ratio geomean {h['geomean']:.2f} "
                f"over {h['n']}: {each}"
            )
            continue
        if h["pass"] == "train step":
            lines.append(
                f"{h['section']} train step (batch {h['size']}): time ratio geomean {h['geomean']:.2f} over {h['n']} "
                f"(best {h['min']:.2f} {h['min_loss']}, worst {h['max']:.2f} {h['max_loss']})"
            )
            continue
        if h["pass"] == "memory":
            lines.append(
                f"{h['section']} memory at {fmt_size(h['size'])}: losslab's fwd+bwd peak is at most "
                f"{h['max']:.1f}x the size of y_pred ({h['max_loss']}; median {h['median']:.1f}x over {h['n']}), "
                f"the peer's at most {h['peer_max']:.1f}x ({h['peer_max_loss']})"
            )
            continue
        lines.append(
            f"{h['section']} {h['pass']} at {fmt_size(h['size'])}: ratio geomean {h['geomean']:.2f} over {h['n']} "
            f"(best {h['min']:.2f} {h['min_loss']}, worst {h['max']:.2f} {h['max_loss']})"
        )
    return lines


def input_bytes(row: dict[str, Any]) -> int:
    """Bytes of ``y_pred`` in float32 (the unit of the memory headline)."""
    return 4 * math.prod(row["shape"])


def memory_headline(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per section, at its largest size: peak extra memory of fwd+bwd in multiples of ``y_pred``'s size.

    A loss that keeps ``k`` full-size temporaries alive at once (inputs, saved
    tensors, gradient) reads ``k``; the peer's worst case is given beside it.
    """
    out = []
    for section in dict.fromkeys(r["section"] for r in rows):
        measured = [r for r in rows if r["section"] == section and r.get("mem_losslab_bytes") and r.get("shape")]
        if not measured:
            continue
        largest = max(r["size"] for r in measured)
        at_largest = [r for r in measured if r["size"] == largest]
        ours = [(r["mem_losslab_bytes"] / input_bytes(r), r) for r in at_largest]
        peers = [(r["mem_peer_bytes"] / input_bytes(r), r) for r in at_largest if r.get("mem_peer_bytes")]
        worst = max(ours, key=lambda vr: vr[0])
        peer_worst = max(peers, key=lambda vr: vr[0]) if peers else (float("nan"), {"loss": "-"})
        out.append(
            {
                "section": section,
                "pass": "memory",
                "size": largest,
                "n": len(ours),
                "max": worst[0],
                "max_loss": _label(worst[1]),
                "median": statistics.median(v for v, _ in ours),
                "peer_max": peer_worst[0],
                "peer_max_loss": _label(peer_worst[1]) if peers else "-",
            }
        )
    return out


HOW_TO_READ = (
    "Times are milliseconds per call: the median over the repeats of a loop of calls lasting at least "
    "the minimum loop time, after warm-up (jit compilation excluded). **ratio = losslab ÷ peer**: below 1 losslab "
    "is faster, above 1 slower. `fwd` is the loss value alone (inputs without `requires_grad` on torch); "
    "`fwd+bwd` computes the loss and its gradient with respect to `y_pred` (`loss.backward()` on torch, "
    "`jax.value_and_grad` under `jax.jit` on JAX). losslab runs its class form with the default reduction "
    "(the mean over the batch). Sections: `torch` = losslab with its native fast paths vs `torch.nn.functional`; "
    "`torch generic` = losslab inside `generic_only()` (the Array API code) vs the same peer; `jax jit` = losslab "
    "under `jax.jit` vs `optax.losses` under `jax.jit`; `numpy` = losslab on NumPy vs scikit-learn (forward only); "
    "`keras torch` = `keras.losses.<Class>()` vs losslab's class, both on torch tensors (forward only); "
    "`torch compile` = a compiled training step, in a table of its own. The `torch` rows at 1e3 elements show the "
    "fixed cost of a call (the per-call overhead headline). "
    "`size` is the number of elements of `y_pred`: `(size/10, 10)` for element-wise losses, "
    "`(size/classes, classes)` for categorical ones. Memory is the peak allocated above the inputs during one "
    "fwd+bwd call (forward only for NumPy): torch CPU from the profiler's allocation events, CUDA from "
    "`max_memory_allocated`, JAX from XLA's `memory_analysis()` (temp + output), NumPy/sklearn from `tracemalloc`. "
    "`rel diff` = |losslab − peer| / |peer| of the loss values on the same inputs. Both sides of a ratio run "
    "in the same process with the same CPU thread setting, timed in turn within each repeat."
)


MALLOC_NOTE = (
    "CPU rows of 1e5 elements and more were timed with glibc's default malloc, whose dynamic mmap threshold makes "
    "large buffers either reused or freshly page-faulted on every call depending on the process's history: the same "
    "call can time 2-4x apart in two processes (e.g. F.l1_loss(reduction='none') at 1e6: 0.3 or 3.6 ms). Ratios "
    "within a row share the process and its state; rerun with --steady-malloc for allocator-independent numbers."
)


def format_markdown(
    rows: list[dict[str, Any]], meta: dict[str, Any] | None = None, notes: list[str] | None = None
) -> str:
    """The whole Markdown report: header (machine, versions, date, how to read), headline, notes, table."""
    out = ["# losslab losses vs peer implementations", ""]
    if meta:
        m, c = meta.get("machine", {}), meta.get("config", {})
        out += [
            (
                f"Run {meta.get('date', '?')} on {m.get('cpu_model') or m.get('processor') or '?'} "
                f"({m.get('cpu_count', '?')} CPUs usable, torch threads {m.get('torch_threads', '?')}), "
                f"{m.get('gpu') or 'no CUDA device'}, {m.get('platform', '?')}, Python {m.get('python', '?')}."
            ),
            "",
            "Versions: "
            + ", ".join(
                f"{k} {m[k]}"
                for k in ("losslab", "numpy", "torch", "jax", "optax", "scikit-learn", "keras")
                if m.get(k)
            )
            + ".",
            "",
            (
                f"float32; sizes {', '.join(fmt_size(s) for s in c.get('sizes', []))}; class counts "
                f"{', '.join(str(k) for k in c.get('classes', CLASS_COUNTS))}; "
                f"{c.get('repeats', '?')} repeats of loops ≥ {1e3 * c.get('min_time', 0.02):.0f} ms; "
                f"CPU threads {c.get('threads', '?')}; "
                f"malloc {c.get('malloc', 'default')}; "
                f"sections {', '.join(c.get('sections', []))}."
            ),
            "",
        ]
    out += ["How to read: " + HOW_TO_READ, ""]
    summary = full_headline(rows)
    if summary:
        out += ["## Headline (largest size of each section; torch's per-call overhead at 1e3)", ""]
        out += [f"- {line}" for line in headline_lines(summary)]
        out.append("")
    if notes:
        out += ["## Notes", ""]
        out += [f"- {n}" for n in notes]
        out.append("")
    compiled = compile_markdown_rows(rows)
    if compiled:
        out += ["## torch compile: compiled training steps", "", COMPILE_HOW_TO_READ, ""]
        out += compiled
        out.append("")
    if eager_rows(rows):
        out += ["## Results", ""]
        out += markdown_rows(eager_rows(rows))
        out.append("")
    return "\n".join(out)


def format_plain(rows: list[dict[str, Any]]) -> str:
    cells = [list(COLUMNS)] + [row_cells(r) for r in eager_rows(rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(
            v.ljust(w) if i in LEFT_ALIGNED else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths, strict=True))
        )
        for c in cells
    )


def print_table(rows: list[dict[str, Any]], notes: list[str]) -> None:
    """Rich table (plain text without rich), then the headline and the notes."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        if eager_rows(rows):
            print(format_plain(rows))
        print(format_compile_plain(rows))
        print("\n".join(headline_lines(full_headline(rows)) + notes))
        return
    table = Table(title="losslab vs peers (ratio = losslab / peer; < 1: losslab faster)")
    for i, col in enumerate(COLUMNS):
        table.add_column(col, justify="left" if i in LEFT_ALIGNED else "right", no_wrap=i in LEFT_ALIGNED)
    previous = None
    for r in eager_rows(rows):
        if previous is not None and r["section"] != previous:
            table.add_section()
        previous = r["section"]
        table.add_row(*row_cells(r))
    console = Console()
    if not console.is_terminal:  # piped or captured: don't squeeze the table into 80 columns
        console = Console(width=max(console.width, 250))
    if eager_rows(rows):
        console.print(table)
    compiled = [r for r in rows if r["section"] == COMPILE_SECTION]
    if compiled:
        steps = Table(title="torch compile: compiled training steps (ratio = losslab time / peer time)")
        for i, col in enumerate(COMPILE_COLUMNS):
            steps.add_column(col, justify="left" if i in LEFT_ALIGNED else "right", no_wrap=i in LEFT_ALIGNED)
        for r in compiled:
            steps.add_row(*compile_cells(r))
        console.print(steps)
    for line in headline_lines(full_headline(rows)):
        console.print(line, highlight=False)
    for n in notes:
        console.print(n, highlight=False)


# --------------------------------------------------------------------------------------------
# Machine info and main.
# --------------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    return _machine.machine_info(("losslab", "numpy", "torch", "jax", "jaxlib", "optax", "scikit-learn", "keras"))


def _import_losslab() -> None:
    try:
        import losslab  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT / "src"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Time losslab's losses against torch.nn.functional, optax, scikit-learn and keras.losses "
        "(forward and forward+backward, float32, one run on one machine).",
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=None,
        help="comma-separated total element counts (default 1e3,1e4,1e5,1e6; 1e7 works too)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help=f"timed loops per measurement; the median is reported (default {DEFAULT_REPEATS})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"sizes {','.join(fmt_size(s) for s in QUICK_SIZES)} and {QUICK_REPEATS} repeats, for a fast look",
    )
    parser.add_argument("--min-time", type=float, default=0.02, help="minimum seconds per timed loop (default 0.02)")
    parser.add_argument(
        "--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)} (default: all)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads: torch.set_num_threads(N) here and in the Keras worker, and with 1 XLA's multi-threaded "
        "Eigen off (default 1, which keeps timings steady on a shared machine; 0 = each library's default)",
    )
    parser.add_argument(
        "--steady-malloc",
        action="store_true",
        help="fix glibc's mmap threshold at 32 MiB (mallopt) so that large CPU buffers are reused instead of "
        "page-faulted on every call (default off: glibc's dynamic threshold, which makes 1e6-element CPU timings "
        "depend on the process's history)",
    )
    parser.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "results"), help="directory for losses.json and losses.md"
    )
    parser.add_argument("--_keras-worker", nargs=2, metavar=("CONFIG", "RESULT"), help=argparse.SUPPRESS)
    return parser


@dataclass
class Plan:
    sizes: list[int]
    repeats: int
    min_time: float
    sections: list[str] = field(default_factory=list)


def plan_from_args(args: argparse.Namespace) -> Plan:
    sizes = args.sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    repeats = args.repeats or (QUICK_REPEATS if args.quick else DEFAULT_REPEATS)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    return Plan(sizes=sizes, repeats=repeats, min_time=args.min_time, sections=sections)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args._keras_worker:
        keras_worker(*args._keras_worker)
        return 0
    plan = plan_from_args(args)
    if args.threads == 1:  # before jax is imported
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false").strip()
    import torch

    _import_losslab()  # after torch, as in a training script: losslab then knows torch's tensors before any trace

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    steady = steady_malloc() if args.steady_malloc else False
    if args.steady_malloc and not steady:
        print("--steady-malloc: mallopt is not available here; glibc defaults kept", file=sys.stderr)
    started = time.perf_counter()
    meta: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {**machine_info(), "torch_threads": torch.get_num_threads()},
        "config": {
            "sizes": plan.sizes,
            "repeats": plan.repeats,
            "min_time": plan.min_time,
            "classes": list(CLASS_COUNTS),
            "features": FEATURES,
            "sections": plan.sections,
            "dtype": "float32",
            "threads": args.threads or "library default",
            "malloc": "steady (mmap threshold 32 MiB, no trim)" if steady else "default",
        },
    }
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    print(f"sizes {plan.sizes}, {plan.repeats} repeats, sections {plan.sections}", file=sys.stderr)
    seconds = meta["section_seconds"] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 1)
        print(f"[{name}: {seconds[name]:.0f} s]", file=sys.stderr, flush=True)
        clock = now

    if "torch" in plan.sections:
        rows += run_torch(plan.sizes, plan.repeats, plan.min_time)
        lap("torch")
    if "jax" in plan.sections:
        jax_rows, jax_notes = run_jax(plan.sizes, plan.repeats, plan.min_time)
        rows += jax_rows
        notes += jax_notes
        lap("jax")
    if "numpy" in plan.sections:
        rows += run_numpy(plan.sizes, plan.repeats, plan.min_time)
        lap("numpy")
    if "keras" in plan.sections:
        keras_rows, keras_notes, info = run_keras(plan.sizes, plan.repeats, plan.min_time, args.threads, steady)
        rows += keras_rows
        notes += keras_notes
        meta["machine"].update({f"keras_worker_{k}": v for k, v in info.items()})
        lap("keras")
    if COMPILE_SECTION in plan.sections:
        rows += run_torch_compile(plan.repeats, plan.min_time)
        lap(COMPILE_SECTION)
    if "gpu" in plan.sections:
        if torch.cuda.is_available():
            meta["machine"]["gpu"] = torch.cuda.get_device_name(0)
            rows += run_torch(plan.sizes, plan.repeats, plan.min_time, device="cuda")
        else:
            print("torch cuda: skipped: no CUDA device", file=sys.stderr)
            notes.append("torch cuda: skipped: no CUDA device")
        import jax

        try:
            jax.devices("gpu")
        except RuntimeError:
            print("jax gpu: skipped: no CUDA device", file=sys.stderr)
            notes.append("jax gpu: skipped: no CUDA device")
        else:
            gpu_rows, gpu_notes = run_jax(plan.sizes, plan.repeats, plan.min_time, platform_name="gpu")
            rows += gpu_rows
            notes += gpu_notes
        lap("gpu")
    if not steady and any(s in plan.sections for s in ("torch", "jax", "numpy", "keras")):
        notes.append(MALLOC_NOTE)
    if any(r["section"] == COMPILE_SECTION for r in rows):
        notes.append(COMPILE_NOTE)
    present = {r["loss"] for r in rows}
    notes += [text for key, text in NOTES_BY_CASE.items() if key in present]
    meta["wall_seconds"] = time.perf_counter() - started

    print_table(rows, notes)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        **meta,
        "how_to_read": HOW_TO_READ,
        "headline": full_headline(rows),
        "notes": notes,
        "rows": rows,
    }
    (out / "losses.json").write_text(json.dumps(payload, indent=1))
    (out / "losses.md").write_text(format_markdown(rows, meta, notes))
    print(f"wrote {out / 'losses.json'} and {out / 'losses.md'} ({meta['wall_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
