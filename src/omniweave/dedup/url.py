"""URL deduplication: one document per normalised URL, keeping the newest capture (by default).

Normalisation: scheme ignored (http = https), host lower-cased without ``www.`` and default port,
fragment dropped, tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ...) dropped, remaining
query parameters sorted, trailing slash of the path dropped. Documents without a URL are kept.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np

from omniweave.dedup.base import KeyedDedup
from omniweave.dedup.cluster import stable_hash64
from omniweave.document import Document

TRACKING = {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src"}


def normalise_url(url: str) -> str | None:
    """The comparable form of ``url`` (see the module docstring); None when it has no host."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    host = host.removeprefix("www.")
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING
    )
    path = parts.path.rstrip("/") or ""
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


class UrlDedup(KeyedDedup):
    name = "url_dedup"
    reason = "url_duplicate"

    def doc_keys(self, docs: list[Document]) -> list[np.ndarray]:
        out = []
        for doc in docs:
            norm = normalise_url(doc.url) if doc.url else None
            out.append(stable_hash64([norm]) if norm else np.empty(0, np.uint64))
        return out
