"""Which models exist, where their files live, and loading them behind one `predict_proba` interface."""
from pathlib import Path

from digit_recognizer.nn import Network

MODELS_DIR = Path(__file__).resolve().parent / "models"
NUMPY_MODELS = {
    "softmax": {"sizes": [784, 10], "activation": "relu"},  # no hidden layer: the activation is unused
    "shallow": {"sizes": [784, 100, 10], "activation": "tanh"},
    "deep": {"sizes": [784, 100, 80, 50, 10], "activation": "relu"},
}
MODEL_NAMES = (*NUMPY_MODELS, "cnn")


def model_file(name, models_dir=None):
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
    return Path(models_dir or MODELS_DIR) / (f"{name}.keras" if name == "cnn" else f"{name}.npz")


def parse_model_names(text):
    """'all' or a comma-separated list such as 'deep,cnn' -> tuple of names, validated."""
    names = MODEL_NAMES if text in ("all", "", None) else tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:  # ",,," or " , "
        raise ValueError(f"no model named in {text!r}; choose from {', '.join(MODEL_NAMES)} or all")
    for name in names:
        model_file(name)
    return names


def load_model(name, models_dir=None):
    """The trained model `name`: a NumPy Network or the CNN's TFLite copy; both have predict_proba(images)."""
    path = model_file(name, models_dir)
    if name == "cnn":
        # The apps run the TFLite copy through LiteRT: no TensorFlow at run time, ~15x faster per digit.
        from digit_recognizer.cnn import TfliteClassifier
        lite = path.with_suffix(".tflite")
        if not lite.is_file():
            raise ValueError(f"no TFLite CNN at {lite} (train it: python digit_recognizer/train.py --model cnn; "
                             "or convert a cnn.keras: python digit_recognizer/export_tflite.py)")
        return TfliteClassifier(lite)
    if not path.is_file():
        raise ValueError(f"no trained {name} model at {path} (train it: python digit_recognizer/train.py "
                         f"--model {name})")
    return Network.load(path)


def load_models(names, models_dir=None):
    """{name: model} in the order given."""
    return {name: load_model(name, models_dir) for name in names}
