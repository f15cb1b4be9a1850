"""Links are type-checked, loops are refused, inputs take one link or many as declared."""

import pytest

from engine.commands import AddNode, Connect
from engine.errors import CycleError, GraphError, LinkTypeError, UnknownNodeTypeError
from engine.graph import Link


def add(stack, type_id, node_id, **params):
    stack.push(AddNode(type_id, params=params, node_id=node_id))
    return node_id


def test_compatible_link_is_made(graph, stack):
    add(stack, "test.number", "a")
    add(stack, "test.add", "b")
    stack.push(Connect("a", "value", "b", "a"))
    [link] = graph.links.values()
    assert (link.src_node, link.src_port, link.dst_node, link.dst_port) == ("a", "value", "b", "a")


def test_int_feeds_a_float_input(graph, stack):
    add(stack, "test.number", "a")
    add(stack, "test.half", "h")
    stack.push(Connect("a", "value", "h", "x"))
    assert len(graph.links) == 1


def test_incompatible_link_names_both_port_types(graph, stack):
    add(stack, "test.gradient", "img")
    add(stack, "test.add", "b")
    with pytest.raises(LinkTypeError) as err:
        stack.push(Connect("img", "image", "b", "a"))
    assert "Image" in str(err.value) and "Int" in str(err.value)
    assert not graph.links and stack.undo_text.startswith("Add")


def test_float_does_not_feed_int(graph, stack):
    add(stack, "test.number", "a")
    add(stack, "test.half", "h")
    add(stack, "test.add", "b")
    stack.push(Connect("a", "value", "h", "x"))
    with pytest.raises(LinkTypeError, match="Float"):
        stack.push(Connect("h", "value", "b", "a"))


def test_cycle_is_refused_naming_a_node_on_it(graph, stack):
    for node_id in ("a", "b", "c"):
        add(stack, "test.add", node_id)
    stack.push(Connect("a", "value", "b", "a"))
    stack.push(Connect("b", "value", "c", "a"))
    with pytest.raises(CycleError) as err:
        stack.push(Connect("c", "value", "a", "a"))
    assert err.value.node_id in {"a", "b", "c"}
    assert "(a)" in str(err.value) and "loop" in str(err.value)
    assert len(graph.links) == 2


def test_loop_found_when_ordering_names_a_node_on_the_loop_not_one_below_it(graph, stack):
    # c is added first and waits on a, so "the first node still waiting on an input" is c, which is
    # only downstream of the a <-> b loop. Links go in unchecked, as a loaded file's links do.
    for node_id in ("c", "a", "b"):
        add(stack, "test.add", node_id)
    graph.insert_link(Link("l1", "a", "value", "b", "a"))
    graph.insert_link(Link("l2", "b", "value", "a", "a"))
    graph.insert_link(Link("l3", "a", "value", "c", "a"))
    with pytest.raises(CycleError) as err:
        graph.topological_order()
    assert err.value.node_id in {"a", "b"}
    assert "Add (a) → Add (b) → Add (a)" in str(err.value)
    assert "(c)" not in str(err.value)


def test_loop_path_follows_the_direction_data_flows(graph, stack):
    for node_id in ("x", "p", "q", "r"):
        add(stack, "test.add", node_id)
    graph.insert_link(Link("l1", "p", "value", "q", "a"))
    graph.insert_link(Link("l2", "q", "value", "r", "a"))
    graph.insert_link(Link("l3", "r", "value", "p", "a"))
    graph.insert_link(Link("l4", "r", "value", "x", "a"))
    with pytest.raises(CycleError) as err:
        graph.topological_order()
    assert err.value.node_id == "p"
    assert "Add (p) → Add (q) → Add (r) → Add (p)" in str(err.value)


def test_self_link_is_a_cycle(graph, stack):
    add(stack, "test.add", "a")
    with pytest.raises(CycleError):
        stack.push(Connect("a", "value", "a", "b"))


def test_unknown_ports_and_nodes_are_refused(graph, stack):
    add(stack, "test.number", "a")
    add(stack, "test.add", "b")
    with pytest.raises(GraphError, match="no output 'nope'"):
        stack.push(Connect("a", "nope", "b", "a"))
    with pytest.raises(GraphError, match="no input 'nope'"):
        stack.push(Connect("a", "value", "b", "nope"))
    with pytest.raises(GraphError, match="no node 'zz'"):
        stack.push(Connect("zz", "value", "b", "a"))


def test_unknown_node_type_suggests_close_names(stack):
    with pytest.raises(UnknownNodeTypeError, match="test.number"):
        stack.push(AddNode("test.numbr"))


def test_single_input_link_replaces_the_old_one(graph, stack):
    add(stack, "test.number", "one")
    add(stack, "test.number", "two")
    add(stack, "test.add", "sum")
    stack.push(Connect("one", "value", "sum", "a"))
    stack.push(Connect("two", "value", "sum", "a"))
    assert [l.src_node for l in graph.links_into("sum", "a")] == ["two"]
    stack.undo()
    assert [l.src_node for l in graph.links_into("sum", "a")] == ["one"]


def test_multiple_input_keeps_link_order_and_refuses_duplicates(graph, stack):
    for node_id in ("x", "y", "z"):
        add(stack, "test.number", node_id)
    add(stack, "test.concat", "cat")
    for node_id in ("y", "x", "z"):
        stack.push(Connect(node_id, "value", "cat", "items"))
    assert [l.src_node for l in graph.links_into("cat", "items")] == ["y", "x", "z"]
    with pytest.raises(GraphError, match="already linked"):
        stack.push(Connect("x", "value", "cat", "items"))


def test_topological_order_is_dependency_order(graph, stack):
    add(stack, "test.add", "late")
    add(stack, "test.number", "early")
    stack.push(Connect("early", "value", "late", "a"))
    assert graph.topological_order() == ["early", "late"]
    assert graph.upstream(["late"]) == {"early", "late"}
    assert graph.downstream(["early"]) == {"early", "late"}
