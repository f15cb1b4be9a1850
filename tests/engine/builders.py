"""Small helpers to build test graphs in one line each."""

from engine.commands import AddNode, Connect


def add(stack, type_id, node_id, **params):
    stack.push(AddNode(type_id, params=params, node_id=node_id))
    return node_id


def link(stack, src, dst, dst_port="a", src_port="value"):
    stack.push(Connect(src, src_port, dst, dst_port))


def diamond(stack):
    """src -> left, right -> join; plus an unrelated island node."""
    add(stack, "test.number", "src", value=2)
    add(stack, "test.add", "left", offset=1)
    add(stack, "test.add", "right", offset=10)
    add(stack, "test.add", "join")
    add(stack, "test.number", "island", value=5)
    link(stack, "src", "left")
    link(stack, "src", "right")
    link(stack, "left", "join", "a")
    link(stack, "right", "join", "b")
