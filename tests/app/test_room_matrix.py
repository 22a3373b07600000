"""`ui.room.editable_matrix`: the data editor for a learner; in lecturer mode the numbers at room size first."""

from __future__ import annotations

import pyarrow as pa
import pytest
from streamlit.proto.Dataframe_pb2 import Dataframe
from streamlit.testing.v1 import AppTest


def matrix_page():
    import pandas as pd
    import streamlit as st

    from ui.room import editable_matrix

    st.session_state.setdefault("lecturer", False)
    edited = editable_matrix(pd.DataFrame([[1, -2], [3, 4.5]], columns=["a", "b"]), key="m", hide_index=True,
                             num_rows="add")
    st.caption(f"sum {edited.to_numpy().sum():g}")


@pytest.fixture
def at() -> AppTest:
    return AppTest.from_function(matrix_page, default_timeout=60)


def editors(at: AppTest) -> list:
    return [d for d in at.dataframe if d.proto.editing_mode != Dataframe.EditingMode.READ_ONLY]


def test_a_learner_edits_the_matrix_itself(at):
    at.run()
    assert len(editors(at)) == 1 and not at.table and not at.expander
    assert at.caption[0].value == "sum 6.5"


def test_in_lecturer_mode_the_numbers_come_first_as_a_plain_table_and_the_editor_is_folded_under_them(at):
    at.session_state["lecturer"] = True
    at.run()
    [table] = at.table  # plain HTML cells, which the lecturer's styles set at room size
    assert table.value.to_numpy().tolist() == [[1, -2], [3, 4.5]]
    shown = pa.ipc.open_stream(table.proto.arrow_data.styler.display_values).read_pandas()
    assert shown.to_numpy().tolist() == [["1", "-2"], ["3", "4.5"]]  # as the lesson writes them: no "-2.000000"
    [folded] = at.expander
    assert folded.label == "Edit the numbers" and not folded.proto.expanded
    [inside] = folded.get("dataframe")  # the editor, inside it
    assert editors(at) == [inside]
    assert at.caption[0].value == "sum 6.5"  # the page works on the editor's values
    elements = [type(e).__name__ for e in at.main.children.values()]
    assert elements.index("Table") < elements.index("Expander")
