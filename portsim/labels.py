"""One registry of labels, units and number formats, in English and Chinese.

Every KPI or result column that a table, plot, report or ``portsim compare`` shows has
one entry in ``portsim/data/glossary.yaml`` (``terms:``): its English and Chinese
label (design-code usage where the code has the term: JTS 165-2013 泊位利用率, 船舶等待
时间与服务时间之比, 通过能力, 待泊时间 …), its unit, the format of one value, and the basis
of the term. The same file holds the units and the short texts of the report and plots
(``phrases:``, English → Chinese). It is the glossary: each term once, both languages.

::

    from portsim import labels
    labels.label("berth_utilisation", "zh")          # '泊位利用率'
    labels.header("mean_wait_h", "en")               # 'mean wait for a berth (h)'
    labels.fmt("berth_utilisation")                  # '.1%' — shares as %
    labels.columns(["terminal", "waiting_factor"])   # {column: (header, format)}
    with labels.using("zh"):                         # plots drawn inside speak Chinese
        ...

The language is ``"en"`` or ``"zh"``: :func:`language` resolves a choice (a ``--lang``
option, then the scenario's ``language:``, then the environment variable
``PORTSIM_LANG``, then English). A component record (``portsim.model.components``) can
point at a term by its key.

Sentences are written once, as the glossary's English key with ``{fields}``:
``t("peak {trucks:.0f} trucks/h on {lanes:.0f} lanes", lang, trucks=…, lanes=…)`` says
it in ``lang``; a text already made in English (a judgement stored in a limit record,
the verdict's one-line answer) is put in Chinese on display by :func:`translate`, which
matches it against the same keys (clause by clause, each field translated in turn)::

    labels.translate("above limit; peak 368 trucks/h on 13 lanes", "zh")
    # '超出限值；高峰 368 辆/小时, 13 条车道'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

import yaml

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
ENV = "PORTSIM_LANG"

_current: ContextVar[Lang | None] = ContextVar("portsim_lang", default=None)
_ALIASES = {"cn": "zh", "zh-cn": "zh", "zh_cn": "zh", "chinese": "zh", "english": "en"}


@dataclass(frozen=True)
class Term:
    """One KPI or column: labels in both languages, unit key, format, basis."""

    key: str
    en: str
    zh: str
    unit: str
    format: str
    basis: str
    plot_scale: float = 1.0
    plot_unit: dict[str, str] | None = None

    @property
    def share(self) -> bool:
        """Shown as a percentage (the value is a fraction)."""
        return self.format.endswith("%")

    def label(self, lang: Lang = "en") -> str:
        return self.zh if lang == "zh" else self.en


class _UniqueKeys(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (YAML would keep the
    last silently: one English text with two translations)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise ValueError(f"glossary.yaml: '{key}' is given twice "
                             f"(line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


@cache
def _glossary() -> dict:
    text = files("portsim").joinpath("data/glossary.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=_UniqueKeys)


@cache
def terms() -> dict[str, Term]:
    """Every term of the glossary by key."""
    out = {}
    for key, t in _glossary()["terms"].items():
        out[key] = Term(key, t["en"], t["zh"], str(t.get("unit", "")), str(t.get("format", "")),
                        str(t.get("basis", "")), float(t.get("plot_scale", 1.0)),
                        t.get("plot_unit"))
    return out


def units() -> dict[str, dict[str, str]]:
    return _glossary()["units"]


def phrases() -> dict[str, str]:
    """Short texts of the report and plots: English → Chinese."""
    return _glossary().get("phrases") or {}


def language(choice: str | None = None, default: str | None = None) -> Lang:
    """The language to use: ``choice`` (a ``--lang`` option), else ``default`` (the
    scenario's ``language:``), else ``$PORTSIM_LANG``, else English. An unknown
    language is an error."""
    value = (choice or default or os.environ.get(ENV) or "en").strip().lower()
    value = _ALIASES.get(value, value)
    if value not in LANGUAGES:
        from portsim.errors import InputError

        raise InputError.single("--lang" if choice else ENV, "",
                                f"language must be one of {', '.join(LANGUAGES)}, "
                                f"got '{value}'")
    return value  # type: ignore[return-value]


def current() -> Lang:
    """The language set by :func:`using`; outside any, ``$PORTSIM_LANG`` (when it names a
    language), else English — so notebooks follow the environment too."""
    lang = _current.get()
    if lang is not None:
        return lang
    env = (os.environ.get(ENV) or "").strip().lower()
    env = _ALIASES.get(env, env)
    return env if env in LANGUAGES else "en"  # type: ignore[return-value]


@contextmanager
def using(lang: str | None) -> Iterator[Lang]:
    """Within the block, :func:`current` is ``lang`` (plots and texts follow it)."""
    token = _current.set(language(lang) if lang else current())
    try:
        yield current()
    finally:
        _current.reset(token)


def adopt(lang: str | None) -> Lang:
    """Make ``lang`` the current language for the rest of the enclosing :func:`using`
    block (a command that learns the scenario's ``language:`` only after reading it)."""
    chosen = language(lang)
    if _current.get() is not None:  # outside a using block it would outlive the command
        _current.set(chosen)
    return chosen


def scenario_description(scenario, lang: str | None = None) -> str:
    """The scenario's description in the language (``description_zh`` in Chinese), else
    the one it has; ``""`` without any."""
    en = (getattr(scenario, "description", None) or "").strip()
    zh = (getattr(scenario, "description_zh", None) or "").strip()
    return (zh or en) if _lang(lang) == "zh" else (en or zh)


def _lang(lang: str | None) -> Lang:
    return current() if lang is None else language(lang)


def _unit_text(unit: str, lang: Lang) -> str:
    u = units().get(unit)
    return (u or {}).get(lang, unit) if unit else ""


_WAIT_COLUMN = re.compile(r"wait_(?P<cause>[a-z]+)_h")


def term(key: str) -> Term | None:
    """The term of a column or KPI key (a ``wait_<cause>_h`` column: its cause)."""
    t = terms().get(key)
    if t is None and (m := _WAIT_COLUMN.fullmatch(key)):
        t = terms().get(f"cause_{m['cause']}")
    return t


def label(key: str, lang: str | None = None) -> str:
    """The label of a KPI or column (without unit); unknown keys read as words."""
    t = term(key)
    return t.label(_lang(lang)) if t else key.replace("_", " ")


def unit(key: str, lang: str | None = None) -> str:
    t = term(key)
    if t is None or t.share or t.unit in ("", "ratio"):
        return ""
    return _unit_text(t.unit, _lang(lang))


def header(key: str, lang: str | None = None) -> str:
    """Label with its unit in brackets: ``mean wait for a berth (h)``."""
    u = unit(key, lang)
    return f"{label(key, lang)} ({u})" if u else label(key, lang)


def fmt(key: str, default: str = "") -> str:
    """The format of one value of ``key`` (``""``: none registered)."""
    t = term(key)
    return t.format if t and t.format else default


def columns(keys: Iterable[str], lang: str | None = None, **headers: str
            ) -> dict[str, tuple[str, str]]:
    """``{column: (header, format)}`` for a table (``headers``: overrides by column)."""
    return {k: (headers.get(k) or header(k, lang), fmt(k)) for k in keys}


def plot_label(key: str, lang: str | None = None) -> tuple[str, float]:
    """An axis label with its unit and the scale applied to the values
    (``teu_delivered`` → ``(… (M TEU/yr), 1e-6)``); shares in %, scale 100."""
    lg = _lang(lang)
    t = term(key)
    if t is None:
        return key.replace("_", " "), 1.0
    if t.plot_unit:
        return f"{t.label(lg)} ({t.plot_unit[lg]})", t.plot_scale
    if t.share:
        return f"{t.label(lg)} (%)", 100.0
    return header(key, lg), 1.0


def t(text: str, lang: str | None = None, **values: object) -> str:
    """A short text of the report or a plot in the language (``phrases:`` of the glossary;
    English is the key), with ``{name}`` fields filled from ``values``."""
    lg = _lang(lang)
    out = phrases().get(text, text) if lg == "zh" else text
    return out.format(**values) if values else out


# ----------------------------------------------------------------- place names

_BRACKET = re.compile(r"^(?P<en>[^(（]+?)\s*[(（](?P<zh>[^)）]*)[)）]\s*$")
_CJK = re.compile(r"[\u3400-\u9fff]")


def split_name(name: str) -> tuple[str, str | None]:
    """``"Dalanping South (大榄坪南作业区)"`` → ``("Dalanping South", "大榄坪南作业区")``:
    the port file carries both names of an operation area in one field (its source is
    the area's entry); a name without a Chinese part has none."""
    m = _BRACKET.match(name or "")
    if m and _CJK.search(m["zh"]):
        return m["en"].strip(), m["zh"].strip()
    return (name or "").strip(), None


_TWO_NAMES = re.compile(r"^(?P<a>.+?)(?:, |: )(?P<b>.+)$")


def local_name(name: str, lang: str | None = None) -> str:
    """A place name of the data in the language, when the data carry both: ``"English
    (中文)"`` (:func:`split_name`), or ``"中文, English"`` / ``"中文: English"`` (a rail
    terminal's name); otherwise the name as it is."""
    lg = _lang(lang)
    en, zh = split_name(name)
    if zh:
        return zh if lg == "zh" else en
    m = _TWO_NAMES.match(name or "")
    if m and has_cjk(m["a"]) and not has_cjk(m["b"]):
        return m["a"].strip() if lg == "zh" else m["b"].strip()
    return name


def area_names(port, lang: str | None = None) -> dict[str, str]:
    """Operation-area id → name in the language (the id when the port has no name)."""
    lg = _lang(lang)
    out = {}
    for a in getattr(port, "areas", None) or []:
        en, zh = split_name(getattr(a, "name", "") or "")
        out[a.id] = (zh or en or a.id) if lg == "zh" else (en or a.id)
    return out


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


# ----------------------------------------------------------------- texts made in English

_FIELD = re.compile(r"\{(?P<name>[A-Za-z_]\w*)(?::[^{}]*)?\}")
_CLAUSE = re.compile(r"\s*[;；]\s*")


@cache
def _templates() -> list[tuple[re.Pattern, str, bool]]:
    """The phrases with ``{fields}`` as patterns matching what they produce in English
    (each field any text), with their Chinese and whether their own text has words (a
    phrase like ``"{a}: {b}"`` has none: it is tried only after splitting clauses); most
    literal text first, so the most specific wins."""
    out = []
    for en, zh in phrases().items():
        if "{" not in en:
            continue
        pattern, seen, pos = [], set(), 0
        for m in _FIELD.finditer(en):
            pattern.append(re.escape(en[pos:m.start()]))
            name = m["name"]
            pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            pos = m.end()
        pattern.append(re.escape(en[pos:]))
        literal = _FIELD.sub("", en)
        out.append((re.compile("".join(pattern), re.S), zh, len(literal),
                    bool(re.search("[A-Za-z]", literal))))
    out.sort(key=lambda x: -x[2])
    return [(p, zh, worded) for p, zh, _, worded in out]


def _fill(zh: str, values: dict[str, str]) -> str:
    """``zh`` with each ``{field}`` (format spec dropped) replaced by its text."""
    return _FIELD.sub(lambda m: values.get(m["name"], m.group(0)), zh)


def _one(text: str, depth: int) -> str:
    exact = phrases().get(text)
    if exact is not None:
        return exact
    t = terms().get(text)
    if t is not None:
        return t.zh
    if depth > 4 or not text.strip():
        return text
    for pattern, zh, worded in _templates():
        if worded and (m := pattern.fullmatch(text)):
            return _fill(zh, {k: _one(v, depth + 1) for k, v in m.groupdict().items()})
    if _CLAUSE.search(text):  # clauses, each on its own
        return "；".join(_one(c, depth + 1) for c in _CLAUSE.split(text))
    for pattern, zh, worded in _templates():  # "{a}: {b}" and the like: after clauses
        if not worded and (m := pattern.fullmatch(text)):
            return _fill(zh, {k: _one(v, depth + 1) for k, v in m.groupdict().items()})
    if ", " in text:  # a list: each item on its own (ids stay as they are)
        items = text.split(", ")
        done = [_one(i, depth + 1) for i in items]
        if done != items:
            return "、".join(done)
    if "/" in text:  # "container/general": only when the glossary has every part
        parts = text.split("/")
        known = [phrases().get(p) or (terms()[p].zh if p in terms() else None) for p in parts]
        if all(known):
            return "/".join(str(k) for k in known)
    return text


def translate(text: str, lang: str | None = None) -> str:
    """A text made in English (a judgement, a limit's basis, a sentence of the answer)
    in the language: the glossary's phrase for it — exactly, or a phrase with
    ``{fields}`` whose English it matches, each field translated in turn — else clause
    by clause (``;``), else item by item (``,``); what the glossary lacks (an id, a
    number) stays as it is. The English wording lives once, as the glossary's key, and
    the code that writes the English uses the same key through :func:`t`."""
    if _lang(lang) == "en" or not isinstance(text, str) or not text:
        return text
    return _one(text, 0)


def word(text: str, lang: str | None = None) -> str:
    """A header or short word in the language: the glossary's phrase, else the label of
    the term of that key, else as it is."""
    lg = _lang(lang)
    if lg == "en":
        return text
    if text in phrases():
        return phrases()[text]
    tm = terms().get(text)
    return tm.zh if tm is not None else text
