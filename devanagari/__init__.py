"""Devanagari handwritten character recognition (DHCD, 46 classes): data, training, evaluation and air-writing."""
