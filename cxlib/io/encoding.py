"""The encoding of a text file: UTF-8, or the 8-bit code page it was written in.

:func:`detect_encoding` accepts UTF-8 (with or without BOM) silently. A file that is not
UTF-8 is read as CP1252 (Windows Western, a superset of Latin-1's letters), CP1250
(Windows Central European) or Latin-1, judged on the lines of the whole file that hold
accented characters -- the rest is ASCII and says nothing -- by charset-normalizer when it
recognises a language with a clear margin, else by the accented letters themselves; an
:class:`EncodingFallbackWarning` names the encoding and how it was chosen. "Crème brûlée à
São Paulo" written in Latin-1 must not come back as "Crčme brűlée ŕ Săo Paulo".
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import warnings
from pathlib import Path
from typing import IO

import numpy as np

FALLBACK_ENCODINGS = ("cp1252", "cp1250", "latin_1")
"""Encodings a non-UTF-8 text file may be in: Windows Western (CP1252, a superset of
Latin-1's letters), Windows Central European (CP1250), and Latin-1, which decodes any byte."""

ACCENTED_SAMPLE_BYTES = 1 << 20
"""Bytes of lines with accented characters gathered from a file to judge its encoding."""

NORMALIZER_MARGIN = 0.1
"""How much more coherent charset-normalizer must find one encoding to take its word."""

_ACCENTED_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")

READ_CHUNK_BYTES = 1 << 20
"""Bytes read at a time when checking or re-encoding a text file."""

ENCODING_NAMES = {
    "cp1252": "Windows Western European, Latin-1's letters",
    "cp1250": "Windows Central European",
    "latin_1": "ISO Latin-1",
}
"""How the warning names each fallback encoding."""


class EncodingFallbackWarning(UserWarning):
    """A CSV file was not UTF-8 and was read with a fallback encoding."""


def detect_encoding(path: Path) -> tuple[str, str | None]:
    """Return ``(encoding, warning)`` for a text file.

    UTF-8 (with or without BOM) is accepted silently. Otherwise the file is read as
    CP1252 (Western), CP1250 (Central European) or Latin-1, as :func:`_guess_fallback`
    judges it on the file's accented lines, and a warning names the encoding and how it
    was chosen.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open_bytes(path) as fh:
        try:
            for chunk in iter(lambda: fh.read(READ_CHUNK_BYTES), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8", None
        except UnicodeDecodeError as exc:
            bad_at = exc.start
    encoding, how = _guess_fallback(path)
    note = (
        f"{path}: not valid UTF-8 (first bad byte near offset {bad_at}); read as "
        f"{encoding} ({ENCODING_NAMES[encoding]}; {how}). Check accented characters; "
        "re-export as UTF-8 to silence this warning."
    )
    warnings.warn(note, EncodingFallbackWarning, stacklevel=3)
    return encoding, note


def open_bytes(path: Path) -> IO[bytes]:
    """Open a (possibly gzip-compressed) file for reading bytes."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def open_text(path: Path, encoding: str) -> IO[str]:
    """Open a (possibly gzip-compressed) file for reading text."""
    return io.TextIOWrapper(open_bytes(path), encoding=encoding, newline="")


def _guess_fallback(path: Path) -> tuple[str, str]:
    """The 8-bit encoding of a non-UTF-8 text file, and how it was judged.

    The lines with accented characters are gathered from the whole file (up to
    :data:`ACCENTED_SAMPLE_BYTES`): the rest is ASCII and says nothing. charset-normalizer
    judges them when it recognises a language with a clear margin; short or mixed text it
    cannot place is decided by the accented letters themselves (:func:`_letter_vote`).
    """
    sample = _accented_lines(path)
    decodable = [e for e in FALLBACK_ENCODINGS if _decodes(sample, e)]
    if len(decodable) <= 1:
        return (decodable or ["latin_1"])[0], "the only one that decodes every byte"
    chosen = _normalizer_choice(sample, decodable)
    if chosen:
        return chosen, "judged by charset-normalizer"
    vote = _letter_vote(sample)
    if vote:
        return ("cp1252" if vote > 0 else "cp1250"), "judged by its accented letters"
    return "cp1250", "undecided between Western and Central European: the default"


def _accented_lines(path: Path) -> bytes:
    """The lines of the file holding a non-ASCII byte, up to ACCENTED_SAMPLE_BYTES."""
    found, size = [], 0
    with open_bytes(path) as fh:
        for chunk in iter(lambda: fh.read(READ_CHUNK_BYTES), b""):
            for line in _ACCENTED_LINE.findall(chunk):
                found.append(line)
                size += len(line)
            if size >= ACCENTED_SAMPLE_BYTES:
                break
    return b"\n".join(found)


def _decodes(sample: bytes, encoding: str) -> bool:
    """True when every byte of ``sample`` means a character in ``encoding``."""
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _normalizer_choice(sample: bytes, encodings: list[str]) -> str | None:
    """charset-normalizer's pick among ``encodings``, when it is clear (else None)."""
    from charset_normalizer import from_bytes

    matches = {m.encoding: m for m in from_bytes(sample, cp_isolation=encodings)}
    ranked = sorted(matches.values(), key=lambda m: m.coherence, reverse=True)
    if not ranked or ranked[0].language == "Unknown":
        return None
    runner_up = ranked[1].coherence if len(ranked) > 1 else 0.0
    if ranked[0].coherence - runner_up < NORMALIZER_MARGIN:
        return None
    return ranked[0].encoding


def _letter_vote(sample: bytes) -> int:
    """Positive when the bytes read better as CP1252 (Western), negative as CP1250.

    Each byte that both encodings read as different characters votes for the side where
    it is a letter common in that side's languages (:data:`_WESTERN_BYTES`,
    :data:`_CENTRAL_BYTES`), or a letter at all where the other side reads a symbol
    (``³`` against ``ł``).
    """
    counts = np.bincount(np.frombuffer(sample, dtype=np.uint8), minlength=256)
    return int(counts[_VOTES != 0] @ _VOTES[_VOTES != 0])


def _byte_votes() -> np.ndarray:
    """The vote of each byte value for :func:`_letter_vote` (+1 Western, -1 Central)."""
    votes = np.zeros(256, dtype=np.int64)
    for b in range(0x80, 0x100):
        west = bytes([b]).decode("cp1252", errors="replace")
        central = bytes([b]).decode("cp1250", errors="replace")
        if west == central:
            continue
        if west in _WESTERN_LETTERS or (west.isalpha() and not central.isalpha()):
            votes[b] = 1
        elif central in _CENTRAL_LETTERS or (central.isalpha() and not west.isalpha()):
            votes[b] = -1
    return votes


_WESTERN_LETTERS = set("àãåñÀÃÅÑ")
"""Common Western letters whose byte is a rare letter in CP1250 (à is ŕ, ã is ă ...)."""
_CENTRAL_LETTERS = set("ěřđĚŘĐČ")
"""Common Central European letters whose byte is a rare letter in CP1252 (ě is ì, ř is ø;
a capital Č starts many a Slavic word, a capital È few Western ones). The bytes of è/č,
ù/ů, ê/ę and the like are common on both sides and do not vote."""
_VOTES = _byte_votes()
