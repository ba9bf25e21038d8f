"""How a query was read, for ``searcher search --explain``: each word, phrase and wildcard as
typed, the index terms it searches and where each came from (folded, stemmed, a compound
part, a joined half-space form: searcher.analysis.explain traces the query text through the
same chain the plan analysed it with), and the filters."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from searcher.analysis.article import chain
from searcher.analysis.explain import Origin, origins
from searcher.config import Config
from searcher.model import ExplainedClause, ExplainedTerm, Explanation
from searcher.query import plan as planning

WILDCARD = "wildcard"  # the how of a word a wildcard stands for
SOLID = "written solid"  # the how of a half-space run also searched written solid
VARIANT = "written solid or apart"  # the how of a phrase's other spellings


def explanation(plan: planning.Plan, config: Config, expand: Callable[[object], object],
                families: Sequence[str]) -> Explanation:
    """The explanation of ``plan``; ``expand`` replaces a clause's wildcards and phrases by
    what they stand for in the index searched, whose articles are of ``families``."""
    clauses = []
    for clause in planning.clauses(plan, config):
        read: dict[str, dict[str, Origin]] = {}
        terms = []
        for field, family, term in dict.fromkeys(planning.positive_terms(expand(clause.query))):
            if family not in read:
                read[family] = {}
                for origin in origins(clause.text, chain(family, config.index).name):
                    read[family].setdefault(origin.term, origin)
            terms.append(_term(clause, field, family, term, read[family].get(term)))
        clauses.append(ExplainedClause(clause.text, clause.kind, clause.field, clause.excluded, clause.stop,
                                       tuple(terms)))
    constraints = plan.constraints
    filters = {name: list(values) for name, values in (("lang", constraints.lang), ("source", constraints.source),
                                                         ("date", constraints.date), ("id", constraints.ids)) if values}
    if constraints.excluded:
        filters["excluded"] = [f"{name}:{value}" for name, value in constraints.excluded]
    return Explanation(tuple(clauses), filters, tuple(families))


def _term(clause: planning.Clause, field: str, family: str, term: str, origin: Origin | None) -> ExplainedTerm:
    if origin is not None:
        return ExplainedTerm(term, field, family, origin.written, origin.how)
    how = WILDCARD if clause.kind == "wildcard" else VARIANT if clause.kind == "phrase" else SOLID
    return ExplainedTerm(term, field, family, clause.text, (how,))
