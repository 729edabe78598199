"""A preset with another class count: every layer but the classifier bit for bit from the preset."""

import logging

import numpy as np

import zoo


def test_a_preset_with_a_new_class_count_keeps_every_other_weight(caplog):
    trained = zoo.load("zf5_spp.imagenette")
    with caplog.at_level(logging.WARNING, logger="zoo.loading"):
        model = zoo.load("zf5_spp.imagenette", num_classes=5)
    assert model.output_shape == (None, 5)
    for layer in trained.layers:
        if layer.name == "fc8":
            assert model.get_layer("fc8").get_weights()[0].shape == (256, 5)
            continue
        for old, new in zip(layer.get_weights(), model.get_layer(layer.name).get_weights(), strict=True):
            assert old.dtype == new.dtype and np.array_equal(old, new), layer.name
    (record,) = [r for r in caplog.records if r.name == "zoo.loading"]
    assert "'fc8' is new" in record.getMessage() and "num_classes=5" in record.getMessage()
    assert "\n" not in record.getMessage()
    assert model.metadata["parent"] == "zf5_spp.imagenette" and model.metadata["categories"] is None
    assert model.metadata["num_params"] == model.count_params()
