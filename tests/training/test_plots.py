"""Training curves: readable for any number of epochs, one included."""

import matplotlib.pyplot as plt

from training import plots


def test_a_one_epoch_run_has_one_whole_epoch_tick(tmp_path, monkeypatch):
    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    history = [{"epoch": 1, "loss": 1.2, "accuracy": 0.4, "val_loss": 1.1, "val_top1": 0.5, "val_top5": 1.0}]
    plots.plot_training_curves(history, tmp_path / "curves.png")
    for axis in figures[0].axes:
        low, high = axis.get_xlim()
        ticks = [t for t in axis.get_xticks() if low <= t <= high]
        assert ticks == [1.0], ticks
    assert (tmp_path / "curves.png").stat().st_size > 0
