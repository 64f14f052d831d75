"""Media files: written once under their content's name, and swept when nothing refers to them.

Photos, masks and staged images are content-addressed (the name is the hash of
the bytes). file_store_idempotent writes such a file so that the same bytes
always end up under the same name: an existing file with the right bytes is
reused, one with other bytes (a write killed half-way) is replaced, and a new
one is written to a temporary name and renamed into place, so nobody ever sees
half a file and no `<sha>_XXXXXXX.jpg` copies appear.

media_sweep removes what a killed request or worker left behind: files under
MEDIA_ROOT that no row refers to (no file field, and no string in any JSON
field, where approved snapshots keep the names of the images they approved),
older than a grace period so a file being stored right now is never taken.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models

_READ_CHUNK = 1024 * 1024
PART_SUFFIX = ".part"


def file_store_idempotent(field_file, filename: str, content: bytes) -> None:
    """Store `content` in a file field under its upload_to name; the same bytes reuse the same file.

    The model instance is not saved; its dimension fields (an ImageField's width and height) are set.
    """
    instance, model_field = field_file.instance, field_file.field
    name = bytes_store_idempotent(field_file.storage, model_field.generate_filename(instance, filename), content)
    _point(instance, model_field, name)


def bytes_store_idempotent(storage, name: str, content: bytes) -> str:
    """Store `content` under `name` in `storage`, whole or not at all; the name it is stored under.

    An existing file with the same bytes is reused; one with other bytes (a write killed half-way)
    is replaced. On a local disk the bytes go to a temporary name first and are renamed into place.
    """
    if storage.exists(name):
        if _sha256(storage, name) == hashlib.sha256(content).hexdigest():
            return name
        storage.delete(name)  # a half-written file under this name, or other bytes: replaced whole
    try:
        path = Path(storage.path(name))
    except NotImplementedError:  # object storage: its writes are whole already
        return storage.save(name, ContentFile(content, name=name))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}{PART_SUFFIX}")
    try:
        with partial.open("wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return name


def _point(instance, model_field, name: str) -> None:
    setattr(instance, model_field.attname, name)
    if isinstance(model_field, models.ImageField):
        model_field.update_dimension_fields(instance, force=True)


def _sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(_READ_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class SweepReport:
    removed: list[str] = field(default_factory=list)
    removed_bytes: int = 0
    too_recent: int = 0  # orphans younger than the grace period, left for a later sweep
    referenced: int = 0


def media_sweep(*, grace_seconds: int, dry_run: bool = False, root: Path | None = None) -> SweepReport:
    """Remove media files no row refers to and older than `grace_seconds` (dry_run: only say which)."""
    root = Path(root or settings.MEDIA_ROOT)
    report = SweepReport()
    if not root.is_dir():
        return report
    referenced = _referenced_names()
    report.referenced = len(referenced)
    cutoff = time.time() - grace_seconds
    for path in _files(root):
        name = path.relative_to(root).as_posix()
        if name in referenced:
            continue
        stat = path.stat()
        if stat.st_mtime > cutoff:
            report.too_recent += 1
            continue
        report.removed.append(name)
        report.removed_bytes += stat.st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    return report


def _files(root: Path) -> Iterator[Path]:
    for directory, _, names in os.walk(root):
        for name in names:
            yield Path(directory) / name


def _referenced_names() -> set[str]:
    """Every file field's value, and every string in a JSON field (snapshots name the files they approved)."""
    names: set[str] = set()
    for model in apps.get_models():
        file_fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        json_fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        manager = model._base_manager.order_by()
        for column in file_fields:
            names.update(n for n in manager.exclude(**{column: ""}).values_list(column, flat=True).iterator() if n)
        for column in json_fields:
            for value in manager.values_list(column, flat=True).iterator(chunk_size=2000):
                names.update(_strings(value))
    return names


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
