"""Where a page links an IRI."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

LINKABLE_SCHEMES = frozenset(("http", "https", "mailto"))


@dataclass(frozen=True)
class Linker:
    """IRIs under the base become site-relative paths (so pages work on any host), other http(s)
    and mailto IRIs stay as they are, anything else (javascript:, data:…) is not linked at all.
    `query` (e.g. "lang=zh") is kept on links to this site, so a reader's choice of language follows them."""

    base_iri: str
    query: str = ""
    here: str = ""  # the IRI of the page's own document: `here#term` links to `#term` on the page

    def href(self, iri: str) -> str | None:
        if self.here and iri.startswith(self.here + "#"):
            return iri[len(self.here):]
        if iri.startswith(self.base_iri):
            path, hash_, fragment = ("/" + iri[len(self.base_iri):]).partition("#")
            return self.local(path) + hash_ + fragment
        return iri if urlsplit(iri).scheme.lower() in LINKABLE_SCHEMES else None

    def local(self, path: str) -> str:
        """A link to one of this site's own pages (a path starting with "/")."""
        if not self.query:
            return path
        return path + ("&" if "?" in path else "?") + self.query
