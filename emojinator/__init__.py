"""Emojinator: hand gestures to emoji, read from hand landmarks (landmarks/, the default) or, as the original did,
from the hand's silhouette in a region (silhouette/). README.md opens with a map of the files."""
