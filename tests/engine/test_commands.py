"""Every edit kind undoes and redoes exactly, with no GUI."""

import pytest

from engine.commands import (AddNode, CommandGroup, Connect, Disconnect, MoveNode, RemoveNode, RenameNode,
                             SetParam)
from engine.errors import GraphError, ParamError


def snapshot(graph):
    return ({n.id: (n.type_id, dict(n.params), n.position, n.label) for n in graph.nodes.values()},
            [(l.id, l.src_node, l.src_port, l.dst_node, l.dst_port) for l in graph.links.values()])


def check_undo_redo(stack, command):
    before = snapshot(stack.graph)
    stack.push(command)
    after = snapshot(stack.graph)
    assert after != before
    stack.undo()
    assert snapshot(stack.graph) == before
    stack.redo()
    assert snapshot(stack.graph) == after


def test_add_node(stack, graph):
    check_undo_redo(stack, AddNode("test.number", (10, 20), {"value": 7}))
    [node] = graph.nodes.values()
    assert node.params == {"value": 7} and node.position == (10.0, 20.0)


def test_add_node_keeps_its_id_across_redo(stack, graph):
    command = stack.push(AddNode("test.number"))
    first_id = command.node_id
    stack.undo()
    stack.redo()
    assert list(graph.nodes) == [first_id]


def test_add_node_refuses_bad_params(stack, graph):
    with pytest.raises(ParamError, match="at most 1000"):
        stack.push(AddNode("test.number", params={"value": 5000}))
    with pytest.raises(ParamError, match="no parameter"):
        stack.push(AddNode("test.number", params={"nope": 1}))
    assert not graph.nodes and not stack.can_undo


@pytest.fixture
def chain(stack):
    for node_id in ("a", "b"):
        stack.push(AddNode("test.number", node_id=node_id))
    stack.push(AddNode("test.concat", node_id="cat"))
    stack.push(Connect("a", "value", "cat", "items"))
    stack.push(Connect("b", "value", "cat", "items"))
    return stack


def test_remove_node_restores_links_in_their_order(chain, graph):
    check_undo_redo(chain, RemoveNode("a"))
    chain.undo()
    assert [l.src_node for l in graph.links_into("cat", "items")] == ["a", "b"]


def test_remove_node_with_many_links(chain, graph):
    check_undo_redo(chain, RemoveNode("cat"))


def test_move_node(chain):
    check_undo_redo(chain, MoveNode("a", (100, -50)))


def test_rename_node(chain, graph):
    check_undo_redo(chain, RenameNode("a", "Hero shot"))
    assert graph.display_name("a") == "Hero shot (a)"


def test_connect(stack):
    stack.push(AddNode("test.number", node_id="a"))
    stack.push(AddNode("test.add", node_id="b"))
    check_undo_redo(stack, Connect("a", "value", "b", "a"))


def test_connect_replacing_a_link(chain, graph):
    chain.push(AddNode("test.add", node_id="sum"))
    chain.push(Connect("a", "value", "sum", "a"))
    check_undo_redo(chain, Connect("b", "value", "sum", "a"))


def test_disconnect(chain, graph):
    first = next(iter(graph.links))
    check_undo_redo(chain, Disconnect(first))
    chain.undo()
    assert list(graph.links)[0] == first  # back in its place, so the multi-input order holds


def test_set_param(chain, graph):
    check_undo_redo(chain, SetParam("a", "value", 42))
    assert graph.nodes["a"].params["value"] == 42


def test_set_param_refuses_out_of_range_and_wrong_type(chain, graph):
    with pytest.raises(ParamError, match=r"Number \(a\).*at most 1000"):
        chain.push(SetParam("a", "value", 1001))
    with pytest.raises(ParamError, match="whole number"):
        chain.push(SetParam("a", "value", "ten"))
    assert graph.nodes["a"].params["value"] == 1


def test_slider_drag_undoes_as_one_step(chain, graph):
    depth = len(chain.history())
    for value in range(2, 30):
        chain.push(SetParam("a", "value", value, merge_key="drag-1"))
    assert len(chain.history()) == depth + 1
    chain.undo()
    assert graph.nodes["a"].params["value"] == 1


def test_group_of_edits_undoes_as_one(chain, graph):
    group = CommandGroup("Paste", [AddNode("test.number", node_id="c"), Connect("c", "value", "cat", "items"),
                                   SetParam("a", "value", 9)])
    check_undo_redo(chain, group)


def test_failing_group_changes_nothing(chain, graph):
    before = snapshot(graph)
    with pytest.raises(GraphError):
        chain.push(CommandGroup("Bad", [AddNode("test.number", node_id="c"), Connect("c", "value", "zz", "a")]))
    assert snapshot(graph) == before


def test_group_context_collects_pushes(chain, graph):
    before = snapshot(graph)
    with chain.group("Duplicate"):
        chain.push(AddNode("test.number", node_id="c"))
        chain.push(Connect("c", "value", "cat", "items"))
    assert chain.undo_text == "Duplicate"
    chain.undo()
    assert snapshot(graph) == before


def test_group_context_rolls_back_on_error(chain, graph):
    before = snapshot(graph)
    with pytest.raises(GraphError):
        with chain.group("Broken"):
            chain.push(AddNode("test.number", node_id="c"))
            chain.push(Connect("c", "value", "nowhere", "a"))
    assert snapshot(graph) == before


def test_clean_state_tracks_saves(chain):
    chain.set_clean()
    assert chain.is_clean
    chain.push(MoveNode("a", (1, 1)))
    assert not chain.is_clean
    chain.undo()
    assert chain.is_clean
    chain.undo()  # before the save point
    assert not chain.is_clean
    chain.redo()
    assert chain.is_clean
    chain.undo()
    chain.push(MoveNode("b", (5, 5)))  # the saved state is now unreachable
    assert not chain.is_clean
    while chain.can_undo:
        chain.undo()
        assert not chain.is_clean


def test_a_drag_that_goes_on_after_a_save_is_not_merged_into_the_saved_step(chain, graph):
    chain.push(SetParam("a", "value", 5, merge_key="drag-1"))
    chain.set_clean()  # saved (an autosave, Ctrl+S) in the middle of one slider drag
    chain.push(SetParam("a", "value", 9, merge_key="drag-1"))
    assert not chain.is_clean  # the value on screen is not the one in the file
    chain.push(SetParam("a", "value", 12, merge_key="drag-1"))  # the rest of the drag merges on this side
    chain.undo()
    assert graph.nodes["a"].params["value"] == 5 and chain.is_clean  # back to exactly what was saved
    chain.undo()
    assert graph.nodes["a"].params["value"] == 1 and not chain.is_clean
    chain.redo()
    chain.redo()
    assert graph.nodes["a"].params["value"] == 12 and not chain.is_clean


def test_graph_events_follow_edits(stack, graph):
    from engine import events as ev

    seen = []
    graph.events.connect(seen.append)
    stack.push(AddNode("test.number", node_id="a"))
    stack.undo()
    assert seen == [ev.NodeAdded("a"), ev.NodeRemoved("a")]


def test_history_lists_done_and_redoable_steps(chain):
    depth = len(chain.history())
    chain.push(MoveNode("a", (1, 1)))
    chain.push(RenameNode("a", "A"))
    chain.undo()
    chain.undo()
    assert len(chain.history()) == depth and chain.redo_history() == ["Move Number", "Rename Number to A"]
