"""The timeline panel: a Sequence and its Mix as tracks, edited by dragging (a view of the graph)."""
