"""Test-wide TensorFlow setup: quiet logs and two logical CPU devices for real MirroredStrategy tests.

The logical devices must be configured before TensorFlow initialises its runtime, so it happens here,
at collection time, once for the whole session.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
if _cpus and tf.config.get_logical_device_configuration(_cpus[0]) is None:
    tf.config.set_logical_device_configuration(
        _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    )
