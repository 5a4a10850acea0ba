"""Named networks built from the compiled schemes in ``generated/`` (a timm-style registry).

``create_model(name, **kwargs)`` builds one; ``list_models()`` names them all; ``tabc
models`` prints them with parameter counts.  ResNet, LM-ResNet and LM-ResNeXt follow
LM-ResNet's official code (:mod:`.lm_resnet`), RKCNN-E/I/R the RKCNN official code, and
``rkcnn_<scheme>`` puts any compiled Runge–Kutta scheme inside the RKCNN network
(:mod:`.rkcnn`); RevNet (:mod:`.revnet`) and Chang et al.'s Hamiltonian and midpoint
networks (:mod:`.hamiltonian`) are built from the compiled partitioned and leapfrog steps.

The registry (:mod:`.registry`) imports no model: each model module registers its variants
with :func:`~.registry.register_model` when imported, and this package imports every one.
"""

from . import hamiltonian, lm_resnet, revnet, rkcnn  # noqa: F401 -- importing registers their models
from .registry import UnknownModelError, create_model, list_models, model_entry, register_model

__all__ = ["UnknownModelError", "create_model", "list_models", "model_entry", "register_model"]
