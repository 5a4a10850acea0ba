"""Training the networks tabc builds: ``tabc train``, ``tabc compare`` and ``tabc models``.

``train(TrainConfig(model, ...))`` trains a registry model or a compiled scheme file on
scikit-learn's digits, CIFAR-10 (from disk) or a synthetic set, with the papers' CIFAR
recipe, checkpoints that resume exactly, and DistributedDataParallel under torchrun;
``compare`` runs several models over several seeds and writes the papers' table.

Modules: :mod:`.config` (the recipe), :mod:`.data` and :mod:`.batches` (data sets and
per-epoch batches), :mod:`.model_source` (registry names and scheme files),
:mod:`.checkpoint`, :mod:`.metrics`, :mod:`.distributed`, :mod:`.loop` and :mod:`.compare`.
Importing this package imports torch.
"""

from .compare import ComparisonRow, compare, markdown_table
from .config import TrainConfig, parse_model_args
from .loop import TrainResult, train
from .model_source import model_inventory

__all__ = [
    "ComparisonRow",
    "TrainConfig",
    "TrainResult",
    "compare",
    "markdown_table",
    "model_inventory",
    "parse_model_args",
    "train",
]
