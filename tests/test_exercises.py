"""The README's exercises: every command of an answer prints the figures the answer quotes."""

import re
import shlex

import pytest
from conftest import NUMPY_1, ROOT

import nn_backprop as nb

README = (ROOT / "README.md").read_text()
SECTION = README.split("\n## Exercises\n", 1)[1].split("\n## ", 1)[0]
ANSWERS = re.findall(r"<details><summary>Answer</summary>(.*?)</details>", SECTION, re.S)


def commands(answer):
    """Return the script's arguments of each command in an answer's fenced block."""
    block = re.search(r"```\n(.*?)```", answer, re.S).group(1)
    return [shlex.split(line)[2:] for line in block.splitlines()
            if line.startswith("python3 nn_backprop.py")]


def quoted(answer):
    """Return the figures an answer says its commands print: the code spans after 'prints'."""
    after = answer.split("```")[-1]  # what follows the commands
    return re.findall(r"`([^`]*\d[^`]*)`", after)


def test_there_are_8_to_12_exercises_each_with_a_command_and_figures():
    assert 8 <= len(ANSWERS) <= 12
    assert len(re.findall(r"^\*\*\d+\. ", SECTION, re.M)) == len(ANSWERS)
    for answer in ANSWERS:
        assert commands(answer) and quoted(answer), answer[:80]


@pytest.mark.parametrize("number", range(1, len(ANSWERS) + 1))
def test_the_answer_is_what_the_program_prints(number, capsys):
    answer = ANSWERS[number - 1]
    if "--seeds" in answer and NUMPY_1:
        pytest.skip("many-seed figures are NumPy 2's (the README's table says why)")
    printed = ""
    for args in commands(answer):
        assert nb.cli(args) == 0
        printed += capsys.readouterr().out
    for figure in quoted(answer):
        assert figure in printed, figure


@pytest.mark.parametrize("number", range(1, len(ANSWERS) + 1))
def test_every_decimal_figure_of_an_answer_is_one_the_test_checks(number):
    """A figure written in the prose would go unchecked: figures go in the quoted output."""
    prose = re.sub(r"```.*?```|`[^`]*`", "", ANSWERS[number - 1], flags=re.S)
    assert not re.search(r"\d\.\d", prose), prose
