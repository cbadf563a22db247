"""Links to a view of the online map (a park, a parcel, a colouring), shared by the app's
"share" link and the brochure's QR code. Never carries a login."""

from __future__ import annotations

from urllib.parse import urlencode


def view_url(base: str, *, lang: str, **params: str | None) -> str:
    """``base`` (the online map, e.g. ``export.online_map_url``) with the language and the
    given view parameters (``park``, ``parcel``, ``color`` …; empty ones left out)."""
    query = {"lang": lang, **{k: str(v) for k, v in params.items() if v}}
    return f"{base.split('?')[0]}?{urlencode(query)}"
