"""Read TensorFlow V2 checkpoints (tensor bundles) with numpy and the standard library only.

A checkpoint is ``PREFIX.index``, an SSTable (LevelDB table format) that maps each variable
name to a ``BundleEntryProto``, plus ``PREFIX.data-NNNNN-of-MMMMM`` shards holding the raw
little-endian tensor bytes. Every block of the index and every tensor is checked against its
CRC32C, so a damaged file is reported instead of silently yielding wrong weights.

Non-numeric tensors (strings, variants, resources, quantized types) are listed by
`list_variables` with dtype ``object`` and skipped by `read_checkpoint`: SC-FEGAN has none,
and the string tensor a TF2 checkpoint stores its object graph in should not stop a load.
bfloat16 tensors are returned as float32 (exactly, numpy has no bfloat16).
Not supported, refused with a clear message: big-endian checkpoints and partitioned
(sliced) variables.
"""
from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ScfeganError

__all__ = ["CheckpointError", "resolve_checkpoint_prefix", "read_checkpoint", "list_variables"]


class CheckpointError(ScfeganError):
    """A TensorFlow checkpoint that cannot be found or read."""


class _Malformed(Exception):
    """Internal: a format problem; the caller adds the file name."""


# --------------------------------------------------------------------------- CRC32C

_MASK32 = 0xFFFFFFFF
_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)
del _n, _c

# Below this size the plain byte loop beats the numpy set-up cost.
_NUMPY_CRC_MIN = 4096
_MAX_LANES = 4096


@functools.lru_cache(maxsize=None)
def _zeros_operator(log2_len: int) -> tuple[int, ...]:
    """The CRC register map for feeding 2**log2_len zero bytes, as images of the 32 bits."""
    if log2_len == 0:
        return tuple(_CRC_TABLE[(1 << i) & 0xFF] ^ ((1 << i) >> 8) for i in range(32))
    half = _zeros_operator(log2_len - 1)
    return tuple(_apply_operator(half, column) for column in half)


def _apply_operator(columns: tuple[int, ...], value: int) -> int:
    out, i = 0, 0
    while value:
        if value & 1:
            out ^= columns[i]
        value >>= 1
        i += 1
    return out


@functools.lru_cache(maxsize=None)
def _zeros_tables(log2_len: int) -> np.ndarray:
    """`_zeros_operator` as four 256-entry lookup tables (one per register byte)."""
    columns = np.array(_zeros_operator(log2_len), dtype=np.uint32).reshape(4, 8)
    byte = np.arange(256, dtype=np.uint32)
    tables = np.zeros((4, 256), dtype=np.uint32)
    for bit in range(8):
        tables ^= np.where((byte >> bit) & 1, columns[:, bit : bit + 1], 0).astype(np.uint32)
    return tables


def _apply_tables(tables: np.ndarray, regs: np.ndarray) -> np.ndarray:
    return (
        tables[0][regs & 0xFF]
        ^ tables[1][(regs >> 8) & 0xFF]
        ^ tables[2][(regs >> 16) & 0xFF]
        ^ tables[3][regs >> 24]
    )


