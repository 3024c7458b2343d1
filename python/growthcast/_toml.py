"""A small TOML writer for scenario dicts (tomllib only reads).

It writes the types a scenario uses: strings, integers, floats, booleans,
arrays and tables (nested dicts; dicts inside arrays as inline tables).
The text goes to the engine's parse_scenario, so a bad value gets the same
message as in a file given to the command line.
"""

import math
import re

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key):
    if not isinstance(key, str):
        raise TypeError(f"scenario keys must be strings, got {key!r}")
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text):
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _is_table(value):
    return isinstance(value, dict)


def _value(value):
    # bool before int: bool is an int in Python.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)  # shortest text that reads back to the same double
        return text if any(c in text for c in ".eEn") else text + ".0"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}"
                                for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    try:  # numpy scalars
        import numpy as np
        if isinstance(value, np.bool_):
            return _value(bool(value))
        if isinstance(value, np.integer):
            return _value(int(value))
        if isinstance(value, np.floating):
            return _value(float(value))
        if isinstance(value, np.ndarray):
            return _value(value.tolist())
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _table(table, path, lines):
    scalars = [(k, v) for k, v in table.items() if not _is_table(v)]
    tables = [(k, v) for k, v in table.items() if _is_table(v)]
    if path and (scalars or not tables):
        lines.append("[" + ".".join(_key(k) for k in path) + "]")
    for k, v in scalars:
        lines.append(f"{_key(k)} = {_value(v)}")
    if scalars:
        lines.append("")
    for k, v in tables:
        _table(v, path + [k], lines)


def dumps(document):
    """TOML text for a dict (top-level keys, then tables as [a.b] headers)."""
    if not isinstance(document, dict):
        raise TypeError("a scenario must be a dict")
    lines = []
    _table(document, [], lines)
    return "\n".join(lines).rstrip("\n") + "\n"
