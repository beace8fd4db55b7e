"""Hypothesis strategies of spec dicts, shared by the spec tests and the command-line tests."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from losslab.lab.experiments import TUTORIAL
from losslab.lab.schema import ACTIVATIONS, DATA_NAMES, LABELS, METRICS, ExperimentModel

FIELDS = [*ExperimentModel.model_fields, "epoch", "Data", ""]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
field_values = (
    json_values
    | st.sampled_from([0, -1, 1, 2.5, "0.8", "false", "", "$x^$", "../x", "x/y", [], {}, [0], {"name": 1}])
    | st.sampled_from([*LABELS, *ACTIVATIONS, *METRICS, *DATA_NAMES, "keras2_accuracy", "hinge", "mse"])
)


@st.composite
def mutated_specs(draw: Any) -> Any:
    """A valid spec with one to three fields replaced, deleted or added, at the top level or inside data/model."""
    config = copy.deepcopy(draw(st.sampled_from([s.to_dict() for s in TUTORIAL])))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from([None, "data", "model"]))
        target = config if where is None or not isinstance(config.get(where), dict) else config[where]
        present = st.sampled_from(sorted(target)) if target else st.nothing()  # earlier deletions may empty it
        key = draw(present | st.sampled_from(FIELDS) | st.text(max_size=6))
        if draw(st.booleans()) and key in target:
            del target[key]
        else:
            target[key] = draw(field_values)
    return config
