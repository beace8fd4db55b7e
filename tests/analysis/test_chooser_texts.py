"""The chooser's texts (chooser.toml): every text is used, every key used exists, every field is given."""

from __future__ import annotations

import ast
import inspect
import re
import string

from losslab.analysis import chooser

TEXT_KEY = re.compile(r"\+?(problem|fix)\w*(\+(problem|fix)\w*)*")


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _finding_rules() -> dict[str, tuple[set[str], set[str], set[str]]]:
    """Each function of chooser.py that calls ``_finding``: (codes, text keys, fields given), read from its source."""
    rules = {}
    for node in ast.walk(ast.parse(inspect.getsource(chooser))):
        if not isinstance(node, ast.FunctionDef) or node.name == "_finding":
            continue
        calls = [
            call
            for call in ast.walk(node)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "_finding"
        ]
        if not calls:
            continue
        codes, keys, given = set(), set(), set()
        for call in calls:
            codes.add(call.args[0].value)
            named = {kw.arg for kw in call.keywords}
            given |= named - {"problem", "fix"}
            if len(call.args) < 2 and "problem" not in named:
                keys.add("problem")
            if len(call.args) < 3 and "fix" not in named:
                keys.add("fix")
        for const in ast.walk(node):
            if isinstance(const, ast.Constant) and isinstance(const.value, str) and TEXT_KEY.fullmatch(const.value):
                keys |= {part for part in const.value.split("+") if part}
        rules[node.name] = codes, keys, given
    return rules


def test_the_texts_load_and_fit_the_module():
    texts = chooser._texts()
    assert set(texts) == {"reasons", "alternatives", "findings"}
    assert chooser._text_problems(texts) == []


def test_every_recommendation_text_is_used_and_exists():
    texts = chooser._texts()
    used: dict[str, set[str]] = {"reasons": set(), "alternatives": set()}
    for section, key, _ in chooser._case_texts():
        used[section] |= set(key.split("+"))
    assert used["reasons"] == set(texts["reasons"])
    assert used["alternatives"] == set(texts["alternatives"])


def test_every_finding_text_is_used_exists_and_gets_its_fields():
    findings = chooser._texts()["findings"]
    used = set()
    for rule, (codes, keys, given) in _finding_rules().items():
        for key in keys:
            owners = [code for code in codes if key in findings[code]]
            assert owners, f"{rule} uses {key!r}, which no [findings.<code>] of {sorted(codes)} has"
            for code in owners:
                used.add((code, key))
                missing = _fields(findings[code][key]) - given
                assert not missing, f"[findings.{code}] {key} needs {missing}, which {rule} does not give"
    assert used == {(code, key) for code, table in findings.items() for key in table}
    assert {code for codes, _, _ in _finding_rules().values() for code in codes} == set(chooser._SEVERITY)
    assert set(chooser._SEVERITY.values()) == {"error", "warning"}


def test_a_text_file_that_does_not_fit_is_reported():
    texts = chooser._texts()
    broken = {**texts, "reasons": {k: v for k, v in texts["reasons"].items() if k != "focal"}}
    broken["findings"] = {k: v for k, v in texts["findings"].items() if k != "shape-mismatch"}
    broken["alternatives"] = {**texts["alternatives"], "jaccard": "Soft IoU {metric}.", "pixel_ce": "{0, 1}"}
    problems = "\n".join(chooser._text_problems(broken))
    assert "[reasons] has no 'focal'" in problems
    assert "shape-mismatch" in problems
    assert "[alternatives] jaccard: its field 'metric'" in problems
    assert "[alternatives] pixel_ce has a field that is not a name" in problems
