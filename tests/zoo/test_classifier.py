import keras
import numpy as np
import pytest

from zoo.classifier import classifier
from zoo.zf5.zf5_backbone import zf5_backbone


@pytest.fixture(scope="module")
def backbone():
    return zf5_backbone()


@pytest.mark.parametrize(
    "kwargs, quoted",
    [
        ({"fc_units": 0}, "fc_units=0"),
        ({"num_classes": 2.5}, "num_classes=2.5"),
        ({"dropout": 1.0}, "dropout=1.0"),
        ({"levels": (6, 0)}, "(6, 0)"),
        ({"spp": False}, "fixed_pool"),
        ({"fixed_pool": {"pool_size": 3}}, "'pool_size': 3"),
    ],
)
def test_bad_arguments_are_quoted(backbone, kwargs, quoted):
    with pytest.raises(ValueError, match=quoted.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        classifier(backbone, **kwargs)


def test_head_layers_and_names(backbone):
    model = classifier(backbone, levels=(2, 1), fc_units=8, num_classes=4, dropout=0.25, name="tiny")
    assert model.name == "tiny" and model.get_layer("spp").levels == (2, 1)
    assert [model.get_layer(f"drop{i}").rate for i in (6, 7)] == [0.25, 0.25]
    assert model.get_layer("fc6").kernel.shape == (256 * 5, 8)
    baseline = classifier(backbone, spp=False, fixed_pool={"pool_size": 3, "strides": 2}, fc_units=8, num_classes=4)
    assert baseline.name == "zf5_fixed" and tuple(baseline.input.shape) == (None, 224, 224, 3)
    assert baseline.get_layer("fc6").kernel.shape == (256 * 6 * 6, 8)


def test_probabilities_stay_float32_under_mixed_precision():
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = classifier(zf5_backbone(), fc_units=8, num_classes=3)
        probabilities = model(np.zeros((1, 64, 64, 3), "float32"))
    finally:
        keras.config.set_dtype_policy(policy)
    assert probabilities.dtype == "float32"
    np.testing.assert_allclose(np.asarray(probabilities).sum(), 1.0, rtol=1e-3)
