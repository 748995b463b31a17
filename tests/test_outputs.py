"""Files out: a run that fails leaves every file as it was; outputs replace regular files only.

--save-weights and --plot are checked before training, written to temporary files after it,
and renamed into place only when both are written.
"""

import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SCRIPT, assert_one_line_error, run_script

import nn_backprop as nb

SHORT = ["--epochs", "1"]  # the checks come before training; one epoch keeps runs short


def no_temporary_files(folder):
    """Return whether folder holds none of the script's temporary files or kept old files."""
    return not [name for name in os.listdir(folder) if name.startswith(".nn_backprop-")]


def precious(path, text="precious\n", mode=0o640):
    """Write a file that a run must not change; return its path."""
    path.write_text(text)
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize("make_args, fragment", [
    (lambda d: ["--save-weights", d / "x.png", "--plot", d / "x.png"], "is also --save-weights"),
    (lambda d: ["--load-weights", d / "w.txt", "--plot", d / "w.png", "--save-weights",
                d / "w.txt"], "is also --load-weights"),
    (lambda d: ["--train", d / "train.txt", "--save-weights", d / "train.txt"], "is also --train"),
    (lambda d: ["--train", d / "train.txt", "--save-weights", d / "link.txt"], "is also --train"),
    (lambda d: ["--train", d / "train.txt", "--save-weights", d / "hard.txt"], "is also --train"),
    (lambda d: ["--test", d / "train.txt", "--plot", d / "sub" / ".." / "train.png",
                "--save-weights", d / "train.png"], "is also --save-weights"),
    (lambda d: ["--save-weights", SCRIPT], "is also the script"),
])
def test_no_output_is_an_input_or_another_output(make_args, fragment, tmp_path):
    pytest.importorskip("matplotlib")
    shutil.copy(ROOT / "irisTrainData.txt", tmp_path / "train.txt")
    (tmp_path / "link.txt").symlink_to(tmp_path / "train.txt")
    os.link(tmp_path / "train.txt", tmp_path / "hard.txt")
    (tmp_path / "sub").mkdir()
    nb.save_weights(tmp_path / "w.txt", nb.NeuralNetwork(4, 5, 3, seed=3))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    script = SCRIPT.read_bytes()
    result = run_script(*make_args(tmp_path), cwd=tmp_path)
    assert_one_line_error(result, fragment)
    assert result.stdout == ""  # refused before anything is printed or trained
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    assert SCRIPT.read_bytes() == script


def test_when_the_second_output_fails_the_first_is_not_replaced(tmp_path, monkeypatch, capsys):
    weights = precious(tmp_path / "w.txt")
    real_fdopen, opened = os.fdopen, []

    def full_disk_at_the_second(fd, *args, **kwargs):
        opened.append(fd)
        if len(opened) == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(nb.os, "fdopen", full_disk_at_the_second)
    status = nb.cli(["--save-weights", str(weights), "--plot", str(tmp_path / "p.svg"), *SHORT])
    assert status == 2 and "No space left on device" in capsys.readouterr().err
    assert weights.read_text() == "precious\n" and len(opened) == 2
    assert sorted(os.listdir(tmp_path)) == ["w.txt"]  # no plot, no temporary file


@pytest.mark.parametrize("first_exists", [True, False])
def test_when_a_later_rename_fails_every_file_is_put_back(first_exists, tmp_path, monkeypatch,
                                                          capsys):
    weights, plot = tmp_path / "w.txt", precious(tmp_path / "p.svg", "old plot\n")
    if first_exists:
        precious(weights)
    real_replace = os.replace

    def busy_plot(src, dst):  # as renaming over a bind-mounted file fails
        if os.path.basename(dst) == "p.svg":
            raise OSError(16, "Device or resource busy")
        return real_replace(src, dst)

    monkeypatch.setattr(nb.os, "replace", busy_plot)
    status = nb.cli(["--save-weights", str(weights), "--plot", str(plot), *SHORT])
    assert status == 2 and "Device or resource busy" in capsys.readouterr().err
    assert plot.read_text() == "old plot\n" and no_temporary_files(tmp_path)
    if first_exists:
        assert weights.read_text() == "precious\n" and os.stat(weights).st_mode & 0o777 == 0o640
    else:
        assert not weights.exists()


