"""Training the SC-FEGAN generator (not needed to run the editor).

config (presets + overrides) → dataset (faces, masks, guides) → loop (G and D steps,
checkpoints, logging, validation, DDP) → export (the app's weights file).
`cli.register(subparsers)` adds `scfegan train` and `scfegan export`.
"""
