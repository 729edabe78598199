"""Refuses, with a clear error, an image batch a zoo model cannot run on; otherwise passes it on untouched."""

import keras


@keras.saving.register_keras_serializable(package="zoo")
class ImageInputCheck(keras.layers.Layer):
    """Identity on `(B, H, W, channels)` batches with B >= 1 and H, W >= `min_size`; ValueError otherwise.

    Without it a zoo model fails deep inside TensorFlow: "Computed output size would be negative" for a
    small image, a raw LRN or bias-add error for an empty batch, 1 channel silently broadcast to 3, and
    convnet5_spp on a 15x15 image kills the process (SIGFPE in the CPU max pool) (issue 10, item 8). The
    check reads only the static shape, in Python: eagerly every dimension is known, so everything is
    checked; in a traced graph (SavedModel, TFLite) unknown dimensions pass and no op is added, so it costs
    nothing there and the exports' own in-graph checks apply.

    Args:
        min_size: the smallest height and width the model runs on (`zoo.geometry.min_input_size`).
        channels: the number of channels (3: RGB).
        model_name: the model's name, for the message.

    Example:
    >>> check = ImageInputCheck(min_size=31, model_name="zf5_spp")
    >>> tuple(check(keras.ops.zeros((1, 31, 40, 3))).shape)
    (1, 31, 40, 3)
    >>> check.check((1, 20, 40, 3))  # what calling it on such a batch raises (Keras adds the layer's name)
    Traceback (most recent call last):
    ...
    ValueError: Model 'zf5_spp' needs images of at least 31x31 pixels ... Received: images of shape (1, 20, 40, 3)
    """

    def __init__(self, min_size=1, channels=3, model_name=None, **kwargs):
        kwargs.setdefault("autocast", False)  # pixels pass unchanged, in their own dtype
        super().__init__(**kwargs)
        self.min_size, self.channels, self.model_name = int(min_size), int(channels), model_name

    def call(self, images):
        self.check(images.shape)
        return images

    def compute_output_spec(self, images):
        self.check(images.shape)
        return keras.KerasTensor(images.shape, dtype=images.dtype)

    def check(self, shape):
        """Raises ValueError naming `shape` and what the model expects when a known dimension is wrong."""
        shape = tuple(None if d is None else int(d) for d in shape)
        model = f"Model {self.model_name!r}" if self.model_name else "This model"
        received = f"Received: images of shape {shape}"
        if len(shape) != 4:
            raise ValueError(f"{model} takes a batch of images (B, H, W, {self.channels}), rank 4. {received}")
        if shape[3] is not None and shape[3] != self.channels:
            raise ValueError(f"{model} takes images with {self.channels} channels (RGB), not {shape[3]}. {received}")
        if shape[0] == 0:
            raise ValueError(f"{model} received an empty batch: pass at least one image. {received}")
        if any(side is not None and side < self.min_size for side in shape[1:3]):
            raise ValueError(
                f"{model} needs images of at least {self.min_size}x{self.min_size} pixels (its smallest input). "
                f"{received}"
            )

    def get_config(self):
        config = super().get_config()
        config.update(min_size=self.min_size, channels=self.channels, model_name=self.model_name)
        return config
