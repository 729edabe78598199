"""tf.distribute strategies by name, who the chief is, and the mixed-precision policy for this machine.

`make_strategy` must run before any other TensorFlow op when it builds a MultiWorkerMirroredStrategy:
TF_CONFIG is read when the collective runtime starts.
"""

import json
import os
import warnings

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


def make_strategy(name, tpu_address=None):
    """Returns the tf.distribute strategy called `name`.

    Args:
        name: `"default"` (one device), `"mirrored"` (all local GPUs, or all logical CPUs when there is no
            GPU), `"multi_worker"` (MultiWorkerMirroredStrategy; reads TF_CONFIG) or `"tpu"`.
        tpu_address: TPU name or grpc address for `"tpu"`; None lets the resolver find a local TPU.

    Example:
    >>> make_strategy("default").num_replicas_in_sync
    1
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(f"`strategy` must be one of {', '.join(STRATEGIES)}; unknown strategy {name!r}")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        config = os.environ.get("TF_CONFIG")
        if not config:
            warnings.warn("The multi_worker strategy without TF_CONFIG runs as a single worker", stacklevel=2)
        else:
            try:
                parsed = json.loads(config)
                parsed["cluster"], parsed["task"]["type"], parsed["task"]["index"]
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(
                    "TF_CONFIG must be JSON like "
                    '{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": 0}}; '
                    f"got {config!r} ({error})"
                ) from None
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address or "")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError) as error:
        raise ValueError(f"The tpu strategy found no TPU at {tpu_address!r} ({error})") from None
    return tf.distribute.TPUStrategy(resolver)


def worker_info(strategy):
    """(task_type, task_id, num_workers) of this process; ("worker", 0, 1) outside a cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not getattr(resolver, "task_type", None):
        return "worker", 0, 1
    workers = resolver.cluster_spec().as_dict().get("worker", [])
    return resolver.task_type, int(resolver.task_id or 0), max(1, len(workers))


def is_chief(strategy):
    """True on the one process that writes checkpoints, logs and final artefacts (worker 0 or "chief")."""
    task_type, task_id, _ = worker_info(strategy)
    return task_type == "chief" or (task_type == "worker" and task_id == 0)


def cpu_has_bf16():
    """True when this CPU has AVX512-BF16 or AMX-BF16 (Linux /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def mixed_precision_policy():
    """ "mixed_float16" with a GPU, "mixed_bfloat16" on a bf16 CPU or TPU, else "float32" (with a warning)."""
    import tensorflow as tf

    if tf.config.list_logical_devices("TPU"):
        return "mixed_bfloat16"
    if tf.config.list_logical_devices("GPU"):
        return "mixed_float16"
    if cpu_has_bf16():
        return "mixed_bfloat16"
    warnings.warn("Mixed precision needs a GPU, a TPU or an AVX512-BF16 CPU; training in float32", stacklevel=2)
    return "float32"


def barrier(strategy):
    """Blocks until every worker of `strategy` gets here (a one-number all-reduce)."""
    import tensorflow as tf

    @tf.function
    def all_reduce():
        return strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)

    return float(all_reduce())
