"""Read every tile of a PMTiles archive in tests: a small Mapbox Vector Tile (protobuf)
decoder giving each feature's attributes, plus the ``pmtiles`` package's reader.

Only attributes are decoded (layer name, keys, values): enough to check which ids a zoom
holds and that no confidential column is in any tile.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Iterator
from pathlib import Path

from pmtiles.reader import MmapSource, Reader, all_tiles


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, object]]:
    """(field number, value) of one protobuf message: ints for varints, bytes otherwise."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, value
        elif wire == 1:
            yield number, buf[pos:pos + 8]
            pos += 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            yield number, buf[pos:pos + size]
            pos += size
        elif wire == 5:
            yield number, buf[pos:pos + 4]
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _value(buf: bytes) -> object:
    for number, raw in _fields(buf):
        if number == 1:
            return bytes(raw).decode("utf-8")  # type: ignore[arg-type]
        if number == 2:
            return struct.unpack("<f", raw)[0]  # type: ignore[arg-type]
        if number == 3:
            return struct.unpack("<d", raw)[0]  # type: ignore[arg-type]
        if number in (4, 5):
            return raw
        if number == 6:
            return (raw >> 1) ^ -(raw & 1)  # type: ignore[operator]
        if number == 7:
            return bool(raw)
    return None


def decode_tile(data: bytes) -> dict[str, list[dict[str, object]]]:
    """Attributes of every feature of one tile, per layer name."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    layers: dict[str, list[dict[str, object]]] = {}
    for number, raw in _fields(data):
        if number != 3:
            continue
        name, keys, values, features = "", [], [], []
        for field, part in _fields(raw):  # type: ignore[arg-type]
            if field == 1:
                name = bytes(part).decode("utf-8")  # type: ignore[arg-type]
            elif field == 2:
                features.append(part)
            elif field == 3:
                keys.append(bytes(part).decode("utf-8"))  # type: ignore[arg-type]
            elif field == 4:
                values.append(_value(part))  # type: ignore[arg-type]
        rows = []
        for feature in features:
            tags: list[int] = []
            for field, part in _fields(feature):  # type: ignore[arg-type]
                if field == 2:
                    pos, packed = 0, bytes(part)  # type: ignore[arg-type]
                    while pos < len(packed):
                        tag, pos = _varint(packed, pos)
                        tags.append(tag)
            rows.append({keys[tags[i]]: values[tags[i + 1]] for i in range(0, len(tags), 2)})
        layers.setdefault(name, []).extend(rows)
    return layers


def archive_tiles(path: Path) -> Iterator[tuple[tuple[int, int, int], dict]]:
    """((z, x, y), decoded tile) of every tile of a PMTiles archive."""
    with path.open("rb") as handle:
        source = MmapSource(handle)
        for zxy, data in all_tiles(source):
            yield zxy, decode_tile(data)


def archive_header(path: Path) -> dict:
    """The archive's PMTiles header (zoom range, bounds, compression …)."""
    with path.open("rb") as handle:
        return Reader(MmapSource(handle)).header()


def tile_at_offsets(path: Path) -> dict[int, tuple[int, int, int]]:
    """The (z, x, y) of each tile by the byte offset its data starts at in the archive
    (root and leaf directories), to tell which tiles a browser's range requests read."""
    from pmtiles.tile import deserialize_directory, deserialize_header, tileid_to_zxy

    with path.open("rb") as handle:
        source = MmapSource(handle)
        header = deserialize_header(source(0, 127))
        out: dict[int, tuple[int, int, int]] = {}
        todo = [(header["root_offset"], header["root_length"])]
        while todo:
            offset, length = todo.pop()
            for entry in deserialize_directory(source(offset, length)):
                if entry.run_length == 0:  # a leaf directory
                    todo.append((header["leaf_directory_offset"] + entry.offset,
                                 entry.length))
                else:
                    out[header["tile_data_offset"] + entry.offset] = \
                        tileid_to_zxy(entry.tile_id)
    return out
