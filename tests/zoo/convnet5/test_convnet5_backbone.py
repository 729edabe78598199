from tests.harness import conv_params, run_backbone_test
from zoo.convnet5.convnet5_backbone import convnet5_backbone


def test_paper_map_sizes_at_224():
    run_backbone_test(convnet5_backbone(), {"conv1": 55, "pool2": 27, "pool3": 13, "conv5": 13}, 256)


def test_conv_parameters():
    convs = [(11, 3, 96), (5, 96, 256), (3, 256, 384), (3, 384, 384), (3, 384, 256)]
    assert conv_params(convs) == 3_747_200 == convnet5_backbone().count_params()
