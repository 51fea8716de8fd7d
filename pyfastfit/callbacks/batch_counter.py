"""Counting batches between saves when batch hooks come for groups of steps."""


class BatchCounter:
    """Counts the batches seen from the batch indices given to `on_train_batch_end`,
    whether hooks come every step, every `steps_per_execution` steps or in the fast
    path's chunks (Keras's rule, made exact across epochs by `new_epoch()`).

    Args:
        freq: the number of batches between two events.
    """

    def __init__(self, freq):
        self.freq = freq
        self.seen_since_last = 0
        self.last_batch_seen = None
        self._new_epoch = True

    def new_epoch(self):
        self._new_epoch = True

    def due(self, batch):
        """Records the batches up to `batch`; True when `freq` batches have passed
        since the last event (the count restarts)."""
        if self._new_epoch or self.last_batch_seen is None or batch <= self.last_batch_seen:
            added = batch + 1  # batch indices restart at 0 each epoch
        else:
            added = batch - self.last_batch_seen
        self._new_epoch = False
        self.seen_since_last += added
        self.last_batch_seen = batch
        if self.seen_since_last >= self.freq:
            self.seen_since_last = 0
            return True
        return False

    def steps_to_next(self):
        """Steps until the next event (what the fast path runs in one chunk)."""
        return max(1, self.freq - self.seen_since_last)
