"""PNG figures: training curves from a run's metrics, and a confusion matrix from an evaluation."""

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_training_curves(history, path, title=None):
    """Loss (left) and accuracy / val top-1 / val top-5 (right) per epoch, from metrics.csv-like records."""
    plt = _pyplot()
    epochs = [r["epoch"] for r in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("loss", "train loss"), ("val_loss", "val loss")):
        if any(key in r for r in history):
            left.plot(epochs, [r.get(key, np.nan) for r in history], marker="o", label=label)
    for key, label in (("accuracy", "train top-1"), ("val_top1", "val top-1"), ("val_top5", "val top-5")):
        if any(key in r for r in history):
            right.plot(epochs, [r.get(key, np.nan) for r in history], marker="o", label=label)
    left.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    right.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1))
    return _finish_curves(fig, (left, right), epochs, path, title)


def plot_confusion_matrix(matrix, class_names, path, title=None):
    """Row-normalised confusion matrix (rows: true class, columns: predicted), counts written in the cells."""
    plt = _pyplot()
    matrix = np.asarray(matrix)
    n = len(class_names)
    rates = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    side = max(4.0, 0.5 * n + 2)
    fig, axis = plt.subplots(figsize=(side + 1, side))
    image = axis.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=axis, fraction=0.046, label="fraction of the true class")
    ticks = np.arange(n)
    axis.set_xticks(ticks, labels=class_names, rotation=90 if n > 5 else 0)
    axis.set_yticks(ticks, labels=class_names)
    axis.set(xlabel="predicted", ylabel="true", title=title or "confusion matrix")
    if n <= 30:
        for i in range(n):
            for j in range(n):
                color = "white" if rates[i, j] > 0.5 else "black"
                axis.text(j, i, str(int(matrix[i, j])), ha="center", va="center", color=color, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_detector_curves(history, path, title=None):
    """Detector fine-tuning per epoch: losses (left); window accuracy and val mAP (right)."""
    plt = _pyplot()
    epochs = [r["epoch"] for r in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key in ("loss", "cls_loss", "box_loss"):
        left.plot(epochs, [r.get(key, np.nan) for r in history], marker="o", label=key.replace("_", " "))
    for key, label in (("accuracy", "window accuracy"), ("val_map_11point", "val mAP (VOC07 11-point)")):
        if any(key in r for r in history):
            right.plot(epochs, [r.get(key, np.nan) for r in history], marker="o", label=label)
    left.set(xlabel="epoch", ylabel="loss", title="loss")
    right.set(xlabel="epoch", title="accuracy / mAP", ylim=(0, 1))
    return _finish_curves(fig, (left, right), epochs, path, title)


def _finish_curves(fig, axes, epochs, path, title):
    """Whole-epoch ticks, grid, legends and title on per-epoch curves; writes the PNG and closes the figure."""
    from matplotlib.ticker import MaxNLocator

    for axis in axes:
        axis.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        if epochs:  # whole epochs, with room on both sides: one epoch is one tick "1", not 0.96..1.04
            axis.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    _pyplot().close(fig)
    return path
