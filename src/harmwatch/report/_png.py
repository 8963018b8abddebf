"""A minimal PNG encoder (zlib + struct) for raster overlays, so no imaging library is needed."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import numpy.typing as npt

__all__ = ["png_data_uri", "png_rgba"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def png_rgba(pixels: npt.NDArray[np.uint8]) -> bytes:
    """Encode an RGBA image as PNG (8 bits a channel, no filtering, deflate level 9).

    Parameters
    ----------
    pixels : ndarray of uint8, shape (height, width, 4)
        Rows top to bottom.

    Returns
    -------
    bytes
        The PNG file (deterministic for a given zlib).
    """
    if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
        raise ValueError("pixels must be a uint8 array of shape (height, width, 4)")
    h, w = pixels.shape[:2]
    # filter byte 0 (none) before each row
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), pixels.reshape(h, w * 4)], axis=1)
    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 9))
        + _chunk(b"IEND", b"")
    )


def png_data_uri(pixels: npt.NDArray[np.uint8]) -> str:
    """The image as a ``data:image/png;base64,...`` URI (no network needed to show it)."""
    return "data:image/png;base64," + base64.b64encode(png_rgba(pixels)).decode("ascii")
