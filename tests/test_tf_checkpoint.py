"""Tests for the numpy-only TensorFlow checkpoint reader."""
from __future__ import annotations

import contextlib
import json
import pathlib
import re
import shutil
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import tf_checkpoint as tfc  # noqa: E402
from model.errors import ScfeganError  # noqa: E402
from model.tf_checkpoint import (  # noqa: E402
    CheckpointError,
    list_variables,
    read_checkpoint,
    resolve_checkpoint_prefix,
)

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"
FIXTURE = SHARED / "reference" / "public"
PREFIX = FIXTURE / "SC-FEGAN.ckpt"
INDEX = FIXTURE / "SC-FEGAN.ckpt.index"
DATA = FIXTURE / "SC-FEGAN.ckpt.data-00000-of-00001"

needs_fixture = pytest.mark.skipif(
    not INDEX.is_file(), reason="shared reference checkpoint not available"
)


@contextlib.contextmanager
def raises_checkpoint_error(match: str):
    """pytest.raises for a CheckpointError whose message matches and is a single line."""
    with pytest.raises(CheckpointError, match=match) as info:
        yield info
    assert "\n" not in str(info.value)


def copy_fixture(tmp_path: pathlib.Path) -> pathlib.Path:
    for path in (INDEX, DATA, FIXTURE / "checkpoint"):
        shutil.copyfile(path, tmp_path / path.name)
    return tmp_path / PREFIX.name


def expected_weights() -> dict[str, np.ndarray]:
    """Regenerate the fixture's weights exactly as they were drawn."""
    spec = json.loads((FIXTURE / "variables.json").read_text())["variables"]
    rng = np.random.RandomState(1)
    weights = {}
    for var in spec:
        name, shape = var["name"], var["shape"]
        if name.endswith("/w"):
            std = 8 / np.sqrt(shape[0] * shape[1] * shape[3])
        elif name.endswith("/kernel"):
            std = 3 / np.sqrt(shape[0] * shape[1] * shape[2])
        else:
            std = 0.1
        weights[name] = (rng.standard_normal(shape) * std).astype(np.float32)
    return weights


# --------------------------------------------------------------------------- the real fixture


@needs_fixture
def test_names_shapes_and_dtypes_match_variables_json():
    spec = json.loads((FIXTURE / "variables.json").read_text())["variables"]
    listed = list_variables(PREFIX)
    assert listed == {v["name"]: (tuple(v["shape"]), np.dtype(v["dtype"])) for v in spec}
    assert len(listed) == 93


@needs_fixture
def test_values_equal_regenerated_weights_bit_for_bit():
    tensors = read_checkpoint(PREFIX)
    expected = expected_weights()
    assert tensors.keys() == expected.keys()
    for name, want in expected.items():
        got = tensors[name]
        assert got.dtype == np.float32 and got.shape == want.shape, name
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), name
    assert all(t.flags.writeable for t in tensors.values())


@needs_fixture
@pytest.mark.parametrize("given", [PREFIX, str(PREFIX), INDEX, DATA, FIXTURE, str(FIXTURE)])
def test_prefix_index_data_and_folder_resolve(given):
    assert resolve_checkpoint_prefix(given) == PREFIX


@needs_fixture
def test_folder_without_checkpoint_file_uses_its_single_index(tmp_path):
    prefix = copy_fixture(tmp_path)
    (tmp_path / "checkpoint").unlink()
    assert resolve_checkpoint_prefix(tmp_path) == prefix
    assert len(read_checkpoint(tmp_path)) == 93


@needs_fixture
def test_folder_with_several_indexes_and_no_checkpoint_file_is_refused(tmp_path):
    copy_fixture(tmp_path)
    (tmp_path / "checkpoint").unlink()
    shutil.copyfile(INDEX, tmp_path / "other.ckpt.index")
    with raises_checkpoint_error("several checkpoints"):
        resolve_checkpoint_prefix(tmp_path)


def test_empty_folder_is_refused(tmp_path):
    with raises_checkpoint_error("no TensorFlow checkpoint"):
        resolve_checkpoint_prefix(tmp_path)


@needs_fixture
def test_checkpoint_file_with_stale_absolute_path_falls_back_to_the_folder(tmp_path):
    prefix = copy_fixture(tmp_path)
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "/gone/train/SC-FEGAN.ckpt"\n')
    assert resolve_checkpoint_prefix(tmp_path) == prefix


@needs_fixture
def test_checkpoint_file_naming_a_missing_checkpoint_is_refused(tmp_path):
    copy_fixture(tmp_path)
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-1000"\n')
    with raises_checkpoint_error("model.ckpt-1000"):
        resolve_checkpoint_prefix(tmp_path)


