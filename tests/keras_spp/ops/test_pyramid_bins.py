import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_spp.ops import bin_edges, pyramid_bins
from keras_spp.ops.pyramid_bins import validate_data_format, validate_levels, validate_pooling
from tests.keras_spp.reference import appendix_bins


@settings(max_examples=200, deadline=None)
@given(a=st.integers(1, 300), n=st.integers(1, 13))
def test_bin_edges_follow_the_appendix_rule_and_are_never_empty(a, n):
    starts, ends = bin_edges(a, n)
    assert list(zip(starts.tolist(), ends.tolist())) == appendix_bins(a, n)
    assert len(starts) == n
    assert np.all(ends > starts), "empty bin"
    assert starts[0] == 0 and ends[-1] == a
    assert np.all(starts[1:] <= ends[:-1]), "bins leave a gap"


def test_ten_cells_six_bins_gives_six_bins_not_the_sliding_forms_nine():
    starts, ends = bin_edges(10, 6)
    assert starts.tolist() == [0, 1, 3, 5, 6, 8]
    assert ends.tolist() == [2, 4, 5, 7, 9, 10]


def test_tensor_edges_match_numpy_edges_for_a_batch_of_lengths():
    lengths = np.array([1, 2, 5, 6, 7, 13, 60], np.int32)
    starts, ends = bin_edges(tf.constant(lengths), 6)
    np_starts, np_ends = bin_edges(lengths, 6)
    np.testing.assert_array_equal(starts.numpy(), np_starts)
    np.testing.assert_array_equal(ends.numpy(), np_ends)


def test_pyramid_bins_counts_the_paper_pyramid():
    assert pyramid_bins((6, 3, 2, 1)) == 50
    assert pyramid_bins(4) == 16


@pytest.mark.parametrize("levels", [(), (0,), (3, -1), (2.5,), ("6",), (True,), None, "abc"])
def test_bad_levels_are_rejected_quoting_the_value(levels):
    with pytest.raises(ValueError, match="levels"):
        validate_levels(levels)


def test_pooling_and_data_format_validation():
    assert validate_pooling("AVG") == "avg" and validate_pooling("average") == "avg"
    with pytest.raises(ValueError, match="'median'"):
        validate_pooling("median")
    assert validate_data_format(None) in ("channels_last", "channels_first")
    with pytest.raises(ValueError, match="'NHWC'"):
        validate_data_format("NHWC")
