"""A wheel built from the tree carries the presets' weights and the samples: installed into a temporary
folder and imported from a working directory outside the repo, `zoo.load("zf5_spp.imagenette")` works."""

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IGNORED = (".git", ".venv", "build", "dist", "runs", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache")

CHECK = textwrap.dedent(
    """
    import os, sys
    site = sys.argv[1]
    import zoo
    from training.commands.demo import SAMPLES
    assert zoo.__file__.startswith(site), zoo.__file__
    model = zoo.load("zf5_spp.imagenette")  # verifies the sha256 of the weights file first
    weights = zoo.loading.preset_weights_path("zf5_spp.imagenette", model.metadata["weights"])
    assert weights.startswith(site), weights
    assert str(SAMPLES).startswith(site) and len(list(SAMPLES.glob("*.jpg"))) >= 8, SAMPLES
    (result,) = zoo.classify(model, [SAMPLES / "tench.jpg"], top=1)
    print(result["top"][0]["label"])
    """
)


def test_an_installed_wheel_loads_the_preset_from_outside_the_repo(tmp_path):
    source = tmp_path / "source"  # a copy: the build's build/ and egg-info stay out of the checkout
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*IGNORED))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist")]
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").iterdir()
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]]))
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(site)], cwd=outside, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == "tench"
