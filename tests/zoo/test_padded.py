import keras
import numpy as np
import pytest

import zoo
from zoo import geometry

SHAPES = [(96, 80), (64, 71), (81, 96)]  # awkward sizes, odd ones included


def padded_batch(shapes, pad_value, seed=0):
    rng = np.random.default_rng(seed)
    images = [rng.uniform(0, 255, size=(h, w, 3)).astype("float32") for h, w in shapes]
    batch = np.full((len(shapes), max(h for h, _ in shapes), max(w for _, w in shapes), 3), pad_value, "float32")
    for i, image in enumerate(images):
        batch[i, : image.shape[0], : image.shape[1]] = image
    return images, {"images": batch, "image_sizes": np.array(shapes, "int32")}


@pytest.mark.parametrize("name", ["zf5_spp", "convnet5_spp", "overfeat5_spp"])
def test_each_image_of_a_padded_batch_computes_what_it_computes_alone(name):
    model = zoo.load(name, fc_units=16, num_classes=3)
    images, batch = padded_batch(SHAPES, pad_value=255.0)  # hostile padding: bright, not zero
    alone = np.concatenate([np.asarray(model(image[None])) for image in images])
    np.testing.assert_allclose(np.asarray(zoo.padded_model(model)(batch)), alone, rtol=1e-5, atol=1e-6)

    backbone = [layer for layer in model.layers if isinstance(layer, keras.Model)][0]
    features, feature_sizes = zoo.padded_backbone(backbone)(batch)
    for i, image in enumerate(images):
        own = np.asarray(backbone(image[None]))[0]
        height, width = np.asarray(feature_sizes)[i]
        assert own.shape[:2] == (height, width) == tuple(geometry.feature_size(backbone, image.shape[:2]))
        np.testing.assert_allclose(np.asarray(features)[i, :height, :width], own, rtol=1e-5, atol=1e-6)


def test_padded_model_shares_the_layers():
    model = zoo.load("zf5_spp", fc_units=16, num_classes=3)
    padded = zoo.padded_model(model)
    assert {id(v) for v in padded.trainable_variables} == {id(v) for v in model.trainable_variables}
    assert set(padded.input) == {"images", "image_sizes"} and padded.input["image_sizes"].dtype == "int32"


def test_models_that_are_not_spp_chains_are_refused():
    with pytest.raises(ValueError, match="SpatialPyramidPooling"):
        zoo.padded_model(zoo.load("zf5", fc_units=16, num_classes=3))
    inputs = keras.Input((None, None, 3))
    strided_same = keras.Model(inputs, keras.layers.Conv2D(2, 3, strides=2, padding="same", name="c")(inputs))
    with pytest.raises(ValueError, match="'c'"):
        zoo.padded_backbone(strided_same)
