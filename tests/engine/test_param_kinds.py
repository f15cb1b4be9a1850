"""The time and table parameter kinds: how a time is saved and checked, and tables checked cell by cell."""

import json

import pytest

from engine.errors import ParamError
from engine.schema import (BoolParam, ColorParam, EnumParam, FloatParam, IntParam, StringParam, TableParam,
                           TimeParam)

SHOTS = TableParam("shots", (StringParam("name", "shot"), TimeParam("length", 2.0, max=600.0),
                             IntParam("take", 1, min=1), BoolParam("keep", True), FloatParam("gain", 0.0),
                             EnumParam("look", "day", ("day", "night"))),
                   default=[{"name": "opening", "length": 4.0}])


def test_a_time_is_saved_as_plain_seconds_and_reads_otio_rational_time():
    offset = TimeParam("offset", 0.0)
    assert offset.coerce(2) == 2.0 and isinstance(offset.coerce(2), float)
    assert json.dumps(offset.coerce(2.5)) == "2.5"  # what the project file holds
    assert offset.coerce({"value": 1001, "rate": 24000 / 1001}) == pytest.approx(1001 * 1001 / 24000, abs=1e-12)
    assert offset.coerce({"OTIO_SCHEMA": "RationalTime.1", "value": 48, "rate": 24}) == 2.0


@pytest.mark.parametrize("value, message", [
    (True, "offset must be a time in seconds \\(a number such as 2.5\\), got True"),
    ("2.5s", "offset must be a time in seconds"),
    (float("nan"), "offset must be a time in seconds"),
    (-1, "offset must be at least 0.0, got -1.0"),
    (700, "offset must be at most 600.0"),
    ({"value": 10, "rate": 0}, "offset must be seconds, or {\"value\": frames, \"rate\": fps} with a positive rate"),
])
def test_a_bad_time_says_what_fits(value, message):
    with pytest.raises(ParamError, match=message):
        TimeParam("offset", 0.0, max=600.0).coerce(value)


def test_a_table_fills_left_out_cells_and_keeps_column_order():
    assert SHOTS.default == [{"name": "opening", "length": 4.0}]
    assert SHOTS.coerce(SHOTS.default) == [{"name": "opening", "length": 4.0, "take": 1, "keep": True, "gain": 0.0,
                                            "look": "day"}]
    assert SHOTS.coerce([]) == [] and SHOTS.new_row()["length"] == 2.0
    assert SHOTS.coerce(({"take": 2.0},))[0]["take"] == 2  # a tuple of rows, and 2.0 is the whole number 2


@pytest.mark.parametrize("rows, message", [
    ([{}, {"length": "long"}], "shots row 2, column length: length must be a time in seconds"),
    ([{"take": 0}], "shots row 1, column take: take must be at least 1, got 0"),
    ([{"keep": "yes"}], "shots row 1, column keep: keep must be true or false"),
    ([{"look": "dusk"}], "shots row 1, column look: look must be one of day, night; got 'dusk'"),
    ([{"gain": float("inf")}], "shots row 1, column gain: gain must be a finite number"),
    ([{}, {}, {"nme": "x"}], "shots row 3: there is no column 'nme'; the columns are name, length, take, keep"),
    ([["opening", 4.0]], "shots row 1 must be an object of {column: value}, got \\['opening', 4.0\\]"),
    ({"name": "x"}, "shots must be a table \\(a list of rows\\)"),
])
def test_a_bad_table_names_the_row_and_column(rows, message):
    with pytest.raises(ParamError, match=message):
        SHOTS.coerce(rows)


def test_a_table_declaration_is_checked():
    with pytest.raises(ValueError, match="column 'tint' is a color; a column is one of"):
        TableParam("bad", (ColorParam("tint", (1, 1, 1)),))
    with pytest.raises(ValueError, match="has no columns"):
        TableParam("bad", ())
    with pytest.raises(ValueError, match="duplicate column names"):
        TableParam("bad", (IntParam("a", 0), IntParam("a", 1)))
    with pytest.raises(ParamError, match="bad row 1, column a: a must be at least 0"):
        TableParam("bad", (IntParam("a", 0, min=0),), default=[{"a": -1}])
