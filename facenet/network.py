"""A compact Inception embedding network (in the spirit of OpenFace's nn4.small2) and FaceNet's triplet loss
with online semi-hard negative mining. Imports TensorFlow/Keras: used by train.py and by run.py --model PATH.
"""
import keras
import tensorflow as tf
from keras import layers


@keras.saving.register_keras_serializable(package="facenet")
class L2Normalize(layers.Layer):
    """Puts embeddings on the unit sphere, so that distances lie in [0, 2] as FaceNet's do."""

    def call(self, x):
        return tf.math.l2_normalize(x, axis=-1)


CUSTOM_OBJECTS = {"L2Normalize": L2Normalize}


# Batch-norm statistics that follow training within tens of steps (Keras's 0.99 needs hundreds): with the
# default, a short run validates with stale statistics and every embedding lands on the same spot.
BN_MOMENTUM = 0.9


def _conv(x, filters, kernel, strides=1):
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    return layers.Activation("relu")(x)


def inception(x, f1, f3r, f3, f5r, f5, fp):
    """1x1, 1x1->3x3, 1x1->3x3->3x3 (a 5x5 field) and pool->1x1 branches, concatenated."""
    b1 = _conv(x, f1, 1)
    b3 = _conv(_conv(x, f3r, 1), f3, 3)
    b5 = _conv(_conv(_conv(x, f5r, 1), f5, 3), f5, 3)
    bp = _conv(layers.MaxPooling2D(3, strides=1, padding="same")(x), fp, 1)
    return layers.Concatenate()([b1, b3, b5, bp])


def build(size=96, dim=128, width=1.0):
    """size x size x 3 RGB in [0, 1] -> `dim`-D unit vector. `width` scales every layer (0.25 for tests)."""
    def w(n):
        return max(4, int(n * width))

    inputs = keras.Input((size, size, 3))
    x = _conv(inputs, w(32), 5, strides=2)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = _conv(x, w(64), 1)
    x = _conv(x, w(96), 3)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = inception(x, w(32), w(48), w(64), w(8), w(16), w(16))
    x = inception(x, w(48), w(64), w(96), w(16), w(32), w(32))
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = inception(x, w(96), w(64), w(128), w(16), w(32), w(48))
    x = inception(x, w(128), w(96), w(160), w(24), w(48), w(64))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(dim, use_bias=False)(x)
    # FaceNet's bottleneck is batch-normalised too: centred features spread over the sphere from the start,
    # instead of collapsing into one corner where every distance is tiny and triplets teach nothing.
    x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    return keras.Model(inputs, L2Normalize()(x), name="facenet_small")


def pairwise_squared_distances(embeddings):
    sq = tf.reduce_sum(tf.square(embeddings), axis=1)
    d = sq[:, None] - 2.0 * tf.matmul(embeddings, embeddings, transpose_b=True) + sq[None, :]
    return tf.maximum(d, 0.0)


def semihard_triplet_loss(labels, embeddings, margin=0.2):
    """FaceNet's triplet loss over every (anchor, positive) pair of the batch. Each pair's negative is the
    semi-hard one: the closest negative that is still farther than the positive; when none is, the farthest
    negative closer than the positive (never the hardest: that collapses training early on)."""
    labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
    d = pairwise_squared_distances(embeddings)
    same = tf.equal(labels[:, None], labels[None, :])
    positive = tf.logical_and(same, tf.logical_not(tf.eye(tf.shape(labels)[0], dtype=tf.bool)))
    negative = tf.logical_not(same)[:, None, :]  # (anchor, 1, n)
    d_ap, d_an = d[:, :, None], d[:, None, :]  # (anchor, positive, 1), (anchor, 1, negative)
    big = tf.constant(1e9, d.dtype)
    outside = tf.where(tf.logical_and(negative, d_an > d_ap), d_an, big)
    nearest_outside = tf.reduce_min(outside, axis=2)
    farthest_inside = tf.reduce_max(tf.where(negative, d_an, -big), axis=2)
    chosen = tf.where(nearest_outside < big / 2, nearest_outside, farthest_inside)
    losses = tf.nn.relu(margin + d - chosen)
    mask = tf.cast(positive, d.dtype)
    return tf.reduce_sum(losses * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)
