import pytest

from tests.harness import conv_params, run_backbone_test
from zoo.overfeat.overfeat_backbone import overfeat5_backbone, overfeat7_backbone, overfeat_backbone


@pytest.mark.parametrize("builder, last", [(overfeat5_backbone, "conv5"), (overfeat7_backbone, "conv7")])
def test_paper_map_sizes_at_224(builder, last):
    run_backbone_test(builder(), {"pool1": 36, "pool2": 18, last: 18}, 512)


def test_conv_parameters():
    convs = [(7, 3, 96), (5, 96, 256), (3, 256, 512), (3, 512, 512), (3, 512, 512)]
    assert conv_params(convs) == 6_528_640 == overfeat5_backbone().count_params()
    assert conv_params(convs + [(3, 512, 512)] * 2) == 11_248_256 == overfeat7_backbone().count_params()


def test_bad_depth_is_quoted():
    with pytest.raises(ValueError, match="num_convs=6"):
        overfeat_backbone(6)
