"""What a file is by its first bytes, for the binary formats that end up in drops by mistake: a
PDF named .txt is "a PDF file", not an article of garbage."""
from __future__ import annotations

# What a file is, and the (offset, bytes) pairs that all hold at its start; checked in order.
SIGNATURES: tuple[tuple[str, tuple[tuple[int, bytes], ...]], ...] = (
    ("a PDF file", ((0, b"%PDF-"),)),
    ("a PNG image", ((0, b"\x89PNG\r\n\x1a\n"),)),
    ("a JPEG image", ((0, b"\xff\xd8\xff"),)),
    ("a GIF image", ((0, b"GIF8"), (5, b"a"))),
    ("a TIFF image", ((0, b"II*\x00"),)),
    ("a TIFF image", ((0, b"MM\x00*"),)),
    ("a WebP image", ((0, b"RIFF"), (8, b"WEBP"))),
    ("a WAV audio file", ((0, b"RIFF"), (8, b"WAVE"))),
    ("an AVI video", ((0, b"RIFF"), (8, b"AVI "))),
    ("a ZIP archive (or a Word, Excel or OpenDocument file)", ((0, b"PK\x03\x04"),)),
    ("an empty ZIP archive", ((0, b"PK\x05\x06"),)),
    ("gzip-compressed data", ((0, b"\x1f\x8b\x08"),)),
    ("bzip2-compressed data", ((0, b"BZh"), (4, b"1AY&SY"))),
    ("xz-compressed data", ((0, b"\xfd7zXZ\x00"),)),
    ("zstd-compressed data", ((0, b"\x28\xb5\x2f\xfd"),)),
    ("a 7-Zip archive", ((0, b"7z\xbc\xaf\x27\x1c"),)),
    ("a RAR archive", ((0, b"Rar!\x1a\x07"),)),
    ("a tar archive", ((257, b"ustar"),)),
    ("an ELF executable", ((0, b"\x7fELF"),)),
    ("a Windows executable", ((0, b"MZ"), (2, b"\x90\x00"))),
    ("an old Microsoft Office file (.doc, .xls, .ppt)", ((0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),)),
    ("an RTF document", ((0, b"{\\rtf"),)),
    ("an SQLite database", ((0, b"SQLite format 3\x00"),)),
    ("an Ogg audio or video file", ((0, b"OggS"),)),
    ("a FLAC audio file", ((0, b"fLaC"),)),
    ("an MP3 audio file", ((0, b"ID3"),)),
    ("an MP4 or QuickTime video", ((4, b"ftyp"),)),
    ("a Matroska or WebM video", ((0, b"\x1aE\xdf\xa3"),)),
    ("a web font", ((0, b"wOF"),)),
)
SNIFF_BYTES = 264  # enough for every signature above


def binary_kind(head: bytes) -> str | None:
    """What a file starting with ``head`` is, when that is a known binary format; else None.

    >>> binary_kind(b"%PDF-1.7\\n%\\xe2\\xe3"), binary_kind("متن".encode())
    ('a PDF file', None)
    """
    for kind, parts in SIGNATURES:
        if all(head[offset : offset + len(magic)] == magic for offset, magic in parts):
            return kind
    return None