def test_missing_path_is_refused(tmp_path):
    with raises_checkpoint_error("no such checkpoint"):
        read_checkpoint(tmp_path / "nothing.ckpt")


def test_checkpoint_error_is_a_scfegan_error():
    assert issubclass(CheckpointError, ScfeganError)


# --------------------------------------------------------------------------- damaged copies


@needs_fixture
@pytest.mark.parametrize("where", [0, 100, 1700, -60, -48, -45, -1])
def test_corrupted_index_is_refused(tmp_path, where):
    prefix = copy_fixture(tmp_path)
    index = tmp_path / INDEX.name
    raw = bytearray(index.read_bytes())
    raw[where] ^= 0x5A
    index.write_bytes(bytes(raw))
    with raises_checkpoint_error(re.escape(str(index))):
        read_checkpoint(prefix)


@needs_fixture
def test_corrupted_index_block_reports_crc_mismatch(tmp_path):
    prefix = copy_fixture(tmp_path)
    index = tmp_path / INDEX.name
    raw = bytearray(index.read_bytes())
    raw[200] ^= 0x01
    index.write_bytes(bytes(raw))
    with raises_checkpoint_error("corrupted .*CRC32C"):
        list_variables(prefix)


@needs_fixture
@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_index_is_refused(tmp_path, keep):
    prefix = copy_fixture(tmp_path)
    index = tmp_path / INDEX.name
    raw = index.read_bytes()
    index.write_bytes(raw[: int(len(raw) * keep)])
    with raises_checkpoint_error("bad magic number"):
        read_checkpoint(prefix)


@needs_fixture
def test_empty_index_is_refused(tmp_path):
    prefix = copy_fixture(tmp_path)
    (tmp_path / INDEX.name).write_bytes(b"")
    with raises_checkpoint_error("is empty"):
        list_variables(prefix)


@needs_fixture
def test_truncated_data_shard_is_refused(tmp_path):
    prefix = copy_fixture(tmp_path)
    data = tmp_path / DATA.name
    data.write_bytes(data.read_bytes()[:-1000])
    with raises_checkpoint_error(re.escape(f"{data}: file is truncated")):
        read_checkpoint(prefix)


@needs_fixture
def test_empty_data_shard_is_refused(tmp_path):
    prefix = copy_fixture(tmp_path)
    (tmp_path / DATA.name).write_bytes(b"")
    with raises_checkpoint_error("truncated"):
        read_checkpoint(prefix)


@needs_fixture
def test_flipped_data_byte_is_a_crc_mismatch_naming_the_variable(tmp_path):
    prefix = copy_fixture(tmp_path)
    data = tmp_path / DATA.name
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0x10
    data.write_bytes(bytes(raw))
    with raises_checkpoint_error(r"data of variable 'generator/.+' is corrupted \(CRC32C mismatch\)"):
        read_checkpoint(prefix)
    assert len(list_variables(prefix)) == 93  # the index alone is still fine


@needs_fixture
def test_missing_data_file_is_refused(tmp_path):
    prefix = copy_fixture(tmp_path)
    (tmp_path / DATA.name).unlink()
    with raises_checkpoint_error("data file is missing"):
        read_checkpoint(prefix)


# --------------------------------------------------------------------------- CRC32C and snappy


def _bytewise_crc32c(data: bytes) -> int:
    reg = 0xFFFFFFFF
    for byte in data:
        reg ^= byte
        for _ in range(8):
            reg = (reg >> 1) ^ 0x82F63B78 if reg & 1 else reg >> 1
    return reg ^ 0xFFFFFFFF


def test_crc32c_known_vectors():
    assert tfc._crc32c(b"123456789") == 0xE3069283
    assert tfc._crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4
    assert tfc._crc32c(b"\xff" * 32) == 0x62A8AB43
    assert tfc._crc32c(bytes(range(32))) == 0x46DD794E
    assert tfc._crc32c(b"") == 0


@pytest.mark.parametrize("size", [4095, 4096, 4097, 12345, 65539, 300_001])
def test_vectorised_crc32c_matches_the_bytewise_definition(size):
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    assert tfc._crc32c(data) == _bytewise_crc32c(data)
    split = size // 3
    assert tfc._crc32c(data[split:], tfc._crc32c(data[:split])) == tfc._crc32c(data)


