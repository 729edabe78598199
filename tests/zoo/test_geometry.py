import keras
import numpy as np
import pytest

from zoo import geometry
from zoo.convnet5.convnet5_backbone import convnet5_backbone
from zoo.overfeat.overfeat_backbone import overfeat5_backbone, overfeat7_backbone
from zoo.zf5.zf5_backbone import zf5_backbone

# Hand-computed: offset += ((k - 1) / 2 - pad) * stride; size += (k - 1) * stride; stride *= s, layer by layer.
# ZF-5: pad1 conv7/2 pool3/2 conv5/2 pool3/2 conv3 x3 -> offset -1+3+2+8+8 = 20, size 1+6+4+16+16+3*32 = 139.
EXPECTED = {
    zf5_backbone: {"feature_stride": 16, "receptive_field_size": 139, "receptive_field_offset": 20.0},
    convnet5_backbone: {"feature_stride": 16, "receptive_field_size": 131, "receptive_field_offset": 15.0},
    overfeat5_backbone: {"feature_stride": 12, "receptive_field_size": 113, "receptive_field_offset": 8.0},
    overfeat7_backbone: {"feature_stride": 12, "receptive_field_size": 161, "receptive_field_offset": 8.0},
}


@pytest.fixture(scope="module", params=list(EXPECTED), ids=lambda b: b.__name__)
def backbone(request):
    return request.param, request.param()


def test_receptive_field(backbone):
    builder, model = backbone
    assert geometry.receptive_field(model) == EXPECTED[builder]


@pytest.mark.parametrize("size", [(39, 39), (97, 131), (180, 224)])
def test_feature_size_matches_the_real_output(backbone, size):
    _, model = backbone
    if min(size) < geometry.min_input_size(model):
        pytest.skip("below this backbone's minimum")
    features = model(np.zeros((1, *size, 3), "float32"))
    assert tuple(int(s) for s in geometry.feature_size(model, size)) == tuple(features.shape[1:3])


def test_min_input_size_is_the_smallest_that_runs(backbone):
    _, model = backbone
    side = geometry.min_input_size(model)
    assert tuple(model(np.zeros((1, side, side, 3), "float32")).shape[1:3]) == (1, 1)
    assert min(geometry.feature_size(model, (side - 1, side - 1))) < 1  # not run: oneDNN may abort on it


def test_unknown_layers_are_refused_by_name():
    with pytest.raises(ValueError, match="'gap'"):
        geometry.layer_window(keras.layers.GlobalAveragePooling2D(name="gap"))
    with pytest.raises(ValueError, match="dilated"):
        geometry.layer_window(keras.layers.Conv2D(2, 3, dilation_rate=2, name="c"))
