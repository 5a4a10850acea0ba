"""Per-epoch metrics: the record, its CSV and JSON files, and the learning-curve figure.

The files are rewritten whole from the list the checkpoint holds after every epoch (each
time one row longer), atomically, so they always agree with the checkpoint beside them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ..atomic import atomic_path, write_atomically
from .files import json_text, writing

__all__ = ["EpochMetrics", "plot_learning_curve", "write_metrics"]

METRICS_CSV = "metrics.csv"
METRICS_JSON = "metrics.json"
CURVE_PNG = "curve.png"


@dataclass(frozen=True)
class EpochMetrics:
    """One epoch: losses and accuracies (in %) on both sets, learning rate and speed."""

    epoch: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    lr: float
    epoch_time: float
    """Seconds of training (not evaluation) in this epoch."""
    eval_time: float
    throughput: float
    """Training images per second, all processes together."""

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> EpochMetrics:
        return cls(**{f.name: values[f.name] for f in fields(cls)})

    def line(self, epochs: int) -> str:
        """A one-line report of the epoch."""
        return (
            f"epoch {self.epoch}/{epochs}: train loss {self.train_loss:.4f} "
            f"acc {self.train_accuracy:.2f} %, test loss {self.test_loss:.4f} "
            f"acc {self.test_accuracy:.2f} %, lr {self.lr:.3g}, {self.epoch_time:.2f} s, "
            f"{self.throughput:,.0f} img/s"
        )


def write_metrics(directory: Path, metrics: list[EpochMetrics]) -> None:
    """``metrics.csv`` and ``metrics.json`` in ``directory``, one row per epoch."""
    rows = [asdict(m) for m in metrics]
    names = [f.name for f in fields(EpochMetrics)]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with writing(directory / METRICS_CSV):
        write_atomically(directory / METRICS_CSV, text.getvalue())
    with writing(directory / METRICS_JSON):
        write_atomically(directory / METRICS_JSON, json_text(rows))


def plot_learning_curve(
    path: Path,
    metrics: list[EpochMetrics],
    title: str,
    k_blocks: Sequence[Any] = (),
    k_regions: Mapping[str, str] | None = None,
) -> None:
    """Loss and error (%) against epoch for both sets, as a PNG (matplotlib, Agg backend).

    ``k_blocks`` (:class:`.inspection.MultistepBlock`, an LM network's blocks) adds a third
    panel: the learned k_n against n, zero-stable blocks and the others marked apart, with
    the zero-stable region of the scheme (``k_regions``) in its title."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    epochs = [m.epoch for m in metrics]
    panels = 3 if k_blocks else 2
    figure, axes_row = pyplot.subplots(1, panels, figsize=(5 * panels, 4))
    loss_axes, error_axes = axes_row[0], axes_row[1]
    try:
        if k_blocks:
            _plot_k(axes_row[2], k_blocks, k_regions or {})
        for name, colour in (("train", "tab:blue"), ("test", "tab:orange")):
            losses = [getattr(m, f"{name}_loss") for m in metrics]
            errors = [100.0 - getattr(m, f"{name}_accuracy") for m in metrics]
            loss_axes.plot(epochs, losses, marker=".", color=colour, label=name)
            error_axes.plot(epochs, errors, marker=".", color=colour, label=name)
        loss_axes.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
        if all(math.isfinite(v) and v > 0 for m in metrics for v in (m.train_loss, m.test_loss)):
            loss_axes.set_yscale("log")
        error_axes.set(xlabel="epoch", ylabel="error (%)", title="error")
        for axes in (loss_axes, error_axes):
            axes.grid(True, alpha=0.3)
            axes.legend()
        figure.suptitle(title)
        figure.tight_layout()
        save_png(figure, path)
    finally:
        pyplot.close(figure)


def _plot_k(axes: Any, blocks: Sequence[Any], regions: Mapping[str, str]) -> None:
    """k_n against n: filled dots where the block's step is zero-stable, crosses where not."""
    for stable, marker, colour, label in (
        (True, "o", "tab:green", "zero-stable"),
        (False, "x", "tab:red", "not zero-stable"),
    ):
        chosen = [b for b in blocks if b.zero_stable == stable]
        if chosen:
            axes.plot([b.index for b in chosen], [next(iter(b.values.values())) for b in chosen],
                      linestyle="none", marker=marker, color=colour, label=label)  # fmt: skip
    axes.axhline(0.0, color="0.5", linewidth=0.6)
    where = "; ".join(
        f"{name}: zero-stable for {region}" for name, region in regions.items() if region
    )
    axes.set(
        xlabel="block n",
        ylabel="learned k_n",
        title="k_n at the end" + (f"\n({where})" if where else ""),
    )
    axes.grid(True, alpha=0.3)
    axes.legend()


def save_png(figure: Any, path: Path) -> None:
    """Write a matplotlib figure as PNG atomically (temporary file, then rename)."""
    with writing(path), atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
