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
option, then the environment variable ``PORTSIM_LANG``, then English). A component
record (``portsim.model.components``) can point at a term by its key.
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


@cache
def _glossary() -> dict:
    text = files("portsim").joinpath("data/glossary.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


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


def language(choice: str | None = None) -> Lang:
    """The language to use: ``choice`` (a ``--lang`` option or a scenario's default),
    else ``$PORTSIM_LANG``, else English. An unknown language is an error."""
    value = (choice or os.environ.get(ENV) or "en").strip().lower()
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
