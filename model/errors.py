"""Errors a user can hit. Each message is written for people and fits on one line."""


class ScfeganError(Exception):
    """An error a user can hit; its message is written for people."""


class WeightsError(ScfeganError):
    """A weights file that cannot be used (missing, corrupt, foreign, misshapen)."""


class ImageError(ScfeganError):
    """An image that cannot be read, written or used."""


EXIT_USER_ERROR = 2


def run_command(args) -> int:
    """Run a parsed command-line sub-command (`args.func(args)`): warnings and user
    errors become one stderr line each (errors exit with 2), Ctrl-C exits with 130."""
    import sys
    import warnings

    warnings.formatwarning = lambda msg, *a, **k: f"warning: {msg}\n"
    try:
        return int(args.func(args) or 0)
    except ScfeganError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
