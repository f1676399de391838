"""Readers that take each export format apart again, written from the formats' documentation.

Each reader returns the same shape, so one test can check every format against the key:
a list of :class:`Read` questions, each with its group (category or question group), its
name, its text and its blanks; a numeric blank is a list of ``(value, tolerance, fraction,
feedback)`` and a choice blank a list of ``(option, fraction, feedback)``.
"""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


@dataclass
class Read:
    group: str
    name: str
    qtype: str
    text: str
    numeric: list[list[tuple[float, float, float, str]]] = field(default_factory=list)
    choices: list[list[tuple[str, float, str]]] = field(default_factory=list)
    general: str = ""
    scale: float = 1.0  # Canvas: the value asked for is the quantity times this


# --- Moodle XML and Cloze ---------------------------------------------------------------------

CLOZE_START = re.compile(r"\{(\d*):(NUMERICAL|NM|MULTICHOICE|MC|MULTICHOICE_S|MCS):")
NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def _cloze_unescape(text: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def cloze_subquestions(text: str) -> list[tuple[str, int, list[tuple[str, float, str]]]]:
    """(type, weight, [(answer, fraction, feedback)]) of every sub-question of a Cloze text."""
    out = []
    pos = 0
    while m := CLOZE_START.search(text, pos):
        i = m.end()
        while i < len(text) and text[i] != "}":
            i += 2 if text[i] == "\\" else 1
        if i >= len(text):
            raise AssertionError(f"unterminated Cloze sub-question at {m.start()}")
        alternatives = []
        for alt in _split_unescaped(text[m.end() : i], "~"):
            fraction = 0.0
            if alt.startswith("="):
                fraction, alt = 1.0, alt[1:]
            elif fm := re.match(r"%(-?\d+(?:\.\d+)?)%", alt):
                fraction, alt = float(fm.group(1)) / 100, alt[fm.end() :]
            answer, *fb = _split_unescaped(alt, "#")
            alternatives.append((answer, fraction, _cloze_unescape("#".join(fb))))
        out.append((m.group(2), int(m.group(1) or 1), alternatives))
        pos = i + 1
    return out


def read_moodle(data: bytes) -> list[Read]:
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    group = ""
    out: list[Read] = []
    for q in root.findall("question"):
        qtype = q.get("type", "")
        if qtype == "category":
            group = q.findtext("category/text", "")
            continue
        text = q.findtext("questiontext/text", "")
        read = Read(
            group,
            q.findtext("name/text", ""),
            qtype,
            text,
            general=q.findtext("generalfeedback/text", ""),
        )
        if qtype == "numerical":
            read.numeric.append(
                [
                    (
                        float(a.findtext("text", "nan")),
                        float(a.findtext("tolerance", "nan")),
                        float(a.get("fraction", "nan")) / 100,
                        html.unescape(re.sub("<[^>]+>", "", a.findtext("feedback/text", ""))),
                    )
                    for a in q.findall("answer")
                ]
            )
        elif qtype in ("multichoice", "truefalse"):
            read.choices.append(
                [
                    (
                        html.unescape(a.findtext("text", "")),
                        float(a.get("fraction", "nan")) / 100,
                        html.unescape(re.sub("<[^>]+>", "", a.findtext("feedback/text", ""))),
                    )
                    for a in q.findall("answer")
                ]
            )
        elif qtype == "cloze":
            for kind, _weight, alternatives in cloze_subquestions(text):
                if kind in ("NUMERICAL", "NM"):
                    blank = []
                    for answer, fraction, fb in alternatives:
                        m = re.fullmatch(f"({NUMBER})(?::({NUMBER}))?", answer)
                        assert m, f"not a Cloze number: {answer!r}"
                        blank.append((float(m.group(1)), float(m.group(2) or 0), fraction, fb))
                    read.numeric.append(blank)
                else:
                    read.choices.append([(_cloze_unescape(a), f, fb) for a, f, fb in alternatives])
        out.append(read)
    return out


# --- GIFT -------------------------------------------------------------------------------------

_GIFT_ESCAPES = {
    "\\": "\ue05c",
    ":": "\ue03a",
    "#": "\ue023",
    "=": "\ue03d",
    "{": "\ue07b",
    "}": "\ue07d",
    "~": "\ue07e",
}


def _protect(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else _GIFT_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _restore(text: str) -> str:
    for ch, ph in _GIFT_ESCAPES.items():
        text = text.replace(ph, ch)
    return text


def _plain(html_text: str) -> str:
    return html.unescape(re.sub("<[^>]+>", "", html_text)).strip()


def _strip_format(text: str) -> str:
    return text[len("[html]") :] if text.startswith("[html]") else text


def read_gift(data: bytes) -> list[Read]:
    text = data.decode("utf-8")
    chunks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip() == "":
            chunks.append([])
        elif not line.strip().startswith("//"):
            chunks[-1].append(line)
    group = ""
    out: list[Read] = []
    for chunk in chunks:
        if not chunk:
            continue
        body = _protect("\n".join(chunk).strip())
        if body.startswith("$CATEGORY:"):
            group = body[len("$CATEGORY:") :].strip()
            continue
        assert body.startswith("::"), f"question without a name: {body[:60]!r}"
        end = body.index("::", 2)
        name, rest = body[2:end], body[end + 2 :]
        start, finish = rest.index("{"), rest.rindex("}")
        assert rest.count("{") == 1 and rest.count("}") == 1, "unescaped brace in a question"
        qtext, answers = rest[:start], rest[start + 1 : finish].strip()
        general = ""
        if "####" in answers:
            answers, general = answers.rsplit("####", 1)
            answers = answers.strip()
        read = Read(
            group,
            _restore(name),
            "",
            _restore(_strip_format(qtext)),
            general=_restore(_strip_format(general)),
        )
        if answers.startswith("#"):
            read.qtype = "numerical"
            blank = []
            for alt in [a.strip() for a in answers[1:].split("=") if a.strip()]:
                fraction = 1.0
                if fm := re.match(r"%(-?\d+(?:\.\d+)?)%", alt):
                    fraction, alt = float(fm.group(1)) / 100, alt[fm.end() :]
                answer, _, fb = alt.partition("#")
                value, _, tol = answer.partition(":")
                blank.append((float(value), float(tol or 0), fraction, _plain(_restore(fb))))
            read.numeric.append(blank)
        elif answers.split("#")[0].strip() in ("TRUE", "FALSE", "T", "F"):
            read.qtype = "truefalse"
            truth = answers.split("#")[0].strip() in ("TRUE", "T")
            fbs = [*answers.split("#")[1:], "", ""]
            wrong, right = _plain(_restore(fbs[0])), _plain(_restore(fbs[1]))
            read.choices.append(
                [
                    ("true", 1.0 if truth else 0.0, right if truth else wrong),
                    ("false", 0.0 if truth else 1.0, wrong if truth else right),
                ]
            )
        else:
            read.qtype = "multichoice"
            opts = []
            for alt in re.split(r"(?=[=~])", answers):
                alt = alt.strip()
                if not alt:
                    continue
                mark, alt = alt[0], alt[1:]
                option, _, fb = alt.partition("#")
                opts.append(
                    (
                        html.unescape(_restore(option).strip()),
                        1.0 if mark == "=" else 0.0,
                        _plain(_restore(fb)),
                    )
                )
            read.choices.append(opts)
        out.append(read)
    return out


# --- Canvas QTI -------------------------------------------------------------------------------


def qti_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def qti_assessment(data: bytes) -> ET.Element:
    files = qti_files(data)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    (res,) = [r for r in manifest.iter(f"{CP}resource") if r.get("type") == "imsqti_xmlv1p2"]
    href = res.find(f"{CP}file").get("href")  # type: ignore[union-attr]
    return ET.fromstring(files[href])


def _meta(item: ET.Element) -> dict[str, str]:
    return {
        f.findtext(f"{QTI}fieldlabel", ""): f.findtext(f"{QTI}fieldentry", "")
        for f in item.iter(f"{QTI}qtimetadatafield")
    }


def read_qti(data: bytes) -> list[Read]:
    root = qti_assessment(data)
    out: list[Read] = []
    for group in root.iter(f"{QTI}section"):
        if group.get("ident") == "root_section":
            continue
        for item in group.findall(f"{QTI}item"):
            qtype = _meta(item)["question_type"]
            text = item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext", "")
            general = ""
            for fb in item.findall(f"{QTI}itemfeedback"):
                if fb.get("ident") == "general_fb":
                    general = fb.findtext(f".//{QTI}mattext", "")
            m = re.search(r"multiplied by (\d+)", text)
            read = Read(
                group.get("title", ""),
                item.get("title", ""),
                qtype,
                text,
                general=general,
                scale=float(m.group(1)) if m else 1.0,
            )
            res = item.find(f"{QTI}resprocessing")
            assert res is not None
            if qtype == "numerical_question":
                blank = []
                for cond in res.findall(f"{QTI}respcondition"):
                    if cond.findtext(f"{QTI}setvar") != "100":
                        continue
                    exact = float(cond.findtext(f".//{QTI}varequal", "nan"))
                    lo = cond.find(f".//{QTI}vargte")
                    hi = cond.find(f".//{QTI}varlte")
                    tol = (
                        0.0
                        if lo is None or hi is None
                        else (float(hi.text or "") - float(lo.text or "")) / 2
                    )
                    blank.append((exact, tol, 1.0, ""))
                read.numeric.append(blank)
            else:
                labels = {
                    lab.get("ident", ""): lab.findtext(f".//{QTI}mattext", "")
                    for lab in item.iter(f"{QTI}response_label")
                }
                (correct,) = [
                    c.findtext(f".//{QTI}varequal", "")
                    for c in res.findall(f"{QTI}respcondition")
                    if c.findtext(f"{QTI}setvar") == "100"
                ]
                read.choices.append(
                    [
                        (text_, 1.0 if ident_ == correct else 0.0, "")
                        for ident_, text_ in labels.items()
                    ]
                )
            out.append(read)
    return out


READERS = {"moodle": read_moodle, "gift": read_gift, "qti": read_qti}


@pytest.fixture(scope="session")
def readers() -> Any:
    return SimpleNamespace(
        moodle=read_moodle,
        gift=read_gift,
        qti=read_qti,
        by_format=READERS,
        cloze_subquestions=cloze_subquestions,
        qti_files=qti_files,
        qti_assessment=qti_assessment,
        QTI=QTI,
        CP=CP,
    )


@pytest.fixture(scope="session")
def hand() -> Any:
    """The module ``hand_quiz.py`` beside this file (quizzes built from hand-made problems)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "export_hand_quiz", Path(__file__).with_name("hand_quiz.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
