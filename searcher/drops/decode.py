"""Bytes -> text, strictly, and saying why not: a file is decoded only when its encoding is
certain (a BOM, valid UTF-8, the NUL pattern of UTF-16) or the result reads as Persian or
Arabic (Windows-1256); anything else is refused with the reason, never indexed as mojibake.

>>> decode_text("خبر".encode("utf-8"))
'خبر'
>>> decode_text("خبر امروز".encode("cp1256"))
'خبر امروز'
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from searcher.drops.lang import is_arabic_letter
from searcher.drops.signatures import binary_kind
from searcher.errors import DocumentError

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
CONTROL_MAX_SHARE = 0.1  # more control characters than this -> binary
# UTF-16 without a BOM: text in the Latin script or with spaces puts a NUL in every other byte
# (UTF-16LE: the odd ones); random binary data spreads its NULs over both.
UTF16_NUL_PARITY = 0.95  # share of the NUL bytes on one parity
UTF16_MIN_NUL_SHARE = 0.02  # NUL bytes among all bytes (Persian text has them only for spaces)
# Windows-1256 is believed only when UTF-8 is out of the question and the text reads as Persian
# or Arabic: UTF-8 with a few damaged bytes is still mostly valid multi-byte sequences.
UTF8_DAMAGED_SHARE = 0.5  # share of high bytes in valid UTF-8 sequences above which it is damaged UTF-8
CP1256_MIN_ARABIC_SHARE = 0.5  # Arabic-script letters among letters
CP1256_MIN_SPACE_SHARE = 0.05  # spaces among characters: words, not a byte soup
# The most frequent letters of Persian and Arabic text (about two thirds of its letters there,
# a quarter in random bytes read as Windows-1256).
FREQUENT_ARABIC_LETTERS = frozenset("اآلیيهنردومتبسکك")
CP1256_MIN_FREQUENT_SHARE = 0.45

_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTES = bytes(range(0x80, 0x100))


def decode_text(data: bytes, complete: bool = True) -> str:
    """The text of a file's bytes (``complete=False``: its beginning only, which may end inside a
    character). Raises DocumentError with the reason: empty, a binary format, invalid UTF-8 at a
    byte offset, UTF-16 without BOM that is not valid, or not text at all."""
    if not data.strip():
        raise DocumentError("empty file")
    kind = binary_kind(data)
    if kind:
        raise DocumentError(f"{kind}, not text")
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            text = _decode(data, codec, complete, f"invalid {name} text after its BOM")
            break
    else:
        if b"\x00" in data:
            text = _decode_utf16_without_bom(data, complete)
        else:
            try:
                text = _decode(data, "utf-8", complete, "")
            except DocumentError as error:
                text = _decode_cp1256(data, error)
    if not text.strip():
        raise DocumentError("empty file (whitespace only)")
    if "\x00" in text or _control_share(text) > CONTROL_MAX_SHARE:
        raise DocumentError("binary file (control characters)")
    return text


def _decode(data: bytes, codec: str, complete: bool, reason: str) -> str:
    """``data`` decoded strictly; a DocumentError naming the first bad byte's offset."""
    try:
        return codecs.getincrementaldecoder(codec)("strict").decode(data, final=complete)
    except UnicodeDecodeError as error:
        raise DocumentError(f"{reason or 'invalid ' + codec.upper() + ' text'} at byte {error.start}") from None


def _decode_utf16_without_bom(data: bytes, complete: bool) -> str:
    """UTF-16 text without a BOM, told by where its NUL bytes are; else a binary file."""
    sample = data[:65536]
    odd = sample[1::2].count(0)
    even = sample[0::2].count(0)
    nuls = odd + even
    if nuls / len(sample) >= UTF16_MIN_NUL_SHARE and max(odd, even) / nuls >= UTF16_NUL_PARITY:
        codec = "utf-16-le" if odd > even else "utf-16-be"
        text = _decode(data, codec, complete, f"{codec.upper()} text without a BOM, but invalid")
        if _control_share(text) <= CONTROL_MAX_SHARE and "\x00" not in text:
            return text
    raise DocumentError("binary file (NUL bytes)")


def _decode_cp1256(data: bytes, utf8_error: DocumentError) -> str:
    """Windows-1256 text, when the bytes are not damaged UTF-8 and read as Persian or Arabic."""
    high = len(data) - len(data.translate(None, _HIGH_BYTES))
    in_utf8 = sum(len(match) for match in _UTF8_SEQUENCE.findall(data))
    if in_utf8 / high >= UTF8_DAMAGED_SHARE:
        raise utf8_error  # "invalid UTF-8 text at byte N": UTF-8 with damaged bytes
    text = data.decode("cp1256")  # every byte is defined in Windows-1256
    if not reads_as_arabic_script(text):
        raise DocumentError(f"not UTF-8, UTF-16 or Windows-1256 text ({utf8_error})")
    return text


def reads_as_arabic_script(text: str) -> bool:
    """True when ``text`` reads as Persian or Arabic words: mostly Arabic-script letters, with
    spaces between words and the letters' usual frequencies."""
    sample = text[:65536]
    letters = [c for c in sample if c.isalpha()]
    arabic = [c for c in letters if is_arabic_letter(c)]
    if not letters or len(arabic) / len(letters) < CP1256_MIN_ARABIC_SHARE:
        return False
    if sample.count(" ") / len(sample) < CP1256_MIN_SPACE_SHARE:
        return False
    return sum(c in FREQUENT_ARABIC_LETTERS for c in arabic) / len(arabic) >= CP1256_MIN_FREQUENT_SHARE


def _control_share(text: str) -> float:
    """Share of control characters other than line breaks and tabs."""
    controls = sum(1 for c in text[:65536] if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    return controls / min(len(text), 65536)
