"""Drowsiness monitor: eye closure in seconds, blinks, PERCLOS, yawns and an audible alarm from a webcam."""
