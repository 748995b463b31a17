"""The default run reproduces the article's demo, and the README shows what it prints."""

import re

from conftest import ROOT, run_script

VERSION_LINES = ("Using Python version", " and NumPy version")
# What the published program prints by default (Python 3.11.7, NumPy 2.4.6), kept as it is.
ARTICLE_OUTPUT = ROOT / "tests" / "article_output.txt"


def readme_expected_output():
    """Return the lines of the first fenced block under '## Expected output' in the README."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Expected output", 1)[1]
    return re.search(r"```text\n(.*?)```", section, re.S).group(1).splitlines()


def without_versions(lines):
    return [line for line in lines if not line.startswith(VERSION_LINES)]


def test_default_run_prints_the_articles_accuracies_from_any_folder(tmp_path):
    result = run_script(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Accuracy on 120-item train data = 0.9333" in result.stdout
    assert "Accuracy on 30-item test data   = 0.9667" in result.stdout
    assert result.stderr == ""


def test_default_run_prints_the_articles_output_but_for_the_listed_differences(tmp_path):
    """Line by line, the published program's output with three differences the README
    lists: your own version lines, no spaces at the ends of lines, and the rows shown
    labelled "Training data:" (they are the training rows; the article says "Test data:")."""
    ours = run_script(cwd=tmp_path).stdout.split("\n")
    article = ARTICLE_OUTPUT.read_text().split("\n")
    assert len(ours) == len(article)
    for number, (mine, theirs) in enumerate(zip(ours, article, strict=True), 1):
        if theirs.startswith(VERSION_LINES):  # the same words, your own versions
            assert mine.startswith(theirs[:theirs.index("version") + 8]), number
        elif theirs == "Test data: ":
            assert mine == "Training data:", number
        else:
            assert mine == theirs.rstrip(" "), number


def test_default_run_prints_the_readmes_expected_output(tmp_path):
    result = run_script(cwd=tmp_path)
    printed = without_versions(result.stdout.splitlines())
    assert printed == without_versions(readme_expected_output())
