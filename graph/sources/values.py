"""Values of source fields: ids, dates as precise as the source gives them, decimals in their canonical form,
language-tagged text, and each field's value parsed by its spec (graph/sources/kinds.py)."""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import re
from dataclasses import dataclass
from typing import Any

from graph.sources.kinds import MEASURES, Field



SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID = re.compile(r"^Q[1-9][0-9]*$")
LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
ROW = re.compile(r"^[A-Z]{0,3}[0-9]+[a-z]?$")  # 2b, or with a theme prefix: P3, F12a
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
TAGGED = re.compile(r"^(.*\S)@([a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)$", re.S)
CJK = re.compile(r"[\u3400-\u9fff]")
CURRENCY = re.compile(r"^[A-Z]{3}$")
DECIMAL = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
MODES = ("online", "offline", "mixed")
CONFIDENCES = ("verified", "likely")


@dataclass(frozen=True)
class PartialDate:
    """A date as precise as the source gives it: a year, a month or a day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def lexical(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)




class _Bad:
    def __init__(self, message: str):
        self.message = message


def _parse_value(spec: Field, value: Any) -> Any:
    t = spec.type
    if t in ("slug", "id"):
        if isinstance(value, str) and SLUG.match(value):
            return value
        return _Bad(f"{value!r} is not an id (lower-case words joined by -)")
    if t == "kind":
        return value
    if t in ("ids", "topics"):
        items = value if isinstance(value, list) else [value]
        for v in items:
            if not isinstance(v, str) or not SLUG.match(v):
                return _Bad(f"{v!r} is not an id (lower-case words joined by -)")
        if len(set(items)) != len(items):
            return _Bad("lists the same id twice")
        return list(items)
    if t == "text":
        if isinstance(value, str) and value.strip():
            return value.strip()
        return _Bad("must be non-empty text")
    if t in ("texts", "quotes"):
        items = value if isinstance(value, list) else [value]
        for v in items:
            if not isinstance(v, str) or not v.strip():
                return _Bad("must be non-empty text (or a list of texts)")
        return [v if t == "quotes" else v.strip() for v in items]
    if t == "date":
        parsed = parse_date(value)
        return _Bad(parsed) if isinstance(parsed, str) else parsed
    if t == "int":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        return _Bad(f"{value!r} is not a whole number ≥ 1")
    if t == "bool":
        if isinstance(value, bool):
            return value
        return _Bad(f"{value!r} is not true or false")
    if t == "urls":
        items = value if isinstance(value, list) else [value]
        for v in items:
            if not isinstance(v, str) or not URL.match(v):
                return _Bad(f"{v!r} is not an absolute http(s) URL")
        return list(items)
    if t == "qid":
        if isinstance(value, str) and QID.match(value):
            return value
        return _Bad(f"{value!r} is not a Wikidata id such as Q148")
    if t == "mode":
        return value if value in MODES else _Bad(f"{value!r} is not one of {', '.join(MODES)}")
    if t == "confidence":
        return value if value in CONFIDENCES else _Bad(
            f"{value!r} is not one of {', '.join(CONFIDENCES)} (unverified facts stay out of the graph)")
    if t == "row":  # one row id, or a list of them where a record combines rows
        items = [str(v) for v in (value if isinstance(value, list) else [value])]
        bad = [v for v in items if not ROW.match(v)]
        return _Bad(f"{bad[0]!r} is not a row id such as 2b or P3") if bad else items
    if t == "lang":
        return value if isinstance(value, str) and LANG.match(value) else _Bad(f"{value!r} is not a language tag")
    if t == "decimal":
        return parse_decimal(value)
    if t == "currency":
        if isinstance(value, str) and CURRENCY.match(value):
            return value
        return _Bad(f"{value!r} is not an ISO 4217 currency code such as USD or CNY (three capital letters)")
    if t == "level":  # the concept itself is checked against ontology/partnership-levels.ttl by check_sources
        if isinstance(value, str) and SLUG.match(value):
            return value
        return _Bad(f"{value!r} is not a partnership level (the slug of a concept in ontology/partnership-levels.ttl)")
    if t == "measure":
        return value if value in MEASURES else _Bad(f"{value!r} is not one of {', '.join(MEASURES)}")
    raise AssertionError(f"unknown field type {t}")


def parse_decimal(value: Any) -> str | _Bad:
    """A non-negative decimal number (YAML int, float or digits with an optional point) as its canonical xsd:decimal
    lexical form (XML Schema 1.0): no exponent, no leading zeros, a point with at least one digit after it and no
    other trailing zeros (94.8e9 -> "94800000000.0"), so that Turtle's decimal shorthand writes it back unchanged."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return _Bad(f"{value!r} is not a number")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if isinstance(value, str) and not DECIMAL.match(text):
        return _Bad(f"{value!r} is not a decimal number such as 94800000000 or 1.5 (digits, an optional point)")
    try:
        number = _decimal.Decimal(text)
    except _decimal.InvalidOperation:
        return _Bad(f"{value!r} is not a number")
    if not number.is_finite() or number < 0:
        return _Bad(f"{value!r} is not a non-negative finite number")
    lexical = format(number, "f")
    if "." in lexical:
        lexical = lexical.rstrip("0").rstrip(".")
    whole, _, fraction = lexical.partition(".")
    whole = whole.lstrip("0") or "0"
    return f"{whole}.{fraction or '0'}"


def parse_date(value: Any) -> PartialDate | str:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD into a PartialDate, or return the reason it is not a real date."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return f"{value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
    m = DATE.match(value.strip())
    if not m:
        return f"{value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
    year, month, day = int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None
    if month is not None and not 1 <= month <= 12:
        return f"{value!r} is not a real date (month {month})"
    if day is not None:
        try:
            _dt.date(year, month, day)
        except ValueError:
            return f"{value!r} is not a real date"
    return PartialDate(year, month, day)


def _sort_key(d: PartialDate) -> tuple[int, int, int]:
    return (d.year, d.month or 0, d.day or 0)


def split_language(text: str, default: str = "en") -> tuple[str, str]:
    """A label's text and language: an explicit `@tag` suffix wins; Chinese characters mean zh; else the default."""
    m = TAGGED.match(text)
    if m:
        return m[1], m[2]
    if CJK.search(text):
        return text, "zh"
    return text, default
