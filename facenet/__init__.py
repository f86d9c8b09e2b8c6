"""facenet: face recognition with FaceNet or dlib embeddings, enrolment, liveness by blink, triplet training."""
import os

# Matching is one matrix-vector product per face: a single BLAS thread does it fastest, and OpenBLAS's spinning
# worker threads would otherwise compete with TensorFlow's and dlib's on a small CPU. OpenBLAS reads the variable
# once, when numpy loads it; afterwards it is removed again, so that programs started from this process (other
# tools' tests, for one) keep their own default.
_previous = os.environ.get("OPENBLAS_NUM_THREADS")
if _previous is None:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    import numpy  # noqa: F401,E402
    del os.environ["OPENBLAS_NUM_THREADS"]
