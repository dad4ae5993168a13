"""The child's photo: only with photo consent, sniffed, bounded, stripped, sealed, scoped."""

import functools
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from guanai.audit.models import AccessEvent
from guanai.children.consent.images import MAX_SIDE, clean_photo
from guanai.children.consent.services import photo_upload
from guanai.children.models import ChildPhoto
from guanai.children.tests.test_consent import record, withdraw
from guanai.core.crypto import unseal
from guanai.core.errors import ApplicationError

GPS_LATITUDE = (32.0, 14.0, 3.5)
GPS_LONGITUDE = (106.0, 17.0, 9.0)


def jpeg_with_gps(size=(2000, 1500), orientation=1) -> bytes:
    """A camera-like JPEG: EXIF with the camera, the time, an orientation and where it was taken."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "GuanaiCam"
    exif[ExifTags.Base.DateTime] = "2026:03:01 10:00:00"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: GPS_LONGITUDE,
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at Changtan village")
    return out.getvalue()


def encoded(fmt: str, size=(300, 200), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt)
    return out.getvalue()


def upload(client, child, data, name="photo.jpg", content_type="image/jpeg"):
    return client.post(
        reverse("children:child_photo_upload", args=[child.pk]),
        {"photo": SimpleUploadedFile(name, data, content_type=content_type)},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_test_photo_really_carries_a_location():
    with Image.open(io.BytesIO(jpeg_with_gps())) as image:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitude] == GPS_LATITUDE


def test_a_photo_is_refused_without_photo_consent(cast, kids, client_for):
    client = client_for(cast["village_director"])
    response = upload(client, kids.village, jpeg_with_gps())
    assert "未取得监护人同意，不能上传照片。" in messages_of(response)
    assert not ChildPhoto.objects.exists()
    # The service refuses as well, whoever calls it.
    with pytest.raises(ApplicationError, match="未取得监护人同意，不能上传照片"):
        photo_upload(user=cast["village_director"], child_id=kids.village.pk, data=encoded("PNG"))


def test_counselling_consent_does_not_allow_a_photo(cast, kids, client_for):
    record(cast["village_director"], kids.village, "counselling")
    response = upload(client_for(cast["village_director"]), kids.village, jpeg_with_gps())
    assert "未取得监护人同意，不能上传照片。" in messages_of(response)
    assert not ChildPhoto.objects.exists()


def test_a_photo_with_consent_is_served_without_exif_or_location(cast, kids, client_for):
    record(cast["village_director"], kids.village, "photo")
    client = client_for(cast["village_director"])
    response = upload(client, kids.village, jpeg_with_gps())
    assert "照片已保存，拍摄地点等信息已去除。" in messages_of(response)
    page = response.content.decode()
    photo_url = reverse("children:child_photo", args=[kids.village.pk])
    assert f'src="{photo_url}"' in page

    served = client.get(photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "no-store"
    data = served.content
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == MAX_SIDE
        assert image.size == (1024, 768)
        assert len(image.getexif()) == 0
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert "exif" not in image.info
        assert "comment" not in image.info
    assert b"Exif" not in data
    assert b"GuanaiCam" not in data
    assert b"Changtan" not in data


def test_the_photo_is_kept_encrypted(cast, kids):
    record(cast["village_director"], kids.village, "photo")
    photo_upload(user=cast["village_director"], child_id=kids.village.pk, data=jpeg_with_gps())
    sealed = bytes(ChildPhoto.objects.get(child=kids.village).sealed)
    assert not sealed.startswith(b"\xff\xd8")  # not a JPEG as stored
    assert unseal(sealed).startswith(b"\xff\xd8")


def test_a_photo_taken_sideways_is_turned_upright_before_its_exif_goes():
    # Orientation 6: the camera was turned; viewers rotate the picture 90° clockwise.
    clean = clean_photo(jpeg_with_gps(size=(400, 200), orientation=6))
    assert (clean.width, clean.height) == (200, 400)


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (encoded("PNG"), "photo.txt", "text/plain"),
        (encoded("WEBP"), "photo", "application/octet-stream"),
        (encoded("PNG", mode="RGBA"), "photo.png", "image/png"),
        (encoded("PNG", mode="P"), "photo.png", "image/png"),
    ],
)
def test_png_and_webp_are_known_by_their_bytes_not_their_name(
    data, name, content_type, cast, kids, client_for
):
    record(cast["village_director"], kids.village, "photo")
    client = client_for(cast["village_director"])
    upload(client, kids.village, data, name=name, content_type=content_type)
    photo = ChildPhoto.objects.get(child=kids.village)
    assert (photo.width, photo.height) == (300, 200)
    assert Image.open(io.BytesIO(unseal(bytes(photo.sealed)))).format == "JPEG"


def truncated_jpeg() -> bytes:
    data = jpeg_with_gps(size=(600, 400))
    return data[: len(data) // 2]


@functools.cache
def decompression_bomb(side: int = 20_000) -> bytes:
    """A side × side picture (400 megapixels by default) in a PNG of some kilobytes."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<?php echo 'hello'; ?>", "photo.jpg", "只能上传 JPEG、PNG 或 WebP 格式的照片。"),
        (b"%PDF-1.4\n" + b"0" * 2000, "photo.jpg", "只能上传 JPEG、PNG 或 WebP 格式的照片。"),
        (encoded("GIF"), "photo.jpg", "只能上传 JPEG、PNG 或 WebP 格式的照片。"),
        (encoded("BMP"), "photo.jpg", "只能上传 JPEG、PNG 或 WebP 格式的照片。"),
        (truncated_jpeg(), "photo.jpg", "照片文件已损坏，无法读取，请重新拍摄或另选一张。"),
        (decompression_bomb(), "photo.png", "照片像素过多（最多 4000 万像素），请缩小后再上传。"),
        (b"\xff\xd8" + b"\0" * (5 * 1024 * 1024), "photo.jpg", "照片不能超过 5 MB。"),
    ],
    ids=["script", "pdf", "gif", "bmp", "truncated", "bomb", "too-large"],
)
def test_what_is_not_a_usable_photo_is_refused_with_a_message(
    data, name, message, cast, kids, client_for
):
    record(cast["village_director"], kids.village, "photo")
    response = upload(client_for(cast["village_director"]), kids.village, data, name=name)
    assert message in messages_of(response)
    assert not ChildPhoto.objects.exists()


