"""A seeded mutation fuzzer through `core.io.load_image`: bit flips, truncations and field edits.

Every mutated file must either load or raise `ImageLoadError`, nothing else.
A case that ever failed is kept in ``fuzz_regressions/`` and replayed first.
Set ``FUZZ_CASES`` to run more (the default is a quick thousand).
"""

from __future__ import annotations

import gzip
import io
import os
import random
import struct
import tracemalloc
import zipfile
from pathlib import Path

import nibabel as nib
from pydicom.data import get_testdata_file

from core import samples
from core.io import ImageLoadError, load_image

REGRESSIONS = Path(__file__).resolve().parent / "fuzz_regressions"
CASES = int(os.environ.get("FUZZ_CASES", "1000"))
SKIMAGE_DATA = Path(samples.SAMPLES[10].path).parent
NIBABEL_DATA = Path(nib.__file__).parent / "tests" / "data"


def seeds() -> dict[str, bytes]:
    """Small well-formed files of every format the loader reads."""
    files = {name: Path(get_testdata_file(name)).read_bytes()
             for name in ("CT_small.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_bigendian.dcm",
                          "SC_rgb_rle_2frame.dcm", "examples_palette.dcm", "JPEGLSNearLossless_08.dcm", "image_dfl.dcm")}
    files["anatomical.nii"] = (NIBABEL_DATA / "anatomical.nii").read_bytes()
    files["example4d.nii.gz"] = (NIBABEL_DATA / "example4d.nii.gz").read_bytes()
    files["standard.nii.gz"] = (NIBABEL_DATA / "standard.nii.gz").read_bytes()
    for name in ("microaneurysms.png", "multipage.tif", "no_time_for_that_tiny.gif", "chessboard_GRAY.png"):
        files[name] = (SKIMAGE_DATA / name).read_bytes()
    small_jpeg = io.BytesIO()
    from PIL import Image

    Image.open(SKIMAGE_DATA / "chelsea.png").resize((60, 40)).save(small_jpeg, "JPEG")
    files["cat.jpg"] = small_jpeg.getvalue()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in samples.mni_dicom_series(step=60):
            z.writestr(name, data)
    files["series.zip"] = archive.getvalue()
    return files


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random mutation: flip bits, truncate, overwrite integers with extremes, splice or repeat."""
    buffer = bytearray(data)
    kind = rng.choice(("flip", "flip", "truncate", "integer", "header-integer", "splice", "zero-run"))
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(buffer))
            buffer[position] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        del buffer[rng.randrange(1, len(buffer)):]
    elif kind in ("integer", "header-integer"):
        limit = min(len(buffer) - 4, 600) if kind == "header-integer" else len(buffer) - 4
        position = rng.randrange(max(limit, 1))
        value = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF))
        buffer[position:position + 4] = struct.pack("<I", value)
    elif kind == "splice":
        start = rng.randrange(len(buffer))
        piece = buffer[start:start + rng.randint(1, 64)]
        at = rng.randrange(len(buffer))
        buffer[at:at] = piece
    else:
        start = rng.randrange(len(buffer))
        buffer[start:start + rng.randint(1, 256)] = bytes(min(256, len(buffer) - start))
    return bytes(buffer)


def cases():
    base = seeds()
    names = sorted(base)
    rng = random.Random(20261127)
    for n in range(CASES):
        name = names[n % len(names)]
        data = base[name]
        for _ in range(rng.choice((1, 1, 2, 3))):
            data = mutate(data, rng)
        if name.endswith(".gz") and rng.random() < 0.3:  # mutate inside the compression too
            data = gzip.compress(mutate(gzip.decompress(base[name]), rng))
        yield f"{n:04d}-{name}", data


def outcome(call, refusal: type[Exception] = ImageLoadError) -> tuple[object, str | None]:
    """Run `call`: its result, and what went wrong (None when it returned or refused with a plain `refusal`).

    A refusal is plain when its message is not empty and shows no traceback
    or object address; any other exception is what the fuzzer hunts.
    """
    try:
        return call(), None
    except refusal as exc:
        if not str(exc) or "Traceback" in str(exc) or " at 0x" in str(exc):
            return None, f"unclear message: {exc}"
        return None, None
    except Exception as exc:  # noqa: BLE001 - this is what the fuzzer hunts
        return None, f"{type(exc).__name__}: {exc}"


def check(name: str, data: bytes) -> str | None:
    """None when the loader behaved, else what went wrong."""
    return outcome(lambda: load_image(data, name))[1]


def test_regression_files_load_or_are_refused_cleanly():
    paths = sorted(REGRESSIONS.glob("*")) if REGRESSIONS.exists() else []
    assert [p.name for p in paths if check(p.name, p.read_bytes())] == []


def test_mutated_files_load_or_are_refused_cleanly():
    failures = []
    tracemalloc.start()
    try:
        for name, data in cases():
            problem = check(name, data)
            if problem:
                REGRESSIONS.mkdir(exist_ok=True)
                (REGRESSIONS / name).write_bytes(data)  # kept as a regression case: commit it
                failures.append(f"{name}: {problem[:200]}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert failures == []
    assert peak < 2 * 1024**3  # no mutated file makes the loader allocate 2 GB


# ----------------------------------------------------------------------------- class-folder zips and models

CLASS_CASES = int(os.environ.get("FUZZ_CLASS_CASES", "150"))
MODEL_CASES = int(os.environ.get("FUZZ_MODEL_CASES", "300"))
MODEL_LOADS = int(os.environ.get("FUZZ_MODEL_LOADS", "40"))


def class_zip_seed() -> bytes:
    """A small .zip of class folders: two classes of PNG, JPEG and DICOM pictures, and a test/ split."""
    from PIL import Image

    base = seeds()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for split, count in (("train", 5), ("test", 1)):
            for k, cls in enumerate(("benign", "malignant")):
                for i in range(count):
                    picture = io.BytesIO()
                    Image.new("L", (12, 10), 40 + 120 * k + i).save(picture, "PNG")
                    z.writestr(f"skin/{split}/{cls}/{i}.png", picture.getvalue())
                z.writestr(f"skin/{split}/{cls}/cat.jpg", base["cat.jpg"])
                z.writestr(f"skin/{split}/{cls}/ct.dcm", base["CT_small.dcm"])
    return archive.getvalue()


def check_class_zip(data: bytes) -> str | None:
    """None when the class-folder loader loaded the zip or refused it with a plain `ImageLoadError`."""
    from core.io.class_folders import load_class_folders

    return outcome(lambda: load_class_folders(data, "fuzz.zip", size=8))[1]


def test_mutated_class_zips_load_or_are_refused_cleanly():
    seed = class_zip_seed()
    assert check_class_zip(seed) is None
    rng = random.Random(20261206)
    failures = []
    tracemalloc.start()
    try:
        for n in range(CLASS_CASES):
            data = seed
            for _ in range(rng.choice((1, 1, 2))):
                data = mutate(data, rng)
            problem = check_class_zip(data)
            if problem:
                REGRESSIONS.mkdir(exist_ok=True)
                (REGRESSIONS / f"class-{n:04d}.zip").write_bytes(data)
                failures.append(f"class-{n:04d}: {problem[:200]}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert failures == []
    assert peak < 1024**3


COURSE_CONFIG = {  # the config.json Keras writes for the course's CNN (course_cnn, 32 × 32 grey, two blocks)
    "module": "keras", "class_name": "Sequential", "config": {
        "name": "course_cnn", "trainable": True, "dtype": "float32",
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [None, 32, 32, 1], "dtype": "float32", "name": "image"}},
            {"module": "keras.layers", "class_name": "Rescaling", "config": {"name": "scale", "scale": 2.0,
                                                                             "offset": -1.0}},
            {"module": "keras.layers", "class_name": "Conv2D", "config": {
                "name": "conv1", "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                "use_bias": True}},
            {"module": "keras.layers", "class_name": "ReLU", "config": {"name": "relu1"}},
            {"module": "keras.layers", "class_name": "MaxPooling2D", "config": {
                "name": "pool1", "pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}},
            {"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flatten"}},
            {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 8}},
            {"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout", "rate": 0.5}},
            {"module": "keras.layers", "class_name": "Dense", "config": {"name": "output", "units": 2}},
        ],
        "build_input_shape": [None, 32, 32, 1]},
}


def _keras_file(config_text: bytes, weights: bytes = b"\x89HDF\r\n\x1a\n") -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", b'{"keras_version": "3.15.1"}')
        z.writestr("config.json", config_text)
        z.writestr("model.weights.h5", weights)
    return archive.getvalue()


def mutate_config(config: object, rng: random.Random) -> object:
    """The config with one value replaced: an extreme number, a wrong type, a huge list, or a deep nest."""
    import copy

    config = copy.deepcopy(config)
    slots = []

    def walk(node):
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            slots.append((node, key))
            walk(value)

    walk(config)
    node, key = rng.choice(slots)
    node[key] = rng.choice((0, -1, 2**31, 10**9, 2**63, 1e308, -1e308, None, "x", True, [], {}, [None] * 5,
                            [10**6, 10**6], "Conv2D", "LSTM", [[[[[[[]]]]]]]))
    return config


def check_model(data: bytes) -> str | None:
    """None when the model check accepted the file or refused it with a plain `ModelBudgetError`."""
    from core.io.model_check import ModelBudgetError, check_model_file

    facts, problem = outcome(lambda: check_model_file(data, "fuzz.keras"), ModelBudgetError)
    if facts is None:
        return problem
    from core.io.model_check import MAX_ACTIVATION_VALUES, MAX_PARAMETERS

    if facts.parameters > MAX_PARAMETERS or facts.largest_output > MAX_ACTIVATION_VALUES:
        return f"over the budget but accepted: {facts}"
    return None


def test_mutated_model_files_pass_the_budget_check_or_are_refused_cleanly():
    import json

    text = json.dumps(COURSE_CONFIG).encode()
    seed = _keras_file(text)
    assert check_model(seed) is None
    rng = random.Random(20261206)
    failures = []
    for n in range(MODEL_CASES):
        if n % 2:
            data = mutate(seed, rng)  # bytes: the zip itself
        else:  # structure: a value of the config
            data = _keras_file(json.dumps(mutate_config(COURSE_CONFIG, rng)).encode())
        problem = check_model(data)
        if problem:
            REGRESSIONS.mkdir(exist_ok=True)
            (REGRESSIONS / f"model-{n:04d}.keras").write_bytes(data)
            failures.append(f"model-{n:04d}: {problem[:200]}")
    assert failures == []


def test_mutated_real_models_load_or_are_refused_cleanly():
    from core import cnn

    cnn.keras_module()
    model = cnn.build_model(cnn.ModelSpec(input_size=16, channels=1, conv_blocks=1, filters=2, dense_units=4))
    seed = cnn.model_to_bytes(model)
    rng = random.Random(7)
    failures = []
    for n in range(MODEL_LOADS):
        data = mutate(seed, rng)
        try:
            cnn.model_from_bytes(data, "fuzz.keras")
        except cnn.ModelLoadError as exc:
            if "Traceback" in str(exc) or " at 0x" in str(exc):
                failures.append(f"{n}: unclear message: {exc}")
        except Exception as exc:  # noqa: BLE001 - this is what the fuzzer hunts
            REGRESSIONS.mkdir(exist_ok=True)
            (REGRESSIONS / f"real-model-{n:04d}.keras").write_bytes(data)
            failures.append(f"{n}: {type(exc).__name__}: {str(exc)[:200]}")
    assert failures == []
