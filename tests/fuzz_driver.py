"""Run every corpus file through ``validate``, ``import`` and ``load`` in one process.

``python -m tests.fuzz_driver CORPUS STORE OUTDIR`` prints one JSON line per (file, command):
exit code, what was printed, whether an exception escaped the CLI (a traceback), and whether
the store file is byte-for-byte unchanged after the load; after each load also the ids in the
store that are not plain (invisible or control characters, not NFKC: lookalikes) and the
stored values the manifest's ``stored`` asks about (issue 27). Memory is capped (``RLIMIT_AS``) so
a reader that tries to eat the machine fails here instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import resource
import sys
import traceback
from pathlib import Path

MEMORY_LIMIT = 3 * 1024**3
"""Address space allowed to the driver (bytes)."""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(argv: list[str]) -> tuple[int | None, str, str | None]:
    """``(exit code, printed text, traceback or None)`` of ``investmap ARGV``."""
    from cli import main

    out, err = io.StringIO(), io.StringIO()
    trace = None
    code: int | None = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - exactly what the corpus hunts for
            trace = traceback.format_exc()
    return code, out.getvalue() + err.getvalue(), trace


def lookalike_ids(store: Path) -> list[str]:
    """Ids in the store that are not what they look like."""
    from layers.registry import LAYERS
    from layers.store import open_store
    from layers.validation.text import CONTROL_RE, canonical_id

    found: list[str] = []
    with open_store(store) as opened:
        for name in opened.layer_names():
            ids = opened.read_layer(name)[LAYERS[name].id_column]
            found += [i for i in ids if isinstance(i, str)
                      and (canonical_id(i) != i or CONTROL_RE.search(i))]
    return found


def stored_values(store: Path, layer: str, wanted: dict[str, dict[str, str]],
                  ) -> dict[str, dict[str, str | None]]:
    """``{id: {column: stored value as text}}`` for the ids and columns in ``wanted``."""
    from layers.registry import LAYERS
    from layers.store import open_store

    with open_store(store) as opened:
        frame = opened.read_layer(layer).set_index(LAYERS[layer].id_column)
    return {fid: {col: (str(frame.at[fid, col]) if fid in frame.index else None)
                  for col in cols} for fid, cols in wanted.items()}


def main(corpus: Path, store: Path, outdir: Path) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest.items():
        path = corpus / name
        layer, extra = str(entry["layer"]), [str(a) for a in entry["args"]]
        commands = {
            "validate": ["validate", str(path), "--layer", layer, *extra],
            "import": ["import", str(path), "--layer", layer, "--out",
                       str(outdir / f"{path.stem}.gpkg"), *extra],
            "load": ["load", str(path), "--layer", layer, "--user", "fuzz", "--data",
                     str(store), *extra],
        }
        for command, argv in commands.items():
            before = digest(store)
            code, text, trace = run(argv)
            result = {"file": name, "command": command, "rc": code, "text": text,
                      "traceback": trace, "store_same": digest(store) == before,
                      "out_exists": (outdir / f"{path.stem}.gpkg").exists()}
            if command == "load":
                result["lookalike_ids"] = lookalike_ids(store)
                if code == 0 and entry.get("stored"):
                    result["stored"] = stored_values(store, layer, entry["stored"])
            print(json.dumps(result, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
