"""The order in which a training process sees the photos, resumable mid-epoch.

A DistributedSampler (each of `num_replicas` processes gets its own share of a
shuffle that depends only on seed and epoch) that can start at a position inside an
epoch and tags every index with its epoch, which the dataset uses as the draw.
"""
from __future__ import annotations

from torch.utils.data import DistributedSampler


class ResumableSampler(DistributedSampler):
    """DistributedSampler yielding (photo index, epoch), starting at `start` in the epoch."""

    def __init__(self, dataset, num_replicas: int = 1, rank: int = 0, seed: int = 0):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=True,
                         seed=seed, drop_last=False)
        self.start = 0

    def set_position(self, epoch: int, start: int) -> None:
        """Continue epoch `epoch` from this process's `start`-th sample."""
        self.set_epoch(epoch)
        self.start = start

    def __iter__(self):
        epoch = self.epoch
        return ((index, epoch) for index in list(super().__iter__())[self.start:])

    def __len__(self) -> int:
        return max(0, self.num_samples - self.start)
