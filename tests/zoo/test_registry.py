"""One loop over the whole registry, with tiny heads (fc_units=16, num_classes=3) where size matters."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from keras_spp.ops import pyramid_bins
from zoo import registry
from zoo.metadata import num_params

TINY = {"fc_units": 16, "num_classes": 3}
NAMES = [name for name in zoo.list_models() if "." not in name]
SPP_SIZES = [(64, 64), (80, 96)]
BACKBONE = {  # family -> (conv params, out channels, feature stride): paper Table 1, computed by hand
    "zf5": (3_726_464, 256, 16),
    "convnet5": (3_747_200, 256, 16),
    "overfeat5": (6_528_640, 512, 12),
    "overfeat7": (11_248_256, 512, 12),
}


def family(name):
    return name.removesuffix("_spp")


def sizes_of(name):
    return SPP_SIZES if name.endswith("_spp") else [(224, 224)]


def images(size, count=1, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, size=(count, *size, 3)).astype("float32")


@pytest.fixture(scope="module", params=NAMES)
def tiny(request):
    keras.utils.set_random_seed(0)
    return request.param, zoo.load(request.param, **TINY)


def test_registry_names():
    assert NAMES == [f"{f}{s}" for f in BACKBONE for s in ("", "_spp")]


def test_forward_at_two_sizes_through_one_model(tiny):
    name, model = tiny
    if name.endswith("_spp"):
        assert tuple(model.input.shape) == (None, None, None, 3)
    for size in sizes_of(name):
        probabilities = np.asarray(model(images(size, 2)))
        assert probabilities.shape == (2, 3)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_baselines_take_only_their_training_size(tiny):
    name, model = tiny
    if name.endswith("_spp"):
        pytest.skip("SPP models take any size")
    assert tuple(model.input.shape) == (None, 224, 224, 3)
    with pytest.raises(ValueError):
        model(images((180, 224)))


def test_num_params_and_metadata(tiny):
    name, model = tiny
    conv, channels, stride = BACKBONE[family(name)]
    head_in = channels * (pyramid_bins((6, 3, 2, 1)) if name.endswith("_spp") else 36)
    head = head_in * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3
    assert model.count_params() == conv + head == num_params(registry.resolve(name)[0], TINY)
    paper_head = head_in * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000
    metadata = zoo.get_metadata(name)
    assert metadata["num_params"] == conv + paper_head  # the defaults, by arithmetic: nothing that big is built
    assert metadata["backbone_params"] == conv and metadata["feature_stride"] == stride
    assert metadata["spp"] == name.endswith("_spp") and metadata["input_shape"][2] == 3
    for field in ("receptive_field_size", "receptive_field_offset", "min_input_size", "paper", "config", "presets"):
        assert field in metadata


def test_paper_defaults_of_zf5_spp():
    assert zoo.load("zf5_spp").count_params() == 77_037_672 == zoo.get_metadata("zf5_spp")["num_params"]


def test_every_parameter_gets_a_gradient(tiny):
    name, model = tiny
    x = tf.constant(images(sizes_of(name)[-1], 2))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x, training=False) * tf.constant([[1.0, -2.0, 0.5]]))
    gradients = tape.gradient(loss, model.trainable_variables)
    convs = 7 if family(name) == "overfeat7" else 5
    assert len(gradients) == 2 * (convs + 3)  # a kernel and a bias per conv and fc layer
    for variable, gradient in zip(model.trainable_variables, gradients):
        assert gradient is not None and np.any(np.asarray(gradient) != 0), variable.path


def test_keras_round_trip_with_safe_mode(tiny, tmp_path):
    name, model = tiny
    path = os.path.join(str(tmp_path), f"{name}.keras")
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    for size in sizes_of(name):
        x = images(size, seed=1)
        np.testing.assert_allclose(np.asarray(restored(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-7)
    if name.endswith("_spp"):
        zoo.padded_model(restored)  # still a chain the padded model understands


def mixed_size_dataset(name):
    """Two batches; an SPP model gets padded batches of two sizes each, a baseline 224x224 batches."""
    labels = np.array([0, 2], "int64")
    if not name.endswith("_spp"):
        return tf.data.Dataset.from_tensors((images((224, 224), 2), labels)).repeat(2)
    batch = np.zeros((2, 80, 96, 3), "float32")
    batch[0] = images((80, 96))[0]
    batch[1, :64, :64] = images((64, 64), seed=1)[0]
    features = {"images": batch, "image_sizes": np.array([[80, 96], [64, 64]], "int32")}
    return tf.data.Dataset.from_tensors((features, labels)).repeat(2)


def test_two_fit_steps_on_mixed_sizes(tiny):
    name, model = tiny
    trainable = zoo.padded_model(model) if name.endswith("_spp") else model
    before = [np.array(v) for v in model.trainable_variables]
    trainable.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    history = trainable.fit(mixed_size_dataset(name), epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    changed = [not np.array_equal(b, np.array(v)) for b, v in zip(before, model.trainable_variables)]
    assert all(changed), "training the padded model trains the model's own weights"
