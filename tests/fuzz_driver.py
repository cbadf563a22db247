"""Run every corpus file through ``validate``, ``import`` and ``load`` in one process.

``python -m tests.fuzz_driver CORPUS STORE OUTDIR`` prints one JSON line per (file, command):
exit code, what was printed, whether an exception escaped the CLI (a traceback), and whether
the store file is byte-for-byte unchanged after the load. Memory is capped (``RLIMIT_AS``) so
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
            print(json.dumps({"file": name, "command": command, "rc": code, "text": text,
                              "traceback": trace, "store_same": digest(store) == before,
                              "out_exists": (outdir / f"{path.stem}.gpkg").exists()},
                             ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
