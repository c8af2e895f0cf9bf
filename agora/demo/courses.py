"""Demo catalog: published courses across categories, a few drafts, one in review, one rejected.

Everything goes through the catalog services (create, curriculum, resources, review workflow),
so slugs, instructor names, the search index and the cache stay exactly as they would for real
courses. Only the statistics (ratings, enrollments, views, trending, publication date) and the
featured flag are set directly: demo data has no real history to derive them from.

Idempotent: a course is keyed on its owner and title, and an existing one is left alone.
"""

import colorsys
import hashlib
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from agora.accounts.models import User
from agora.catalog import services
from agora.catalog.models import Course, CourseStatus, Lesson, LessonType
from agora.core.typefaces import image_font
from agora.demo.people import ADMIN_EMAIL, INSTRUCTORS, _email
from agora.demo.specs import CourseSpec, ResourceSpec, load_courses
from agora.media import services as media

# A CC0 sample clip served by MDN: every demo video lesson plays it.
DEMO_VIDEO_URL = "https://interactive-examples.mdn.mozilla.net/media/cc0-videos/flower.mp4"
# A short generated test pattern and its captions, shipped with the code so that demo video
# lessons play offline. Stored once and shared by every demo video lesson.
DEMO_MEDIA_DIR = Path(__file__).resolve().parents[2] / "static" / "agora" / "demo"
DEMO_MEDIA = {"video_file": "demo-lesson.mp4", "subtitle_file": "demo-lesson.vtt"}
# Its length: demo video lessons last as long as the clip they play.
DEMO_VIDEO_SECONDS = 15


# The courses, from the files in data/courses/ (see specs.py for their shape).
COURSES = load_courses()


# --- files made on the spot ----------------------------------------------------------------------
def _pdf_text(value: str) -> str:
    latin = value.encode("latin-1", "replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(lines: tuple[str, ...]) -> bytes:
    """A valid one-page PDF (A4, Helvetica) showing `lines`; the first is the heading."""
    stream = ["BT", "/F1 20 Tf", "56 780 Td", f"({_pdf_text(lines[0])}) Tj", "/F1 11 Tf"]
    for line in lines[1:]:
        stream += ["0 -22 Td", f"({_pdf_text(line)}) Tj"]
    stream.append("ET")
    content = "\n".join(stream).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def resource_upload(spec: ResourceSpec) -> SimpleUploadedFile:
    if spec.filename.endswith(".pdf"):
        return SimpleUploadedFile(spec.filename, pdf_bytes(spec.lines), "application/pdf")
    content = ("\n".join(spec.lines) + "\n").encode()
    return SimpleUploadedFile(spec.filename, content, "text/plain")


def title_font(title: str, size: int) -> ImageFont.FreeTypeFont:
    """A bundled font that has every letter of the title (DejaVu Sans Bold for Latin, Greek
    and Cyrillic, WenQuanYi Micro Hei for Chinese, Japanese and Korean): letters, not the
    boxes of Pillow's built-in font."""
    return image_font(title, size, bold=True)


def wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Lines no wider than `width`: broken between words, and inside a word only where it
    alone is too wide (Chinese and Japanese titles have no spaces)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and draw.textlength(line + char, font=font) > width:
                lines.append(line)
                line = ""
            line += char
    lines.append(line)
    return lines


def thumbnail_upload(title: str, category: str) -> SimpleUploadedFile:
    """A 16:9 PNG: a two-colour gradient picked from the category, with the title on it."""
    hue = int(hashlib.sha256(category.encode()).hexdigest()[:4], 16) / 0xFFFF
    top = tuple(round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.55, 0.85))
    bottom = tuple(round(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.08) % 1, 0.75, 0.45))
    width, height = 1280, 720
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    font = title_font(title, 64)
    lines = wrap(draw, title, font, width - 160)[:4]
    y = height - 80 - 80 * len(lines)
    for text_line in lines:
        draw.text((80, y), text_line, fill=(255, 255, 255), font=font)
        y += 80
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("thumbnail.png", buffer.getvalue(), "image/png")


