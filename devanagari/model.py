"""The CNN: two double-conv blocks with batch norm, a 128-filter block, dropout, and random affine augmentation.

The model takes raw 0-255 pixels (32x32x1) and scales them itself, so training and inference cannot disagree on
the input range (the original app fed unscaled pixels to a model trained on /255 input). The augmentation layers
are part of the model and are active only while training.
"""
from devanagari.classes import NUM_CLASSES
from devanagari.preprocess import SIZE


def build_model(width=32, dropout=0.3, augment=True, num_classes=NUM_CLASSES):
    """An uncompiled Keras model; `width` is the filter count of the first block (32 for the shipped model)."""
    import keras
    from keras import layers

    def conv(x, filters):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x)

    inputs = keras.Input((SIZE, SIZE, 1), name="pixels")
    x = layers.Rescaling(1 / 255.0)(inputs)
    if augment:
        x = layers.RandomRotation(0.03, fill_mode="constant", name="aug_rotate")(x)
        x = layers.RandomTranslation(0.06, 0.06, fill_mode="constant", name="aug_shift")(x)
        x = layers.RandomZoom((-0.1, 0.1), fill_mode="constant", name="aug_zoom")(x)
    x = conv(x, width)
    x = conv(x, width)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(dropout / 2)(x)
    x = conv(x, 2 * width)
    x = conv(x, 2 * width)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(dropout / 2)(x)
    x = conv(x, 4 * width)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(8 * width, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"devanagari_cnn_w{width}")
