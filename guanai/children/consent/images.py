"""An uploaded photo made safe to keep: sniffed, bounded, re-encoded without metadata.

The file's name and declared content type are never read: Pillow decides what the bytes
are, from the formats allowed only. The pixel count is checked from the header before
anything is decoded, so a small file that would unpack into gigabytes (a decompression
bomb) is refused cheaply. The picture is then drawn into a new image, which carries
nothing of the original but its pixels: no EXIF (GPS location, camera, time), no XMP, no
comments, no colour profile.
"""

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

from guanai.core.errors import ApplicationError

MAX_BYTES = 5 * 1024 * 1024
# A 40-megapixel photo decodes to about 120 MB; phones save 12 to 50 megapixels.
MAX_PIXELS = 40_000_000
MAX_SIDE = 1024
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int


def _not_a_photo() -> ApplicationError:
    return ApplicationError(_("只能上传 JPEG、PNG 或 WebP 格式的照片。"), field="photo")


def _broken() -> ApplicationError:
    return ApplicationError(_("照片文件已损坏，无法读取，请重新拍摄或另选一张。"), field="photo")


def _too_many_pixels() -> ApplicationError:
    return ApplicationError(
        _("照片像素过多（最多 %(limit)d 万像素），请缩小后再上传。")
        % {"limit": MAX_PIXELS // 10_000},
        field="photo",
    )


def _check_size(size: int) -> None:
    """Refuse an upload by its size before decoding it."""
    if size == 0:
        raise ApplicationError(_("文件是空的。"), field="photo")
    if size > MAX_BYTES:
        raise ApplicationError(
            _("照片不能超过 %(limit)d MB。") % {"limit": MAX_BYTES // 1024 // 1024},
            field="photo",
        )


def clean_photo(data: bytes) -> CleanPhoto:
    """The photo as a JPEG of at most MAX_SIDE pixels a side, upright, without metadata."""
    _check_size(len(data))
    # Our pixel limit is below Image.MAX_IMAGE_PIXELS, so Pillow's own check (a warning
    # above it, an error above twice it) only ever adds to ours.
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            _check_pixels(probe)
            probe.verify()  # the structure (PNG checksums...), without decoding
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            return _reencode(image)
    except UnidentifiedImageError:
        raise _not_a_photo() from None
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # What Pillow raises on truncated or malformed data.
        raise _broken() from None


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise _broken()
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()


def _reencode(image: Image.Image) -> CleanPhoto:
    if image.format == "JPEG":
        # Decode at a reduced scale where the JPEG allows it: less memory, same result.
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
    image.seek(0)  # an animated PNG or WebP: its first frame
    turn = _turn(image)
    # Scaled down first, so turning and flattening work on at most 1024² pixels.
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    rgb = _flatten(image.transpose(turn) if turn is not None else image)
    # A new image holds the pixels and nothing else of the upload's info.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(jpeg=out.getvalue(), width=clean.width, height=clean.height)


# EXIF orientation → the turn that shows the picture as the camera meant.
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _turn(image: Image.Image) -> Image.Transpose | None:
    """The turn that shows the picture as the camera meant, since the EXIF that said so
    is dropped.

    Not ImageOps.exif_transpose: it writes the EXIF back into the result, and fails on
    some malformed tags that reading alone survives.
    """
    orientation = image.getexif().get(ExifTags.Base.Orientation)
    return _TURNS.get(orientation) if isinstance(orientation, int) else None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
