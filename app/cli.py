"""The `scfegan` command. Sub-commands import their modules lazily so `--help`
and the GUI start fast. User errors print one line on stderr and exit with code 2."""
from __future__ import annotations

import argparse
import sys

SEED_MAX = 2**31 - 1   # as the editor's seed box


class _Parser(argparse.ArgumentParser):
    """argparse with the command's error style: one line on stderr, exit code 2."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _whole_number(low: int, high: int | None = None, step: int = 1):
    """An argparse type: an integer in [low, high] (and a multiple of `step`)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not '{text}'") from None
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {value}")
        if value % step:
            raise argparse.ArgumentTypeError(f"must be a multiple of {step}, not {value}")
        return value
    return parse


def _cmd_convert(args) -> int:
    from model.convert import convert_checkpoint

    info = convert_checkpoint(args.src, args.dst, native_size=args.native_size)
    print(f"wrote {args.dst}: SC-FEGAN generator, width {info.cnum}, native size {info.native_size}, {info.channel_order}")
    return 0


def _weights_or_error(path):
    from model.errors import WeightsError
    from model.paths import default_weights_path

    chosen = path or default_weights_path()
    if chosen is None:
        raise WeightsError("no weights: pass --weights, convert the official checkpoint "
                           "(scfegan convert) or train one (scfegan train)")
    return chosen


def _cmd_edit(args) -> int:
    import os
    from pathlib import Path

    import numpy as np

    from model import EditLayers, edit_photo, load_generator
    from model.errors import ScfeganError
    from model.imageio import load_layer, load_photo, save_photo

    out = Path(args.output)
    photo = load_photo(args.photo)
    if out.exists() and os.path.samefile(out, args.photo) and not args.overwrite:
        raise ScfeganError(f"{out} is the input photo; pass --overwrite to replace it")
    size = (photo.pixels.shape[1], photo.pixels.shape[0])
    notes: list[str] = list(photo.notes)
    mask, w = load_layer(args.mask, "mask", size)
    notes += w
    sketch = colour = None
    if args.sketch:
        sketch, w = load_layer(args.sketch, "sketch", size)
        notes += w
    if args.color:
        colour, w = load_layer(args.color, "colour", size)
        notes += w
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    if not mask.any():
        print("notice: the mask is empty; writing the photo unchanged", file=sys.stderr)
        result = photo.pixels
    else:
        net = load_generator(_weights_or_error(args.weights), device=args.device, precision=args.precision)
        result = edit_photo(net, photo.pixels, EditLayers(mask, sketch, colour), seed=args.seed,
                            mirror=not args.no_mirror, mouths=not args.no_mouths)
    protect = None if args.overwrite else Path(args.photo)
    save_photo(out, np.ascontiguousarray(result), like=photo, overwrite_protect=protect)
    print(f"wrote {out}")
    return 0


def _cmd_bench(args) -> int:
    import json

    from model.bench import format_report, run_benchmarks

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results = run_benchmarks(weights=args.weights, repeats=args.repeats, log=log)
    from app.live_bench import measure_live_fill  # Qt: the editor's side, kept out of model/

    results.update(measure_live_fill(weights=args.weights, log=log))
    print(json.dumps(results) if args.json else format_report(results))
    return 0


def _cmd_eval(args) -> int:
    from model.evaluate import format_table, run_eval

    report = run_eval(args.data, args.masks, _weights_or_error(args.weights), args.out, args.limit, args.seed,
                      portrait=args.portrait, list_file=args.list, mirror=not args.no_mirror,
                      mouths=not args.no_mouths)
    print(format_table(report), end="")
    print(f"wrote {args.out}/report.json, report.md and grid.png")
    return 0


