"""`keras-spp classify`: photos at their own aspect ratio, JSON lines naming categories, quiet TensorFlow."""

import json

import pytest

import zoo
from tests.training.conftest import REPO, cli_subprocess
from training import cli

SAMPLES = [f"{REPO}/samples/{name}.jpg" for name in ("church", "golf_ball", "parachute", "tench")]


def test_json_lines_parse_and_name_the_presets_categories():
    result = cli_subprocess(["classify", *SAMPLES, "--top", "2", "--json"], env={"TF_CPP_MIN_LOG_LEVEL": ""})
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["image"] for line in lines] == SAMPLES
    categories = zoo.get_metadata("zf5_spp.imagenette")["categories"]
    for line in lines:
        assert (line["width"], line["height"]) == (224, 224) and len(line["top"]) == 2
        assert all(t["label"] == categories[t["index"]] and 0 <= t["score"] <= 1 for t in line["top"])
    assert [line["top"][0]["label"] for line in lines][1:] == ["golf ball", "parachute", "tench"]
    # TensorFlow's start-up lines are quiet by default (they print through absl, past TF_CPP_MIN_LOG_LEVEL).
    assert "oneDNN" not in result.stderr and "absl::InitializeLog" not in result.stderr, result.stderr


def test_verbose_shows_tensorflows_start_up_lines():
    result = cli_subprocess(["classify", SAMPLES[0], "--verbose"], env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert result.returncode == 0 and "church.jpg (224x224):" in result.stdout
    assert "oneDNN" in result.stderr or "cpu_feature_guard" in result.stderr, result.stderr


def test_photos_keep_their_aspect_ratio_at_the_recommended_side(tmp_path):
    import tensorflow as tf

    image, size = zoo.load_image(SAMPLES[0])
    wide = tmp_path / "wide.png"
    tf.io.write_file(str(wide), tf.io.encode_png(tf.cast(image[:100], tf.uint8)))
    resized, (height, width) = zoo.load_image(wide, shorter_side=150)
    assert (height, width) == (100, 224) and resized.shape == (150, 336, 3)
    model = zoo.load("zf5_spp.imagenette")
    side = model.metadata["recommended_shorter_side"]
    (result,) = zoo.classify(model, [wide], top=1)
    assert (result["width"], result["height"]) == (224, 100)
    assert result["top"][0]["label"] in model.metadata["categories"] and side >= model.metadata["min_input_size"]


def test_decode_predictions_uses_the_models_own_categories():
    model = zoo.load("zf5_spp.imagenette")
    probabilities = model.predict(zoo.load_image(SAMPLES[3], 144)[0][None], verbose=0)
    assert zoo.decode_predictions(probabilities, top=1, categories=model)[0][0][1] == "tench"


def test_a_missing_photo_is_one_line(capsys):
    assert cli.main(["classify", "no/such.jpg"]) == 2
    assert capsys.readouterr().err.strip() == "keras-spp classify: error: No such image file(s): ['no/such.jpg']"


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_commands_help_shows_its_defaults(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: " in text or "(default " in text
    if command == "train":
        assert "--epochs EPOCHS passes over the training split (default: 30)" in text
        assert "(default: None)" not in text
