"""A Sequence's shot order is explicit and editable: ReorderInputs does, undoes, redoes and is saved."""

import pytest

from app.nodes import build_registry
from engine import events as ev
from engine.commands import AddNode, Connect, ReorderInputs, UndoStack
from engine.errors import GraphError
from engine.executor import Executor
from engine.graph import Graph
from engine.project import Project, load_project, save_project

RED, GREEN, BLUE = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]


def cut_of_three():
    """Cards red, green, blue linked into a Sequence in that order, then a grade after it (another link)."""
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("edit.sequence", node_id="seq"))
    for name, colour in (("red", RED), ("green", GREEN), ("blue", BLUE)):
        stack.push(AddNode("title.overlay", node_id=name, params={
            "text": "", "background_color": colour, "duration": 0.25, "fps": "24", "resolution": "640x360"}))
        stack.push(Connect(name, "frames", "seq", "shots", link_id=f"to_{name}"))
    stack.push(AddNode("color.grade", node_id="grade"))
    stack.push(Connect("seq", "frames", "grade", "frames", link_id="graded"))
    return graph, stack


def shot_colours(graph):
    clip = Executor().run(graph, ["seq"], load_outputs=True).outputs["seq"]["frames"]
    return [clip.frame(index)[10, 10, :3].round(3).tolist() for index in (0, 6, 12)]


def test_reorder_changes_what_plays_and_undoes_and_redoes():
    graph, stack = cut_of_three()
    heard = []
    graph.events.connect(heard.append)
    stack.push(ReorderInputs("seq", "shots", ["to_blue", "to_red", "to_green"]))
    assert [l.id for l in graph.links_into("seq", "shots")] == ["to_blue", "to_red", "to_green"]
    assert list(graph.links)[-1] == "graded"  # the other links keep their places
    assert heard == [ev.LinksReordered("seq", "shots", ("to_blue", "to_red", "to_green"))]
    assert shot_colours(graph) == [BLUE, RED, GREEN]
    assert stack.undo_text == "Reorder Sequence: shots"
    stack.undo()
    assert [l.id for l in graph.links_into("seq", "shots")] == ["to_red", "to_green", "to_blue"]
    assert shot_colours(graph) == [RED, GREEN, BLUE]
    stack.redo()
    assert shot_colours(graph) == [BLUE, RED, GREEN]


def test_the_saved_file_keeps_the_order(tmp_path):
    graph, stack = cut_of_three()
    stack.push(ReorderInputs("seq", "shots", ["to_green", "to_blue", "to_red"]))
    path = save_project(Project(graph, "order"), tmp_path / "order.aiprod")
    reopened = load_project(path, build_registry()).graph
    assert [l.id for l in reopened.links_into("seq", "shots")] == ["to_green", "to_blue", "to_red"]
    assert shot_colours(reopened) == [GREEN, BLUE, RED]


@pytest.mark.parametrize("node, port, order, message", [
    ("seq", "shots", ["to_blue", "to_red"], "must name each of them once, got to_blue, to_red"),
    ("seq", "shots", ["to_blue", "to_red", "to_red"], "must name each of them once"),
    ("seq", "shots", ["to_blue", "to_red", "graded"], "the links into Sequence \\(seq\\).shots are to_red, to_green"),
    ("grade", "frames", ["graded"], "has no input 'frames' that takes several links"),
    ("nobody", "shots", [], "there is no node 'nobody'"),
])
def test_an_order_that_does_not_fit_is_refused_and_changes_nothing(node, port, order, message):
    graph, stack = cut_of_three()
    before = list(graph.links)
    with pytest.raises(GraphError, match=message):
        stack.push(ReorderInputs(node, port, order))
    assert list(graph.links) == before and not stack.undo_text.startswith("Reorder")
