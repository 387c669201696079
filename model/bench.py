"""Inference benchmarks, stated as fractions of this machine's measured peak.

Peak = a large 1×1 convolution (pure GEMM through oneDNN) in fp32 and bf16. Network
FLOPs are counted from the layer shapes actually executed (the dead deconvolution
gates of the TF original are not built here).
"""
from __future__ import annotations

import statistics
import time
from typing import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .device import cpu_has_fast_bf16, resolve_precision
from .inference import running, set_precision
from .generator import Generator
from .layers import GatedConv2d, GatedDeconv2d


FREE_FORM_MASKS = 4  # free-form holes timed on the sample portrait (seeds 0..3 of the training's strokes)


def _times(fn: Callable[[], object], repeats: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _median_time(fn: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    return statistics.median(_times(fn, repeats, warmup))


def peak_gflops(dtype: torch.dtype, repeats: int = 7) -> float | None:
    """This CPU's convolution peak at `dtype` in GFLOP/s (None if unsupported): the
    best of `2·repeats` runs of a large 1×1 convolution (a pure GEMM through oneDNN)
    and of a wide 3×3 one, whichever oneDNN runs faster here."""
    if dtype == torch.bfloat16 and not cpu_has_fast_bf16():
        return None
    best = 0.0
    for channels, kernel, side in ((1024, 1, 64), (256, 3, 64)):
        x = torch.randn(1, channels, side, side).to(dtype).contiguous(memory_format=torch.channels_last)
        w = torch.randn(channels, channels, kernel, kernel).to(dtype).contiguous(
            memory_format=torch.channels_last)
        flops = 2 * channels * channels * kernel * kernel * side * side
        with torch.inference_mode():
            seconds = min(_times(lambda: F.conv2d(x, w, padding=kernel // 2), 2 * repeats))
        best = max(best, flops / seconds / 1e9)
    return best


def generator_gflop(net: Generator, size: int) -> float:
    """Multiply-adds ×2 of one forward pass at `size`², from the executed layer shapes."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        x = inputs[0]
        if isinstance(module, GatedConv2d):
            w = module.conv.weight
            total += 2 * output.shape[-2] * output.shape[-1] * w.shape[0] * w.shape[1] * w.shape[2] * w.shape[3]
        else:
            w = module.deconv.weight
            total += 2 * x.shape[-2] * x.shape[-1] * w.shape[0] * w.shape[1] * w.shape[2] * w.shape[3]

    hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, (GatedConv2d, GatedDeconv2d))]
    with torch.inference_mode():
        net(torch.zeros(1, 9, size, size))
    for h in hooks:
        h.remove()
    return total / 1e9


def time_generator(net: Generator, size: int, precision: str, repeats: int) -> float:
    """Median seconds of one forward at `size`² on the CPU at `precision`."""
    x = torch.randn(1, 9, size, size).contiguous(memory_format=torch.channels_last)
    net = set_precision(net.to("cpu", memory_format=torch.channels_last).eval(), precision)

    def run():
        with running(net):
            net(x)

    return _median_time(run, repeats)


def _peak_rss_mib() -> float | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:  # Windows
        return None


def _portrait(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(0)
    img = np.stack([xx / w * 200 + 30, yy / h * 180 + 40, (xx + yy) / (h + w) * 150 + 60], -1)
    return np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)


def time_edit(net, h: int, w: int, repeats: int) -> tuple[float, float]:
    """(median seconds of decode → crop → pack → infer → write-back for a face-sized
    edit on an h×w JPEG photo, median seconds of the decode alone)."""
    import io

    from PIL import Image

    from .editor import EditLayers, edit_photo
    from .imageio import photo_from_bytes

    buf = io.BytesIO()
    Image.fromarray(_portrait(h, w)).save(buf, "JPEG", quality=92)
    data = buf.getvalue()
    mask = np.zeros((h, w), bool)
    side = min(h, w) // 4
    mask[h // 2:h // 2 + side, w // 2 - side // 2:w // 2 + side // 2] = True
    layers = EditLayers(mask)
    decode = _median_time(lambda: photo_from_bytes(data), max(3, repeats // 2), warmup=1)
    total = _median_time(lambda: edit_photo(net, photo_from_bytes(data).pixels, layers, faces=[]), repeats)
    return total, decode


def time_portrait_edit(net, repeats: int) -> dict | None:
    """The sample portrait (1000×1000) with its mouth erased as the face detector places
    it, unguided (an example mouth, model.mouths) and with the mouth's traced edges,
    and with an eye erased (unguided: the mirrored face, model.symmetry; drawn back in
    its traced lines: the other eye's colours and detail, model.mirror_detail), and with
    both eyes erased (unguided: a pair of example eyes, model.eyes), and with an eye
    erased and a blue dab in it (an eye, its iris tinted: the editor's iris hints): median
    seconds of the edit (photo decoded once), each a first edit of its hole (no search
    remembered; the example libraries placed, as the app's model warm-up leaves them),
    and of Generate again on the mouth (another seed: the searches remembered,
    model.recent), and of FREE_FORM_MASKS first edits of free-form strokes over the
    face (one median each); None without the sample or a face."""
    from .editor import EditLayers, edit_photo, prepare_examples
    from .faces import detect_faces
    from .guides import extract_sketch
    from .imageio import load_photo
    from .paths import sample_photo_path
    from .portrait_eval import face_frame, part_mask
    from .recent import forget_all
    from .training.masks import free_form_mask

    path = sample_photo_path()
    if not path.is_file():
        return None
    photo = np.ascontiguousarray(load_photo(path).pixels)
    faces = detect_faces(photo)
    if not faces:
        return None
    mask = part_mask(photo.shape, faces[0], "mouth")
    unguided = EditLayers(mask)
    guided = EditLayers(mask, extract_sketch(photo) & mask)
    eye = EditLayers(part_mask(photo.shape, faces[0], "eye"))
    eye_lines = EditLayers(eye.mask, extract_sketch(photo) & eye.mask)
    both_eyes = EditLayers(eye.mask | part_mask(photo.shape, faces[0], "eye", flip=True))
    ys, xs = np.nonzero(eye.mask)
    dab = np.zeros(photo.shape[:2] + (4,), np.uint8)
    cv2.circle(dab, (int(xs.mean()), int(ys.mean())), max(2, faces[0][2] // 50), (70, 120, 200, 255), -1)
    eye_dab = EditLayers(eye.mask, None, dab)
    x0, y0, x1, y1 = face_frame(photo.shape, faces[0])
    strokes = []  # free-form strokes over the face frame, as the training draws them
    for seed in range(FREE_FORM_MASKS):
        drawn = free_form_mask(256, np.random.default_rng(seed))
        mask = np.zeros(photo.shape[:2], bool)
        mask[y0:y1, x0:x1] = cv2.resize(drawn, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST) > 0
        strokes.append(EditLayers(mask))
    seeds = iter(range(1 << 20))
    prepare_examples()

    def first(layers):
        forget_all()
        return edit_photo(net, photo, layers, faces=faces)

    return {"photo": f"{photo.shape[1]}×{photo.shape[0]}",
            "unguided_s": _median_time(lambda: first(unguided), repeats),
            "guided_s": _median_time(lambda: first(guided), repeats),
            "eye_s": _median_time(lambda: first(eye), repeats),
            "eye_lines_s": _median_time(lambda: first(eye_lines), repeats),
            "both_eyes_s": _median_time(lambda: first(both_eyes), repeats),
            "eye_dab_s": _median_time(lambda: first(eye_dab), repeats),
            "again_s": _median_time(lambda: edit_photo(net, photo, unguided, faces=faces, seed=next(seeds)), repeats),
            "free_form_s": [_median_time(lambda: first(layers), repeats) for layers in strokes]}


def run_benchmarks(weights=None, repeats: int = 7, log: Callable[[str], None] = lambda m: None) -> dict:
    """All figures of `scfegan bench` as one dict (seconds are medians)."""
    from .inference import load_generator
    from .paths import default_weights_path

    torch.manual_seed(0)
    res: dict = {"threads": torch.get_num_threads(), "torch": torch.__version__}
    log("peak: 1×1 convolution fp32 / bf16")
    res["peak_fp32_gflops"] = peak_gflops(torch.float32, repeats)
    res["peak_bf16_gflops"] = peak_gflops(torch.bfloat16, repeats)
    full = Generator(64).eval()
    res["full512_gflop"] = generator_gflop(full, 512)
    log("full size (cnum 64) at 512², fp32")
    res["full512_fp32_s"] = time_generator(full, 512, "fp32", repeats)
    log("full size at 512², bf16")
    res["full512_bf16_s"] = time_generator(full, 512, "bf16", repeats) if res["peak_bf16_gflops"] else None
    del full
    path = weights or default_weights_path()
    res["lite_s"] = res["lite_bf16_s"] = res["edit512_s"] = res["edit24mp_s"] = None
    if path is not None:
        net = load_generator(path, "cpu", precision="fp32")
        size = net.info.native_size
        res.update(lite_cnum=net.info.cnum, lite_size=size, lite_gflop=generator_gflop(net, size))
        log(f"shipped model (cnum {net.info.cnum}) at {size}²")
        res["lite_s"] = time_generator(net, size, "fp32", repeats)
        if res["peak_bf16_gflops"]:
            res["lite_bf16_s"] = time_generator(net, size, "bf16", repeats)
        set_precision(net, "fp32")  # the overheads below are measured against lite_s
        log("end-to-end edit, 512×512 photo")
        res["edit512_s"], res["decode512_s"] = time_edit(net, 512, 512, repeats)
        log("end-to-end edit, 24 MP photo (6000×4000)")
        res["edit24mp_s"], res["decode24mp_s"] = time_edit(net, 4000, 6000, max(3, repeats // 2))
        # The face-part edits as a user gets them: at the editor's default precision.
        res["portrait_precision"] = resolve_precision("auto", torch.device("cpu"))
        network_s = res["lite_bf16_s"] if res["portrait_precision"] == "bf16" else res["lite_s"]
        set_precision(net, res["portrait_precision"])
        log(f"mouth edit on the 1000×1000 sample portrait ({res['portrait_precision']})")
        portrait = time_portrait_edit(net, repeats)
        if portrait is not None:
            res["portrait_photo"] = portrait["photo"]
            res["portrait_edit_s"], res["portrait_guided_edit_s"] = portrait["unguided_s"], portrait["guided_s"]
            res["portrait_eye_edit_s"] = portrait["eye_s"]
            res["portrait_eye_lines_edit_s"] = portrait["eye_lines_s"]
            res["portrait_both_eyes_edit_s"] = portrait["both_eyes_s"]
            res["portrait_eye_dab_edit_s"] = portrait["eye_dab_s"]
            res["portrait_again_s"] = portrait["again_s"]
            res["portrait_free_form_s"] = portrait["free_form_s"]
            res["portrait_edit_overhead_s"] = portrait["unguided_s"] - network_s
            res["portrait_guided_edit_overhead_s"] = portrait["guided_s"] - network_s
        res["edit512_overhead_s"] = res["edit512_s"] - res["lite_s"]
        res["edit24mp_overhead_s"] = res["edit24mp_s"] - res["lite_s"]
    for key, gflop, peak in (("full512_fp32", "full512_gflop", "peak_fp32_gflops"),
                             ("full512_bf16", "full512_gflop", "peak_bf16_gflops"),
                             ("lite", "lite_gflop", "peak_fp32_gflops")):
        seconds = res.get(f"{key}_s")
        if seconds and res.get(gflop) and res.get(peak):
            res[f"{key}_gflops"] = res[gflop] / seconds
            res[f"{key}_fraction_of_peak"] = res[gflop] / seconds / res[peak]
    from .guides import extract_colour_map, extract_sketch

    log("guides (sketch + colour map) at 512²")
    photo = _portrait(512, 512)
    res["guides512_s"] = _median_time(lambda: (extract_sketch(photo), extract_colour_map(photo)), repeats)
    res["peak_rss_mib"] = _peak_rss_mib()
    return res


def format_report(res: dict) -> str:
    """A human-readable table of `run_benchmarks` results."""
    def fmt(v, unit=""):
        return "n/a" if v is None else (f"{v:.3f}{unit}" if isinstance(v, float) else f"{v}{unit}")

    lines = [f"threads: {res['threads']}, torch {res['torch']}",
             f"peak fp32: {fmt(res['peak_fp32_gflops'])} GFLOP/s   peak bf16: {fmt(res['peak_bf16_gflops'])} GFLOP/s",
             f"full size 512² ({res['full512_gflop']:.1f} GFLOP): fp32 {fmt(res['full512_fp32_s'], ' s')} "
             f"({fmt(res.get('full512_fp32_fraction_of_peak'))} of peak), bf16 {fmt(res['full512_bf16_s'], ' s')} "
             f"({fmt(res.get('full512_bf16_fraction_of_peak'))} of peak)"]
    if res.get("lite_s") is not None:
        lines += [f"shipped model cnum {res['lite_cnum']} at {res['lite_size']}² ({res['lite_gflop']:.2f} GFLOP): "
                  f"fp32 {fmt(res['lite_s'], ' s')} ({fmt(res.get('lite_fraction_of_peak'))} of peak), "
                  f"bf16 {fmt(res.get('lite_bf16_s'), ' s')}",
                  f"edit 512² end to end: {fmt(res['edit512_s'], ' s')} (decode {fmt(res['decode512_s'], ' s')}, "
                  f"beyond the network {fmt(res['edit512_overhead_s'], ' s')})",
                  f"edit 24 MP end to end: {fmt(res['edit24mp_s'], ' s')} (decode {fmt(res['decode24mp_s'], ' s')}, "
                  f"beyond the network {fmt(res['edit24mp_overhead_s'], ' s')})"]
        if res.get("portrait_edit_s") is not None:
            lines.append(f"mouth edit on the {res['portrait_photo']} sample portrait (decoded; "
                         f"{res.get('portrait_precision', 'fp32')}, the editor's default here): unguided "
                         "(example mouth) "
                         f"{fmt(res['portrait_edit_s'], ' s')} (beyond the network "
                         f"{fmt(res['portrait_edit_overhead_s'], ' s')}), with traced edges "
                         f"{fmt(res['portrait_guided_edit_s'], ' s')} (beyond "
                         f"{fmt(res['portrait_guided_edit_overhead_s'], ' s')}); an eye, unguided "
                         f"(mirrored face): {fmt(res.get('portrait_eye_edit_s'), ' s')}, drawn in its traced "
                         f"lines (the other eye's colours and detail): "
                         f"{fmt(res.get('portrait_eye_lines_edit_s'), ' s')}; both eyes, unguided (example "
                         f"eyes): {fmt(res.get('portrait_both_eyes_edit_s'), ' s')}; an eye with a blue dab "
                         f"(its iris tinted): {fmt(res.get('portrait_eye_dab_edit_s'), ' s')}; Generate again "
                         f"on the mouth (searches remembered): {fmt(res.get('portrait_again_s'), ' s')}; "
                         f"free-form strokes over the face, unguided: "
                         f"{', '.join(fmt(t, ' s') for t in res.get('portrait_free_form_s') or ()) or 'n/a'}")
    else:
        lines.append("shipped model: no weights found (pass --weights)")
    lines.append(f"guides (sketch + colour) at 512²: {fmt(res.get('guides512_s'), ' s')}")
    if res.get("live_fills_per_s") is not None:
        fill = res.get("live_fill_s")
        lines.append(f"live fill on the {res['live_photo']} portrait (editor, sketch stroke at 120 Hz): "
                     f"{res['live_fills_per_s']:.1f} fills/s ({'n/a' if fill is None else f'{fill * 1000:.0f}'} ms "
                     f"per fill in the worker), worst GUI event-loop stall {fmt(res['live_stall_max_ms'], ' ms')} "
                     f"(p99 {fmt(res['live_stall_p99_ms'], ' ms')})")
    elif "live_fills_per_s" in res:
        lines.append("live fill: no weights found (pass --weights)")
    lines.append(f"peak memory: {fmt(res['peak_rss_mib'], ' MiB')}")
    return "\n".join(lines)
