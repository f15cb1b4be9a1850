"""Automatic quality checks of a finished film: picture (black, frozen, flicker, NaN, exposure,
shot length and rate) and sound (loudness, true peak, clipping, silent dialogue, A/V length).

Pure functions on clips and audio buffers, measured in one pass over downsampled frames, so the
check can run on every export; the findings make a report (engine.qa.report) written as JSON.
"""
