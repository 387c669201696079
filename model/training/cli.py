"""`scfegan train` and `scfegan export`, added to the app's argument parser by
`register(subparsers)`; `python -m model.training.cli ...` runs them stand-alone.

Every option of the config has a flag (`--batch-size`, `--lr-g`, ...); only the
flags given override the preset or config file (or, with --resume, the run's own).
"""
from __future__ import annotations

import argparse
import os
import sys

from .config import FIELDS, field_type, preset_names

CHOICES = {"device": ("auto", "cpu", "cuda", "mps"), "precision": ("auto", "fp32", "bf16", "fp16"),
           "crop": ("auto", "centre", "face"), "sampling": ("face", "zoom")}
METAVARS = {"data": "DIR", "mix": "DIR", "masks": "DIR", "vgg": "PATH", "init": "WEIGHTS", "steps": "N",
            "batch_size": "B", "size": "S", "cnum": "C"}
TRAIN_EPILOG = """examples:
  scfegan train lite --data faces/ --masks masks/ --out runs/lite
  scfegan train lite --out runs/lite --resume --steps 20000
  torchrun --standalone --nproc_per_node 4 $(which scfegan) train paper --data faces/ --out runs/paper
"""


def _add_option_flags(parser: argparse.ArgumentParser) -> None:
    groups: dict[str, argparse._ArgumentGroup] = {}
    for name, f in FIELDS.items():
        section = f.metadata["section"]
        group = groups.setdefault(section, parser.add_argument_group(f"[{section}] options"))
        flag = "--" + name.replace("_", "-")
        kind = field_type(name)
        help_text = f"{f.metadata['help']} (default {f.default!r})" if f.default != "" else f.metadata["help"]
        if kind is bool:
            group.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=help_text)
        else:
            group.add_argument(flag, dest=name, type=kind, default=argparse.SUPPRESS,
                               choices=CHOICES.get(name),
                               metavar=METAVARS.get(name) or (None if name in CHOICES else kind.__name__.upper()),
                               help=help_text.replace("%", "%%"))


def register(subparsers) -> None:
    """Add the `train` and `export` sub-commands to an argparse subparsers object."""
    p = subparsers.add_parser(
        "train", help="train a generator on a folder of face photos",
        description="Train the SC-FEGAN generator. Writes RUN/checkpoint.pt, RUN/tb (TensorBoard) "
                    "and RUN/cache; under torchrun it runs distributed.",
        epilog=TRAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", metavar="CONFIG",
                   help=f"preset ({', '.join(preset_names())}) or TOML file (default lite; "
                        "ignored with --resume, which continues with the run's own config)")
    p.add_argument("--out", required=True, metavar="RUN", help="run folder (checkpoint, logs, cache)")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN from its checkpoint")
    _add_option_flags(p)
    p.set_defaults(func=run_train)

    e = subparsers.add_parser("export", help="write a trained run's generator as a weights file",
                              description="Write the generator of a training run as the app's weights file.")
    e.add_argument("run", metavar="RUN", help="run folder given to `train --out`")
    e.add_argument("dst", metavar="DST", help="weights file to write (.safetensors)")
    e.add_argument("--licence", help="licence note to store (default: from the training data)")
    e.add_argument("--raw", action="store_true", help="export the last weights, not their running average")
    e.add_argument("--half", action="store_true",
                   help="store the weights as float16: half the file, loaded as float32")
    e.set_defaults(func=run_export)


def run_train(args) -> int:
    """The `train` sub-command."""
    from .config import load_config
    from .loop import train

    overrides = {name: getattr(args, name) for name in FIELDS if hasattr(args, name)}
    config = None if args.resume else load_config(args.config)
    if args.resume and args.config:
        print(f"notice: resuming with the run's own config; '{args.config}' is not read", file=sys.stderr)
    result = train(args.out, config, overrides, resume=args.resume)
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"trained {args.out} to step {result.step}; make a weights file with: "
              f"scfegan export {args.out} weights.safetensors")
    return 0


def run_export(args) -> int:
    """The `export` sub-command."""
    from .export import export_run

    info = export_run(args.run, args.dst, licence=args.licence, use_ema=not args.raw, half=args.half)
    print(f"wrote {args.dst}: width {info.cnum}, {info.native_size}px, {info.extra['steps']} steps "
          f"({info.extra['weights_kind']} weights)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry: `python -m model.training.cli train|export ...`."""
    from ..errors import run_command

    parser = argparse.ArgumentParser(prog="python -m model.training.cli")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
