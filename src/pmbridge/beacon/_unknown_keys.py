"""Keys and parameters a request carries that Beacon does not define: each is reported back with a
"did you mean …?" (difflib), so that a misspelt key is never silently a different question."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import get_close_matches

CUTOFF = 0.75
"""How alike (difflib's ratio, on names without case, ``_`` or ``-``) a known key must be to be offered."""


@dataclass(frozen=True, slots=True)
class UnknownKey:
    """One key the request sent that nothing reads: ``name`` as reported (``query.requestedGranularty``,
    ``requestParameters.colour``, or a GET parameter such as ``shoeSize``) and the key it most resembles."""

    name: str
    suggestion: str | None = None
    parameter: bool = False  # a request parameter (GET query string, requestParameters) not a body key

    def warning(self, *, by: str) -> str:
        """The line ``info.warnings`` carries, ``by`` naming who ignored it ("this node", "the hub").

        >>> print(UnknownKey("query.filter", "filters").warning(by="this node"))
        query.filter is not a Beacon request key and was ignored; did you mean filters?
        >>> print(UnknownKey("shoeSize", parameter=True).warning(by="the hub"))
        parameter shoeSize is not used by the hub and was ignored
        """
        said = (
            f"parameter {self.name} is not used by {by} and was ignored"
            if self.parameter
            else f"{self.name} is not a Beacon request key and was ignored"
        )
        return f"{said}; did you mean {self.suggestion}?" if self.suggestion else said


def closest_key(key: str, known: Iterable[str], *, elsewhere: Mapping[str, str] | None = None) -> str | None:
    """The known key ``key`` was most likely meant to be, or None.

    ``elsewhere`` maps keys of other parts of the request to their full place, for a right key in
    the wrong place (``filters`` at the top level is ``query.filters``).

    >>> closest_key("requestedGranularty", ["requestedGranularity", "filters"])
    'requestedGranularity'
    >>> closest_key("request_parameters", ["requestParameters", "pagination"])
    'requestParameters'
    >>> closest_key("filters", ["meta", "query"], elsewhere={"filters": "query.filters"})
    'query.filters'
    >>> closest_key("colour", ["filters", "pagination"]) is None
    True
    """
    here = {_fold(k): k for k in known}
    there = {_fold(k): place for k, place in (elsewhere or {}).items()}
    folded = _fold(key)
    if folded in here:
        return here[folded]
    found = get_close_matches(folded, list(here), n=1, cutoff=CUTOFF)
    if found:
        return here[found[0]]
    if folded in there:
        return there[folded]
    found = get_close_matches(folded, list(there), n=1, cutoff=CUTOFF)
    return there[found[0]] if found else None


def unknown_keys(
    doc: Mapping[str, object],
    *,
    known: Iterable[str],
    prefix: str = "",
    elsewhere: Mapping[str, str] | None = None,
    parameter: bool = False,
) -> tuple[UnknownKey, ...]:
    """The keys of ``doc`` that are not ``known``, named under ``prefix`` (e.g. ``"query."``), sorted.

    >>> unknown_keys({"filters": [], "requestedGranularty": "count"},
    ...              known=["filters", "requestedGranularity"], prefix="query.")
    (UnknownKey(name='query.requestedGranularty', suggestion='requestedGranularity', parameter=False),)
    """
    names = set(known)
    return tuple(
        UnknownKey(prefix + key, closest_key(key, names, elsewhere=elsewhere), parameter)
        for key in sorted(str(k) for k in doc)
        if key not in names
    )


def _fold(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()
