"""SC-FEGAN networks, weights I/O, inference and training. No Qt in here.

The two calls most code needs are re-exported lazily (importing `model` stays cheap):
`load_generator(path, device)` and `edit_photo(net, photo, layers, seed)`; a model's
warm-up also calls `prepare_examples()` and `warm_up(net)`.
"""

__all__ = ["load_generator", "edit_photo", "EditLayers", "prepare_examples", "warm_up"]


def __getattr__(name):
    if name == "load_generator":
        from .inference import load_generator
        return load_generator
    if name in ("edit_photo", "EditLayers", "prepare_examples", "warm_up"):
        from . import editor
        return getattr(editor, name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
