"""Object and part classes, and the schema files that declare them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supercuts_app.annotation.categories import CategoryError, load_schema, schema_from_data


def test_yaml_and_json_schemas_give_the_same_classes(tmp_path: Path):
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text(
        "categories:\n"
        "  - name: person\n"
        "    color: '#ff0000'\n"
        "    parts: [head, torso]\n"
        "  - name: car\n"
        "    parts:\n"
        "      - {name: wheel, color: [1, 2, 3]}\n"
    )
    from_yaml = load_schema(yaml_file)
    json_file = tmp_path / "s.json"
    json_file.write_text(json.dumps(from_yaml.to_schema()))
    from_json = load_schema(json_file)
    assert list(from_yaml) == list(from_json)
    person = from_yaml.find("person")
    assert person.color == (255, 0, 0)
    assert [p.name for p in from_yaml.parts_of(person.id)] == ["head", "torso"]
    wheel = from_yaml.find("wheel", from_yaml.find("car").id)
    assert wheel.is_part and wheel.color == (1, 2, 3)


def test_short_form_and_edits():
    cats = schema_from_data({"dog": ["head", "tail"], "cat": None})
    dog = cats.find("dog")
    assert [c.name for c in cats.objects()] == ["dog", "cat"]
    assert cats.objects()[0].color != cats.objects()[1].color
    with pytest.raises(CategoryError, match="exists already"):
        cats.add("dog")
    cats.add("head", parent_id=cats.find("cat").id)  # same part name under another object: fine
    with pytest.raises(CategoryError, match="parts have no parts"):
        cats.add("ear", parent_id=cats.find("head", dog.id).id)
    cats.rename(dog.id, "puppy")
    assert cats.get(dog.id).name == "puppy"
    expected = sorted([dog.id, *(p.id for p in cats.parts_of(dog.id))])
    assert sorted(cats.remove(dog.id)) == expected == [1, 2, 3]
    assert cats.find("puppy") is None


@pytest.mark.parametrize(
    "text, suffix, message",
    [
        ("categories: [", ".yaml", "not valid yaml"),
        ("{", ".json", "not valid json"),
        ('{"categories": 3}', ".json", "must be a list"),
        ('{"categories": [{"name": "a", "color": "red"}]}', ".json", "colour 'red'"),
        ('{"categories": [{"name": ""}]}', ".json", "empty"),
        ("[1, 2]", ".json", "expected a mapping"),
    ],
)
def test_bad_schema_files_say_what_is_wrong(tmp_path: Path, text, suffix, message):
    path = tmp_path / f"s{suffix}"
    path.write_text(text)
    with pytest.raises(CategoryError, match=message):
        load_schema(path)
