"""The 46 DHCD classes in one table: folder name, Unicode character, transliteration.

The order is the model's output order: the 36 consonants (including the conjuncts क्ष त्र ज्ञ) as numbered by the
dataset, then the digits ० to ९. Folder names are the official ones of the UCI archive's Train/ and Test/ folders.
"""
from collections import namedtuple

DevanagariClass = namedtuple("DevanagariClass", "index folder char translit")

_TABLE = [
    # folder, character, transliteration (IAST)
    ("character_1_ka", "क", "ka"),
    ("character_2_kha", "ख", "kha"),
    ("character_3_ga", "ग", "ga"),
    ("character_4_gha", "घ", "gha"),
    ("character_5_kna", "ङ", "ṅa"),
    ("character_6_cha", "च", "ca"),
    ("character_7_chha", "छ", "cha"),
    ("character_8_ja", "ज", "ja"),
    ("character_9_jha", "झ", "jha"),
    ("character_10_yna", "ञ", "ña"),
    ("character_11_taamatar", "ट", "ṭa"),
    ("character_12_thaa", "ठ", "ṭha"),
    ("character_13_daa", "ड", "ḍa"),
    ("character_14_dhaa", "ढ", "ḍha"),
    ("character_15_adna", "ण", "ṇa"),
    ("character_16_tabala", "त", "ta"),
    ("character_17_tha", "थ", "tha"),
    ("character_18_da", "द", "da"),
    ("character_19_dha", "ध", "dha"),
    ("character_20_na", "न", "na"),
    ("character_21_pa", "प", "pa"),
    ("character_22_pha", "फ", "pha"),
    ("character_23_ba", "ब", "ba"),
    ("character_24_bha", "भ", "bha"),
    ("character_25_ma", "म", "ma"),
    ("character_26_yaw", "य", "ya"),
    ("character_27_ra", "र", "ra"),
    ("character_28_la", "ल", "la"),
    ("character_29_waw", "व", "va"),
    ("character_30_motosaw", "श", "śa"),
    ("character_31_petchiryakha", "ष", "ṣa"),
    ("character_32_patalosaw", "स", "sa"),
    ("character_33_ha", "ह", "ha"),
    ("character_34_chhya", "क्ष", "kṣa"),
    ("character_35_tra", "त्र", "tra"),
    ("character_36_gya", "ज्ञ", "jña"),
] + [(f"digit_{d}", chr(0x0966 + d), str(d)) for d in range(10)]

CLASSES = [DevanagariClass(i, folder, char, translit) for i, (folder, char, translit) in enumerate(_TABLE)]
NUM_CLASSES = len(CLASSES)
FOLDERS = [c.folder for c in CLASSES]
_BY_FOLDER = {c.folder: c for c in CLASSES}


def normalise_folder(name):
    """The canonical folder name for `name`; accepts the zero-padded form of CSV exports (`character_01_ka`)."""
    name = str(name).strip()
    parts = name.split("_")
    if len(parts) >= 2 and parts[1].isdigit():
        parts[1] = str(int(parts[1]))
    return "_".join(parts)


def by_folder(name):
    """The class whose folder name is `name` (zero padding allowed); ValueError if there is none."""
    try:
        return _BY_FOLDER[normalise_folder(name)]
    except KeyError:
        raise ValueError(f"unknown DHCD class {name!r} (expected e.g. character_1_ka ... digit_9)") from None
