"""The training tests keep to one CPU thread.

They train real networks for a few epochs on scikit-learn's digits; on a small shared machine
torch's default of one thread per core can make a 0.03 s step take seconds while the cores
are busy elsewhere.
"""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