# --- seeding -------------------------------------------------------------------------------------
def _build(spec: CourseSpec, owner: User, admin: User) -> Course:
    course = services.create_course(
        owner=owner,
        data={
            "title": spec.title,
            "subtitle": spec.subtitle,
            "description": spec.description,
            "price": spec.price,
            "currency": spec.currency,
            "category": spec.category,
            "level": spec.level,
            "language": spec.language,
            "promo_video_url": DEMO_VIDEO_URL if spec.modules else "",
            "learning_outcomes": list(spec.outcomes),
            "requirements": list(spec.requirements),
            "tags": list(spec.tags),
        },
    )
    services.set_thumbnail(
        user=owner, course=course, upload=thumbnail_upload(spec.title, spec.category)
    )
    for module_title, lessons in spec.modules:
        module = services.create_module(user=owner, course=course, title=module_title)
        for lesson_spec in lessons:
            lesson = services.create_lesson(
                user=owner,
                module=module,
                lesson_type=lesson_spec.type,
                data={
                    "title": lesson_spec.title,
                    "is_preview": lesson_spec.is_preview,
                    "duration_seconds": lesson_spec.minutes * 60,
                    "body": lesson_spec.body,
                    "video_url": DEMO_VIDEO_URL if lesson_spec.type == LessonType.VIDEO else "",
                    "code_language": lesson_spec.code_language,
                    "starter_code": lesson_spec.starter_code,
                    "test_code": lesson_spec.test_code,
                },
                questions=list(lesson_spec.questions) or None,
            )
            if lesson_spec.type == LessonType.VIDEO:
                _attach_demo_media(lesson)
            if lesson_spec.resource is not None:
                services.add_resource(
                    user=owner,
                    lesson=lesson,
                    title=lesson_spec.resource.title,
                    upload=resource_upload(lesson_spec.resource),
                )
            if lesson_spec.link is not None:
                link_title, url = lesson_spec.link
                services.add_resource(user=owner, lesson=lesson, title=link_title, url=url)
    if spec.modules:
        _add_project(owner, course)
    if spec.status != CourseStatus.DRAFT:
        services.submit_for_review(user=owner, course=course)
    if spec.status == CourseStatus.PUBLISHED:
        services.approve_course(admin=admin, course=course)
    elif spec.status == CourseStatus.REJECTED:
        services.reject_course(admin=admin, course=course, reason=spec.rejection_reason)
    if spec.stats is not None or spec.is_featured:
        _set_demo_statistics(course, spec)
    return course


def _add_project(owner: User, course: Course) -> None:
    """Every demo course ends with a graded project (an assignment lesson) in its last
    module, so that each kind of lesson can be seen in the demo."""
    module = course.modules.order_by("-position").first()
    if module is None:
        return
    services.create_lesson(
        user=owner,
        module=module,
        lesson_type=LessonType.ASSIGNMENT,
        data={
            "title": "Project: put it into practice",
            "duration_seconds": 30 * 60,
            "body": (
                f"Use what “{course.title}” taught you on something of your own, then hand "
                "in a short write-up (and a file if you made one): what you did, what worked, "
                "and what you would do differently."
            ),
            "max_points": 100,
            "pass_points": 60,
        },
    )


def _demo_media_names() -> dict[str, str]:
    """The shared demo video and captions in storage, saved the first time."""
    names = {}
    for field, filename in DEMO_MEDIA.items():
        name = f"demo/{filename}"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile((DEMO_MEDIA_DIR / filename).read_bytes()))
        names[field] = name
    return names


def _attach_demo_media(lesson: Lesson) -> None:
    # Demo data only: every demo video lesson points at the same stored file instead of an
    # upload of its own (sixty copies of one clip would be a waste of disk), and at one
    # video made of it: the worker `make run` starts turns it into HLS renditions once.
    names = _demo_media_names()
    video = media.adopt_stored_video(owner=lesson.module.course.owner, name=names["video_file"])
    Lesson.objects.filter(pk=lesson.pk).update(
        video_url="", video=video, duration_seconds=DEMO_VIDEO_SECONDS, **names
    )
    lesson.refresh_from_db()


def _set_demo_statistics(course: Course, spec: CourseSpec) -> None:
    # Demo data only: which courses are featured, how long ago each was published, and its
    # starting place in "trending" (recomputed from real enrollments by the trending job).
    # Learners, ratings and views are never set: they come from the enrollments, reviews and
    # visits the later demo steps and real use record.
    changes: dict[str, Any] = {"is_featured": spec.is_featured}
    if spec.stats is not None:
        published = timezone.now() - timedelta(days=spec.stats.days_ago)
        changes |= {
            "trending_score": spec.stats.trending,
            "published_at": published,
            "created_at": published - timedelta(days=21),  # written a few weeks before
        }
    Course.objects.filter(pk=course.pk).update(**changes)
    services.course_changed(course)


def seed(log: Callable[[str], object]) -> None:
    admin = User.objects.get(email=ADMIN_EMAIL)
    owners = {name: User.objects.get(email=_email(name)) for name, _headline in INSTRUCTORS}
    added = 0
    for spec in COURSES:
        owner = owners[spec.instructor]
        if Course.objects.filter(owner=owner, title=spec.title).exists():
            continue
        _build(spec, owner, admin)
        added += 1
    published = sum(1 for spec in COURSES if spec.status == CourseStatus.PUBLISHED)
    log(
        f"Demo catalog: {len(COURSES)} courses ({published} published, "
        f"{len(COURSES) - published} drafts, in review or rejected); {added} added now."
    )
