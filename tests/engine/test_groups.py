"""Node groups: nodes drawn as one collapsible box with chosen parameters shown on it. A group is model
data (undoable, evented, saved); it never changes what renders."""

from __future__ import annotations

import json

import pytest

from engine import events as ev
from engine.commands import AddNode, Connect, RemoveNode, SetParam, UndoStack
from engine.errors import GraphError
from engine.executor import Executor
from engine.graph import Graph
from engine.group_commands import EditGroup, GroupNodes, Ungroup, set_collapsed, set_exposed
from engine.project import Project, project_from_data, project_to_data
from tests.engine.stub_nodes import ran


@pytest.fixture
def project(registry):
    project = Project(Graph(registry))
    stack = UndoStack(project.model)
    for node_id, type_id, position, params in (("a", "test.number", (0.0, 40.0), {"value": 2.0}),
                                               ("b", "test.number", (100.0, 0.0), {"value": 3.0}),
                                               ("sum", "test.add", (300.0, 0.0), {}),
                                               ("half", "test.half", (500.0, 0.0), {})):
        stack.push(AddNode(type_id, position, params=params, node_id=node_id))
    stack.push(Connect("a", "value", "sum", "a"))
    stack.push(Connect("b", "value", "sum", "b"))
    stack.push(Connect("sum", "value", "half", "x"))
    return project, stack


def test_grouping_collapses_at_the_nodes_corner_and_undo_takes_it_away(project):
    project, stack = project
    model = project.model
    seen = []
    model.events.connect(seen.append)
    command = stack.push(GroupNodes(["b", "sum"], "Sum"))
    group = model.groups[command.group_id]
    assert command.group_id == "g1" and group.nodes == ("b", "sum") and group.collapsed
    assert group.position == (100.0, 0.0) and model.group_of("sum") is group and model.group_of("a") is None
    assert seen == [ev.GroupAdded("g1")] and stack.undo_text == "Group 2 nodes as 'Sum'"
    stack.undo()
    assert not model.groups and seen[-1] == ev.GroupRemoved("g1", ("b", "sum"))
    stack.redo()
    assert model.groups["g1"].nodes == ("b", "sum")


def test_a_node_is_in_one_group_at_most_and_a_group_needs_two_nodes(project):
    project, stack = project
    stack.push(GroupNodes(["a", "b"], "Inputs"))
    with pytest.raises(GraphError, match="already in the group 'Inputs'"):
        stack.push(GroupNodes(["b", "sum"]))
    with pytest.raises(GraphError, match="at least two"):
        stack.push(GroupNodes(["sum"]))
    with pytest.raises(GraphError, match="no node 'nope'"):
        stack.push(GroupNodes(["sum", "nope"]))
    assert list(project.model.groups) == ["g1"] and stack.history()[-1] == "Group 2 nodes as 'Inputs'"


def test_exposed_parameters_collapse_and_position_are_undoable_edits(project):
    project, stack = project
    model = project.model
    stack.push(GroupNodes(["a", "b", "sum"], "Sum"))
    stack.push(set_exposed(model, "g1", "b", "value", True))
    stack.push(set_exposed(model, "g1", "a", "value", True))
    assert model.groups["g1"].exposed == (("b", "value"), ("a", "value"))
    assert stack.undo_text.startswith("Show ") and stack.undo_text.endswith("on 'Sum'")
    stack.push(set_exposed(model, "g1", "b", "value", False))
    assert model.groups["g1"].exposed == (("a", "value"),)
    stack.push(set_collapsed(model, "g1", False))
    assert not model.groups["g1"].collapsed and stack.undo_text == "Expand 'Sum'"
    stack.push(EditGroup("g1", position=(10, 20)))
    stack.push(EditGroup("g1", position=(30, 40)))  # a drag: one step
    assert model.groups["g1"].position == (30.0, 40.0)
    stack.undo()
    assert model.groups["g1"].position == (0.0, 0.0)  # where grouping put it: the nodes' top-left
    with pytest.raises(GraphError, match="has no parameter 'loudness'"):
        stack.push(EditGroup("g1", exposed=[("a", "loudness")]))
    with pytest.raises(GraphError, match="is not in the group .Sum."):
        stack.push(EditGroup("g1", exposed=[("half", "value")]))


def test_deleting_a_node_takes_it_out_of_its_group_and_undo_puts_it_back(project):
    project, stack = project
    model = project.model
    stack.push(GroupNodes(["a", "sum"], "Sum"))
    stack.push(set_exposed(model, "g1", "a", "value", True))
    stack.push(RemoveNode("a"))
    assert model.groups["g1"].nodes == ("sum",) and model.groups["g1"].exposed == ()
    stack.push(RemoveNode("sum"))
    assert not model.groups  # its last node: the group went with it
    stack.undo()
    stack.undo()
    assert model.groups["g1"].nodes == ("a", "sum") and model.groups["g1"].exposed == (("a", "value"),)