# 49 megapixels: above our limit, below Pillow's own warning (Image.MAX_IMAGE_PIXELS);
# 400: above twice Pillow's, where Pillow refuses to open it.
@pytest.mark.parametrize("side", [7_000, 20_000])
def test_a_bomb_is_refused_before_it_is_decoded(side):
    bomb = decompression_bomb(side)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ApplicationError, match="像素过多") as refused:
        clean_photo(bomb)
    assert refused.value.field == "photo"


def test_an_empty_file_is_refused(cast, kids, client_for):
    record(cast["village_director"], kids.village, "photo")
    response = upload(client_for(cast["village_director"]), kids.village, b"")
    assert messages_of(response)  # the form's own word on an empty file
    assert not ChildPhoto.objects.exists()
    with pytest.raises(ApplicationError, match="文件是空的"):
        clean_photo(b"")


def test_a_new_photo_replaces_the_old_one(cast, kids):
    director = cast["village_director"]
    record(director, kids.village, "photo")
    photo_upload(user=director, child_id=kids.village.pk, data=encoded("PNG", size=(300, 200)))
    photo_upload(user=director, child_id=kids.village.pk, data=encoded("PNG", size=(120, 80)))
    photo = ChildPhoto.objects.get(child=kids.village)
    assert (photo.width, photo.height) == (120, 80)


def test_withdrawing_photo_consent_deletes_the_photo(cast, kids, client_for):
    director = cast["village_director"]
    consent = record(director, kids.village, "photo")
    photo_upload(user=director, child_id=kids.village.pk, data=jpeg_with_gps())
    client = client_for(director)
    detail = client.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    # The confirmation says what will happen to the photo.
    assert "撤回照片同意后，该儿童的照片将被立即删除，无法恢复。确定撤回吗？" in detail
    response = client.post(
        reverse("children:consent_withdraw", args=[kids.village.pk, consent.pk]),
        {"withdrawn_on": "2026-04-01", "note": "祖母当面撤回"},
        follow=True,
    )
    assert "已撤回照片同意，该儿童的照片已删除。" in messages_of(response)
    assert not ChildPhoto.objects.exists()
    photo_url = reverse("children:child_photo", args=[kids.village.pk])
    assert client.get(photo_url).status_code == 404
    assert photo_url not in response.content.decode()