def test_snappy_decoder_handles_every_element_kind():
    tail = bytes(range(70))
    stream = (
        bytes([82])  # uncompressed length
        + bytes([3 << 2]) + b"abcd"  # short literal
        + bytes([3 | (5 << 2)]) + (4).to_bytes(4, "little")  # 4-byte-offset copy, overlapping
        + bytes([2 | (1 << 2)]) + (2).to_bytes(2, "little")  # 2-byte-offset copy
        + bytes([60 << 2, 69]) + tail  # literal with a 1-byte length
    )
    assert tfc._snappy_decompress(stream) == b"abcd" + b"abcdab" + b"ab" + tail
    # 1-byte-offset copy of length 7 at offset 1 after "xy"
    stream = bytes([9, 1 << 2]) + b"xy" + bytes([1 | (3 << 2), 1])
    assert tfc._snappy_decompress(stream) == b"xy" + b"y" * 7


# --------------------------------------------------------------------------- synthetic bundles

_MAGIC = (0xDB4775248B80FB57).to_bytes(8, "little")


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _pb_int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _pb_bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _masked_crc(data: bytes) -> int:
    crc = tfc._crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _snappy_compress(data: bytes) -> bytes:
    """A greedy snappy encoder; good enough to produce real copies, including overlapping ones."""
    out = bytearray(_varint(len(data)))

    def literal(chunk: bytes) -> None:
        if len(chunk) <= 60:
            out.append((len(chunk) - 1) << 2)
        else:
            out.append(61 << 2)
            out.extend((len(chunk) - 1).to_bytes(2, "little"))
        out.extend(chunk)

    seen: dict[bytes, int] = {}
    pos = literal_start = 0
    while pos + 4 <= len(data):
        candidate = seen.get(data[pos : pos + 4])
        seen[data[pos : pos + 4]] = pos
        if candidate is None:
            pos += 1
            continue
        length = 4
        while pos + length < len(data) and length < 64 and data[candidate + length] == data[pos + length]:
            length += 1
        if literal_start < pos:
            literal(data[literal_start:pos])
        offset = pos - candidate
        if length <= 11 and offset < 2048:
            out.extend([1 | (length - 4) << 2 | (offset >> 8) << 5, offset & 0xFF])
        else:
            out.append(2 | (length - 1) << 2)
            out.extend(offset.to_bytes(2, "little"))
        pos += length
        literal_start = pos
    if literal_start < len(data):
        literal(data[literal_start:])
    return bytes(out)


def _block(records: list[tuple[bytes, bytes]], restart_interval: int = 2) -> bytes:
    out, restarts, previous = bytearray(), [], b""
    for i, (key, value) in enumerate(records):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(out))
        else:
            while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
                shared += 1
        out += _varint(shared) + _varint(len(key) - shared) + _varint(len(value)) + key[shared:] + value
        previous = key
    restarts = restarts or [0]
    for offset in restarts:
        out += offset.to_bytes(4, "little")
    return bytes(out + len(restarts).to_bytes(4, "little"))


def _write_table(path: pathlib.Path, records: list[tuple[bytes, bytes]], compress: bool) -> None:
    out = bytearray()

    def put(contents: bytes) -> bytes:
        kind = 0
        if compress:
            contents, kind = _snappy_compress(contents), 1
        handle = _varint(len(out)) + _varint(len(contents))
        out.extend(contents + bytes([kind]) + _masked_crc(contents + bytes([kind])).to_bytes(4, "little"))
        return handle

    chunks = [records[i : i + 3] for i in range(0, len(records), 3)]
    index = [(chunk[-1][0], put(_block(chunk))) for chunk in chunks]
    meta = put(_block([]))
    top = put(_block(index, 1))
    path.write_bytes(bytes(out) + (meta + top).ljust(40, b"\0") + _MAGIC)


def write_bundle(prefix, tensors, *, num_shards=1, endianness=0, compress=False, extra=()):
    """Write a tensor bundle: tensors maps name -> (TF dtype enum, shape, raw bytes)."""
    shards = [bytearray() for _ in range(num_shards)]
    version = _pb_bytes(3, _pb_int(1, 1))
    records = [(b"", _pb_int(1, num_shards) + _pb_int(2, endianness) + version)]
    for i, (name, (dtype, shape, raw)) in enumerate(sorted(tensors.items())):
        shard = i % num_shards
        offset = len(shards[shard])
        shards[shard] += raw
        dims = b"".join(_pb_bytes(2, _pb_int(1, d)) for d in shape)
        proto = (
            _pb_int(1, dtype) + _pb_bytes(2, dims) + _pb_int(3, shard) + _pb_int(4, offset)
            + _pb_int(5, len(raw)) + _varint(6 << 3 | 5) + _masked_crc(raw).to_bytes(4, "little")
        )
        records.append((name.encode(), proto))
    records = sorted(records + list(extra))
    _write_table(pathlib.Path(f"{prefix}.index"), records, compress)
    for shard, raw in enumerate(shards):
        pathlib.Path(f"{prefix}.data-{shard:05d}-of-{num_shards:05d}").write_bytes(bytes(raw))