def test_ungroup_leaves_the_nodes_and_undo_brings_the_group_back(project):
    project, stack = project
    model = project.model
    stack.push(GroupNodes(["a", "b"], "Inputs"))
    stack.push(Ungroup("g1"))
    assert not model.groups and {"a", "b"} <= set(project.graph.nodes)
    stack.undo()
    assert model.groups["g1"].title == "Inputs"


def test_a_group_never_changes_what_renders_or_its_cache(project, tmp_path):
    from engine.cache import DiskCache

    project, stack = project
    executor = Executor(DiskCache(tmp_path / "cache"), project_dir=tmp_path)
    first = executor.run(project.graph, ["half"], load_outputs=True)
    stack.push(GroupNodes(["a", "b", "sum"], "Sum"))
    stack.push(set_exposed(project.model, "g1", "a", "value", True))
    calls = len(ran())
    again = executor.run(project.graph, ["half"], load_outputs=True)
    assert len(ran()) == calls and set(again.cached) >= {"half"}  # nothing re-ran
    assert again.outputs["half"] == first.outputs["half"] == {"value": 2.5}
    stack.push(SetParam("a", "value", 4.0))  # a shown parameter is the node's own
    assert executor.run(project.graph, ["half"], load_outputs=True).outputs["half"] == {"value": 3.5}


def test_groups_save_and_reopen_with_their_shown_parameters(project, registry, tmp_path):
    project, stack = project
    model = project.model
    stack.push(GroupNodes(["a", "b", "sum"], "Sum", position=(50, 60)))
    stack.push(set_exposed(model, "g1", "b", "value", True))
    stack.push(set_collapsed(model, "g1", False))
    data = project_to_data(project, tmp_path)
    assert data["groups"] == [{"object": "Group.1", "id": "g1", "title": "Sum", "color": model.groups["g1"].color,
                               "nodes": ["a", "b", "sum"], "exposed": [["b", "value"]], "collapsed": False,
                               "position": [50.0, 60.0]}]
    reopened = project_from_data(json.loads(json.dumps(data)), registry)
    assert reopened.model.groups == model.groups and not reopened.warnings
    # Ids go on from where they were: the next group is g2.
    stack = UndoStack(reopened.model)
    added = stack.push(AddNode("test.number")).node_id
    assert stack.push(GroupNodes(["half", added])).group_id == "g2"


@pytest.mark.parametrize("groups, warning", [
    ("many", "not a list"),
    ([{"object": "Group.1", "id": "g1", "title": "x", "color": "#112233", "nodes": "n1"}], "not a list"),
    ([{"object": "Group.1", "id": "g1", "title": "x", "color": "red", "nodes": ["n1", "n2"]}], "#rrggbb"),
    ([{"object": "Group.1", "id": "g1", "title": "x", "color": "#112233", "nodes": ["n404"]}], "not in the file"),
    ([{"object": "Group.1", "id": "g1", "title": "x", "color": "#112233", "nodes": ["n1", "n2"],
       "position": [0, 1e300]}], "finite"),
    ([{"object": "Group.1", "id": "g1", "title": "x", "color": "#112233", "nodes": ["n1", "n2"],
       "collapsed": "yes"}], "true or false"),
])
def test_a_broken_group_is_left_out_with_a_warning_and_the_project_opens(registry, groups, warning):
    data = {"schema_version": 2, "kind": "aiprod.project", "name": "x", "settings": {},
            "nodes": [{"object": "Node.1", "id": "n1", "type": "test.number", "params": {}},
                      {"object": "Node.1", "id": "n2", "type": "test.add", "params": {}}],
            "links": [], "groups": groups}
    project = project_from_data(data, registry, "hostile.aiprod")
    assert set(project.graph.nodes) == {"n1", "n2"} and not project.model.groups
    assert any(warning in w for w in project.warnings), project.warnings


def test_what_a_hand_edit_broke_inside_a_group_is_dropped_and_the_group_kept(registry):
    data = {"schema_version": 2, "kind": "aiprod.project", "name": "x", "settings": {},
            "nodes": [{"object": "Node.1", "id": f"n{i}", "type": "test.number", "params": {}} for i in (1, 2, 3)],
            "links": [],
            "groups": [{"object": "Group.1", "id": "g1", "title": "A", "color": "#112233", "nodes": ["n1", "n2", "n9"],
                        "exposed": [["n1", "value"], ["n1", "nope"], ["n3", "value"], "x"]},
                       {"object": "Group.1", "id": "g2", "title": "B", "color": "#112233", "nodes": ["n2", "n3"]}]}
    project = project_from_data(data, registry, "edited.aiprod")
    groups = project.model.groups
    assert groups["g1"].nodes == ("n1", "n2") and groups["g1"].exposed == (("n1", "value"),)
    assert groups["g2"].nodes == ("n3",)  # n2 was in g1 already
    assert len(project.warnings) == 5, project.warnings