def test_withdrawing_counselling_consent_keeps_the_photo(cast, kids):
    director = cast["village_director"]
    record(director, kids.village, "photo")
    photo_upload(user=director, child_id=kids.village.pk, data=encoded("PNG"))
    counselling = record(director, kids.village, "counselling")
    withdraw(director, counselling, note="祖母撤回")
    assert ChildPhoto.objects.filter(child=kids.village).exists()


def test_a_teacher_sees_the_photo_but_cannot_change_it(cast, kids, client_for):
    record(cast["village_director"], kids.village, "photo")
    photo_upload(user=cast["village_director"], child_id=kids.village.pk, data=encoded("PNG"))
    client = client_for(cast["teacher"])
    assert client.get(reverse("children:child_photo", args=[kids.village.pk])).status_code == 200
    page = client.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    assert reverse("children:child_photo_upload", args=[kids.village.pk]) not in page
    assert upload(client, kids.village, encoded("PNG", size=(50, 50))).status_code == 404
    response = client.post(reverse("children:child_photo_delete", args=[kids.village.pk]))
    assert response.status_code == 404
    assert ChildPhoto.objects.get().width == 300


@pytest.mark.parametrize("role", ["volunteer", "auditor"])
def test_volunteers_and_auditors_never_see_a_photo(role, cast, kids, client_for):
    record(cast["village_director"], kids.village, "photo")
    photo_upload(user=cast["village_director"], child_id=kids.village.pk, data=encoded("PNG"))
    client = client_for(cast[role])
    assert client.get(reverse("children:child_photo", args=[kids.village.pk])).status_code == 404


def test_a_director_next_door_gets_404_for_the_photo_and_its_actions(cast, kids, client_for):
    director = cast["village_director"]
    record(director, kids.village, "photo")
    photo_upload(user=director, child_id=kids.village.pk, data=encoded("PNG"))
    # The cast's director works in 长滩村; 四新村's child is next door.
    record(cast["township_supervisor"], kids.sibling_village, "photo")
    photo_upload(
        user=cast["township_supervisor"], child_id=kids.sibling_village.pk, data=encoded("PNG")
    )
    client = client_for(director)
    child = kids.sibling_village.pk
    assert client.get(reverse("children:child_photo", args=[child])).status_code == 404
    assert upload(client, kids.sibling_village, encoded("PNG")).status_code == 404
    assert client.post(reverse("children:child_photo_delete", args=[child])).status_code == 404
    assert ChildPhoto.objects.filter(child=kids.sibling_village).exists()


def test_deleting_the_photo_keeps_the_consent(cast, kids, client_for):
    director = cast["village_director"]
    record(director, kids.village, "photo")
    photo_upload(user=director, child_id=kids.village.pk, data=encoded("PNG"))
    response = client_for(director).post(
        reverse("children:child_photo_delete", args=[kids.village.pk]), follow=True
    )
    assert "照片已删除。" in messages_of(response)
    assert not ChildPhoto.objects.exists()
    assert "上传照片" in response.content.decode()


def test_each_look_at_the_photo_is_logged(cast, kids, client_for):
    record(cast["village_director"], kids.village, "photo")
    photo_upload(user=cast["village_director"], child_id=kids.village.pk, data=encoded("PNG"))
    teacher = cast["teacher"]
    client = client_for(teacher)
    photo = reverse("children:child_photo", args=[kids.village.pk])
    # Fetched on its own (a script, a bookmarked address): logged.
    assert client.get(photo).status_code == 200
    looks = AccessEvent.objects.filter(user=teacher, target=f"child:{kids.village.pk}")
    assert list(looks.values_list("action", "field")) == [("view", "photo")]
    # Shown in the file, whose opening is logged: the file's entry stands for it.
    AccessEvent.objects.all().delete()
    client.get(reverse("children:child_detail", args=[kids.village.pk]))
    assert client.get(photo).status_code == 200
    assert list(looks.values_list("action", "field")) == [("view", "")]
