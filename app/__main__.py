"""`python -m app [...]`: the same as the `scfegan` command (the editor by default)."""
import sys

from .cli import main

sys.exit(main())
