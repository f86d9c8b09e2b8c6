"""Emojinator: recognise hand gestures in a webcam region and show the matching emoji."""
