"""Landmark mode (the default): gestures read from MediaPipe's 21 hand landmarks, every hand in the frame.

Nothing here imports the silhouette mode (tests/test_emojinator_structure.py checks it)."""
