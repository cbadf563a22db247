"""Hostile and broken files never crash a reader, never change the store (issue 13 item 8).

Two parts:

* the committed corpus ``tests/fuzz_corpus/`` (made by its ``make.py``; one defect per file)
  goes through ``investmap validate``, ``import`` and ``load`` in a memory-capped subprocess
  (:mod:`tests.fuzz_driver`): no traceback and a message naming the file; a refused file
  (the default) exits 1 or 2 with the store byte-for-byte unchanged and no ``--out`` file
  written; a file the manifest expects accepted (issue 27) exits 0 with every feature read
  (``features``), its warning shown and its values stored as written; no load ever leaves an
  id in the store that is not what it looks like;
* hypothesis mutates a valid small file of every registered format (bytes flipped, cut,
  inserted) and builds coordinate TXT / CSV files from hostile numbers: every reader either
  returns a frame that then validates or fails, or raises :class:`layers.io.ReadError`.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.io import READERS, ReadError, ReadOptions, read_frame
from layers.store import open_store
from layers.validate import ValidationError, validate_layer
from tests import store_county as county
from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(900)  # module set-up can pass the 300 s default when loaded

CORPUS = ROOT / "tests" / "fuzz_corpus"
SLOW = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


# -- the committed corpus -------------------------------------------------------------------


def expected(entry: dict, command: str) -> str:
    """``accept`` or ``refuse``: what the manifest entry asks of ``command``."""
    expect = entry.get("expect", "refuse")
    if isinstance(expect, dict):
        return str(expect.get(command, "refuse"))
    return str(expect)


def _manifest() -> dict[str, dict]:
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def test_corpus_matches_its_maker():
    sys.path.insert(0, str(CORPUS))
    try:
        import make  # noqa: PLC0415 - the corpus' own script
    finally:
        sys.path.remove(str(CORPUS))
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == set(make.cases())
    assert all((CORPUS / name).exists() for name in manifest)
    assert len(manifest) >= 40


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("fuzz")
    store = tmp / "store.gpkg"
    with open_store(store) as s:
        county.fill(s)
    (tmp / "out").mkdir()
    done = subprocess.run([sys.executable, "-m", "tests.fuzz_driver", str(CORPUS), str(store),
                           str(tmp / "out")], capture_output=True, text=True, cwd=ROOT,
                          timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_every_corpus_file_is_tried_by_every_command(corpus_results):
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    tried = {(r["file"], r["command"]) for r in corpus_results}
    assert tried == {(f, c) for f in manifest for c in ("validate", "import", "load")}


def test_no_traceback_and_a_message_naming_the_file(corpus_results):
    tracebacks = [(r["file"], r["command"], r["traceback"].splitlines()[-1])
                  for r in corpus_results if r["traceback"]]
    assert tracebacks == []
    raw_errors = [(r["file"], r["command"]) for r in corpus_results  # a library's, not ours
                  if "OverflowError" in r["text"] or "[Errno" in r["text"]]
    assert raw_errors == []
    unnamed = [(r["file"], r["command"], r["text"][:200]) for r in corpus_results
               if Path(r["file"]).stem not in r["text"]]  # an import names its output
    assert unnamed == []
    manifest = _manifest()
    codes = {(r["file"], r["command"]): r["rc"] for r in corpus_results}
    want = {k: (0,) if expected(manifest[k[0]], k[1]) == "accept" else (1, 2) for k in codes}
    assert {k: v for k, v in codes.items() if v not in want[k]} == {}


def test_failed_commands_change_nothing(corpus_results):
    manifest = _manifest()
    refused = [r for r in corpus_results
               if expected(manifest[r["file"]], r["command"]) == "refuse"]
    assert [r["file"] for r in refused if not r["store_same"]] == []
    assert [r["file"] for r in refused if r["out_exists"]
            and expected(manifest[r["file"]], "import") == "refuse"] == []


def test_no_silent_partial_read(corpus_results):
    """Issue 27: a file that is read is read in full, and what was adjusted is said."""
    manifest = _manifest()
    short, unsaid = [], []
    for r in corpus_results:
        entry = manifest[r["file"]]
        if r["command"] != "validate" or expected(entry, "validate") != "accept":
            continue
        if f"[{entry['layer']}]: {entry['features']} features" not in r["text"]:
            short.append((r["file"], r["text"][:300]))
        if entry.get("warning") and entry["warning"] not in r["text"]:
            unsaid.append((r["file"], entry["warning"]))
    assert short == [] and unsaid == []


def test_loads_store_values_as_written_and_no_lookalike_id(corpus_results):
    manifest = _manifest()
    loads = [r for r in corpus_results if r["command"] == "load"]
    assert [(r["file"], r["lookalike_ids"]) for r in loads if r["lookalike_ids"]] == []
    wrong = []
    for r in loads:
        want = manifest[r["file"]].get("stored")
        if want and expected(manifest[r["file"]], "load") == "accept":
            got = r.get("stored") or {}
            for fid, values in want.items():
                for column, value in values.items():
                    text = (got.get(fid) or {}).get(column)
                    if text is None or not (text == value or text in (f"{value} 00:00:00",
                                                                      f"{value}T00:00:00")):
                        wrong.append((r["file"], fid, column, value, text))
    assert wrong == []


# -- hypothesis: mutated valid files --------------------------------------------------------


@functools.cache
def _seed(suffix: str) -> bytes:
    """A small valid file of ``suffix`` holding one project point (or a red-line circle)."""
    tmp = Path(tempfile.mkdtemp(prefix="seed"))
    frame = gpd.GeoDataFrame([{"project_id": "X1", "name": "新材料", "stage": "signed"}],
                             geometry=[shapely.Point(111.0, 38.9)], crs=4490)
    path = tmp / f"seed{suffix}"
    if suffix == ".csv":
        return "project_id,name,stage,经度,纬度\nX1,新材料,signed,111.0,38.9\n".encode()
    if suffix == ".txt":
        return (CORPUS / "txt_count_mismatch.txt").read_bytes().replace(b"99,", b"5,")
    if suffix == ".dxf":
        return (CORPUS / "dxf_crs_foo.dxf").read_bytes()
    if suffix == ".xlsx":
        buffer = io.BytesIO()
        frame.assign(经度=111.0, 纬度=38.9).drop(columns="geometry").to_excel(buffer,
                                                                         index=False)
        return buffer.getvalue()
    if suffix in (".parquet", ".geoparquet"):
        frame.to_parquet(path)
    elif suffix in (".shp", ".dbf", ".shx"):
        frame.to_file(tmp / "seed.shp", encoding="UTF-8")
    elif suffix == ".zip":
        return b"PK\x05\x06" + b"\x00" * 18
    else:
        driver = {".gpkg": "GPKG", ".kml": "KML"}.get(suffix, "GeoJSON")
        frame.to_file(path, driver=driver, **({"layer": "project"} if driver == "GPKG" else {}))
    return path.read_bytes()


mutations = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert"]),
                               st.floats(0, 1), st.binary(min_size=1, max_size=8)),
                     min_size=1, max_size=4)


def _mutate(data: bytes, steps: list[tuple[str, float, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, where, blob in steps:
        i = int(where * max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[i] ^= blob[0] or 0xFF
        elif kind == "cut":
            del out[i:]
        else:
            out[i:i] = blob
    return bytes(out)


def _read_and_validate(path: Path, layer: str, crs: str | None = None) -> None:
    """Either a clean result or ReadError/ValidationError — nothing else may escape."""
    try:
        raw = read_frame(path, ReadOptions(crs=crs))
        validate_layer(raw.frame, layer, source=str(path), working_crs=4546,
                       row_labels=raw.row_labels)
    except (ReadError, ValidationError) as exc:
        assert str(path.with_suffix("")) in str(exc)  # the file (or its .dbf/.shx sibling)


@pytest.mark.parametrize("suffix", sorted(set(READERS) - {".json", ".geoparquet"}))
@SLOW
@given(steps=mutations)
def test_mutated_files_never_crash_a_reader(suffix, steps, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mut")
    path = tmp / f"mutated{suffix}"
    path.write_bytes(_mutate(_seed(suffix), steps))
    if suffix == ".shp":  # the side files too: the .dbf mutated with the same steps
        (tmp / "mutated.shx").write_bytes(_seed(".shx"))
        (tmp / "mutated.dbf").write_bytes(_mutate(_seed(".dbf"), steps))
    _read_and_validate(path, "redline" if suffix == ".dxf" else "project",
                       crs="EPSG:4546" if suffix == ".dxf" else None)


# -- hypothesis: hostile numbers in text formats --------------------------------------------

hostile_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64).map(repr),
    st.sampled_from(["1e400", "-1e400", "nan", "inf", "", "一二", "4300000", "37500000",
                     "1e300", "0", "-0", "  ", "0x10"]),
)


@SLOW
@given(points=st.lists(st.tuples(hostile_numbers, hostile_numbers), min_size=1, max_size=7),
       declared=hostile_numbers, rings=st.lists(st.integers(-1, 3), min_size=1, max_size=7))
def test_coordinate_txt_with_hostile_numbers(points, declared, rings, tmp_path_factory):
    body = "\n".join(f"J{i + 1},{rings[i % len(rings)]},{x},{y}"
                     for i, (x, y) in enumerate(points))
    text = ("[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=37\n[地块坐标]\n"
            f"{len(points)},{declared},QF-1,测试,面,,工业用地,100101,@\n{body}\n")
    path = tmp_path_factory.mktemp("txt") / "hostile.txt"
    path.write_text(text, encoding="utf-8")
    _read_and_validate(path, "parcel")


@SLOW
@given(rows=st.lists(st.tuples(hostile_numbers, hostile_numbers), min_size=1, max_size=5),
       header=st.sampled_from(["lon,lat", "经度,纬度", "x,y", "经度,经度", "wkt,lat"]))
def test_csv_with_hostile_coordinates(rows, header, tmp_path_factory):
    lines = [f"project_id,name,stage,{header}"]
    lines += [f"X{i},n,signed,{x},{y}" for i, (x, y) in enumerate(rows)]
    path = tmp_path_factory.mktemp("csv") / "hostile.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _read_and_validate(path, "project", crs="EPSG:4546" if header == "x,y" else None)


def test_store_digest_helper_sees_a_change(tmp_path):
    """The corpus check compares bytes; make sure a real write changes them."""
    path = tmp_path / "s.gpkg"
    with open_store(path) as s:
        county.fill(s)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with open_store(path) as s:
        s.edit("parcel", "B", {"notes": "x"}, user="u", role="planner", reason="r")
    assert hashlib.sha256(path.read_bytes()).hexdigest() != before
