"""devanagari: class table, loaders (folder and CSV, and their errors), preprocessing, fonts and the generator.

No TensorFlow here: these run in a few seconds.
"""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import ROOT, run_script
from devanagari import dataset, font_samples, fonts, preprocess, synthetic
from devanagari.classes import CLASSES, FOLDERS, NUM_CLASSES, by_folder
from devanagari.pen import AirCanvas, find_pen, PEN_COLOURS

MAKE = ROOT / "devanagari" / "make_dataset.py"


def glyph_image(char, size=64):
    """A character drawn with the pip-installed Kalam font, white on black."""
    font = fonts.FontFace("Kalam", synthetic.kalam_path()).load(size)
    return font_samples.render_glyph(font, char)


def test_class_table_has_the_46_dhcd_classes():
    assert NUM_CLASSES == 46 and len(set(FOLDERS)) == 46
    assert FOLDERS[0] == "character_1_ka" and FOLDERS[35] == "character_36_gya" and FOLDERS[36] == "digit_0"
    assert by_folder("character_01_ka").char == "क"  # zero-padded CSV names
    assert [c.char for c in CLASSES[33:36]] == ["क्ष", "त्र", "ज्ञ"]
    assert "".join(c.char for c in CLASSES[36:]) == "०१२३४५६७८९"
    with pytest.raises(ValueError, match="unknown DHCD class"):
        by_folder("character_99_xx")


