"""Tests of losslab.lab.report on synthetic results built from the tutorial's specs."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from losslab.lab.experiments import tutorial_experiment
from losslab.lab.report import (
    is_stuck,
    plot_all,
    plot_learning_curves,
    print_summary,
    seed_flags,
    summary_rows,
    write_html,
    write_report,
)
from losslab.lab.results import ExperimentResult, History, RunResult, load_results

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EPOCHS = 12  # histories need not be as long as the spec's epochs

# final metrics per experiment and split, 3 seeds each
FINALS = {
    # bin-bce publishes train 0.836 (inside [0.830, 0.845]) and test 0.852 (outside [0.800, 0.820])
    "bin-bce": {"train": [0.830, 0.840, 0.845], "test": [0.800, 0.810, 0.820]},
    # reg-mse publishes train 0.000 and test 0.001: both inside once rounded to 3 decimals
    "reg-mse": {"train": [0.0001, 0.0003, 0.0002], "test": [0.0008, 0.0012, 0.0011]},
    # mc-cce publishes 0.840 / 0.822: train outside, test inside
    "mc-cce": {"train": [0.850, 0.860, 0.870], "test": [0.810, 0.822, 0.830]},
}
IN_RANGE = {"bin-bce": (True, False), "reg-mse": (True, True), "mc-cce": (False, True)}


def _history(rng: np.random.Generator, final_train: float, final_test: float) -> History:
    t = np.linspace(0.0, 1.0, EPOCHS)
    noise = rng.normal(scale=0.01, size=(4, EPOCHS))
    return History(
        loss=(1.0 - 0.8 * t + noise[0]).tolist(),
        val_loss=(1.1 - 0.7 * t + noise[1]).tolist(),
        metric=(0.5 + (final_train - 0.5) * t + noise[2]).tolist(),
        val_metric=(0.5 + (final_test - 0.5) * t + noise[3]).tolist(),
    )


def _result(id_: str, seed0: int = 0) -> ExperimentResult:
    rng = np.random.default_rng(seed0)
    finals = FINALS[id_]
    runs = [
        RunResult(
            seed=seed,
            history=_history(rng, finals["train"][seed], finals["test"][seed]),
            train_metric=finals["train"][seed],
            test_metric=finals["test"][seed],
            seconds=1.5 + seed,
        )
        for seed in range(3)
    ]
    return ExperimentResult(tutorial_experiment(id_), runs)


@pytest.fixture
def results() -> list[ExperimentResult]:
    return [_result(id_, i) for i, id_ in enumerate(FINALS)]


def test_import_is_cheap():
    code = "import sys, losslab.lab.report; print('matplotlib' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_summary_rows(results):
    rows = summary_rows(results)
    assert [row["id"] for row in rows] == list(FINALS)
    for row, result in zip(rows, results, strict=True):
        spec = result.spec
        assert row["title"] == spec.title
        assert row["loss"] == spec.loss and isinstance(row["loss"], str)
        assert row["metric"] == spec.metric
        assert row["published_train"] == spec.published["train"]
        assert row["published_test"] == spec.published["test"]
        for split in ("train", "test"):
            values = np.array(FINALS[spec.id][split])
            assert row[f"{split}_mean"] == pytest.approx(values.mean())
            assert row[f"{split}_std"] == pytest.approx(values.std())  # population std, ddof=0
            assert row[f"{split}_min"] == values.min()
            assert row[f"{split}_max"] == values.max()
            assert row[f"{split}_median"] == pytest.approx(np.median(values))
            assert row[f"{split}_values"] == list(values)
        assert (row["train_in_range"], row["test_in_range"]) == IN_RANGE[spec.id]
        assert row["seeds"] == 3
        assert row["seconds_per_run"] == pytest.approx(np.mean([1.5, 2.5, 3.5]))


def test_summary_rows_unpublished_and_dict_loss(results):
    from dataclasses import replace

    spec = replace(results[0].spec, published=None, loss={"class_name": "Hinge", "config": {}})
    (row,) = summary_rows([ExperimentResult(spec, results[0].runs)])
    assert row["published_train"] is None and row["published_test"] is None
    assert row["train_in_range"] is None and row["test_in_range"] is None
    assert isinstance(row["loss"], str) and "Hinge" in row["loss"]


def test_print_summary(results):
    from rich.console import Console

    buffer = io.StringIO()
    print_summary(results, Console(file=buffer, width=220, force_terminal=False))
    text = buffer.getvalue()
    for row in summary_rows(results):
        line = next(line for line in text.splitlines() if row["id"] in line)
        assert row["title"] in line
        for split in ("train", "test"):
            assert f"{row[f'{split}_median']:.3f}" in line
            assert f"{row[f'{split}_min']:.3f}–{row[f'{split}_max']:.3f}" in line
        marks = re.findall("[✓✗]", line)
        assert marks == ["✓" if flag else "✗" for flag in IN_RANGE[row["id"]]]


def test_print_summary_title_names_published_values_only_when_there_are_some(results):
    from dataclasses import replace

    from rich.console import Console

    unpublished = [ExperimentResult(replace(r.spec, published=None), r.runs) for r in results]
    titles = []
    for batch in (results, unpublished):
        buffer = io.StringIO()
        print_summary(batch, Console(file=buffer, width=220, force_terminal=False))
        titles.append(buffer.getvalue().splitlines()[0].strip())
    assert titles == ["Loss-choice experiments: ours over seeds vs. published", "Experiments over seeds"]


def test_print_summary_default_console_not_a_tty(results, capsys):
    print_summary(results)
    text = capsys.readouterr().out
    for result in results:  # one line per row: nothing wrapped
        assert any(result.spec.id in line and result.spec.title in line for line in text.splitlines())


def test_plot_learning_curves(results, tmp_path):
    import matplotlib.image

    result = results[1]
    path, data = plot_learning_curves(result, tmp_path / "sub" / "curves.png", return_data=True)
    assert path == tmp_path / "sub" / "curves.png"
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300
    assert set(data) == {"loss", "metric"}
    for panel, (train, test) in {"loss": ("loss", "val_loss"), "metric": ("metric", "val_metric")}.items():
        assert set(data[panel]) == {"train", "test"}
        for split, attribute in (("train", train), ("test", test)):
            expected = np.median([getattr(run.history, attribute) for run in result.runs], axis=0)
            np.testing.assert_allclose(data[panel][split], expected)
    assert plot_learning_curves(result, tmp_path / "again.png") == tmp_path / "again.png"


def test_plot_all(results, tmp_path):
    plots = plot_all(results, tmp_path)
    assert plots == {result.spec.id: tmp_path / f"{result.spec.id}.png" for result in results}
    assert all(path.read_bytes()[:8] == PNG_SIGNATURE for path in plots.values())


def test_write_html(results, tmp_path):
    plots = plot_all(results, tmp_path)
    meta = {"machine": "test <box>", "seeds": [0, 1, 2], "seconds": 12.5}
    path = write_html(results, plots, tmp_path / "report.html", meta=meta)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    for result in results:
        assert result.spec.id in text
        assert result.spec.title in text
    for row in summary_rows(results):
        for split in ("train", "test"):
            assert f"{row[f'{split}_median']:.3f}" in text
            assert f"{row[f'{split}_min']:.3f}–{row[f'{split}_max']:.3f}" in text
        assert f"{row['published_test']:.3f}" in text
        assert ", ".join(f"{v:.3f}" for v in row["train_values"]) in text  # every seed
    assert text.count("✓") >= 4 and text.count("✗") >= 2
    assert "test &lt;box&gt;" in text and "<box>" not in text  # escaped
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == text.count('<img src="data:image/png;base64,') == len(results)
    assert base64.b64decode(images[0]) == plots[results[0].spec.id].read_bytes()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert "http://" not in text and "https://" not in text
    assert "<link" not in text and "<script" not in text


def test_write_report_round_trips(results, tmp_path):
    meta = {"seconds": 3.25, "machine": "ci"}
    paths = write_report(results, tmp_path / "out", meta=meta)
    assert paths["results"] == tmp_path / "out" / "results.json"
    assert paths["html"] == tmp_path / "out" / "report.html" and paths["html"].exists()
    assert set(paths["plots"]) == set(FINALS)
    assert all(p.parent == tmp_path / "out" and p.exists() for p in paths["plots"].values())
    loaded, loaded_meta = load_results(paths["results"])
    assert loaded_meta == meta
    assert loaded == results
    assert summary_rows(loaded) == summary_rows(results)


def _snapshot(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_write_failing_midway_leaves_the_previous_report_untouched(results, tmp_path, monkeypatch):
    import errno

    from matplotlib.figure import Figure

    write_report(results, tmp_path, meta={"run": "previous"})
    before = _snapshot(tmp_path)
    assert set(before) == {"results.json", "report.html", "bin-bce.png", "reg-mse.png", "mc-cce.png"}
    savefig = Figure.savefig
    calls = []

    def full_disk_on_the_second_plot(self, fname, **kwargs):
        calls.append(fname)
        if len(calls) == 2:
            with open(fname, "wb") as file:  # half a file, then the disk is full
                file.write(PNG_SIGNATURE)
            raise OSError(errno.ENOSPC, "No space left on device")
        return savefig(self, fname, **kwargs)

    monkeypatch.setattr(Figure, "savefig", full_disk_on_the_second_plot)
    changed = [replace(results[0], runs=results[0].runs[:1])]
    with pytest.raises(OSError, match="No space left"):
        write_report(changed + results[1:], tmp_path, meta={"run": "new"})
    assert len(calls) == 2
    assert _snapshot(tmp_path) == before  # the same files, byte for byte: none truncated, none new, no temporary


def test_diverged_and_failed_experiments_are_shown_as_such(results, tmp_path):
    from rich.console import Console

    spec = results[0].spec
    diverged_run = RunResult(2, History(loss=[0.7]), None, None, 1.0, status="diverged", error="non-finite loss")
    partly = ExperimentResult.from_runs(spec, [*results[0].runs[:2], diverged_run])
    failed = ExperimentResult.failed(replace(results[1].spec, id="reg-dead"), 3, "its worker process died")
    rows = summary_rows([partly, failed])
    assert (rows[0]["status"], rows[0]["seeds_ok"], rows[0]["seeds"]) == ("diverged", 2, 3)
    assert rows[0]["test_mean"] == pytest.approx(np.mean(FINALS["bin-bce"]["test"][:2]))  # over the ok seeds
    assert rows[1]["status"] == "failed" and rows[1]["test_mean"] is None
    buffer = io.StringIO()
    print_summary([partly, failed], Console(file=buffer, width=220, force_terminal=False))
    lines = buffer.getvalue().splitlines()
    first = next(line for line in lines if line.startswith("│ bin-bce"))
    assert "2 of 3 ok" in first and f"{rows[0]['test_median']:.3f}" in first
    dead = next(line for line in lines if line.startswith("│ reg-dead"))
    assert dead.count("failed") == 2 and "0 of 3 ok" in dead
    assert "reg-dead: failed: its worker process died" in lines
    paths = write_report([partly, failed], tmp_path)
    html = paths["html"].read_text()
    assert '<td class="no">failed</td>' in html and '<td class="no">2 of 3 ok</td>' in html
    assert "status: failed: its worker process died" in html
    assert html.count("data:image/png;base64,") == 2
    payload = json.loads(paths["results"].read_text(), parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
    assert [e["status"] for e in payload["experiments"]] == ["diverged", "failed"]


def _printed(results, width):
    from rich.console import Console

    buffer = io.StringIO()
    print_summary(results, Console(file=buffer, width=width, force_terminal=False, color_system=None))
    return buffer.getvalue()


def _numbers(text):
    return set(re.findall(r"\d+\.\d+", text))


@pytest.mark.parametrize("width", [80, 200])
def test_the_summary_fits_its_console_and_cuts_no_number(results, width):
    text = _printed(results, width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert "…" not in text
    for row in summary_rows(results):
        assert row["id"] in text and row["loss"] in text.replace("\n", "")
        for split in ("train", "test"):
            expected = {f"{row[f'{split}_{k}']:.3f}" for k in ("median", "min", "max")}
            assert expected <= _numbers(text), (split, row["id"])
            assert f"{row[f'published_{split}']:.3f}" in text
    assert text.count("✓") == sum(sum(flags) for flags in IN_RANGE.values())
    assert ("Binary, binary_crossentropy" in text) == (width == 200)  # the title only where it fits


@pytest.mark.parametrize("width", [80, 200])
def test_no_published_values_no_published_columns(results, width):
    unpublished = [replace(r, spec=replace(r.spec, published=None)) for r in results]
    text = _printed(unpublished, width)
    assert "published" not in text and "in range" not in text and "✓" not in text and "✗" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    for row in summary_rows(unpublished):
        assert f"{row['test_median']:.3f}" in text


def _stuck_result():
    """mc-cce with three seeds; seed 1 stays near 0.5 (three classes: chance is 1/3) from its first epoch."""
    spec = tutorial_experiment("mc-cce")
    curves = {0: [0.45, 0.70, 0.85], 1: [0.49, 0.51, 0.53], 2: [0.40, 0.75, 0.84]}
    runs = [
        RunResult(
            seed, History(metric=m, val_metric=m, loss=[1.0, 0.5, 0.4], val_loss=[1.0, 0.6, 0.5]), m[-1], m[-1], 1.0
        )
        for seed, m in curves.items()
    ]
    return ExperimentResult(spec, runs)


def test_is_stuck_follows_its_documented_definition():
    binary = tutorial_experiment("bin-bce")  # one sigmoid unit: chance 0.5, stuck at <= 0.52
    mse = tutorial_experiment("reg-mse")

    def run(series, status="ok"):
        return RunResult(0, History(metric=series), series[-1], series[-1], 1.0, status=status)

    assert is_stuck(binary, run([0.515]))  # one epoch: chance level only
    assert not is_stuck(binary, run([0.53]))
    assert is_stuck(binary, run([0.60, 0.62]))  # 0.02 < 0.1 * (1 - 0.60) = 0.04
    assert not is_stuck(binary, run([0.60, 0.65]))  # 0.05 >= 0.04
    assert is_stuck(mse, run([0.50, 0.46]))  # 0.04 < 0.1 * 0.5
    assert not is_stuck(mse, run([0.50, 0.44]))
    assert not is_stuck(binary, run([0.5, 0.5], status="diverged"))  # its own status, not "stuck"
    assert seed_flags(_stuck_result()) == {1: "stuck"}


@pytest.mark.parametrize("width", [80, 200])
def test_a_stuck_seed_is_flagged_in_the_table_with_every_seed(width):
    result = _stuck_result()
    text = _printed([result], width)
    assert "1 stuck" in text
    assert "0.530 (stuck)" in text and "0.850" in text and "0.840" in text  # each seed's value under the table
    assert "0.840" in text and "0.530–0.850" in text  # the median and the range, not a mean hiding the stuck seed


def test_a_stuck_seed_is_drawn_on_its_own_and_named(tmp_path):
    from losslab.lab.report import _learning_curves_figure

    result = _stuck_result()
    figure, data = _learning_curves_figure(result)
    np.testing.assert_allclose(data["metric"]["train"], [0.45, 0.70, 0.84])  # the median, epoch by epoch
    labels = [line.get_label() for line in figure.axes[1].get_lines()]
    assert "train seed 1 (stuck)" in labels and "test seed 1 (stuck)" in labels
    per_seed = [line for line in figure.axes[1].get_lines() if line.get_linewidth() < 1.5]
    assert len(per_seed) >= 6  # every seed of both splits
    assert "seed 1 stuck" in figure.get_suptitle()


def test_hinge_plots_show_the_published_metric():
    spec = tutorial_experiment("bin-hinge")
    finals = {0: (0.78, 0.74), 1: (0.80, 0.75)}
    runs = [
        RunResult(
            seed,
            History(metric=[0.5, 0.85], val_metric=[0.5, 0.84], loss=[1.0, 0.4], val_loss=[1.0, 0.4]),
            0.85,
            0.84,
            1.0,
            {"keras2_accuracy_train": train, "keras2_accuracy_test": test},
        )
        for seed, (train, test) in finals.items()
    ]
    from losslab.lab.report import _learning_curves_figure

    figure, data = _learning_curves_figure(ExperimentResult(spec, runs))
    np.testing.assert_allclose(data["final"]["train"], [0.78, 0.80])
    np.testing.assert_allclose(data["final"]["test"], [0.74, 0.75])
    lines = {line.get_label(): line for line in figure.axes[1].get_lines()}
    np.testing.assert_allclose(lines["train: published (keras2_accuracy)"].get_ydata(), [spec.published["train"]])
    np.testing.assert_allclose(lines["test: final keras2_accuracy per seed"].get_ydata(), [0.74, 0.75])


@pytest.mark.parametrize("width", [80, 200])
def test_a_seed_far_from_the_others_is_flagged_as_an_outlier(width):
    """Six mc-cce seeds that all learned; seed 5 ends at 0.70 where the others end at 0.81-0.83.

    By hand (numpy's linear quartiles): q1 = 0.8125, q3 = 0.82, spread = max(IQR 0.0075, 1% of the median 0.82)
    = 0.0082, so the lower fence is 0.8125 - 3 * 0.0082 = 0.7879: 0.70 is out, 0.81 is in.
    """
    finals = [0.82, 0.82, 0.81, 0.83, 0.82, 0.70]
    runs = [
        RunResult(seed, History(metric=[0.4, 0.6, v], val_metric=[0.4, 0.6, v], loss=[1, 0.8, 0.5]), v, v, 1.0)
        for seed, v in enumerate(finals)
    ]
    result = ExperimentResult(tutorial_experiment("mc-cce"), runs)
    assert seed_flags(result) == {5: "outlier"}
    text = _printed([result], width)
    assert "1 outlier" in text  # in the seeds column
    assert "seed 5 far from the other seeds" in text.replace("\n", "") and "0.700 (outlier)" in text.replace("\n", "")
