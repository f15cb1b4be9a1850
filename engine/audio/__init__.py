"""Sound inside the engine: float32 buffers at 48 kHz, DSP, loudness."""
