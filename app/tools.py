"""The editor's tools: what each paints on, its keys and its default brush size."""
from __future__ import annotations

from dataclasses import dataclass

MIN_SIZE, MAX_SIZE = 1, 1000


@dataclass(frozen=True)
class Tool:
    """A tool of the toolbox. `layer` is the layer it paints on (None: it doesn't paint)."""

    id: str
    name: str
    keys: tuple[str, ...]
    layer: str | None
    default_size: int
    help: str

    @property
    def tooltip(self) -> str:
        keys = " or ".join(self.keys)
        return f"{self.name} ({keys}) — {self.help}"

    @property
    def has_size(self) -> bool:
        return self.id != "picker"


TOOLS: dict[str, Tool] = {t.id: t for t in (
    Tool("mask", "Erase region", ("E",), "mask", 40,
         "mark the region the generator repaints"),
    Tool("sketch", "Sketch pen", ("S", "P"), "sketch", 3,
         "draw the dark lines the generator should follow (lid creases, the parting of the lips, "
         "nostrils, brows); colour says what fills the areas between them"),
    Tool("colour", "Colour brush", ("C", "B"), "colour", 24,
         "paint the colours the generator should use; Alt+click picks a colour"),
    Tool("eraser", "Eraser", ("X",), None, 30,
         "remove paint from the active layer"),
    Tool("picker", "Eyedropper", ("I",), None, 1,
         "pick a colour from the photo or the result"),
)}


def bigger(size: int) -> int:
    """The next brush size up (`]`): about 15 % larger, at least one pixel."""
    return min(MAX_SIZE, max(size + 1, round(size * 1.15)))


def smaller(size: int) -> int:
    """The next brush size down (`[`)."""
    return max(MIN_SIZE, min(size - 1, round(size / 1.15)))
