"""Errors a user can hit. Each message is written for people and fits on one line."""


class ScfeganError(Exception):
    """An error a user can hit; its message is written for people."""


class WeightsError(ScfeganError):
    """A weights file that cannot be used (missing, corrupt, foreign, misshapen)."""


class ImageError(ScfeganError):
    """An image that cannot be read, written or used."""
