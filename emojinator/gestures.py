"""The gesture table: numeric ids of the shared data set, readable names, emoji, and the `none` answer."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Gesture:
    name: str          # folder name and label, e.g. "victory"
    emoji: str | None  # the character shown, None for "no gesture"
    title: str         # words for people
    id: int | None = None  # numeric folder id in the shared data set


NONE = Gesture("none", None, "no gesture")

# Ids are the folder names of ../shared/data/emojinator-gestures (the original project's numbering).
GESTURES = (
    Gesture("index_up", "\u261d", "index finger up", 1),
    Gesture("victory", "\u270c", "victory", 2),
    Gesture("ok", "\U0001f44c", "OK", 3),
    Gesture("open_palm", "\u270b", "open palm", 4),
    Gesture("horns", "\U0001f918", "sign of the horns", 5),
    Gesture("call_me", "\U0001f919", "call me", 6),
    Gesture("vulcan", "\U0001f596", "Vulcan salute", 7),
    Gesture("thumbs_up", "\U0001f44d", "thumbs up", 8),
    Gesture("dog", "\U0001f436", "dog (shadow puppet)", 9),
    Gesture("fist", "\u270a", "raised fist", 10),
    Gesture("index_down", "\U0001f447", "index finger down", 11),
)

NAMES = (NONE.name,) + tuple(g.name for g in GESTURES)  # the classes of both modes' shipped models, in order

_BY_NAME = {g.name: g for g in GESTURES + (NONE,)}
_BY_ID = {str(g.id): g for g in GESTURES}


def gesture_for_folder(folder_name):
    """The gesture a data folder holds: a shared numeric id ("2"), a known name ("victory") or a new name."""
    if folder_name in _BY_ID:
        return _BY_ID[folder_name]
    if folder_name in _BY_NAME:
        return _BY_NAME[folder_name]
    return Gesture(folder_name, None, folder_name.replace("_", " "))


def emoji_file(gesture):
    """File name of the rendered emoji picture in emojinator/emoji/ (None for gestures without emoji)."""
    if gesture.emoji is None:
        return None
    return f"{gesture.name}.png"
