"""The timeline: a Sequence and its Mix seen as tracks of clips in time (model.py), and its edits as
commands on the graph (edits.py). Qt-free: the timeline panel and interchange both stand on it."""
