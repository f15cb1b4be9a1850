"""The Preview dock's player: clocked playback of a node's frames with its sound (see player.py)."""
