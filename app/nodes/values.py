"""Constant values a user types once and wires into several nodes (a prompt, a line, a duration)."""

from __future__ import annotations

from engine.ports import FLOAT, TEXT
from engine.schema import FloatParam, NodeSchema, NodeType, Port, StringParam


class TextValue(NodeType):
    schema = NodeSchema(
        type_id="value.text", title="Text", category="Values",
        outputs=(Port("text", TEXT),),
        params=(StringParam("text", "", help="The text this node outputs.", multiline=True),),
        help="A piece of text to feed into prompts, titles or voice lines.",
    )

    def execute(self, ctx, inputs, params):
        return {"text": params["text"]}


class NumberValue(NodeType):
    schema = NodeSchema(
        type_id="value.number", title="Number", category="Values",
        outputs=(Port("value", FLOAT),),
        params=(FloatParam("value", 0.0, help="The number this node outputs."),),
        help="A number to feed into several nodes at once.",
    )

    def execute(self, ctx, inputs, params):
        return {"value": params["value"]}
