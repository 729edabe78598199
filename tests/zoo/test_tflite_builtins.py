"""Zoo models convert to TFLite with builtin ops only (no Flex), with dynamic height and width."""

import os

import numpy as np
import pytest
import tensorflow as tf

import zoo


def convert(model, input_signature, tmp_path):
    export_dir = os.path.join(str(tmp_path), model.name)
    model.export(export_dir, format="tf_saved_model", input_signature=input_signature, verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(export_dir)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


@pytest.mark.slow
def test_spp_classifier_gives_the_keras_numbers_at_two_sizes(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    model = zoo.load("zf5_spp", fc_units=16, num_classes=3)  # LRN, ceil-mode pools, SPP
    interpreter = Interpreter(model_content=convert(model, [tf.TensorSpec((1, None, None, 3), tf.float32)], tmp_path))
    detail = interpreter.get_input_details()[0]
    for size in [(70, 90), (64, 64)]:
        x = np.random.default_rng(0).uniform(0, 255, size=(1, *size, 3)).astype("float32")
        interpreter.resize_tensor_input(detail["index"], x.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        result = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        np.testing.assert_allclose(result, np.asarray(model(x)), rtol=1e-4, atol=1e-6)


@pytest.mark.slow
def test_padded_backbone_converts(tmp_path):
    signature = {"images": tf.TensorSpec((None, None, None, 3)), "image_sizes": tf.TensorSpec((None, 2), tf.int32)}
    assert convert(zoo.padded_backbone(zoo.backbone("zf5")), [signature], tmp_path)
