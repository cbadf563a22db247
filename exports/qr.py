"""QR codes as boolean matrices (drawn by matplotlib, so no image library is needed)."""

from __future__ import annotations

import numpy as np
import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_matrix(url: str, *, border: int = 2) -> np.ndarray:
    """Modules of the QR code for ``url`` (True = dark), with a quiet zone of ``border``."""
    if not url:
        raise ValueError("QR code needs a non-empty URL; set export.online_map_url in the "
                         "policy file")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(url)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)
