"""Handwritten digit recognition: from-scratch NumPy networks, a Keras CNN, air-drawing and paper reading."""
