"""More like this: the query of an article's key terms (Whoosh's Bo1 expansion model)."""
from __future__ import annotations

from whoosh import query as wq
from whoosh.searching import Searcher

from searcher.backend.whoosh.schema import GENERIC_FIELDS, TEXT_FIELDS, TEXT_LANGUAGES
from searcher.errors import SearcherError

KEY_TERMS = 12


def like_query(searcher: Searcher, article_id: str) -> wq.Query:
    """Articles sharing the key terms of the article ``article_id`` (in title or body), that
    article left out; key terms weigh by their importance."""
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise SearcherError(f"no article with id {article_id!r} in the index: "
                            f"`searcher search WORDS --json` shows the ids")
    stored = searcher.stored_fields(docnum)
    family = TEXT_FIELDS if stored["lang"] in TEXT_LANGUAGES else GENERIC_FIELDS
    text = f"{stored.get('stored_title', '')}\n{stored.get('stored_body', '')}"
    role = "body" if stored.get("stored_body") else "title"  # headlines may have no body
    stop_words = {token.text for token in searcher.schema[family[role]].analyzer(text, mode="query") if token.is_stop}
    candidates = searcher.key_terms_from_text(family[role], text, numterms=KEY_TERMS + len(stop_words), normalize=True)
    terms = [(term, weight) for term, weight in candidates if term not in stop_words][:KEY_TERMS]
    if not terms:
        raise SearcherError(f"the article {article_id!r} has no words to compare others with")
    clauses = [wq.Term(family["combined"], term, boost=weight) for term, weight in terms]
    return wq.AndNot(wq.Or(clauses), wq.Term("id", article_id))
