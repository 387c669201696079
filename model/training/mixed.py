"""Two photo datasets seen as one: keys 0..n₁−1 are the first's photos, the rest the
second's, so a resumable shuffle over the whole gives every photo of both once per
epoch (e.g. zoomed faces-hq windows beside whole aligned CelebA faces)."""
from __future__ import annotations

import numpy as np
from torch.utils.data import Dataset

from .dataset import sample_key


class MixedSamples(Dataset):
    """`first` and `second` (datasets keyed by (photo index, draw) or a plain
    validation index) under one index range; items are theirs unchanged."""

    def __init__(self, first, second):
        self.first, self.second = first, second

    def __len__(self) -> int:
        return len(self.first) + len(self.second)

    def __getitem__(self, key):
        index, draw = sample_key(key)
        if not 0 <= index < len(self):
            raise IndexError(f"sample {index} of {len(self)}")
        part, local = (self.first, index) if index < len(self.first) else (self.second, index - len(self.first))
        return part[local if np.isscalar(key) else (local, draw)]
