"""Edits that change only an annotation's class, parent or order are saved without its mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.storage import store as store_module
from supercuts_app.storage.project import Project


def test_relabel_writes_no_mask_and_reopens_with_the_new_class(tmp_path: Path, monkeypatch):
    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(tmp_path / "a.png")
    schema = schema_from_data({"cat": ["head"], "dog": ["head"]})
    project = Project.create(tmp_path / "p.supercuts", schema)
    [record] = project.add_images([tmp_path / "a.png"])
    cat, dog = (c.id for c in project.categories.objects())
    editor = project.editor(record.id)
    obj = editor.new_object(cat)
    mask = np.zeros((40, 60), bool)
    mask[5:20, 10:30] = True
    editor.add(obj, mask)

    encoded: list[int] = []
    real_encode = store_module.encode_cropped
    monkeypatch.setattr(
        store_module, "encode_cropped", lambda m: encoded.append(1) or real_encode(m)
    )
    editor.relabel(obj, dog)
    editor.undo()
    editor.redo()
    assert encoded == []  # class changes, their undo and redo never re-encode the mask
    project.close()

    with Project.open(tmp_path / "p.supercuts") as again:
        reopened = again.editor(record.id).doc.annotations[obj]
        assert reopened.category_id == dog
        np.testing.assert_array_equal(reopened.mask, mask)
