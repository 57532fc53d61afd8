"""Errors a person can act on. The CLI prints their message as one line, without a traceback."""


class SignalboardError(Exception):
    """An expected failure (bad input, busy warehouse) with a readable message."""


class IngestError(SignalboardError):
    """The file as a whole cannot be loaded; nothing was written."""


class WarehouseMissing(SignalboardError):
    """No warehouse exists at the configured path yet."""


class WarehouseBusy(SignalboardError):
    """Another load holds the warehouse for longer than the lock timeout."""
