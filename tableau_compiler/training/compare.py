"""``tabc compare``: several models, one recipe, several seeds, and the papers' table.

Each (model, seed) is an ordinary ``tabc train`` run in ``OUT/<model>/seed<seed>``, one after
another.  The table gives, per model, the parameter count, the test error as mean ± sample
standard deviation over the seeds (in %) and the mean training time per epoch; it is
printed and saved as Markdown (``compare.md``), CSV (``compare.csv``; every run in
``runs.csv``) and a bar chart with error bars (``compare.png``).  With ``resume`` a finished
run is read back from its checkpoint instead of being trained again, so an interrupted
comparison picks up where it stopped.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import write_atomically
from ..errors import TrainingError
from ..wording import count
from .config import TrainConfig, plural, schedule_text
from .files import check_output_directory, writing
from .loop import TrainResult, check_run_directory, train
from .metrics import save_png

__all__ = ["ComparisonRow", "compare", "markdown_table"]

COMPARE_MD = "compare.md"
COMPARE_CSV = "compare.csv"
RUNS_CSV = "runs.csv"
COMPARE_PNG = "compare.png"


@dataclass(frozen=True)
class ComparisonRow:
    """One model's line of the table."""

    model: str
    parameters: int
    errors: tuple[float, ...]
    """Final test error (%) of each seed."""
    seconds_per_epoch: float

    @property
    def error_mean(self) -> float:
        return statistics.fmean(self.errors)

    @property
    def error_std(self) -> float:
        """Sample standard deviation; NaN for a single seed."""
        return statistics.stdev(self.errors) if len(self.errors) > 1 else math.nan

    def error_text(self) -> str:
        spread = "–" if math.isnan(self.error_std) else f"{self.error_std:.2f}"
        return f"{self.error_mean:.2f} ± {spread}"


def model_label(model: str) -> str:
    """The one name of a model in every output: its registry name, or a scheme file's
    ``name`` -- the name of its compiled module and classes, which the run's log lines,
    summary.json, checkpoint and ``tabc inspect`` give it too (a file ``my_ralston3.toml``
    holding ``name = "ralston3"`` is ``ralston3`` in the table, its directories and runs.csv
    alike).  A file that cannot be read is named by its stem here; the run then reports it."""
    if not model.endswith(".toml"):
        return model
    from ..errors import SchemeError
    from ..parsing import load_scheme

    try:
        return load_scheme(model).name
    except (SchemeError, OSError):
        return Path(model).stem


def compare(
    models: Sequence[str],
    seeds: Sequence[int],
    recipe: TrainConfig,
    model_args: dict[str, dict[str, Any]],
    out: Path,
    log: Callable[[str], None] | None = print,
) -> list[ComparisonRow]:
    """Train every model with every seed under ``recipe``; write and return the table.

    ``model_args[""]`` applies to every model, ``model_args[name]`` to that model only.
    """
    labels = [model_label(m) for m in models]
    if len(set(labels)) != len(labels):
        twice = sorted({label for label in labels if labels.count(label) > 1})
        raise TrainingError(
            f"a model is named twice: {', '.join(twice)} (of {' '.join(models)}); a scheme "
            "file is named by its `name` key: give each scheme its own name"
        )
    unknown = sorted(set(model_args) - {""} - set(models) - set(labels))
    if unknown:
        raise TrainingError(f"--model-arg names {', '.join(unknown)}, which is not compared")
    if not seeds:
        raise TrainingError("--seeds must be at least 1")
    out = Path(out)
    # every directory and file the comparison will write, looked at before any run starts
    check_output_directory(out, (COMPARE_MD, COMPARE_CSV, RUNS_CSV, COMPARE_PNG), labels)
    for label in labels:
        for seed in seeds:
            check_run_directory(out / label / f"seed{seed}")
    rows: list[ComparisonRow] = []
    runs: list[tuple[int, TrainResult]] = []
    for model, label in zip(models, labels):
        arguments = {**model_args.get("", {}), **model_args.get(label, {})}
        arguments.update(model_args.get(model, {}))
        results = []
        for seed in seeds:
            config = dataclasses.replace(
                recipe,
                model=model,
                model_args=arguments,
                seed=seed,
                out=out / label / f"seed{seed}",
            )
            if log is not None:
                log(f"== {label}, seed {seed} -> {config.out}")
            result = train(config, log)
            if log is not None:
                log(result.line())
            results.append(result)
            runs.append((seed, result))
        rows.append(
            ComparisonRow(
                model=label,
                parameters=results[0].parameters,
                errors=tuple(r.test_error for r in results),
                seconds_per_epoch=statistics.fmean(r.seconds_per_epoch for r in results),
            )
        )
    from .distributed import Processes

    if Processes.from_environment().is_main:
        _write(out, rows, runs, recipe.resolved(), seeds)
    return rows


