"""Running experiments over seeds: in this process, on a local process pool, or on Ray.

A run degrades instead of collapsing: an experiment that raises, or whose
worker process dies, comes back as a ``"failed"`` result, and the other
experiments still run.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Any

from losslab.lab.results import ExperimentResult
from losslab.lab.spec import ExperimentSpec, check_seeds, check_specs

_WORKER_DIED = "its worker process died ({error}): killed, out of memory, or a crash in native code"


def _train(spec_dict: dict[str, Any], seeds: int) -> dict[str, Any]:
    """Worker entry point: plain dicts in and out, so any executor can carry them.

    An exception becomes a ``"failed"`` result carrying its message, so that
    it never takes the executor (or the other experiments) down with it.
    """
    from losslab.lab.train import train_experiment

    spec = ExperimentSpec.from_dict(spec_dict)
    try:
        return train_experiment(spec, seeds).to_dict()
    except Exception as error:  # any error of one experiment is that experiment's outcome
        last = traceback.extract_tb(error.__traceback__)[-1:]
        where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
        return ExperimentResult.failed(spec, seeds, f"{type(error).__name__}: {error}{where}").to_dict()


def _train_together(spec_dicts: list[dict[str, Any]], seeds: int) -> list[dict[str, Any]]:
    """Train specs that share their inputs and model as one ensemble (:func:`losslab.lab.train.train_experiments`).

    When that raises (a spec that does not fit its data, say), each spec trains alone through :func:`_train`,
    so that the error is its experiment's own and the others are unaffected.
    """
    from losslab.lab.train import train_experiments

    try:
        results = train_experiments([ExperimentSpec.from_dict(d) for d in spec_dicts], seeds)
    except Exception:  # whatever it was, training each alone tells whose it is
        return [_train(spec_dict, seeds) for spec_dict in spec_dicts]
    return [result.to_dict() for result in results]


def _train_group(
    spec_dicts: list[dict[str, Any]], seeds: int, alone: Callable[[dict[str, Any], int], dict[str, Any]] = _train
) -> list[dict[str, Any]]:
    """Worker entry point for a group of :func:`_groups`: one experiment trains alone, several as one ensemble.

    ``alone`` trains one experiment (:func:`_train`; passed along, so that a worker runs the parent's choice).
    """
    if len(spec_dicts) == 1:
        return [alone(spec_dicts[0], seeds)]
    return _train_together(spec_dicts, seeds)


def _groups(specs: dict[int, ExperimentSpec]) -> list[list[int]]:
    """The indices of ``specs`` that train together (:func:`losslab.lab.train.group_experiments`), without torch."""
    from losslab.lab._groups import group_experiments

    indices = list(specs)
    try:
        groups = group_experiments([specs[i] for i in indices])
    except Exception:  # data that fail to load fail again, with their message, when trained alone
        return [[i] for i in indices]
    return [[indices[i] for i in group] for group in groups]


def run_experiments(
    specs: Sequence[ExperimentSpec],
    seeds: int = 5,
    *,
    jobs: int = 1,
    ray_address: str | None = None,
    on_done: Callable[[ExperimentResult], None] | None = None,
    reuse: Sequence[ExperimentResult] = (),
    on_update: Callable[[list[ExperimentResult]], None] | None = None,
) -> list[ExperimentResult]:
    """Train every spec over every seed; results come back in the order of ``specs``.

    Every spec gets a result: an experiment that raises, or whose worker
    process dies, gets a ``"failed"`` one (with the error) and the others
    still run; a seed that diverges is marked ``"diverged"``
    (see :func:`losslab.lab.train.train_experiment`).

    Parameters
    ----------
    specs : sequence of ExperimentSpec
        Checked first, all together (:func:`losslab.lab.spec.check_specs`: a :class:`~losslab.lab.SpecError`
        lists every problem before anything trains).
    seeds : int
        The number of seeds: each experiment runs seeds ``0, 1, ..., seeds - 1``, trained together as one
        ensemble.
    jobs : int
        Experiments that share their inputs and model shape (the tutorial's three regression experiments, its
        three binary ones, its three multi-class ones) train together as one ensemble, with the results each
        would have alone (see :func:`losslab.lab.train.train_experiments`); with ``jobs > 1`` these groups run in
        parallel on a local process pool of that size (the same results, bit for bit), with 1 in this process.
        When a worker dies, the pool is replaced and the experiments it had not finished run again, each in a
        process of its own, so that the one that killed it is known.
    ray_address : str, optional
        Run on a Ray cluster instead (``"auto"``, ``"ray://host:10001"``, or ``"local"`` to
        start one here). Needs ``pip install losslab[ray]``.
    on_done : callable, optional
        Called with each result trained here as it completes (e.g. to advance a progress bar).
    reuse : sequence of ExperimentResult
        Earlier results (e.g. from ``results.json``): a spec with an ok result for the same spec and
        seeds (:meth:`ExperimentResult.matches`) takes it instead of being trained.
    on_update : callable, optional
        Called after each experiment completes (once per ensemble for experiments that train together) with
        every result so far (reused ones included), in the order of ``specs`` (e.g. to save them as they come).
    """
    seeds = check_seeds(seeds)
    if jobs < 1:
        msg = f"jobs must be >= 1; got {jobs}"
        raise ValueError(msg)
    check_specs(specs)  # a spec built in Python is checked here, before anything trains, as a spec file is
    results: list[ExperimentResult | None] = [
        next((old for old in reuse if old.matches(spec, seeds)), None) for spec in specs
    ]
    payloads = {index: spec.to_dict() for index, spec in enumerate(specs) if results[index] is None}

    def collect(index: int, payload: dict[str, Any], *, update: bool = True) -> None:
        result = ExperimentResult.from_dict(payload)
        results[index] = result
        if on_done is not None:
            on_done(result)
        if update and on_update is not None:
            on_update([r for r in results if r is not None])

    def fail(index: int, error: str) -> None:
        collect(index, ExperimentResult.failed(specs[index], seeds, error).to_dict())

    if not payloads:
        pass
    elif ray_address is not None:
        _run_on_ray(payloads, seeds, ray_address, collect, fail)
    else:
        groups = _groups({i: specs[i] for i in payloads})

        def collect_group(group: list[int], together: list[dict[str, Any]]) -> None:
            for k, (index, payload) in enumerate(zip(group, together, strict=True)):
                collect(index, payload, update=k == len(group) - 1)  # one save per ensemble: they finish together

        if jobs == 1 or len(groups) == 1:
            for group in groups:
                collect_group(group, _train_group([payloads[i] for i in group], seeds, _train))
        else:
            context = multiprocessing.get_context("spawn")  # no fork after torch has started threads
            unfinished = _run_on_pool(groups, payloads, seeds, jobs, context, collect_group)
            if unfinished:
                _run_isolated({i: payloads[i] for i in unfinished}, seeds, jobs, context, collect, fail)
    return [r for r in results if r is not None]


def _run_on_pool(
    groups: list[list[int]],
    payloads: dict[int, dict[str, Any]],
    seeds: int,
    jobs: int,
    context: BaseContext,
    collect_group: Callable[[list[int], list[dict[str, Any]]], None],
) -> list[int]:
    """Run each group as one task on one shared pool; return the experiments left unfinished when a worker died.

    The longest groups (epochs times experiments) go first, so that the pool's processes finish together.
    """
    unfinished: list[int] = []
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(groups)), mp_context=context)
    by_length = sorted(groups, key=lambda group: -len(group) * int(payloads[group[0]]["epochs"]))
    try:
        futures = {pool.submit(_train_group, [payloads[i] for i in group], seeds, _train): group for group in by_length}
        for future in concurrent.futures.as_completed(futures):
            try:
                together = future.result()
            except BrokenProcessPool:
                unfinished += futures[future]
                continue
            collect_group(futures[future], together)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(unfinished)


def _run_isolated(
    payloads: dict[int, dict[str, Any]],
    seeds: int,
    jobs: int,
    context: BaseContext,
    collect: Callable[[int, dict[str, Any]], None],
    fail: Callable[[int, str], None],
) -> None:
    """Run each experiment in a fresh one-process pool, ``jobs`` at a time: a death names its experiment."""
    waiting = list(payloads)
    running: dict[concurrent.futures.Future[dict[str, Any]], tuple[int, concurrent.futures.ProcessPoolExecutor]] = {}
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                index = waiting.pop(0)
                pool = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context)
                running[pool.submit(_train, payloads[index], seeds)] = (index, pool)
            done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                index, pool = running.pop(future)
                pool.shutdown(wait=True)
                try:
                    payload = future.result()
                except BrokenProcessPool as error:
                    fail(index, _WORKER_DIED.format(error=type(error).__name__))
                    continue
                collect(index, payload)
    finally:
        for _, pool in running.values():
            pool.shutdown(wait=True, cancel_futures=True)


def _run_on_ray(
    payloads: dict[int, dict[str, Any]],
    seeds: int,
    address: str,
    collect: Callable[[int, dict[str, Any]], None],
    fail: Callable[[int, str], None],
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
        remote = ray.remote(max_retries=0)(_train)  # a task that kills its worker would kill each retry too
        pending = {remote.remote(payload, seeds): index for index, payload in payloads.items()}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                index = pending.pop(ref)
                try:
                    payload = ray.get(ref)
                except ray.exceptions.RayError as error:  # the worker died, or Ray lost the task
                    fail(index, _WORKER_DIED.format(error=type(error).__name__))
                    continue
                collect(index, payload)
    finally:
        if started_here:
            ray.shutdown()
