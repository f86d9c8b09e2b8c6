"""Silhouette mode (--mode silhouette, the original method): a CNN on the hand's segmented silhouette in a region.

Nothing here imports the landmark mode (tests/test_emojinator_structure.py checks it)."""