def markdown_table(rows: Sequence[ComparisonRow]) -> str:
    """The papers' table: model, parameters, test error mean ± std (%), time per epoch (s)."""
    lines = [
        "| model | parameters | test error (%) | time per epoch (s) |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.model} | {row.parameters:,} | {row.error_text()} | "
            f"{row.seconds_per_epoch:.2f} |"
        )
    return "\n".join(lines) + "\n"


def describe_recipe(recipe: TrainConfig, seeds: Sequence[int]) -> str:
    seeds_text = ", ".join(str(s) for s in seeds)
    return (
        f"Test error: mean ± sample standard deviation over {count(len(seeds), 'seed')} ({seeds_text}) "
        f"on {recipe.data}; {plural(recipe.epochs or 0, 'epoch')}, batch {recipe.batch_size}, "
        f"SGD {schedule_text(recipe)}, momentum {recipe.momentum:g}, "
        f"weight decay {recipe.weight_decay:g}, "
        f"augmentation {'on' if recipe.augment else 'off'}.  Time: mean training seconds per "
        "epoch (evaluation excluded)."
    )


def _write(
    out: Path,
    rows: Sequence[ComparisonRow],
    runs: Sequence[tuple[int, TrainResult]],
    recipe: TrainConfig,
    seeds: Sequence[int],
) -> None:
    table = markdown_table(rows)
    with writing(out / COMPARE_MD):
        write_atomically(out / COMPARE_MD, f"{table}\n{describe_recipe(recipe, seeds)}\n")

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(
        ["model", "parameters", "seeds", "error_mean", "error_std", "seconds_per_epoch"]
    )
    for row in rows:
        writer.writerow(
            [
                row.model,
                row.parameters,
                len(row.errors),
                f"{row.error_mean:.4f}",
                "" if math.isnan(row.error_std) else f"{row.error_std:.4f}",
                f"{row.seconds_per_epoch:.4f}",
            ]
        )
    with writing(out / COMPARE_CSV):
        write_atomically(out / COMPARE_CSV, text.getvalue())

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["model", "seed", "parameters", "test_error", "seconds_per_epoch", "out"])
    for seed, result in runs:
        writer.writerow(
            [
                result.model,
                seed,
                result.parameters,
                f"{result.test_error:.4f}",
                f"{result.seconds_per_epoch:.4f}",
                str(result.out),
            ]
        )
    with writing(out / RUNS_CSV):
        write_atomically(out / RUNS_CSV, text.getvalue())
    plot_comparison(out / COMPARE_PNG, rows, f"{recipe.data}, {count(len(seeds), 'seed')}")


def plot_comparison(path: Path, rows: Sequence[ComparisonRow], title: str) -> None:
    """A bar per model: mean test error, with the standard deviation as error bar."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(max(4.0, 1.2 * len(rows) + 2.0), 4.0))
    try:
        positions = list(range(len(rows)))
        means = [row.error_mean for row in rows]
        spreads = [0.0 if math.isnan(row.error_std) else row.error_std for row in rows]
        axes.bar(positions, means, yerr=spreads, capsize=6, color="tab:blue", alpha=0.8)
        axes.set_xticks(positions, [f"{r.model}\n{r.parameters / 1e6:.2f}M" for r in rows])
        axes.set(ylabel="test error (%)", title=f"test error, mean ± std ({title})")
        axes.grid(True, axis="y", alpha=0.3)
        figure.tight_layout()
        save_png(figure, path)
    finally:
        pyplot.close(figure)
