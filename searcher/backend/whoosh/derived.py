"""The field classes of indexes written before fields revision 9 (their analysis ran inside
Whoosh). An index's schema is pickled with its fields' import paths, so these names must stay
for such an index to open, be read and be rebuilt (``searcher rebuild``); nothing writes them."""
from __future__ import annotations

from whoosh import fields


class WrittenTextField(fields.TEXT):
    """A title or body with positions (revisions up to 8)."""


class CombinedTextField(fields.TEXT):
    """The title and body ranking field (revisions up to 8; now the ranking arrays)."""


class SignatureField(fields.COLUMN):
    """The near-duplicate signature column (revisions up to 8)."""
