"""The switches that keep third-party libraries off the network, set before any of them loads.

engine/__init__.py applies them first thing, so the CLI, the editor, a render process and the tests
all have them before onnxruntime, huggingface_hub, transformers or diffusers is imported.

onnxruntime (1.29 and later, Linux and macOS wheels) starts a telemetry uploader when its
environment is created: it resolves mobile.events.data.microsoft.com a few seconds after the first
session (Piper's voice), and keeps a device id and an event database under ~/.cache/Microsoft.
ORT_DISABLE_TELEMETRY=1, read once when the library initialises, creates none of that; calling
onnxruntime.disable_telemetry_events() after import would be too late for the first events. Newer
builds also read the name ORT_TELEMETRY_DISABLED, so both are set.

The values are forced, not defaults: the product promises no network at run time, so a "0" left in
a shell profile must not turn an uploader or a hub download back on.
"""

from __future__ import annotations

import os

SWITCHES = {
    "ORT_DISABLE_TELEMETRY": "1",
    "ORT_TELEMETRY_DISABLED": "1",
    "HF_HUB_OFFLINE": "1",  # huggingface_hub, and through it diffusers and transformers: no downloads
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",  # the cross-tool convention (Gradio, Hugging Face and others honour it)
}


def apply(environ=None) -> None:
    """Set every switch in `environ` (os.environ by default)."""
    target = os.environ if environ is None else environ
    target.update(SWITCHES)
