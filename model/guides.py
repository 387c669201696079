"""Sketch and colour guides made from a photo: the training data's stand-ins for what
a user draws, and the editor's Trace actions. Pure numpy/OpenCV, deterministic.

`extract_sketch` finds dark line-like structure (a difference of Gaussians on a
CLAHE-equalised grey image, with hysteresis), thins it to 1-pixel centre lines and
drops short fragments; an HED network can replace the line detector.
`extract_colour_map` splits the image into compact regions (k-means on colour and
position of the luminance-equalised image, then a majority filter) and paints each
region with the per-channel median of its ORIGINAL colours, so a traced colour map
shows the photo's own colours, as a user would pick them.
"""
from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import cv2
import numpy as np

from .errors import ScfeganError

REFERENCE_SIDE = 512        # sizes below are tuned for a 512-pixel face crop and scaled
LINE_SIGMA = 1.6            # inner blur of the difference of Gaussians (pixels at 512)
MIN_LINE_SIGMA = 0.7        # ... and never less (pixels of the image traced)
SURROUND_RATIO = 2.5        # outer blur = inner blur × this
LINE_SEED_CONTRAST = 8.0    # grey levels darker than the surround that start a line
LINE_GROW_CONTRAST = 3.0    # ... and that extend one (hysteresis)
MIN_LINE_LENGTH = 24        # pixels at 512; shorter fragments are dropped
OUTLINE_SIGMA = 1 / 128     # outlines: edges of the image blurred by this fraction of its side,
OUTLINE_SHARE = 0.08        # the strongest this share of its pixels (Canny's upper threshold),
OUTLINE_FLOOR = 40.0        # and never weaker than this (Sobel magnitude of grey levels): skin grain
OUTLINE_SIDE = 256          # people draw outlines at the whole face's scale: traced on the face frame
                            # this wide (a pen at the editor's default width on a 1000-px portrait)
HED_THRESHOLD = 0.5         # HED edge probability that counts as a line
HED_MEAN_BGR = (104.00698793, 116.66876762, 122.67891434)

COLOUR_REGIONS = 10         # k of the k-means
COLOUR_WORK_SIDE = 96       # k-means runs on a copy this large
SPATIAL_WEIGHT = 40.0       # weight of (x, y) in [0, 1] against Lab colour (0..255 scale)
KMEANS_ITERATIONS = 12
MAJORITY_WINDOW = 9         # pixels at 512: side of the label majority filter
PARSING_SIDE = 512          # input side of a face-parsing network
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def _check_rgb(image: np.ndarray) -> None:
    if not (isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 3
            and image.shape[2] == 3 and min(image.shape[:2]) >= 8):
        shape = getattr(image, "shape", None)
        raise ScfeganError(f"guides need an RGB uint8 image of at least 8×8 pixels, got {shape}")


def _scale(image: np.ndarray) -> float:
    """How much larger than the reference crop this image is."""
    return min(image.shape[:2]) / REFERENCE_SIDE


# ---------------------------------------------------------------- sketch


def extract_sketch(image_rgb: np.ndarray, hed_model: str | Path | None = None,
                   scale: float | None = None) -> np.ndarray:
    """Thin (about 1 px) line drawing of the photo's edges: bool H×W, True = line.

    Without `hed_model` the lines are the centres of dark, line-like structures
    (eyelids, brows, lips, nostrils, contours). With `hed_model` (an HED network as
    .onnx, or .caffemodel with its deploy .prototxt beside it) HED's edge
    probability replaces that detector; thinning and cleaning are the same.
    `scale`: how coarse the traced structure is, as the image's side over that of
    a 512-px face crop (by default the image's own): a window zoomed into a face is
    traced at the face's scale, so it gets the lines its face would get.
    """
    _check_rgb(image_rgb)
    if scale is None:
        scale = _scale(image_rgb)
    elif not scale > 0:
        raise ScfeganError(f"the sketch scale must be positive, got {scale}")
    band = _hed_band(image_rgb, hed_model) if hed_model is not None else _dark_line_band(image_rgb, scale)
    lines = thin(band)
    return remove_short_fragments(lines, max(4, round(MIN_LINE_LENGTH * scale)))


def extract_outlines(image_rgb: np.ndarray) -> np.ndarray:
    """Thin (1 px) lines where the photo's regions meet, as people draw a face (a lip's
    outline, the side of a nose): bool H×W. Unlike `extract_sketch` (the centres of dark
    lines), a line here is a boundary between two areas, whatever their shades. Edges
    of the image blurred over OUTLINE_SIGMA of its side, kept where their strength is
    among the strongest OUTLINE_SHARE of its pixels (hysteresis down to half of it)."""
    _check_rgb(image_rgb)
    side = min(image_rgb.shape[:2])
    grey = cv2.GaussianBlur(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0),
                            max(0.7, OUTLINE_SIGMA * side))
    strength = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    high = max(OUTLINE_FLOOR, float(np.quantile(strength, 1 - OUTLINE_SHARE)))
    grey8 = np.clip(grey, 0, 255).astype(np.uint8)
    lines = cv2.Canny(grey8, high / 2, high, L2gradient=True) > 0
    return remove_short_fragments(lines, max(4, round(MIN_LINE_LENGTH * side / REFERENCE_SIDE)))


