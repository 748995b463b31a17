"""The README's code runs as shown and prints what the README says; its install hints keep the
editable install, so that following one never replaces the clone's script with a copy."""

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text()


def python_blocks():
    """Return the README's Python blocks, in order."""
    return re.findall(r"```python\n(.*?)```", README, re.S)


def test_the_api_block_prints_the_demos_progress_and_accuracies(monkeypatch, capsys):
    blocks = [b for b in python_blocks() if "import torch" not in b]
    assert len(blocks) == 1, "a new Python block in the README needs its own check here"
    monkeypatch.chdir(ROOT)
    exec(blocks[0], {})
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["epoch = %d ms error = %s" % (10 * (i + 1), e) for i, e in enumerate(
        ["0.2500", "0.0990", "0.1005", "0.0595", "0.0709"])] + ["0.9333 0.9667"]


def test_the_equal_weights_commands_run_as_shown_and_give_the_readmes_median(tmp_path):
    block = re.search(r"```bash\n(python3 -c .*?equal\.txt\n.*?)```", README, re.S).group(1)
    for name in ("nn_backprop.py", "irisTrainData.txt", "irisTestData.txt"):
        shutil.copy(ROOT / name, tmp_path)
    out = subprocess.run(["bash", "-c", block.replace("python3", sys.executable)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120).stdout
    printed = [re.search(r"^%s +\S+ +\S+ +(\S+) +\S+$" % name, out, re.M).group(1)
               for name in ("median", " *min")]
    seeds, *said = re.search(r"the copies still classify well over (\d+) seeds \(test median "
                             r"(\S+), at least (\S+)\)", re.sub(r"\s+", " ", README)).groups()
    assert said == printed and "Over %s seeds:" % seeds in out


HINT_FILES = ["README.md", "nn_backprop.py", "pyproject.toml", ".ci/run", "make_iris_split.py",
              *(p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").glob("*.py"))]


@pytest.mark.parametrize("name", HINT_FILES)
def test_every_install_of_the_project_is_editable(name):
    text = (ROOT / name).read_text()
    # pip install [flags] then the project itself: . or .[extra], quoted or not
    project = r"pip install((?: -{1,2}[\w-]+)*) ['\"]?\.(?:\[\w+\])?['\"]?(?=[\s)`,]|$)"
    installs = re.findall(project, text, re.M)
    for flags in installs:
        assert "-e" in flags.split(), (name, flags)
    if name == "README.md":
        assert len(installs) >= 4  # the Quick start lines, the PyTorch lines, the advice


def test_the_article_part_is_as_long_as_the_readme_says():
    """The README's 'its first N lines': the Beyond-the-article ruler comes right after them."""
    stated = int(re.search(r"its first (\d+)\s+lines are the helpers", README).group(1))
    lines = (ROOT / "nn_backprop.py").read_text().splitlines()
    ruler = next(i for i, line in enumerate(lines) if line.startswith("# Beyond the article")) - 1
    assert ruler == stated, (ruler, stated)


def drawing(svg):
    """Return what an SVG of the script shows, without its date: each element's tag, id and
    text, and the colour of each line it strokes. A clip path's id is left out: matplotlib
    makes it from the clip box's coordinates, whose last digits move with the last bits of the
    plotted values (NumPy 1 and 2 differ there), and the coordinates are not compared."""
    import xml.etree.ElementTree as ET
    root, shown = ET.fromstring(svg), []
    dated = {id(e) for m in root.iter("{http://www.w3.org/2000/svg}metadata") for e in m.iter()}
    for element in root.iter():
        if id(element) in dated:  # the date of the drawing: all that differs from run to run
            continue
        stroke = re.search(r"stroke: (#[0-9a-f]{6})", element.get("style", ""))
        clip = element.tag.endswith("clipPath")
        shown.append((element.tag, None if clip else element.get("id"),
                      (element.text or "").strip(), stroke and stroke.group(1)))
    return shown


@pytest.mark.parametrize("picture", ["tests/default_step.svg", "tests/default_run.svg"])
def test_each_readme_picture_is_what_its_command_draws_now(picture, tmp_path):
    """The README's command for the picture, run again: the same texts (every number and
    label), elements and line colours. After a change to what is drawn (or to matplotlib),
    run the command again to redraw the picture."""
    pytest.importorskip("matplotlib")
    assert "](%s)" % picture in README
    command = re.search(r"`python3 nn_backprop\.py ([^`]*%s)`" % re.escape(picture), README)
    args = command.group(1).replace(picture, str(tmp_path / "new.svg")).split()
    subprocess.run([sys.executable, str(ROOT / "nn_backprop.py"), *args], cwd=tmp_path,
                   check=True, capture_output=True)
    committed = drawing((ROOT / picture).read_text())
    new = drawing((tmp_path / "new.svg").read_text())
    assert len(committed) > 100 and committed == new
