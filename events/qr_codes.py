"""QR codes as inline SVG, for pages and API answers alike."""

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An SVG document of a QR code for ``data``, with medium error correction."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=10)
    code.add_data(data)
    return code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