def test_a_bind_mounted_output_leaves_every_file_as_it_was(tmp_path):
    """A file bind-mounted over another cannot be renamed over (EBUSY), as in containers."""
    if not shutil.which("unshare") or subprocess.run(
            ["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("this machine cannot make a mount namespace (unshare -rm) to bind-mount in")
    weights, plot = precious(tmp_path / "w.txt"), precious(tmp_path / "p.png", "old plot\n")
    source = precious(tmp_path / "source.png", "mounted\n")
    script = 'mount --bind "$1" "$2" && exec "$3" "$4" --save-weights "$5" --plot "$2" --epochs 1'
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", source, plot,
                             sys.executable, SCRIPT, weights], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1  # (after training)
    assert "Device or resource busy" in result.stderr
    assert weights.read_text() == "precious\n" and source.read_text() == "mounted\n"
    assert plot.read_text() == "old plot\n" and no_temporary_files(tmp_path)


@pytest.mark.parametrize("stream, name", [
    (1, "/dev/stdout"), (1, "/proc/self/fd/1"), (1, "/dev/fd/1"), (1, "run.log"),
    (2, "/dev/stderr"), (2, "/proc/self/fd/2")])
def test_an_output_never_replaces_the_file_behind_the_runs_own_streams(stream, name, tmp_path):
    log = precious(tmp_path / "run.log", "earlier lines\n")
    with open(log, "a") as f:
        result = subprocess.run([sys.executable, SCRIPT, "--save-weights", name], cwd=tmp_path,
                                stdout=f if stream == 1 else subprocess.PIPE,
                                stderr=f if stream == 2 else subprocess.PIPE, text=True)
    assert result.returncode == 2
    text = log.read_text()
    assert text.startswith("earlier lines\n") and "is the file behind this run's" in (
        text + (result.stderr or ""))
    assert text.count("\n") == (1 if stream == 1 else 2)  # nothing printed, one line of error


def null_device(folder):
    """Return a new character device node like /dev/null in folder (skip if not allowed).

    The tests use their own node: were the check broken, a run as root would replace
    /dev/null itself with a regular file.
    """
    path = folder / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


@pytest.mark.parametrize("make_target, kind", [
    (null_device, "character device"),
    (lambda d: (os.mkfifo(d / "fifo"), d / "fifo")[1], "FIFO"),
    (lambda d: ((d / "out").symlink_to(null_device(d)), d / "out")[1], "character device"),
])
def test_only_regular_files_are_replaced(make_target, kind, tmp_path):
    target = make_target(tmp_path)
    mode = os.stat(target).st_mode
    result = run_script("--save-weights", target, *SHORT, cwd=tmp_path, timeout=30)
    assert_one_line_error(result, "is a %s, not a regular file" % kind)
    assert os.stat(target).st_mode == mode  # still what it was, not a regular file


def test_a_symlink_to_a_regular_file_keeps_pointing_at_the_new_weights(tmp_path):
    real = precious(tmp_path / "real.txt")
    (tmp_path / "link.txt").symlink_to(real)
    result = run_script("--save-weights", tmp_path / "link.txt", *SHORT, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link.txt").is_symlink()
    assert real.read_text().startswith("# nn_backprop weights 4-5-3")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_get_the_umask_mode_and_old_files_keep_theirs(umask, tmp_path):
    pytest.importorskip("matplotlib")
    old = precious(tmp_path / "old.txt", mode=0o604)
    new_weights, new_plot = tmp_path / "new.txt", tmp_path / "new.png"
    result = subprocess.run([sys.executable, str(SCRIPT), "--save-weights", str(new_weights),
                             "--plot", str(new_plot), *SHORT], capture_output=True, text=True,
                            cwd=tmp_path, preexec_fn=lambda: os.umask(umask))
    assert result.returncode == 0, result.stderr
    for path in (new_weights, new_plot):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
    result = run_script("--save-weights", old, *SHORT, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(old.stat().st_mode) == 0o604 and old.read_text() != "precious\n"


def test_make_iris_split_keeps_the_mode_of_the_files_it_rewrites(tmp_path):
    for name in ("irisTrainData.txt", "irisTestData.txt"):
        precious(tmp_path / name, mode=0o644 if name.startswith("irisTrain") else 0o600)
    result = subprocess.run([sys.executable, str(ROOT / "make_iris_split.py"), "--out",
                             str(tmp_path)], capture_output=True, text=True,
                            preexec_fn=lambda: os.umask(0o077))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "irisTrainData.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "irisTestData.txt").stat().st_mode) == 0o600
    assert (tmp_path / "irisTrainData.txt").read_bytes() == (
        ROOT / "irisTrainData.txt").read_bytes()
    assert no_temporary_files(tmp_path)


@pytest.mark.parametrize("suffix, signature", [(".png", b"\x89PNG"), (".pdf", b"%PDF"),
                                               (".svg", b"<?xml"), (".SVG", b"<?xml")])
def test_plot_writes_the_format_its_name_says(suffix, signature, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / ("run" + suffix)
    result = run_script("--plot", path, *SHORT, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes().startswith(signature)


@pytest.mark.parametrize("name", ["run.jpg", "run", "run.png.txt"])
def test_plot_refuses_other_formats_before_training(name, tmp_path):
    assert_one_line_error(run_script("--plot", tmp_path / name, cwd=tmp_path),
                          "name a .png, .pdf or .svg file")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("make_path, fragment", [
    (lambda d: d / ("w" * 300 + ".txt"), "longer than the 255 bytes this file system allows"),
    (lambda d: (d / "file.txt").write_text("x") and d / "file.txt" / "w.txt",
     "/file.txt is not a folder"),
    (lambda d: d / "nope" / "w.txt", "the folder"),
    (lambda d: d, "is a folder; name a file"),
])
def test_outputs_that_cannot_be_written_are_refused_before_training(make_path, fragment, tmp_path):
    path = make_path(tmp_path)
    result = run_script("--save-weights", path, cwd=tmp_path)
    assert_one_line_error(result, fragment)
    assert len(result.stderr) < 250  # a long name is shortened


def run_and_signal(tmp_path, signum, code):
    """Run the script in a child that sends itself signum while it writes its outputs;
    return the completed child."""
    child = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
sys.path.insert(0, %r)
import nn_backprop as nb
real_fdopen = os.fdopen
def signalled(fd, *args, **kwargs):
    os.kill(os.getpid(), %d)  # arrives while the temporary files are being written
    return real_fdopen(fd, *args, **kwargs)
nb.os.fdopen = signalled
sys.exit(nb.cli(%r))
""" % (str(ROOT), signum, code)
    return subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, -signal.SIGTERM),
                                            (signal.SIGINT, 130)])
def test_a_signal_while_the_outputs_are_written_leaves_no_temporary_file(signum, status,
                                                                          tmp_path):
    pytest.importorskip("matplotlib")
    weights = precious(tmp_path / "w.txt")
    result = run_and_signal(tmp_path, signum, ["--save-weights", str(weights), "--plot",
                                               str(tmp_path / "p.png"), *SHORT])
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    assert no_temporary_files(tmp_path)
    # the signal waited until both files were in place: each is whole
    assert weights.read_text().startswith("# nn_backprop weights")
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.6])
def test_sigterm_at_any_moment_leaves_no_temporary_file(delay, tmp_path):
    pytest.importorskip("matplotlib")
    weights = precious(tmp_path / "w.txt")
    child = subprocess.Popen([sys.executable, str(SCRIPT), "--epochs", "3", "--save-weights",
                              str(weights), "--plot", str(tmp_path / "p.pdf")],
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(delay)
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert b"Traceback" not in stderr
    assert no_temporary_files(tmp_path)
    text = weights.read_text()
    assert text == "precious\n" or len(text.splitlines()) == 44  # old or whole, never part


def test_write_files_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = precious(tmp_path / "out.txt")

    def interrupted_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(nb.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        nb.write_files({target: b"new\n"})
    assert target.read_text() == "precious\n" and os.listdir(tmp_path) == ["out.txt"]


def test_a_failing_run_leaves_existing_outputs_alone(tmp_path):
    existing = precious(tmp_path / "w.txt")
    result = run_script("--train", tmp_path / "missing.txt", "--save-weights", existing,
                        cwd=tmp_path)
    assert_one_line_error(result, "No such file")
    assert existing.read_text() == "precious\n" and sorted(os.listdir(tmp_path)) == ["w.txt"]
