"""Timeline interchange: a Sequence's timeline written for other editors (OTIO, EDL, FCP 7 XML, FCPXML),
such files read back into a project graph, and the per-shot media and stems a finishing house conforms from."""
