"""Caffe's across-channel local response normalization (LRN) as a Keras layer."""

import numbers

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="zoo")
class LocalResponseNormalization(keras.layers.Layer):
    """Across-channel LRN with Caffe's parameters, the function of `tf.nn.local_response_normalization`.

    Caffe (and the released SPP-net definitions) write `b_c = a_c / (k + alpha / n * sum a_j^2) ** beta`,
    the sum over the `n` channels `j` centred on `c` (channels past the ends count as zero). TensorFlow
    writes `b_c = a_c / (bias + alpha_tf * sum a_j^2) ** beta` over `[c - depth_radius, c + depth_radius]`,
    so the mapping is `depth_radius = (n - 1) / 2`, `bias = k`, `alpha_tf = alpha / n`, `beta = beta`: the
    same function, no deviation. It is computed from builtins rather than the TF op, because TFLite's LRN
    kernel is several times slower than these (which XNNPACK runs): the window sums are one matmul of the
    squares with a 0/1 band matrix (C x C, ones where |i - j| <= (n - 1) / 2), and beta 0.75 (the usual
    value) uses `rsqrt(d) * rsqrt(sqrt(d))` instead of a `pow`. The matmul replaced a channel pad plus `n`
    shifted channel slices: strided copies along the innermost axis that, with their gradients, took half
    of a ZF-5 training step on CPU (benchmarks/lrn_speed.py). It runs in float32 (and casts back), so the
    layer also works under mixed precision.

    Args:
        size: odd int >= 1, Caffe's `local_size` (channels in a window); default 3.
        alpha: float >= 0, Caffe's `alpha` (divided by `size` for TensorFlow); default 5e-5.
        beta: float > 0; default 0.75.
        bias: float > 0, Caffe's `k`; default 1.0.

    Input shape: `(B, H, W, C)`, channels last. Output shape: the same.

    Example:
    >>> layer = LocalResponseNormalization(size=3, alpha=5e-5, beta=0.75)
    >>> tuple(layer(keras.ops.ones((1, 2, 2, 8))).shape)
    (1, 2, 2, 8)
    """

    def __init__(self, size=3, alpha=5e-5, beta=0.75, bias=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1 or size % 2 == 0:
            raise ValueError(f"`size` must be an odd integer >= 1 (Caffe's local_size). Received: size={size!r}")
        for name, value, low in (("alpha", alpha, 0.0), ("beta", beta, None), ("bias", bias, None)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")
            if (low is not None and value < low) or (low is None and value <= 0):
                raise ValueError(f"`{name}` must be {'>= 0' if low is not None else '> 0'}. Received: {name}={value!r}")
        self.size, self.alpha, self.beta, self.bias = int(size), float(alpha), float(beta), float(bias)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs):
        x = tf.cast(inputs, tf.float32)
        squares = tf.square(x)
        total = squares if self.size == 1 else channel_window_sum(squares, (self.size - 1) // 2)
        denominator = self.bias + (self.alpha / self.size) * total
        if self.beta == 0.75:  # d ** -0.75 = d ** -0.5 * d ** -0.25, no pow
            outputs = x * tf.math.rsqrt(denominator) * tf.math.rsqrt(tf.sqrt(denominator))
        else:
            outputs = x * tf.pow(denominator, -self.beta)
        return tf.cast(outputs, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "alpha": self.alpha, "beta": self.beta, "bias": self.bias})
        return config


def channel_window_sum(x, half):
    """`out[..., c] = sum of x[..., j]` for `|j - c| <= half` (channels past the ends count as zero).

    One matmul of the channels with a 0/1 band matrix; `x` is float32 `(..., C)`, C may be dynamic.
    """
    channels = x.shape[-1] if x.shape[-1] is not None else tf.shape(x)[-1]
    index = tf.range(channels)
    band = tf.cast(tf.abs(index[:, None] - index[None, :]) <= half, x.dtype)
    return tf.reshape(tf.matmul(tf.reshape(x, [-1, channels]), band), tf.shape(x))
