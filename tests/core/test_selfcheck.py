"""Self-check answers and the progress file."""

import json

import pytest

from core.questions.selfcheck import Question, is_correct, progress_from_json, progress_to_json

CHOICE = Question("How many levels has an 8-bit image?", "2^8 = 256.", 2, ("8", "255", "256"))
NUMBER = Question("Otsu threshold?", "", 127.5, tolerance=0.5)


def test_multiple_choice_by_index_or_text():
    assert is_correct(CHOICE, 2) and is_correct(CHOICE, "256")
    assert not is_correct(CHOICE, 1) and not is_correct(CHOICE, "255") and not is_correct(CHOICE, None)


def test_numeric_answers_within_tolerance():
    assert is_correct(NUMBER, 127) and is_correct(NUMBER, "128.0")
    assert not is_correct(NUMBER, 126.9) and not is_correct(NUMBER, "abc") and not is_correct(NUMBER, float("nan"))


def test_progress_round_trip_keeps_only_known_pages_and_sane_counts():
    progress = {"pixels": {"answered": 3, "correct": 2, "total": 4}}
    text = progress_to_json(progress)
    assert progress_from_json(text, {"pixels", "loading"}) == progress
    hostile = json.dumps({"progress": {"pixels": {"answered": 9, "correct": 10, "total": 4},
                                       "unknown": {"answered": 1, "correct": 1, "total": 1},
                                       "loading": {"answered": "x"}}})
    assert progress_from_json(hostile, {"pixels", "loading"}) == {}


@pytest.mark.parametrize("bad", [b"\x89PNG not json", b"[1, 2]", b'{"progress": 3}', "{"])
def test_a_file_that_is_not_a_progress_file_is_refused_plainly(bad):
    with pytest.raises(ValueError, match="progress|JSON"):
        progress_from_json(bad, {"pixels"})


def _entry(value: str) -> str:
    return '{"progress": {"pixels": {"answered": ' + value + ', "correct": 1, "total": 4}}}'


HOSTILE_PROGRESS = {
    "deep lists": "[" * 50_000 + "]" * 50_000,
    "deep objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "deep inside progress": '{"progress": {"pixels": ' + "[" * 2_000 + "]" * 2_000 + "}}",
    "Infinity": _entry("Infinity"),
    "-Infinity": _entry("-Infinity"),
    "NaN": _entry("NaN"),
    "1e999": _entry("1e999"),
    "5000 digits": _entry("9" * 5_000),
    "long float": _entry("1." + "0" * 5_000),
    "too big": '{"progress": {}, "pad": "' + "x" * 200_000 + '"}',
    "truncated by a size cut": '{"progress": {"pixels": {"answered": 1' + " " * 100_000 + "}}}",
}


@pytest.mark.parametrize("name", list(HOSTILE_PROGRESS))
def test_a_hostile_progress_file_gives_one_plain_message(name):
    text = HOSTILE_PROGRESS[name]
    for document in (text, text.encode()):
        with pytest.raises(ValueError) as raised:
            progress_from_json(document, {"pixels"})
        assert type(raised.value) is ValueError
        message = str(raised.value)
        assert message.startswith("This file is not a progress file of the course")
        assert "digits" not in message and "line" not in message and "recursion" not in message.lower()


def test_a_real_progress_file_with_a_bom_and_nesting_is_read():
    text = "\ufeff" + progress_to_json({"pixels": {"answered": 3, "correct": 2, "total": 4}})
    assert progress_from_json(text.encode(), {"pixels"}) == {"pixels": {"answered": 3, "correct": 2, "total": 4}}
