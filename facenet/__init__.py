"""facenet: face recognition with FaceNet or dlib embeddings, enrolment, liveness by blink, triplet training."""
import os

# Matching is one matrix-vector product per frame: a single BLAS thread does it fastest, and OpenBLAS's spinning
# worker threads would otherwise compete with TensorFlow's and dlib's on a small CPU. Must precede numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
