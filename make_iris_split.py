"""Write the Iris training and test files used by nn_backprop.py.

Fisher's 150 Iris measurements are embedded below (the corrected version, in which
rows 35 and 38 read 4.9,3.1,1.5,0.2 and 4.9,3.6,1.4,0.1). The first 40 rows of each
species go to irisTrainData.txt (120 rows) and the last 10 to irisTestData.txt
(30 rows), species in the order setosa, versicolor, virginica. Each line holds the
four measurements and a one-hot target, e.g. ``5.1,3.5,1.4,0.2,1,0,0``.

Usage: python make_iris_split.py [--out DIR]   (default: the folder of this script)
"""

import argparse
import os
import signal
import stat
import sys
from pathlib import Path

SPECIES = ("setosa", "versicolor", "virginica")
TRAIN_PER_SPECIES = 40  # the remaining 10 of each species are the test rows

# sepal length, sepal width, petal length, petal width (cm), species
IRIS = """\
5.1,3.5,1.4,0.2,setosa
4.9,3.0,1.4,0.2,setosa
4.7,3.2,1.3,0.2,setosa
4.6,3.1,1.5,0.2,setosa
5.0,3.6,1.4,0.2,setosa
5.4,3.9,1.7,0.4,setosa
4.6,3.4,1.4,0.3,setosa
5.0,3.4,1.5,0.2,setosa
4.4,2.9,1.4,0.2,setosa
4.9,3.1,1.5,0.1,setosa
5.4,3.7,1.5,0.2,setosa
4.8,3.4,1.6,0.2,setosa
4.8,3.0,1.4,0.1,setosa
4.3,3.0,1.1,0.1,setosa
5.8,4.0,1.2,0.2,setosa
5.7,4.4,1.5,0.4,setosa
5.4,3.9,1.3,0.4,setosa
5.1,3.5,1.4,0.3,setosa
5.7,3.8,1.7,0.3,setosa
5.1,3.8,1.5,0.3,setosa
5.4,3.4,1.7,0.2,setosa
5.1,3.7,1.5,0.4,setosa
4.6,3.6,1.0,0.2,setosa
5.1,3.3,1.7,0.5,setosa
4.8,3.4,1.9,0.2,setosa
5.0,3.0,1.6,0.2,setosa
5.0,3.4,1.6,0.4,setosa
5.2,3.5,1.5,0.2,setosa
5.2,3.4,1.4,0.2,setosa
4.7,3.2,1.6,0.2,setosa
4.8,3.1,1.6,0.2,setosa
5.4,3.4,1.5,0.4,setosa
5.2,4.1,1.5,0.1,setosa
5.5,4.2,1.4,0.2,setosa
4.9,3.1,1.5,0.2,setosa
5.0,3.2,1.2,0.2,setosa
5.5,3.5,1.3,0.2,setosa
4.9,3.6,1.4,0.1,setosa
4.4,3.0,1.3,0.2,setosa
5.1,3.4,1.5,0.2,setosa
5.0,3.5,1.3,0.3,setosa
4.5,2.3,1.3,0.3,setosa
4.4,3.2,1.3,0.2,setosa
5.0,3.5,1.6,0.6,setosa
5.1,3.8,1.9,0.4,setosa
4.8,3.0,1.4,0.3,setosa
5.1,3.8,1.6,0.2,setosa
4.6,3.2,1.4,0.2,setosa
5.3,3.7,1.5,0.2,setosa
5.0,3.3,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.4,3.2,4.5,1.5,versicolor
6.9,3.1,4.9,1.5,versicolor
5.5,2.3,4.0,1.3,versicolor
6.5,2.8,4.6,1.5,versicolor
5.7,2.8,4.5,1.3,versicolor
6.3,3.3,4.7,1.6,versicolor
4.9,2.4,3.3,1.0,versicolor
6.6,2.9,4.6,1.3,versicolor
5.2,2.7,3.9,1.4,versicolor
5.0,2.0,3.5,1.0,versicolor
5.9,3.0,4.2,1.5,versicolor
6.0,2.2,4.0,1.0,versicolor
6.1,2.9,4.7,1.4,versicolor
5.6,2.9,3.6,1.3,versicolor
6.7,3.1,4.4,1.4,versicolor
5.6,3.0,4.5,1.5,versicolor
5.8,2.7,4.1,1.0,versicolor
6.2,2.2,4.5,1.5,versicolor
5.6,2.5,3.9,1.1,versicolor
5.9,3.2,4.8,1.8,versicolor
6.1,2.8,4.0,1.3,versicolor
6.3,2.5,4.9,1.5,versicolor
6.1,2.8,4.7,1.2,versicolor
6.4,2.9,4.3,1.3,versicolor
6.6,3.0,4.4,1.4,versicolor
6.8,2.8,4.8,1.4,versicolor
6.7,3.0,5.0,1.7,versicolor
6.0,2.9,4.5,1.5,versicolor
5.7,2.6,3.5,1.0,versicolor
5.5,2.4,3.8,1.1,versicolor
5.5,2.4,3.7,1.0,versicolor
5.8,2.7,3.9,1.2,versicolor
6.0,2.7,5.1,1.6,versicolor
5.4,3.0,4.5,1.5,versicolor
6.0,3.4,4.5,1.6,versicolor
6.7,3.1,4.7,1.5,versicolor
6.3,2.3,4.4,1.3,versicolor
5.6,3.0,4.1,1.3,versicolor
5.5,2.5,4.0,1.3,versicolor
5.5,2.6,4.4,1.2,versicolor
6.1,3.0,4.6,1.4,versicolor
5.8,2.6,4.0,1.2,versicolor
5.0,2.3,3.3,1.0,versicolor
5.6,2.7,4.2,1.3,versicolor
5.7,3.0,4.2,1.2,versicolor
5.7,2.9,4.2,1.3,versicolor
6.2,2.9,4.3,1.3,versicolor
5.1,2.5,3.0,1.1,versicolor
5.7,2.8,4.1,1.3,versicolor
6.3,3.3,6.0,2.5,virginica
5.8,2.7,5.1,1.9,virginica
7.1,3.0,5.9,2.1,virginica
6.3,2.9,5.6,1.8,virginica
6.5,3.0,5.8,2.2,virginica
7.6,3.0,6.6,2.1,virginica
4.9,2.5,4.5,1.7,virginica
7.3,2.9,6.3,1.8,virginica
6.7,2.5,5.8,1.8,virginica
7.2,3.6,6.1,2.5,virginica
6.5,3.2,5.1,2.0,virginica
6.4,2.7,5.3,1.9,virginica
6.8,3.0,5.5,2.1,virginica
5.7,2.5,5.0,2.0,virginica
5.8,2.8,5.1,2.4,virginica
6.4,3.2,5.3,2.3,virginica
6.5,3.0,5.5,1.8,virginica
7.7,3.8,6.7,2.2,virginica
7.7,2.6,6.9,2.3,virginica
6.0,2.2,5.0,1.5,virginica
6.9,3.2,5.7,2.3,virginica
5.6,2.8,4.9,2.0,virginica
7.7,2.8,6.7,2.0,virginica
6.3,2.7,4.9,1.8,virginica
6.7,3.3,5.7,2.1,virginica
7.2,3.2,6.0,1.8,virginica
6.2,2.8,4.8,1.8,virginica
6.1,3.0,4.9,1.8,virginica
6.4,2.8,5.6,2.1,virginica
7.2,3.0,5.8,1.6,virginica
7.4,2.8,6.1,1.9,virginica
7.9,3.8,6.4,2.0,virginica
6.4,2.8,5.6,2.2,virginica
6.3,2.8,5.1,1.5,virginica
6.1,2.6,5.6,1.4,virginica
7.7,3.0,6.1,2.3,virginica
6.3,3.4,5.6,2.4,virginica
6.4,3.1,5.5,1.8,virginica
6.0,3.0,4.8,1.8,virginica
6.9,3.1,5.4,2.1,virginica
6.7,3.1,5.6,2.4,virginica
6.9,3.1,5.1,2.3,virginica
5.8,2.7,5.1,1.9,virginica
6.8,3.2,5.9,2.3,virginica
6.7,3.3,5.7,2.5,virginica
6.7,3.0,5.2,2.3,virginica
6.3,2.5,5.0,1.9,virginica
6.5,3.0,5.2,2.0,virginica
6.2,3.4,5.4,2.3,virginica
5.9,3.0,5.1,1.8,virginica
"""


