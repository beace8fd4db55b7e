"""Running experiments over seeds: in this process, on a local process pool, or on Ray."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

from losslab.lab.results import ExperimentResult
from losslab.lab.spec import ExperimentSpec, check_seeds


def _train(spec_dict: dict[str, Any], seeds: int) -> dict[str, Any]:
    """Worker entry point: plain dicts in and out, so any executor can carry them."""
    from losslab.lab.train import train_experiment

    return train_experiment(ExperimentSpec.from_dict(spec_dict), seeds).to_dict()


def run_experiments(
    specs: Sequence[ExperimentSpec],
    seeds: int = 5,
    *,
    jobs: int = 1,
    ray_address: str | None = None,
    on_done: Callable[[ExperimentResult], None] | None = None,
) -> list[ExperimentResult]:
    """Train every spec over every seed; results come back in the order of ``specs``.

    Parameters
    ----------
    specs : sequence of ExperimentSpec
    seeds : int
        The number of seeds: each experiment runs seeds ``0, 1, ..., seeds - 1``, trained together as one
        ensemble.
    jobs : int
        Experiments run in parallel on a local process pool of this size (1: in this process).
    ray_address : str, optional
        Run on a Ray cluster instead (``"auto"``, ``"ray://host:10001"``, or ``"local"`` to
        start one here). Needs ``pip install losslab[ray]``.
    on_done : callable, optional
        Called with each result as it completes (e.g. to advance a progress bar).
    """
    seeds = check_seeds(seeds)
    if jobs < 1:
        msg = f"jobs must be >= 1; got {jobs}"
        raise ValueError(msg)
    payloads = [spec.to_dict() for spec in specs]
    results: list[ExperimentResult | None] = [None] * len(payloads)

    def collect(index: int, payload: dict[str, Any]) -> None:
        result = ExperimentResult.from_dict(payload)
        results[index] = result
        if on_done is not None:
            on_done(result)

    if ray_address is not None:
        _run_on_ray(payloads, seeds, ray_address, collect)
    elif jobs == 1:
        for index, payload in enumerate(payloads):
            collect(index, _train(payload, seeds))
    else:
        context = multiprocessing.get_context("spawn")  # no fork after torch has started threads
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_train, payload, seeds): index for index, payload in enumerate(payloads)}
            for future in concurrent.futures.as_completed(futures):
                collect(futures[future], future.result())
    return [r for r in results if r is not None]


def _run_on_ray(
    payloads: list[dict[str, Any]], seeds: int, address: str, collect: Callable[[int, dict[str, Any]], None]
) -> None:
    try:
        import ray
    except ImportError as error:
        msg = "running on Ray needs the ray package: pip install 'losslab[ray]'"
        raise ImportError(msg) from error
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=None if address == "local" else address, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(_train)
        pending = {remote.remote(payload, seeds): index for index, payload in enumerate(payloads)}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                collect(pending.pop(ref), ray.get(ref))
    finally:
        if started_here:
            ray.shutdown()