def _sample_tensors():
    rng = np.random.default_rng(7)
    arrays = {
        "net/f32": rng.standard_normal((3, 4, 5)).astype(np.float32),
        "net/f64": rng.standard_normal(6),
        "net/f16": rng.standard_normal((2, 3)).astype(np.float16),
        "net/i64": rng.integers(-(2**40), 2**40, (4,)),
        "net/i32": rng.integers(-1000, 1000, (2, 2)).astype(np.int32),
        "net/u8": rng.integers(0, 256, (7,)).astype(np.uint8),
        "net/flag": np.array([True, False, True]),
        "net/scalar": np.array(2.5, dtype=np.float32),
        "net/empty": np.zeros((0, 3), dtype=np.float32),
        "net/big": rng.standard_normal((64, 64, 3)).astype(np.float32),
        "step": np.array(12345, dtype=np.int64),
    }
    enums = {
        np.float32: 1, np.float64: 2, np.float16: 19, np.int64: 9, np.int32: 3, np.uint8: 4, np.bool_: 10,
    }
    encoded = {
        name: (enums[a.dtype.type], a.shape, a.astype(a.dtype.newbyteorder("<")).tobytes())
        for name, a in arrays.items()
    }
    return arrays, encoded


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("num_shards", [1, 3])
def test_synthetic_bundle_round_trips(tmp_path, compress, num_shards):
    arrays, encoded = _sample_tensors()
    bf16 = np.array([1.0, -2.5, 3.140625], dtype=np.float32)
    encoded["net/bf16"] = (14, (3,), (bf16.view(np.uint32) >> 16).astype("<u2").tobytes())
    write_bundle(tmp_path / "m.ckpt", encoded, num_shards=num_shards, compress=compress)

    tensors = read_checkpoint(tmp_path / "m.ckpt")
    assert tensors.keys() == set(arrays) | {"net/bf16"}
    for name, want in arrays.items():
        assert tensors[name].dtype == want.dtype and tensors[name].shape == want.shape, name
        assert np.array_equal(tensors[name], want), name
    assert tensors["net/bf16"].dtype == np.float32 and np.array_equal(tensors["net/bf16"], bf16)
    assert list_variables(tmp_path / "m.ckpt.index")["net/f16"] == ((2, 3), np.dtype(np.float16))


def test_string_tensors_are_listed_but_not_read(tmp_path):
    _, encoded = _sample_tensors()
    encoded["_CHECKPOINTABLE_OBJECT_GRAPH"] = (7, (), b"\x03abc")
    write_bundle(tmp_path / "m.ckpt", encoded)
    assert list_variables(tmp_path / "m.ckpt")["_CHECKPOINTABLE_OBJECT_GRAPH"] == ((), np.dtype(object))
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" not in read_checkpoint(tmp_path / "m.ckpt")


def test_big_endian_checkpoint_is_refused(tmp_path):
    _, encoded = _sample_tensors()
    write_bundle(tmp_path / "m.ckpt", encoded, endianness=1)
    with raises_checkpoint_error("big-endian"):
        read_checkpoint(tmp_path / "m.ckpt")


def test_sliced_variable_is_refused(tmp_path):
    _, encoded = _sample_tensors()
    sliced = _pb_int(1, 1) + _pb_bytes(2, _pb_bytes(2, _pb_int(1, 10))) + _pb_bytes(7, b"")
    write_bundle(tmp_path / "m.ckpt", encoded, extra=[(b"net/part", sliced)])
    with raises_checkpoint_error("'net/part' is partitioned"):
        list_variables(tmp_path / "m.ckpt")


def test_index_size_disagreeing_with_shape_is_refused(tmp_path):
    write_bundle(tmp_path / "m.ckpt", {"w": (1, (2, 2), bytes(12))})
    with raises_checkpoint_error("'w' records 12 bytes"):
        read_checkpoint(tmp_path / "m.ckpt")


def test_missing_second_shard_is_refused(tmp_path):
    _, encoded = _sample_tensors()
    write_bundle(tmp_path / "m.ckpt", encoded, num_shards=2)
    (tmp_path / "m.ckpt.data-00001-of-00002").unlink()
    with raises_checkpoint_error("m.ckpt.data-00001-of-00002: data file is missing"):
        read_checkpoint(tmp_path / "m.ckpt")