def one_hot(species: str) -> str:
    """Return the target columns for species, e.g. '1,0,0' for setosa."""
    return ",".join("1" if s == species else "0" for s in SPECIES)


def split_rows() -> tuple[list[str], list[str]]:
    """Return the training and test lines, species by species."""
    train, test = [], []
    for species in SPECIES:
        rows = [r.rsplit(",", 1)[0] for r in IRIS.splitlines() if r.endswith("," + species)]
        lines = [f"{r},{one_hot(species)}" for r in rows]
        train += lines[:TRAIN_PER_SPECIES]
        test += lines[TRAIN_PER_SPECIES:]
    return train, test


def write_files(contents: dict[Path, list[str]]) -> None:
    """Write the lines of each file to a temporary file beside it, then rename all of them.

    As nn_backprop.py does: a new file gets the mode the umask gives, an existing one keeps
    its mode; if anything fails no file is replaced and no temporary file is left, and
    Ctrl-C or SIGTERM wait until the files are in place.
    """
    temporaries = {}  # path: its temporary file
    arrived = []  # signals held back until the files are in place or gone
    before = {s: signal.signal(s, lambda signum, frame: arrived.append(signum))
              for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for path, lines in contents.items():
            name = path.parent / (".make_iris_split-%s.tmp" % os.urandom(6).hex())
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            temporaries[path] = name
            with os.fdopen(fd, "w", newline="\n") as f:
                f.write("\n".join(lines) + "\n")
            if path.exists():
                os.chmod(name, stat.S_IMODE(path.stat().st_mode))
        for path, name in temporaries.items():
            os.replace(name, path)
    except BaseException:
        for name in temporaries.values():
            if os.path.lexists(name):
                os.unlink(name)
        raise
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
        for s in arrived:
            signal.raise_signal(s)


def main(argv=None) -> int:
    """Write irisTrainData.txt and irisTestData.txt into the chosen folder."""
    parser = argparse.ArgumentParser(description="Write the Iris train/test split.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder to write the two files into (default: beside this script)")
    args = parser.parse_args(argv)
    if not args.out.is_dir():
        parser.error(f"--out {args.out}: not an existing folder")
    train, test = split_rows()
    try:
        write_files({args.out / "irisTrainData.txt": train, args.out / "irisTestData.txt": test})
    except OSError as e:
        print(f"make_iris_split.py: cannot write into {args.out}: {e.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {len(train)} training rows and {len(test)} test rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
