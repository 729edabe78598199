from tests.harness import conv_params, map_sizes, run_backbone_test
from zoo.zf5.zf5_backbone import zf5_backbone


def test_paper_map_sizes_at_224_and_180():
    backbone = zf5_backbone()
    run_backbone_test(backbone, {"conv1": 110, "pool1": 55, "conv2": 26, "pool2": 13, "conv5": 13}, 256)
    assert map_sizes(backbone, 180, 180)["conv5"] == (10, 10)


def test_conv_parameters():
    convs = [(7, 3, 96), (5, 96, 256), (3, 256, 384), (3, 384, 384), (3, 384, 256)]
    assert conv_params(convs) == 3_726_464 == zf5_backbone().count_params()
