"""Parameter schemas: coercion from CLI strings, ranges, choices, clear errors."""

import pytest

from neurodeck import ParameterError
from neurodeck.plugin_api import Bool, Choice, Float, Int, IntList, ParamSchema, Text

SCHEMA = ParamSchema((
    Int("rank", 3, minimum=1, maximum=50),
    Float("alpha", 0.5, minimum=0.0, maximum=1.0),
    Float("tmin", None, optional=True),
    Choice("method", "pearson", choices=("pearson", "partial")),
    Bool("z", False),
    IntList("ranks", [2, 3]),
    Text("label", "x"),
))


def test_defaults_and_string_coercion():
    out = SCHEMA.resolve({"rank": "7", "alpha": "0.25", "z": "yes", "ranks": "2-4",
                          "tmin": ""})
    assert out == {"rank": 7, "alpha": 0.25, "tmin": None, "method": "pearson", "z": True,
                   "ranks": [2, 3, 4], "label": "x"}
    assert SCHEMA.resolve({"ranks": "5"})["ranks"] == 5
    assert SCHEMA.resolve({"ranks": "2,6"})["ranks"] == [2, 6]


@pytest.mark.parametrize("values, message", [
    ({"rank": "0"}, "below the minimum 1"),
    ({"rank": "2.5"}, "not an integer"),
    ({"alpha": "abc"}, "not a number"),
    ({"alpha": "nan"}, "not a number"),
    ({"method": "spearman"}, "not one of pearson, partial"),
    ({"z": "maybe"}, "true/false"),
    ({"bogus": 1}, "unknown parameter"),
    ({"rank": None}, "needs a value"),
])
def test_bad_values_name_the_parameter(values, message):
    with pytest.raises(ParameterError, match=message):
        SCHEMA.resolve(values)


def test_schema_json_is_complete():
    js = {p["name"]: p for p in SCHEMA.to_json()}
    assert js["rank"]["minimum"] == 1 and js["method"]["choices"] == ["pearson", "partial"]
    assert js["tmin"]["optional"] is True


def test_a_choice_named_none_is_a_value_not_unset():
    schema = ParamSchema((Choice("prior", "none", choices=("none", "gaussian")),))
    assert schema.resolve({}) == {"prior": "none"}
    assert schema.resolve({"prior": "none"}) == {"prior": "none"}
