"""Named networks built from the compiled schemes in ``generated/`` (a timm-style registry).

``create_model(name, **kwargs)`` builds one; ``list_models()`` names them all; ``tabc
models`` prints them with parameter counts.  ResNet, LM-ResNet and LM-ResNeXt follow
LM-ResNet's official code (:mod:`.lm_resnet`), RKCNN-E/I/R the RKCNN official code, and
``rkcnn_<scheme>`` puts any compiled Runge–Kutta scheme inside the RKCNN network
(:mod:`.rkcnn`).
"""

from .registry import UnknownModelError, create_model, list_models, model_entry, register_model

__all__ = ["UnknownModelError", "create_model", "list_models", "model_entry", "register_model"]