def _cmd_gui(args) -> int:
    from app.main import run_gui

    return run_gui(args.photo, weights=getattr(args, "weights", None))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = _Parser(
        prog="scfegan", description="SC-FEGAN Studio: sketch- and colour-guided face editing.",
        epilog="scfegan --self-test checks an install headlessly (bundled weights, sample edit, Qt plugins).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the editor (the default)")
    p.add_argument("photo", nargs="?", help="photo or session file to open")
    p.add_argument("--weights", help="weights file (default: the bundled model)")
    p.set_defaults(func=_cmd_gui)

    p = sub.add_parser("convert", help="convert an official TF checkpoint to our weights file")
    p.add_argument("src", help="checkpoint prefix (e.g. ckpt/SC-FEGAN.ckpt), its .index file or its folder")
    p.add_argument("dst", help="weights file to write (.safetensors)")
    p.add_argument("--native-size", type=_whole_number(128, 4096, step=128), default=512,
                   help="input size the network was trained at: a multiple of 128 (default 512)")
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser("edit", help="edit a photo headlessly from layer images")
    p.add_argument("photo")
    p.add_argument("--mask", required=True, help="region to repaint: RGBA (alpha>0) or white-on-black")
    p.add_argument("--sketch", help="sketch lines: RGBA (alpha>0) or white-on-black")
    p.add_argument("--color", help="colour strokes: RGBA PNG (alpha>0 = painted)")
    p.add_argument("--weights", help="weights file (default: the bundled model)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"],
                   help="auto: bf16 on CPUs with native bf16 and on CUDA, else fp32 (exact)")
    p.add_argument("--seed", type=_whole_number(0, SEED_MAX), default=0, help="noise seed, 0 or more (default 0)")
    p.add_argument("--no-mirror", action="store_true",
                   help="do not fill unguided holes on one side of a face from its mirrored other side")
    p.add_argument("--no-mouths", action="store_true",
                   help="do not fill an unguided hole over a whole mouth, nose or eye (or lips drawn "
                        "over a mouth) with an example from other portraits")
    p.add_argument("-o", "--output", required=True, help="where to write the result")
    p.add_argument("--overwrite", action="store_true", help="allow OUT to be the input photo")
    p.set_defaults(func=_cmd_edit)

    p = sub.add_parser("eval", help="compare the model (unguided, guided) with Telea inpainting")
    p.add_argument("--data", help="folder of photos (ground truth); with --portrait default: the CC0 samples")
    p.add_argument("--masks", help="folder of hole masks (white = hole); default: free-form strokes")
    p.add_argument("--portrait", action="store_true",
                   help="photos at their own resolution (>= 512 px), face-part holes from a face detector, "
                        "crops at 100%% in the grid")
    p.add_argument("--list", help="with --portrait: file of photo paths relative to --data, one a line")
    p.add_argument("--weights", help="weights file (default: the bundled model)")
    p.add_argument("--out", required=True, help="folder for report.json, report.md and grid.png")
    p.add_argument("--limit", type=_whole_number(1), help="evaluate only the first N photos")
    p.add_argument("--seed", type=_whole_number(0, SEED_MAX), default=0, help="noise seed (default 0)")
    p.add_argument("--no-mirror", action="store_true", help="the editor without its mirrored faces")
    p.add_argument("--no-mouths", action="store_true",
                   help="the editor without its example face parts")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("bench", help="measure inference speed against this machine's peak")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--weights", help="the lite model to time (default: the bundled model)")
    p.add_argument("--repeats", type=_whole_number(1, 1000), default=7, help="timed runs per figure (median; default 7)")
    p.set_defaults(func=_cmd_bench)

    try:
        from model.training.cli import register
    except ImportError:  # the training package is not part of every install
        pass
    else:
        register(sub)
    return parser


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._subparsers._group_actions:  # argparse keeps no public list
        return set(action.choices)
    return set()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `scfegan` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--self-test"]:
        from app.selftest import run_self_test

        return run_self_test()
    parser = build_parser()
    if argv and not argv[0].startswith("-") and argv[0] not in _commands(parser):
        argv = ["gui"] + argv  # `scfegan photo.jpg`, as a file manager or file association calls it
    args = parser.parse_args(argv or ["gui"])
    from model.errors import run_command

    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
