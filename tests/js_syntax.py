"""JavaScript syntax check at ES2017 with a real parser: acorn (npm), installed once into a
cache folder at test setup, run by Debian's node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ACORN = "acorn@8.14.0"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "investmap-tests" / \
    "acorn-8.14.0"

CHECK = """
const acorn = require(process.argv[1]);
const fs = require('fs');
const out = [];
for (const file of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  try { acorn.parse(fs.readFileSync(file, 'utf8'), {ecmaVersion: 2017, sourceType: 'script'}); }
  catch (e) { out.push(file + ': ' + e.message); }
}
console.log(JSON.stringify(out));
"""


def acorn_path() -> Path:
    """The installed acorn module (``npm install`` from the registry the first time)."""
    module = CACHE / "node_modules" / "acorn"
    if not module.is_dir():
        assert shutil.which("npm") and shutil.which("node"), "node and npm are needed"
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE),
                        ACORN], check=True, capture_output=True, timeout=300)
    return module


def es2017_errors(files: list[Path]) -> list[str]:
    """``file: message`` for every file that is not valid ES2017 script syntax."""
    done = subprocess.run(["node", "-e", CHECK, str(acorn_path())],
                          input=json.dumps([str(f) for f in files]), capture_output=True,
                          text=True, check=True, timeout=300)
    return json.loads(done.stdout)
