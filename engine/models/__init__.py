"""The local model library: where models are found (locator), what each file or folder is
(identify, families), and how a pipeline is loaded and run on the studio's own hardware (loading,
memory, denoise). Only the locator and the identification are imported here: diffusers and
transformers load when a node first generates, never when a project opens or a test collects."""

from .locator import ModelLocator

__all__ = ["ModelLocator"]
