"""Running every loaded model on a batch of digit images, and the fields the apps log and show."""
import numpy as np

from digit_recognizer.preprocess import to_mnist_batch


class DigitModels:
    """The loaded digit models, run side by side on the same crops. models: {name: model with predict_proba};
    `primary` is the model whose answer is the app's answer."""

    def __init__(self, models, primary):
        if primary not in models:
            raise ValueError(f"--model {primary} is not among the loaded models ({', '.join(models)})")
        self.models, self.primary = models, primary

    def __call__(self, crops):
        """Crops of any size and polarity -> {model: (digits array, confidences array)}."""
        images = to_mnist_batch(crops)
        results = {}
        for name, model in self.models.items():
            probs = model.predict_proba(images)
            results[name] = (probs.argmax(axis=1), probs.max(axis=1))
        return results

    def event_fields(self, results):
        """`text` and `model` from the primary model, and every model's reading with per-digit confidences."""
        predictions = {name: {"text": "".join(str(int(d)) for d in digits),
                              "confidences": [round(float(c), 4) for c in confidences]}
                       for name, (digits, confidences) in results.items()}
        return {"text": predictions[self.primary]["text"], "model": self.primary,
                "confidence": round(float(np.min(results[self.primary][1])), 4) if len(results[self.primary][1])
                else 0.0,
                "predictions": predictions}
