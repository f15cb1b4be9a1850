"""Procedural music: a composition engine (theory, arrangement, parts, synthesis, mix) for film cues."""

from .composer import MAX_LENGTH, MAX_TEMPO, MIN_TEMPO, MODE_CHOICES, arrange, compose
from .moods import MOOD_NAMES
from .theory import NOTE_NAMES

__all__ = ["compose", "arrange", "MOOD_NAMES", "NOTE_NAMES", "MODE_CHOICES", "MIN_TEMPO", "MAX_TEMPO", "MAX_LENGTH"]
