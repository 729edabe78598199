"""The optimizer of a training run: SGD with momentum (the paper) or AdamW, under a learning-rate schedule."""

SCHEDULES = ("cosine", "step", "constant")
OPTIMIZERS = ("sgd", "adamw")


def make_optimizer(name, lr, total_steps, schedule="cosine", warmup_steps=0, momentum=0.9, weight_decay=5e-4):
    """SGD with momentum or AdamW, with a cosine (after a linear warmup), step (/10 at 50% and 75%) or
    constant learning rate.

    Example:
    >>> optimizer = make_optimizer("sgd", 0.01, total_steps=100, warmup_steps=10)
    >>> round(float(optimizer.learning_rate), 4)  # step 0 of the warmup
    0.0
    """
    import keras

    if name not in OPTIMIZERS or schedule not in SCHEDULES:
        raise ValueError(
            f"`optimizer` must be one of {OPTIMIZERS} and `schedule` one of {SCHEDULES}. "
            f"Received: optimizer={name!r}, schedule={schedule!r}"
        )
    warmup_steps = int(min(warmup_steps, max(total_steps - 1, 0)))
    if schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            lr if not warmup_steps else 0.0,
            max(total_steps - warmup_steps, 1),
            alpha=0.0,
            warmup_target=lr if warmup_steps else None,
            warmup_steps=warmup_steps,
        )
    elif schedule == "step":
        rate = keras.optimizers.schedules.PiecewiseConstantDecay(
            [max(int(total_steps * 0.5), 1), max(int(total_steps * 0.75), 2)], [lr, lr / 10, lr / 100]
        )
    else:
        rate = lr
    if name == "sgd":
        return keras.optimizers.SGD(rate, momentum=momentum, weight_decay=weight_decay or None)
    return keras.optimizers.AdamW(rate, weight_decay=weight_decay)
