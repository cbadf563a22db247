"""QR codes as boolean matrices and as PNG images (one pixel block per module)."""

from __future__ import annotations

import io

import numpy as np
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M


def qr_matrix(url: str, *, border: int = 2) -> np.ndarray:
    """Modules of the QR code for ``url`` (True = dark), with a quiet zone of ``border``."""
    if not url:
        raise ValueError("QR code needs a non-empty URL; set the public base URL (admin "
                         "settings) or export.online_map_url in the policy file")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(url)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def qr_png(url: str, *, scale: int = 8, border: int = 2) -> bytes:
    """PNG bytes of the QR code for ``url``, ``scale`` pixels per module (sharp when printed
    at any size: the typesetter scales whole blocks)."""
    dark = qr_matrix(url, border=border)
    pixels = np.where(dark, 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, mode="L").resize(
        (dark.shape[1] * scale, dark.shape[0] * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
