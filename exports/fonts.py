"""CJK font discovery for matplotlib exports (brochure, PNG map).

Chinese text must come out as real, extractable text: matplotlib embeds the font into the PDF.
Debian's ``fonts-noto-cjk`` ships CFF-flavoured ``.ttc`` files, which break Type 42 embedding,
so PDFs use Type 3 fonts (``pdf.fonttype = 3``, which still carries a ToUnicode map;
shared/pitfalls.md "Print").
"""

from __future__ import annotations

from pathlib import Path

from matplotlib import font_manager

from geo.errors import InstallError

CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
"""Families tried in order; the first one installed is used."""


FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
                               Path.home() / ".local/share/fonts")
"""Folders searched for CJK font files when matplotlib's font cache predates their install."""


class FontNotFoundError(InstallError):
    """No CJK font is installed; the message says how to install one."""


def find_cjk_family() -> str:
    """Name of the first installed family of :data:`CJK_FAMILIES`.

    Raises
    ------
    FontNotFoundError
        Naming the families looked for and the fix (install ``fonts-noto-cjk``).
    """
    found = _first_installed()
    if found is None:
        _add_font_files()  # matplotlib's cache may be older than fonts-noto-cjk
        found = _first_installed()
    if found is not None:
        return found
    raise FontNotFoundError(
        "no CJK font found for Chinese text (looked for: " + ", ".join(CJK_FAMILIES) + "); "
        "fix: run `bash scripts/setup-system.sh run` (installs Debian's fonts-noto-cjk) or "
        "`apt-get install fonts-noto-cjk`, then delete matplotlib's font cache "
        "(~/.cache/matplotlib) and retry")


def _first_installed() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def _add_font_files() -> None:
    """Register CJK font files found on disk with matplotlib (no cache rebuild needed)."""
    for folder in FONT_DIRS:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            name = path.name.lower()
            if path.suffix.lower() in (".ttc", ".otf", ".ttf") and (
                    "cjk" in name or "wqy" in name or "sourcehan" in name):
                font_manager.fontManager.addfont(str(path))


def cjk_rc() -> dict[str, object]:
    """matplotlib rcParams for CJK text, for use with ``matplotlib.rc_context``."""
    family = find_cjk_family()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "pdf.fonttype": 3,
        "svg.fonttype": "none",
    }
