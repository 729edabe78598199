"""The zoo models a run trains or evaluates: a checked name, the classifier and its padded-batch twin."""

from keras_spp.validation import did_you_mean


def check_model_name(name):
    """Raises ValueError naming close matches when `name` is not in `zoo.list_models()`."""
    import zoo

    names = zoo.list_models()
    if name not in names:
        raise ValueError(f"`model` must be a zoo name; unknown model {name!r}. {did_you_mean(name, names)}")


def build_models(name, num_classes, fc_units=None, dropout=None, weights=None, padded=False, weights_sha256=None):
    """(classifier, model the batches go through): the zoo model and, for padded batches, its padded twin.

    `fc_units`, `dropout` and `weights` left at None keep the zoo's defaults (random weights), or those of
    the preset or run `weights` names; `weights_sha256` is checked against the `weights` file.
    """
    import zoo

    kwargs = {"num_classes": num_classes}
    if fc_units:
        kwargs["fc_units"] = fc_units
    if dropout is not None:
        kwargs["dropout"] = dropout
    if weights:
        kwargs["weights"] = weights
    if weights_sha256:
        kwargs["sha256"] = weights_sha256
    model = zoo.load(name, **kwargs)
    return model, (zoo.padded_model(model) if padded else model)
