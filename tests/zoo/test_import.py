"""Importing zoo must not start TensorFlow's runtime: MultiWorkerMirroredStrategy and logical-device
setup have to come first in a worker process (a shipped preset once broke that at import time)."""

import subprocess
import sys

SCRIPT = """
import tensorflow as tf
import zoo
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
print(len(tf.config.list_logical_devices("CPU")), "zf5_spp.imagenette" in zoo.list_models())
"""


def test_import_zoo_leaves_the_runtime_unconfigured():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == ["2", "True"]