def _dark_line_band(image_rgb: np.ndarray, scale: float) -> np.ndarray:
    grey = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    tiles = max(2, round(8 * min(1.0, scale * 2)))
    grey = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(tiles, tiles)).apply(grey).astype(np.float32)
    sigma = max(MIN_LINE_SIGMA, LINE_SIGMA * scale)
    centre = cv2.GaussianBlur(grey, (0, 0), sigma)
    surround = cv2.GaussianBlur(grey, (0, 0), sigma * SURROUND_RATIO)
    darkness = surround - centre  # > 0 where a pixel is darker than its neighbourhood
    weak = (darkness > LINE_GROW_CONTRAST).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    seeded = np.zeros(count, bool)
    seeded[np.unique(labels[darkness > LINE_SEED_CONTRAST])] = True
    seeded[0] = False
    return seeded[labels]


def thin(band: np.ndarray) -> np.ndarray:
    """Zhang–Suen thinning of a bool image to 1-pixel-wide 8-connected skeleton lines."""
    img = np.pad(band.astype(np.uint8), 1)
    ys, xs = np.nonzero(img)
    if ys.size == 0:
        return np.zeros(band.shape, bool)
    # Work on the bounding box of the lines only (plus a 1-pixel frame).
    y0, y1, x0, x1 = max(ys.min() - 1, 0), ys.max() + 2, max(xs.min() - 1, 0), xs.max() + 2
    work = img[y0:y1, x0:x1].copy()
    while True:
        changed = False
        for first_pass in (True, False):
            c = work[1:-1, 1:-1]
            # Neighbours P2..P9 clockwise from north.
            p = [work[:-2, 1:-1], work[:-2, 2:], work[1:-1, 2:], work[2:, 2:],
                 work[2:, 1:-1], work[2:, :-2], work[1:-1, :-2], work[:-2, :-2]]
            count = sum(q.astype(np.int8) for q in p)
            transitions = sum(((p[i] == 0) & (p[(i + 1) % 8] == 1)).astype(np.int8) for i in range(8))
            north, east, south, west = p[0], p[2], p[4], p[6]
            if first_pass:
                keep_shape = ((north & east & south) == 0) & ((east & south & west) == 0)
            else:
                keep_shape = ((north & east & west) == 0) & ((north & south & west) == 0)
            remove = (c == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & keep_shape
            if remove.any():
                c[remove] = 0
                changed = True
        if not changed:
            break
    img[y0:y1, x0:x1] = work
    return img[1:-1, 1:-1].astype(bool)


def drawn_with_pen(lines: np.ndarray, min_width: float = 1.5) -> bool:
    """Whether `lines` (bool) were drawn with a pen: at least `min_width` px wide on
    average (pixels over their thinned length). Edges traced from a photo
    (`extract_sketch`, Trace Edges) are one pixel wide."""
    return bool(lines.any()) and lines.sum() >= min_width * thin(lines).sum()


def lines_crossed(lines: np.ndarray, shares=(0.4, 0.5, 0.6)) -> int:
    """How many separate lines a path straight down `lines` (bool) crosses, at these
    shares of their width (the median): a lip's or lid's outline and what lies between."""
    xs = np.flatnonzero(lines.any(0))
    if xs.size == 0:
        return 0
    left, right = int(xs[0]), int(xs[-1])
    counts = []
    for share in shares:
        column = lines[:, round(left + share * (right - left))].astype(np.int8)
        counts.append(int(column[0]) + int((np.diff(column) == 1).sum()))
    return sorted(counts)[len(counts) // 2]


def remove_short_fragments(lines: np.ndarray, min_pixels: int) -> np.ndarray:
    """Drop 8-connected pieces of fewer than `min_pixels` pixels (≈ length, for thin lines)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lines.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_pixels
    keep[0] = False
    return keep[labels]


class _CentreCropLayer:
    """HED's Caffe 'Crop' layers: crop the first input to the second's size, centred.

    OpenCV's built-in Crop honours the prototxt offsets, which do not line HED's side
    outputs up with the image; the reference HED deploy needs a centred crop.
    """

    def __init__(self, params, blobs):
        self.box = (0, 0, 0, 0)

    def getMemoryShapes(self, inputs):  # noqa: N802 (OpenCV's callback name)
        (n, c, h, w), (_, _, th, tw) = inputs[0], inputs[1]
        top, left = (h - th) // 2, (w - tw) // 2
        self.box = (top, top + th, left, left + tw)
        return [[n, c, th, tw]]

    def forward(self, inputs):
        top, bottom, left, right = self.box
        return [inputs[0][:, :, top:bottom, left:right]]


def _read_dnn(model_path: str | Path, what: str):
    """Load an OpenCV DNN network from .onnx or .caffemodel (+ .prototxt); ScfeganError if unusable."""
    path = Path(model_path)
    if not path.is_file():
        raise ScfeganError(f"{what} model not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".onnx":
            net = cv2.dnn.readNetFromONNX(str(path))
        elif suffix == ".caffemodel":
            candidates = [path.with_suffix(".prototxt"), path.parent / "deploy.prototxt"]
            proto = next((p for p in candidates if p.is_file()), None)
            if proto is None:
                raise ScfeganError(f"{what} model {path.name} needs its deploy .prototxt beside it "
                                   f"({candidates[0].name} or deploy.prototxt)")
            net = cv2.dnn.readNetFromCaffe(str(proto), str(path))
        else:
            raise ScfeganError(f"{what} model must be .onnx or .caffemodel, got {path.name}")
    except cv2.error as e:
        detail = (str(e).strip().splitlines() or ["unreadable"])[-1].strip()[:160]
        raise ScfeganError(f"{path}: not a usable {what} network ({detail})") from None
    if net.empty():
        raise ScfeganError(f"{path}: not a usable {what} network (empty)")
    return net


@functools.lru_cache(maxsize=2)
def _cached_dnn(model_path: str, what: str):
    return _read_dnn(model_path, what)


def _run_dnn(net, blob: np.ndarray, what: str) -> np.ndarray:
    try:
        net.setInput(blob)
        return np.asarray(net.forward())
    except cv2.error as e:
        detail = (str(e).strip().splitlines() or ["failed"])[-1].strip()[:160]
        raise ScfeganError(f"the {what} network failed on this image ({detail})") from None


@contextlib.contextmanager
def _centre_crop_layers():
    """Caffe 'Crop' layers built meanwhile are _CentreCropLayer. OpenCV creates layers
    when a network first runs, not when it is read, so running must happen inside too."""
    cv2.dnn_registerLayer("Crop", _CentreCropLayer)
    try:
        yield
    finally:
        cv2.dnn_unregisterLayer("Crop")


def _hed_band(image_rgb: np.ndarray, model_path: str | Path) -> np.ndarray:
    h, w = image_rgb.shape[:2]
    bgr = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR)  # HED was trained on Caffe's BGR images
    blob = cv2.dnn.blobFromImage(bgr, scalefactor=1.0, size=(w, h), mean=HED_MEAN_BGR, swapRB=False, crop=False)
    with _centre_crop_layers():
        out = _run_dnn(_cached_dnn(str(Path(model_path).resolve()), "HED"), blob, "HED")
    if out.ndim < 2 or out.size == 0:
        raise ScfeganError(f"the HED network gave an output of shape {out.shape}, expected 1×1×H×W")
    prob = out.reshape(-1, *out.shape[-2:])[0].astype(np.float32)
    if prob.shape != (h, w):
        prob = cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)
    return prob > HED_THRESHOLD


# ---------------------------------------------------------------- colour map


def extract_colour_map(image_rgb: np.ndarray, parsing_model: str | Path | None = None) -> np.ndarray:
    """Flat colour map of the photo: uint8 H×W×3, each region its median original colour.

    Regions come from k-means over colour (CIE Lab of the luminance-equalised image)
    and position, cleaned by a majority filter; with `parsing_model` (a face-parsing
    network as .onnx taking 512² ImageNet-normalised RGB, giving per-class logits) the
    network's classes are the regions instead.
    """
    _check_rgb(image_rgb)
    if parsing_model is not None:
        labels = _parsing_labels(image_rgb, parsing_model)
    else:
        labels = _cluster_labels(image_rgb)
    return fill_regions_with_median(image_rgb, labels)


def equalise_luminance(image_rgb: np.ndarray) -> np.ndarray:
    """Histogram-equalise the luma (Y of YCrCb) only, so hues stay as they were."""
    ycc = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2YCrCb)
    ycc[..., 0] = cv2.equalizeHist(np.ascontiguousarray(ycc[..., 0]))
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)


def _features(image_rgb: np.ndarray) -> np.ndarray:
    """Per-pixel (L, a, b, x, y) features, H×W×5 float32."""
    h, w = image_rgb.shape[:2]
    lab = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    ys, xs = np.meshgrid(np.linspace(0, SPATIAL_WEIGHT, h, dtype=np.float32),
                         np.linspace(0, SPATIAL_WEIGHT, w, dtype=np.float32), indexing="ij")
    return np.concatenate([lab, xs[..., None], ys[..., None]], axis=2)


def _kmeans(points: np.ndarray, k: int) -> np.ndarray:
    """Deterministic k-means (k-means++ seeding from a fixed seed); returns the centres."""
    rng = np.random.default_rng(0)
    points = points.astype(np.float32, copy=False)
    chosen = [int(rng.integers(len(points)))]
    dist = ((points - points[chosen[0]]) ** 2).sum(1, dtype=np.float64)
    for _ in range(1, k):
        total = dist.sum()
        pick = int(rng.choice(len(points), p=dist / total)) if total > 0 else int(rng.integers(len(points)))
        chosen.append(pick)
        dist = np.minimum(dist, ((points - points[pick]) ** 2).sum(1, dtype=np.float64))
    centres = points[chosen].copy()
    for _ in range(KMEANS_ITERATIONS):
        assign = _nearest(points, centres)
        counts = np.bincount(assign, minlength=k)
        sums = np.stack([np.bincount(assign, weights=points[:, j], minlength=k)
                         for j in range(points.shape[1])], axis=1)
        moved = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centres)
        moved = moved.astype(np.float32)
        if np.allclose(moved, centres, atol=1e-3):
            break
        centres = moved
    return centres


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each point (float32 throughout, for speed)."""
    # |p - c|² = |p|² - 2 p·c + |c|²; |p|² is the same for every centre.
    scores = centres.astype(np.float32) @ points.T.astype(np.float32, copy=False)
    scores *= -2.0
    scores += (centres.astype(np.float32) ** 2).sum(1)[:, None]
    return scores.argmin(0)


def _cluster_labels(image_rgb: np.ndarray) -> np.ndarray:
    h, w = image_rgb.shape[:2]
    equalised = equalise_luminance(image_rgb)
    work_scale = min(1.0, COLOUR_WORK_SIDE / max(h, w))
    small = cv2.resize(equalised, (max(1, round(w * work_scale)), max(1, round(h * work_scale))),
                       interpolation=cv2.INTER_AREA)
    small = cv2.bilateralFilter(small, 5, 30, 5)
    k = min(COLOUR_REGIONS, small.shape[0] * small.shape[1])
    centres = _kmeans(_features(small).reshape(-1, 5), k)
    # Assign every full-size pixel of a lightly smoothed image, so borders stay sharp.
    sigma = max(0.8, 2.0 * _scale(image_rgb))
    smooth = cv2.GaussianBlur(equalised, (0, 0), sigma)
    labels = _nearest(_features(smooth).reshape(-1, 5), centres).reshape(h, w)
    return majority_filter(labels, k, max(3, round(MAJORITY_WINDOW * _scale(image_rgb)) | 1))


def majority_filter(labels: np.ndarray, count: int, window: int) -> np.ndarray:
    """Each pixel takes the most frequent label in the window around it."""
    votes = np.stack([cv2.boxFilter((labels == i).astype(np.float32), -1, (window, window))
                      for i in range(count)])
    return votes.argmax(0)


def fill_regions_with_median(image_rgb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Paint every 4-connected region of equal label with its per-channel median colour."""
    regions = np.zeros(labels.shape, np.int32)
    next_id = 0
    for value in np.unique(labels):
        count, comp = cv2.connectedComponents((labels == value).astype(np.uint8), connectivity=4)
        inside = comp > 0
        regions[inside] = comp[inside] + next_id - 1
        next_id += count - 1
    flat = regions.ravel()
    sizes = np.bincount(flat, minlength=next_id)
    medians = np.empty((next_id, 3), np.uint8)
    for ch in range(3):
        # Per-region histograms of the uint8 values; the median is where the
        # cumulative count first reaches half the region.
        hist = np.bincount(flat * 256 + image_rgb[..., ch].ravel(), minlength=next_id * 256)
        cumulative = hist.reshape(next_id, 256).cumsum(1)
        medians[:, ch] = (cumulative < ((sizes + 1) // 2)[:, None]).sum(1)
    return medians[regions]


def _parsing_labels(image_rgb: np.ndarray, model_path: str | Path) -> np.ndarray:
    net = _cached_dnn(str(Path(model_path).resolve()), "face-parsing")
    h, w = image_rgb.shape[:2]
    x = cv2.resize(image_rgb, (PARSING_SIDE, PARSING_SIDE), interpolation=cv2.INTER_AREA)
    x = ((x.astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)[None]
    logits = _run_dnn(net, np.ascontiguousarray(x), "face-parsing")
    if logits.ndim != 4 or logits.shape[0] != 1:
        raise ScfeganError(f"the face-parsing network gave an output of shape {logits.shape}, "
                           "expected 1×classes×H×W")
    labels = logits[0].argmax(0).astype(np.uint8)
    return cv2.resize(labels, (w, h), interpolation=cv2.INTER_NEAREST).astype(np.int64)
