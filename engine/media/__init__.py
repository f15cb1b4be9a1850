"""Media inside the engine: streamed clips of float scene-linear frames, colour spaces, file I/O."""