def _crc32c(data, crc: int = 0) -> int:
    """CRC32C (Castagnoli) of `data`, continuing from `crc`.

    Large inputs are cut into lanes whose CRCs are computed side by side with numpy, four
    bytes per step, then merged pairwise. This relies on the CRC register being linear:
    feeding zero bytes to a zero register changes nothing, so the data can be left-padded
    with zeros to fill the lanes, and merging two lanes is "shift the left CRC over the
    right lane's length, then xor".
    """
    buf = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    n = buf.size
    reg = crc ^ _MASK32
    if n < _NUMPY_CRC_MIN:
        table = _CRC_TABLE
        for byte in buf.tobytes():
            reg = table[(reg ^ byte) & 0xFF] ^ (reg >> 8)
        return reg ^ _MASK32

    lane_words = 16
    while lane_words < 4096 and n > 4 * lane_words * _MAX_LANES:
        lane_words *= 2
    lanes = -(-n // (4 * lane_words))
    padded = np.zeros(lanes * lane_words * 4, dtype=np.uint8)
    padded[padded.size - n :] = buf.reshape(-1)
    words = padded.view("<u4").reshape(lanes, lane_words).T.copy()
    step = _zeros_tables(2)
    regs = np.zeros(lanes, dtype=np.uint32)
    for row in words:
        regs = _apply_tables(step, regs ^ row)

    log2_span = 2 + lane_words.bit_length() - 1
    while regs.size > 1:
        if regs.size % 2:
            regs = np.concatenate([np.zeros(1, dtype=np.uint32), regs])  # a leading zero lane
        regs = _apply_tables(_zeros_tables(log2_span), regs[0::2]) ^ regs[1::2]
        log2_span += 1

    # The initial register also travels through all n bytes.
    shifted, bit = reg, 0
    while n >> bit:
        if (n >> bit) & 1:
            shifted = _apply_operator(_zeros_operator(bit), shifted)
        bit += 1
    return (int(regs[0]) ^ shifted) ^ _MASK32


def _crc_matches(stored: int, crc: int) -> bool:
    """Whether `crc` matches `stored`, a CRC masked the way LevelDB and TensorFlow store them."""
    masked = (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & _MASK32
    return masked == stored


# --------------------------------------------------------------------------- snappy


def _snappy_decompress(data: bytes) -> bytes:
    """Decompress a raw (unframed) snappy block."""
    expected, pos = _varint(data, 0)
    out = bytearray()
    end = len(data)
    while pos < end:
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                if pos + extra > end:
                    raise _Malformed("truncated snappy literal")
                length = int.from_bytes(data[pos : pos + extra], "little")
                pos += extra
            length += 1
            if pos + length > end:
                raise _Malformed("truncated snappy literal")
            out += data[pos : pos + length]
            pos += length
            continue
        if kind == 1:
            if pos >= end:
                raise _Malformed("truncated snappy copy")
            length = 4 + ((tag >> 2) & 7)
            offset = ((tag >> 5) << 8) | data[pos]
            pos += 1
        else:
            width = 2 if kind == 2 else 4
            if pos + width > end:
                raise _Malformed("truncated snappy copy")
            length = (tag >> 2) + 1
            offset = int.from_bytes(data[pos : pos + width], "little")
            pos += width
        if offset == 0 or offset > len(out):
            raise _Malformed("bad snappy copy offset")
        start = len(out) - offset
        if offset >= length:
            out += out[start : start + length]
        else:  # the copy overlaps its own output: repeat the last `offset` bytes
            pattern = bytes(out[start:])
            out += (pattern * (length // offset + 1))[:length]
    if len(out) != expected:
        raise _Malformed("snappy block has the wrong length")
    return bytes(out)


# --------------------------------------------------------------------------- protobuf


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise _Malformed("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _Malformed("overlong varint")


def _proto_fields(buf: bytes) -> dict[int, list]:
    """Decode a protobuf message into {field number: [raw values]}; ints or bytes."""
    fields: dict[int, list] = {}
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > end:
                raise _Malformed("truncated protobuf field")
            value = int.from_bytes(buf[pos : pos + width], "little")
            pos += width
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > end:
                raise _Malformed("truncated protobuf field")
            value = bytes(buf[pos : pos + length])
            pos += length
        else:
            raise _Malformed(f"unsupported protobuf wire type {wire}")
        if number == 0:
            raise _Malformed("protobuf field number 0")
        fields.setdefault(number, []).append(value)
    return fields


def _int(fields: dict[int, list], number: int) -> int:
    """Last value of an int32/int64 field (proto3 default 0); negatives are two's complement."""
    values = fields.get(number)
    if not values:
        return 0
    value = values[-1]
    if not isinstance(value, int):
        raise _Malformed(f"protobuf field {number} has the wrong type")
    return value - (1 << 64) if value >= 1 << 63 else value


def _message(fields: dict[int, list], number: int) -> dict[int, list]:
    values = fields.get(number)
    if not values:
        return {}
    if not isinstance(values[-1], bytes):
        raise _Malformed(f"protobuf field {number} has the wrong type")
    return _proto_fields(values[-1])


# --------------------------------------------------------------------------- SSTable

_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_SIZE = 48
_BLOCK_TRAILER_SIZE = 5


def _block_handle(buf: bytes, pos: int = 0) -> tuple[int, int, int]:
    offset, pos = _varint(buf, pos)
    size, pos = _varint(buf, pos)
    return offset, size, pos


def _read_block(table: bytes, offset: int, size: int) -> bytes:
    limit = len(table) - _FOOTER_SIZE
    if offset + size + _BLOCK_TRAILER_SIZE > limit:
        raise _Malformed("a block lies outside the file (corrupted or truncated)")
    contents = table[offset : offset + size]
    compression = table[offset + size]
    stored_crc = int.from_bytes(table[offset + size + 1 : offset + size + 5], "little")
    if not _crc_matches(stored_crc, _crc32c(table[offset : offset + size + 1])):
        raise _Malformed(f"block at byte {offset} is corrupted (CRC32C mismatch)")
    if compression == 0:
        return contents
    if compression == 1:
        return _snappy_decompress(contents)
    raise _Malformed(f"block at byte {offset} uses unknown compression type {compression}")


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise _Malformed("block too short")
    num_restarts = int.from_bytes(block[-4:], "little")
    end = len(block) - 4 - 4 * num_restarts
    if end < 0:
        raise _Malformed("bad restart count in block")
    entries = []
    key = b""
    pos = 0
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        value_len, pos = _varint(block, pos)
        if shared > len(key) or pos + unshared + value_len > end:
            raise _Malformed("bad entry in block")
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        entries.append((key, block[pos : pos + value_len]))
        pos += value_len
    return entries


def _table_entries(table: bytes) -> list[tuple[bytes, bytes]]:
    """All (key, value) records of an SSTable, in key order."""
    if not table:
        raise _Malformed("file is empty")
    if len(table) < _FOOTER_SIZE:
        raise _Malformed(f"file is too short ({len(table)} bytes) to be a checkpoint index")
    footer = table[-_FOOTER_SIZE:]
    if int.from_bytes(footer[-8:], "little") != _TABLE_MAGIC:
        raise _Malformed("not a TensorFlow checkpoint index (bad magic number; truncated or corrupted?)")
    meta_offset, meta_size, pos = _block_handle(footer)
    offset, size, _ = _block_handle(footer, pos)
    _read_block(table, meta_offset, meta_size)  # unused by bundles; read only to check its CRC
    records = []
    for _, handle in _block_entries(_read_block(table, offset, size)):
        data_offset, data_size, _ = _block_handle(handle)
        records.extend(_block_entries(_read_block(table, data_offset, data_size)))
    return records


# --------------------------------------------------------------------------- tensor bundle

_BFLOAT16 = "bfloat16"
# TF DataType enum -> little-endian numpy type code.
_DTYPES = {
    1: "<f4", 2: "<f8", 3: "<i4", 4: "u1", 5: "<i2", 6: "i1", 8: "<c8", 9: "<i8", 10: "?",
    14: _BFLOAT16, 17: "<u2", 18: "<c16", 19: "<f2", 22: "<u4", 23: "<u8",
}


@dataclass(frozen=True)
class _Entry:
    name: str
    dtype: int
    shape: tuple[int, ...]
    shard: int
    offset: int
    size: int
    crc: int


def _result_dtype(code: int) -> np.dtype:
    kind = _DTYPES.get(code)
    if kind is None:
        return np.dtype(object)
    if kind == _BFLOAT16:
        return np.dtype(np.float32)
    return np.dtype(kind).newbyteorder("=")


def _index_path(prefix: Path) -> Path:
    return Path(f"{prefix}.index")


def _shard_path(prefix: Path, shard: int, num_shards: int) -> Path:
    return Path(f"{prefix}.data-{shard:05d}-of-{num_shards:05d}")


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _parse_entry(name: str, value: bytes) -> _Entry:
    fields = _proto_fields(value)
    if fields.get(7):
        raise _Malformed(
            f"variable '{name}' is partitioned into slices, which this reader does not support"
        )
    shape_fields = _message(fields, 2)
    if _int(shape_fields, 3):
        raise _Malformed(f"variable '{name}' has no known shape")
    dims = []
    for dim in shape_fields.get(2, []):
        if not isinstance(dim, bytes):
            raise _Malformed(f"variable '{name}' has a malformed shape")
        size = _int(_proto_fields(dim), 1)
        if size < 0:
            raise _Malformed(f"variable '{name}' has a negative dimension")
        dims.append(size)
    crc = fields.get(6, [0])[-1]
    if not isinstance(crc, int):
        raise _Malformed(f"variable '{name}' has a malformed checksum")
    dtype, shard, offset, size = (_int(fields, number) for number in (1, 3, 4, 5))
    return _Entry(name, dtype, tuple(dims), shard, offset, size, crc)


def _load_index(prefix: Path) -> tuple[int, list[_Entry]]:
    """(number of data shards, entries) of the checkpoint at `prefix`."""
    index = _index_path(prefix)
    table = _read_file(index)
    try:
        records = _table_entries(table)
        if not records or records[0][0] != b"":
            raise _Malformed("no bundle header; not a TensorFlow V2 checkpoint index")
        header = _proto_fields(records[0][1])
        if _int(header, 2) == 1:
            raise _Malformed("checkpoint was written on a big-endian machine, which is not supported")
        if _int(_message(header, 3), 2) > 1:
            raise _Malformed("checkpoint needs a newer reader (bundle format version too new)")
        num_shards = _int(header, 1)
        entries = []
        for key, value in records[1:]:
            entries.append(_parse_entry(key.decode("utf-8", errors="backslashreplace"), value))
    except _Malformed as exc:
        raise CheckpointError(f"{index}: {exc}") from None
    except (IndexError, ValueError, OverflowError) as exc:  # safety net: still one clear line
        raise CheckpointError(f"{index}: corrupted checkpoint index ({exc})") from None
    for entry in entries:
        if entry.dtype in _DTYPES and not 0 <= entry.shard < num_shards:
            raise CheckpointError(
                f"{index}: variable '{entry.name}' is in data shard {entry.shard}, "
                f"but the checkpoint has {num_shards} shard(s)"
            )
    return num_shards, entries


def _read_tensor(file, shard_path: Path, file_size: int, entry: _Entry, index: Path) -> np.ndarray:
    kind = _DTYPES[entry.dtype]
    stored = np.dtype("<u2" if kind == _BFLOAT16 else kind)
    needed = math.prod(entry.shape) * stored.itemsize
    if entry.size != needed or entry.offset < 0:
        raise CheckpointError(
            f"{index}: variable '{entry.name}' records {entry.size} bytes at offset {entry.offset}, "
            f"but shape {list(entry.shape)} needs {needed} (corrupted index)"
        )
    end = entry.offset + entry.size
    if end > file_size:
        raise CheckpointError(
            f"{shard_path}: file is truncated: variable '{entry.name}' needs bytes up to {end}, "
            f"but the file has only {file_size}"
        )
    buf = np.empty(entry.size, dtype=np.uint8)
    try:
        file.seek(entry.offset)
        got = file.readinto(memoryview(buf))
    except OSError as exc:
        raise CheckpointError(f"{shard_path}: cannot read it ({exc.strerror or exc})") from None
    if got != entry.size:
        raise CheckpointError(f"{shard_path}: file is truncated while reading variable '{entry.name}'")
    if not _crc_matches(entry.crc, _crc32c(buf)):
        raise CheckpointError(
            f"{shard_path}: data of variable '{entry.name}' is corrupted (CRC32C mismatch)"
        )
    values = buf.view(stored)
    if kind == _BFLOAT16:
        values = (values.astype(np.uint32) << 16).view(np.float32)
    return values.astype(values.dtype.newbyteorder("="), copy=False).reshape(entry.shape)


# --------------------------------------------------------------------------- public API

_DATA_SUFFIX = re.compile(r"\.data-\d{5}-of-\d{5}$")
_MODEL_PATH = re.compile(rb'^\s*model_checkpoint_path\s*:\s*"((?:[^"\\\n]|\\.)*)"', re.M)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)")
_SIMPLE_ESCAPES = {
    b"n": b"\n", b"r": b"\r", b"t": b"\t", b"a": b"\a", b"b": b"\b", b"f": b"\f", b"v": b"\v",
}


def _text_proto_unescape(raw: bytes) -> str:
    def replace(match: re.Match) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        if code[:1] == b"x" and len(code) > 1:
            return bytes([int(code[1:], 16)])
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE.sub(replace, raw).decode("utf-8", errors="replace")


def _prefix_in_folder(folder: Path) -> Path:
    state = folder / "checkpoint"
    if state.is_file():
        match = _MODEL_PATH.search(_read_file(state))
        if not match:
            raise CheckpointError(f"{state}: has no model_checkpoint_path entry")
        target = Path(_text_proto_unescape(match.group(1)))
        candidates = [target if target.is_absolute() else folder / target]
        if target.is_absolute():
            # A folder copied from another machine keeps that machine's absolute paths.
            candidates.append(folder / target.name)
        for prefix in candidates:
            if _index_path(prefix).is_file():
                return prefix
        raise CheckpointError(
            f"{state}: names checkpoint '{target}', but {_index_path(candidates[0])} does not exist"
        )
    indexes = sorted(p for p in folder.glob("*.index") if p.is_file())
    if not indexes:
        raise CheckpointError(
            f"{folder}: no TensorFlow checkpoint here (no 'checkpoint' file and no *.index file)"
        )
    if len(indexes) > 1:
        names = ", ".join(p.name for p in indexes[:5]) + (", ..." if len(indexes) > 5 else "")
        raise CheckpointError(f"{folder}: holds several checkpoints ({names}); choose one .index file")
    return indexes[0].with_name(indexes[0].name[: -len(".index")])


def resolve_checkpoint_prefix(path: str | os.PathLike) -> Path:
    """The checkpoint prefix for `path`: a prefix, its .index (or a .data shard) file, or a folder."""
    given = Path(path)
    if given.is_dir():
        return _prefix_in_folder(given)
    name = given.name
    data_suffix = _DATA_SUFFIX.search(name)
    if name.endswith(".index") and name != ".index":
        prefix = given.with_name(name[: -len(".index")])
    elif data_suffix and data_suffix.start() > 0:
        prefix = given.with_name(name[: data_suffix.start()])
    else:
        prefix = given
    if not _index_path(prefix).is_file():
        if given.is_file():
            raise CheckpointError(
                f"{given}: not a TensorFlow V2 checkpoint "
                f"({_index_path(prefix).name} not found next to it)"
            )
        raise CheckpointError(f"{given}: no such checkpoint ({_index_path(prefix)} does not exist)")
    return prefix


def list_variables(path: str | os.PathLike) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Variable name -> (shape, dtype), from the index alone; non-numeric tensors have dtype object."""
    _, entries = _load_index(resolve_checkpoint_prefix(path))
    return {entry.name: (entry.shape, _result_dtype(entry.dtype)) for entry in entries}


def read_checkpoint(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All numeric tensors of the checkpoint, keyed by variable name, CRC-checked."""
    prefix = resolve_checkpoint_prefix(path)
    index = _index_path(prefix)
    num_shards, entries = _load_index(prefix)
    tensors: dict[str, np.ndarray] = {}
    by_shard: dict[int, list[_Entry]] = {}
    for entry in entries:
        if entry.dtype in _DTYPES:
            by_shard.setdefault(entry.shard, []).append(entry)
    for shard, shard_entries in sorted(by_shard.items()):
        shard_path = _shard_path(prefix, shard, num_shards)
        try:
            file = open(shard_path, "rb")
        except FileNotFoundError:
            raise CheckpointError(
                f"{shard_path}: data file is missing (the checkpoint is incomplete)"
            ) from None
        except OSError as exc:
            raise CheckpointError(f"{shard_path}: cannot read it ({exc.strerror or exc})") from None
        with file:
            file_size = os.fstat(file.fileno()).st_size
            for entry in sorted(shard_entries, key=lambda e: e.offset):
                tensors[entry.name] = _read_tensor(file, shard_path, file_size, entry, index)
    return {entry.name: tensors[entry.name] for entry in entries if entry.name in tensors}