def write_folder(root, classes, per_class=2, size=32):
    for c in classes:
        folder = root / c.folder
        folder.mkdir(parents=True)
        for i in range(per_class):
            image = np.zeros((size, size), np.uint8)
            cv2.circle(image, (size // 2, size // 2), size // 4 + i, 255, 3)
            cv2.imwrite(str(folder / f"{i}.png"), image)


def test_folder_loader_reads_the_official_layout(tmp_path):
    write_folder(tmp_path / "Train", CLASSES)
    images, labels = dataset.load(tmp_path, "Train")
    assert images.shape == (92, 32, 32) and images.dtype == np.uint8
    assert sorted(np.bincount(labels).tolist()) == [2] * 46


def test_folder_loader_converts_other_sizes_and_polarity(tmp_path):
    folder = tmp_path / "digit_0"
    folder.mkdir()
    big = np.full((200, 150, 3), 230, np.uint8)  # dark ink on light paper, not 32x32
    cv2.circle(big, (75, 100), 50, (20, 20, 20), 6)
    cv2.imwrite(str(folder / "photo.jpg"), big)
    images, labels, _ = dataset.load_folder(tmp_path, require_all=False)
    assert images.shape == (1, 32, 32) and labels.tolist() == [36]
    assert images[0, 0, 0] == 0 and images[0].max() == 255  # background black, ink white


def test_folder_loader_errors(tmp_path):
    with pytest.raises(dataset.DatasetError, match="no Train/ folder"):
        dataset.load(tmp_path, "Train")
    write_folder(tmp_path / "Train", CLASSES[:40])
    with pytest.raises(dataset.DatasetError, match="6 of 46 classes missing"):
        dataset.load(tmp_path, "Train")
    (tmp_path / "Train" / "cat_pictures").mkdir()
    with pytest.raises(dataset.DatasetError, match="unknown class folders"):
        dataset.load(tmp_path, "Train")
    (tmp_path / "Train" / "cat_pictures").rmdir()
    write_folder(tmp_path / "Train", CLASSES[40:])
    (tmp_path / "Train" / "digit_9" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(dataset.DatasetError, match="cannot read image .*broken.png"):
        dataset.load(tmp_path, "Train")


def write_csv(path, rows, header=None):
    header = header or [f"pixel_{i:04d}" for i in range(1024)] + ["character"]
    lines = [",".join(header)] + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def test_csv_loader_reads_names_and_indices(tmp_path):
    image = np.zeros((32, 32), np.uint8)
    image[8:24, 14:18] = 255
    rows = [list(image.ravel()) + ["character_01_ka"], list(image.T.ravel()) + ["digit_7"],
            list(image.ravel()) + ["45"]]
    write_csv(tmp_path / "data.csv", rows)
    images, labels = dataset.load(tmp_path / "data.csv")
    assert labels.tolist() == [0, 43, 45]
    assert np.array_equal(images[0], image) and np.array_equal(images[1], image.T)


def test_csv_loader_errors(tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(path, [[0] * 1024 + ["character_77_zz"]])
    with pytest.raises(dataset.DatasetError, match=r"bad.csv:2: unknown DHCD class"):
        dataset.load(path)
    write_csv(path, [[0] * 1024 + ["46"]])
    with pytest.raises(dataset.DatasetError, match="not a class index"):
        dataset.load(path)
    write_csv(path, [[0] * 10 + ["digit_1"]], header=[f"p{i}" for i in range(10)] + ["label"])
    with pytest.raises(dataset.DatasetError, match="expected 1024 pixel columns"):
        dataset.load(path)
    write_csv(path, [[300] * 1024 + ["digit_1"]])
    with pytest.raises(dataset.DatasetError, match="0-255"):
        dataset.load(path)
    write_csv(path, [])
    with pytest.raises(dataset.DatasetError, match="no data rows"):
        dataset.load(path)
    with pytest.raises(dataset.DatasetError, match="no such file"):
        dataset.load(tmp_path / "missing.csv")


def test_prepare_image_gives_the_same_result_for_any_polarity_and_size():
    ink = glyph_image("क", 96)
    light_paper = cv2.cvtColor(255 - ink, cv2.COLOR_GRAY2BGR)
    a = preprocess.prepare_image(ink)
    b = preprocess.prepare_image(cv2.resize(light_paper, None, fx=3, fy=3))
    assert a.shape == b.shape == (32, 32)
    assert np.abs(a.astype(int) - b.astype(int)).mean() < 12  # same character, same place
    ys, xs = np.nonzero(a > 16)  # fitted in the central 28x28
    assert ys.min() >= 2 and xs.min() >= 2 and ys.max() <= 29 and xs.max() <= 29
    assert max(ys.max() - ys.min(), xs.max() - xs.min()) >= 26
    with pytest.raises(ValueError, match="blank"):
        preprocess.prepare_image(np.full((50, 50), 200, np.uint8))


def test_thin_strokes_are_widened_to_dhcd_width():
    thin = np.zeros((400, 400), np.uint8)
    cv2.circle(thin, (200, 200), 150, 255, 2)
    assert preprocess.stroke_width(preprocess.thicken_to_dhcd(thin)) > 0.06 * 300


def test_glyph_checks_on_pip_fonts():
    families = fonts.discover_families()
    assert {"kalam", "notosansdevanagari"} <= set(families)
    kalam = families["kalam"].faces[0]
    assert fonts.usable_classes(kalam) == {c.index: None for c in CLASSES}  # Kalam draws all 46
    font = kalam.load(64)
    same = fonts._same_drawing(fonts._ink(font, "0"), fonts._ink(font, "0"))
    latin_vs_devanagari = fonts._same_drawing(fonts._ink(font, "२"), fonts._ink(font, "2"))
    assert same and not latin_vs_devanagari


def test_generator_draws_every_class_in_dhcd_format():
    face = fonts.discover_families()["kalam"].faces[0]
    generator = font_samples.Generator([face], seed=3)
    images, labels = generator.batch(60)
    assert images.shape == (60, 32, 32) and images.dtype == np.uint8
    assert images[:, 0].mean() < 5 and images[:, :, 0].mean() < 5  # black padding round the character
    assert all(img.max() > 150 for img in images)  # bright strokes, as in DHCD
    clean = font_samples.Generator([face], aug=font_samples.Augment.none(), seed=0)
    a, _ = clean.sample(0)
    b, _ = clean.sample(0)
    assert np.array_equal(a, b)  # no augmentation: deterministic
    c, _ = generator.sample(0)
    assert not np.array_equal(a, c)


def test_make_dataset_writes_the_official_layout(tmp_path):
    out = tmp_path / "synthetic"
    pip_fonts = ("--families", "Kalam,Noto Sans Devanagari")  # the fonts requirements.txt installs
    run_script(MAKE, "--out", out, "--train-per-class", 2, "--val-per-class", 0, "--test-per-class", 1,
               "--test-families", "Kalam", "--val-families", "", *pip_fonts, timeout=240)
    images, labels = dataset.load(out, "Train")
    assert len(labels) == 92 and np.bincount(labels).tolist() == [2] * 46
    images, labels = dataset.load(out, "Test")
    assert len(labels) == 46
    meta = json.loads((out / "fonts.json").read_text(encoding="utf-8"))
    assert meta["splits"]["Test"]["families"] == ["Kalam"]
    assert meta["splits"]["Train"]["families"] == ["Noto Sans Devanagari"]
    rows = (out / "families.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "split,class,file,family,face" and len(rows) == 1 + 92 + 46
    assert all((out / r.split(",")[0] / r.split(",")[1] / r.split(",")[2]).is_file() for r in rows[1:])
    assert {r.split(",")[3] for r in rows[1:93]} == {"Noto Sans Devanagari"}
    again = run_script(MAKE, "--out", out, "--test-families", "Kalam", "--val-families", "", check=False)
    assert again.returncode == 2 and "exists" in again.stderr  # never overwritten without --force
    tiny = ("--train-per-class", 1, "--val-per-class", 0, "--test-per-class", 0, "--test-families", "",
            "--val-families", "", "--families", "Kalam")
    run_script(MAKE, "--out", out, "--force", *tiny)  # --force replaces a set of its own
    assert len(dataset.load(out, "Train")[1]) == 46 and not (out / "Test").exists()
    (out / "Train" / "notes.txt").write_text("the user's notes")  # ... but not one a person has added to
    again = run_script(MAKE, "--out", out / "Train" / "..", "--force", *tiny, check=False)
    assert again.returncode == 2 and "Train/notes.txt, which make_dataset.py did not write" in again.stderr
    assert (out / "Train" / "notes.txt").read_text() == "the user's notes" and (out / "fonts.json").is_file()
    bad = run_script(MAKE, "--out", tmp_path / "x", "--test-families", "Comic Sans", check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("devanagari: error: unknown font families")


def test_the_generated_pen_scene_is_found_and_drawn():
    frames, truth = zip(*synthetic.scene(("digit_0",), pause=0.5))
    canvas = AirCanvas(frames[0].shape)
    finished = [i for i, f in enumerate(frames) if canvas.update(find_pen(f, PEN_COLOURS["blue"], 60), i / 30)]
    written = [i for i, label in enumerate(truth) if label]
    assert finished and finished[0] >= written[-1]  # only after the pen has gone
    assert canvas.ready()
    assert find_pen(frames[0], PEN_COLOURS["blue"], 60) is None
    drawn = preprocess.prepare_image(canvas.drawing())
    ys, xs = np.nonzero(drawn > 127)
    assert ys.max() - ys.min() >= 26  # fitted to DHCD's 28 px box
    assert drawn[(ys.min() + ys.max()) // 2, (xs.min() + xs.max()) // 2] < 64  # ० is a ring: dark inside


def fontsource_tarball(folder, family, latin_digits=False):
    """An `npm pack @fontsource/...`-like tarball: metadata.json, a Devanagari subset and a Latin subset (both
    Noto Sans Devanagari from pip, as WOFF). `latin_digits`: the Devanagari file draws the Latin numerals for
    ० - ९ and has no Latin digits of its own, as Khand's does."""
    import io
    import tarfile
    from fontTools.ttLib import TTFont
    import fontpkg_noto_sans_devanagari as noto

    def woff(latinise):
        font = TTFont(str(next((noto.ROOT / "files").glob("*.ttf"))))
        if latinise:
            for table in font["cmap"].tables:
                if table.isUnicode() and 0x30 in table.cmap:
                    for d in range(10):
                        table.cmap[0x966 + d] = table.cmap.pop(0x30 + d)
        font.flavor = "woff"
        data = io.BytesIO()
        font.save(data)
        return data.getvalue()

    meta = json.dumps({"family": family, "license": {"type": "OFL-1.1"}}).encode()
    stem = family.lower().replace(" ", "-")
    with tarfile.open(folder / f"fontsource-{stem}-5.3.0.tgz", "w:gz") as tar:
        for name, data in (("package/metadata.json", meta),
                           (f"package/files/{stem}-devanagari-400-normal.woff", woff(latin_digits)),
                           (f"package/files/{stem}-latin-400-normal.woff", woff(False)),
                           (f"package/files/{stem}-latin-ext-400-normal.woff", b"not read")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_fontsource_tarballs_are_found_and_reserved_families_kept_apart(tmp_path):
    fontsource_tarball(tmp_path, "Testsans")
    fontsource_tarball(tmp_path, "Khand", latin_digits=True)  # one of the five reserved families
    families = fonts.discover_families(fontsource_dir=tmp_path)
    assert "testsans" in families and "khand" not in families
    face = families["testsans"].faces[0]
    assert face.source == "npm" and face.path.endswith("testsans-devanagari-400-normal.woff")
    assert face.latin.endswith("testsans-latin-400-normal.woff")
    assert fonts.usable_classes(face) == {c.index: None for c in CLASSES}  # WOFF read, conjuncts shaped
    # a weight FreeType refuses is left out; the family keeps its other faces
    (Path(face.path).parent / "testsans-devanagari-700-normal.woff").write_bytes(b"wOFF" + bytes(60))
    assert fonts.discover_families(fontsource_dir=tmp_path)["testsans"].faces == [face]
    # a family named "... Devanagari" has Latin files called "<name>-devanagari-latin-…": not Devanagari faces
    fontsource_tarball(tmp_path, "Test Devanagari")
    fontsource_tarball(tmp_path, "Martel Sans")  # the companion of a reserved family: kept out of every split
    families = fonts.discover_families(fontsource_dir=tmp_path)
    assert "martelsans" not in families
    assert [Path(f.path).name for f in families["testdevanagari"].faces] == [
        "test-devanagari-devanagari-400-normal.woff"]
    assert families["testdevanagari"].faces[0].latin.endswith("test-devanagari-latin-400-normal.woff")
    reserved = fonts.discover_families(fontsource_dir=tmp_path, reserved=True)
    assert "martelsans" not in reserved
    assert set(reserved) <= {fonts.family_key(n) for n in fonts.RESERVED_FAMILIES.split(",")}
    assert "khand" in reserved and "testsans" not in reserved
    khand = reserved["khand"].faces[0]
    problems = fonts.usable_classes(khand)
    assert all(problems[c.index] == "draws a Latin numeral for the Devanagari digit" for c in CLASSES[36:])
    assert not any(problems[c.index] for c in CLASSES[:36])
    # without the Latin file the subset has no Latin digit to compare with: the check cannot see it
    alone = fonts.FontFace("Khand", khand.path, (), "npm")
    assert not any(fonts.usable_classes(alone).values())


def test_a_class_one_face_fails_is_skipped_for_its_whole_family():
    families = fonts.discover_families()
    kalam, noto = families["kalam"].faces, families["notosansdevanagari"].faces[:1]
    assert len(kalam) >= 2
    generator = font_samples.Generator(kalam + noto, seed=0)
    assert not generator.skipped  # both draw all 46 in every weight
    real = fonts.usable_classes
    try:  # the check finds the first Kalam weight's क wrong: no Kalam weight may draw it, Noto still does
        font_samples.usable_classes = lambda face: {**real(face), 0: "test" if face == kalam[0] else None}
        generator = font_samples.Generator(kalam + noto, seed=0)
    finally:
        font_samples.usable_classes = real
    assert {(face, cls) for face, cls, _ in generator.skipped} == {(f.name, CLASSES[0].folder) for f in kalam}
    assert [0 in ok for _, _, ok in generator.fonts] == [False] * len(kalam) + [True]


def test_hand_drawn_pen_follows_the_skeleton_with_its_own_strokes():
    generator = font_samples.Generator([fonts.FontFace("Kalam", synthetic.kalam_path())], seed=0)
    face, font = generator.fonts[0][:2]
    ink, skel, strokes = generator.glyph(face, font, 0)
    assert len(strokes) >= 2  # क: more than one pen stroke
    rng = np.random.default_rng(0)
    plain = font_samples.Augment(jitter=0, turn=0, wobble=0, gap=0, bleed=0, ballpoint=0, pressure=0)
    felt = font_samples.hand_drawn(ink.shape, strokes, 8, rng, plain)
    on_skeleton = felt[skel > 0] > 127
    assert on_skeleton.mean() > 0.95  # without jitter the pen covers the skeleton
    ballpoint = font_samples.hand_drawn(ink.shape, strokes, 8, rng, font_samples.Augment(ballpoint=1, gap=0))
    assert 0 < preprocess.stroke_width(ballpoint) < 0.6 * preprocess.stroke_width(felt)
    moved = [font_samples.hand_drawn(ink.shape, strokes, 8, rng, font_samples.Augment()) for _ in range(2)]
    assert not np.array_equal(moved[0], moved[1]) and all(m.max() > 127 for m in moved)
    sample = font_samples.handwritten_sample(ink, skel, rng, font_samples.Augment(hand=1), strokes)
    assert sample.shape == (32, 32) and sample.max() == 255


def test_a_marker_grows_every_stroke_on_both_sides():
    """`grow` is Pillow's stroke_width for any image and fractional widths: 3 px on each side adds about 6 px to
    the pen width, draws what Pillow draws, closes a small loop, and leaves an empty image empty."""
    from PIL import Image, ImageDraw
    face = fonts.FontFace("Kalam", synthetic.kalam_path())
    font = face.load(font_samples.FONT_SIZE)
    ink = font_samples.render_glyph(font, CLASSES[0].char)
    grown = font_samples.grow(ink, 3.0)
    assert (grown >= ink).all() and 5 < preprocess.stroke_width(grown) - preprocess.stroke_width(ink) < 7.5
    left, top = font.getbbox(CLASSES[0].char)[:2]
    pillow = Image.new("L", ink.shape[::-1], 0)
    margin = font_samples.FONT_SIZE // 4
    ImageDraw.Draw(pillow).text((margin - left, margin - top), CLASSES[0].char, font=font, fill=255, stroke_width=3,
                                stroke_fill=255)
    ours, theirs = grown > 127, np.asarray(pillow) > 127
    assert (ours & theirs).sum() / (ours | theirs).sum() > 0.9
    ring = cv2.circle(np.zeros((40, 40), np.uint8), (20, 20), 6, 255, 2)  # a loop with a hole about 9 px across
    assert cv2.connectedComponents(255 - ring)[0] == 3
    assert cv2.connectedComponents(255 - font_samples.grow(ring, 5))[0] == 2
    assert not font_samples.grow(np.zeros((8, 8), np.uint8), 2).any()


def test_bold_renderings_are_the_fonts_own_strokes_made_thicker():
    face = fonts.FontFace("Kalam", synthetic.kalam_path())
    plain, bold = (font_samples.Generator([face], aug=aug, seed=0)
                   for aug in (font_samples.Augment.plain(), font_samples.Augment.bold()))
    widths = [np.median([preprocess.stroke_width(g.sample(i)[0]) for i in range(0, 46, 5)]) for g in (plain, bold)]
    assert widths[1] > 1.2 * widths[0]
