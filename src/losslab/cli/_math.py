# ruff: noqa: RUF001, RUF002  (Greek letters and math symbols are the point of this module)
"""LaTeX formulas as plain Unicode text, for a terminal.

The loss docstrings write their formula in a ``.. math::`` block with a small
subset of LaTeX: fractions, sums, sub- and superscripts, Greek letters,
``\\text``/``\\operatorname``, ``\\left``/``\\right`` and the ``cases``
environment. :func:`latex_to_text` turns that subset into readable text
(``\\frac{1}{d} \\sum_i e_i^2`` becomes ``(1/d) Σᵢ eᵢ²``); a command it does not
know is shown by its name without the backslash, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["latex_to_text"]

_SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "ell": "ℓ",
    "sum": "Σ",
    "prod": "Π",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "in": "∈",
    "cdot": "·",
    "times": "×",
    "infty": "∞",
    "to": "→",
    "langle": "⟨",
    "rangle": "⟩",
    "|": "‖",
    "{": "{",
    "}": "}",
    "_": "_",
    "%": "%",
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    " ": " ",
    "quad": "  ",
    "qquad": "    ",
}
_WORDS = {"log", "exp", "max", "min", "cosh", "sinh", "tanh", "sin", "cos", "ln", "arg", "argmax", "argmin", "sup"}
_DROPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle"}
_TEXT = {"text", "mathrm", "operatorname", "textrm", "mathit", "mathbf", "boldsymbol"}
_BLACKBOARD = {"1": "𝟙", "R": "ℝ", "N": "ℕ", "E": "𝔼", "P": "ℙ"}
_CALLIGRAPHIC = {"B": "ℬ", "C": "𝒞", "L": "ℒ", "N": "𝒩", "D": "𝒟"}
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True))
_SUP = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθφχ",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᵠᵡ",
        strict=True,
    )
)
_SOFT = "\x00"  # after a word such as "log": a space if a letter or a number follows, nothing otherwise
_PAD = "\x01"  # a space that is kept as it is (alignment of cases)


@dataclass
class _Group:
    items: list[object]


@dataclass
class _Cases:
    rows: list[tuple[list[object], list[object]]]


class _Parser:
    """A recursive reader of the LaTeX subset: commands, ``{...}`` groups, characters, ``cases``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self, until: str | None = None) -> list[object]:
        """Items up to the closing brace (``until="}"``) or the end."""
        items: list[object] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if until is not None and char == until:
                self.pos += 1
                return items
            if char == "{":
                self.pos += 1
                items.append(_Group(self.parse("}")))
            elif char == "\\":
                items.append(self._command())
            else:
                self.pos += 1
                items.append(char)
        return items

    def _command(self) -> object:
        self.pos += 1  # the backslash
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isalpha():
            self.pos += 1
        if self.pos == start:  # a one-character command: \, \; \{ \| \\ ...
            self.pos += 1
        name = self.text[start : self.pos]
        if name == "begin":
            environment = self.parse_argument()
            if isinstance(environment, _Group) and "".join(map(str, environment.items)) == "cases":
                return self._cases()
        return "\\" + name

    def _cases(self) -> _Cases:
        end = self.text.find("\\end{cases}", self.pos)
        end = len(self.text) if end < 0 else end
        body, self.pos = self.text[self.pos : end], end + len("\\end{cases}")
        rows = []
        for row in body.split("\\\\"):
            if not row.strip():
                continue
            value, _, condition = row.partition("&")
            rows.append((_Parser(value).parse(), _Parser(condition).parse()))
        return _Cases(rows)

    def parse_argument(self) -> object:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        if self.pos >= len(self.text):
            return _Group([])
        if self.text[self.pos] == "{":
            self.pos += 1
            return _Group(self.parse("}"))
        if self.text[self.pos] == "\\":
            return self._command()
        self.pos += 1
        return self.text[self.pos - 1]


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """``text`` in Unicode sub- or superscripts when each character has one, else ``mark`` and the text."""
    compact = text.replace(" ", "")
    word = len(compact) > 2 and compact.isalpha()  # "pred", "true": plainer as _pred than in small letters
    if compact and not word and all(c in table for c in compact):
        return "".join(table[c] for c in compact)
    if len(compact) <= 1 or compact.isalnum():
        return mark + compact
    return f"{mark}{{{text.strip()}}}"


def _atomic(text: str) -> bool:
    return not any(c in text for c in " +-−,=<>")


class _Writer:
    """Turns parsed items into text; arguments of commands are taken from the item stream."""

    def __init__(self, items: list[object]) -> None:
        self.items = items
        self.index = 0

    def _next(self) -> object:
        while self.index < len(self.items) and self.items[self.index] in (" ", "\n"):
            self.index += 1
        if self.index >= len(self.items):
            return _Group([])
        item = self.items[self.index]
        self.index += 1
        return item

    def _argument(self) -> str:
        """The next item as text, with the arguments of a command it starts (``\\text{pred}``)."""
        item = self._next()
        if isinstance(item, str) and item.startswith("\\"):
            return _finish(self._command(item))
        return _finish(_render([item]))

    def run(self) -> str:
        out = ""
        while self.index < len(self.items):
            item = self.items[self.index]
            self.index += 1
            if isinstance(item, _Cases):
                out = out.rstrip(" \n") + " "  # the cases go on the line of what they complete
                out += _cases(item, len(_finish(out.rsplit("\n", 1)[-1])) + 1)
            elif isinstance(item, _Group):
                out += _render(item.items)
            elif item == "_":
                out += _script(self._argument(), _SUB, "_")
            elif item == "^":
                out += _script(self._argument(), _SUP, "^")
            elif isinstance(item, str) and item.startswith("\\") and len(item) > 1:
                out += self._command(item)
            elif item == "~":
                out += " "
            else:
                out += str(item)
        return out

    def _command(self, command: str) -> str:
        name = command[1:]
        if name in ("frac", "tfrac", "dfrac"):
            top, bottom = self._argument(), self._argument()
            if (top, bottom) == ("1", "2"):
                return "½" + _SOFT
            if _atomic(top) and _atomic(bottom):
                return f"({top}/{bottom})" + _SOFT
            top, bottom = (text if _atomic(text) else f"({text})" for text in (top, bottom))
            return f"{top}/{bottom}" + _SOFT
        if name == "sqrt":
            inside = self._argument()
            return f"√{inside}" if len(inside) == 1 else f"√({inside})"
        if name in _TEXT:
            return self._argument().replace(_SOFT, "")
        if name == "mathbb":
            letter = self._argument()
            return _BLACKBOARD.get(letter, letter)
        if name == "mathcal":
            letter = self._argument()
            return _CALLIGRAPHIC.get(letter, letter)
        if name == "overline":
            inside = self._argument()
            return inside[:1] + "\u0304" + inside[1:]
        if name in _DROPPED:
            return ""
        if name == "\\":
            return "\n"
        if name in _WORDS:
            return name + _SOFT
        symbol = _SYMBOLS.get(name)
        if symbol is not None:
            return symbol
        return name


def _render(items: list[object]) -> str:
    return _Writer(items).run()


def _cases(cases: _Cases, column: int) -> str:
    """A ``cases`` block: one ``{ value   if condition`` line per case, aligned under ``column``."""
    rows = [(_finish(_render(value)).strip(), _finish(_render(condition)).strip()) for value, condition in cases.rows]
    width = max(len(value) for value, _ in rows)
    lines = []
    for number, (value, condition) in enumerate(rows):
        when = condition if condition in ("otherwise", "else") or not condition else f"if {condition}"
        line = f"{value:<{width}}   {when}".rstrip().replace(" ", _PAD)
        lines.append(("" if number == 0 else _PAD * column) + "{" + _PAD + line)
    return "\n".join(lines) + " "


def _finish(text: str) -> str:
    """Soft spaces resolved, runs of spaces collapsed (inside each line), ends trimmed."""
    out = []
    for index, char in enumerate(text):
        if char != _SOFT:
            out.append(char)
            continue
        following = text[index + 1 : index + 2]
        if following and (following.isalnum() or following in "Σ½√(") and not (following == "(" and out):
            out.append(" ")
    lines = [" ".join(line.split()) for line in "".join(out).split("\n")]
    return "\n".join(line.rstrip() for line in lines).strip("\n").replace(_PAD, " ")


def latex_to_text(latex: str) -> str:
    """A formula in the docstrings' LaTeX subset as readable Unicode text.

    Line breaks of the source are kept (a long formula stays on the lines its
    author chose); a ``cases`` environment becomes one line per case, aligned.

    Parameters
    ----------
    latex : str
        The body of a ``.. math::`` block.

    Returns
    -------
    str
        The formula as text, without backslashes or braces of LaTeX's.

    Examples
    --------
    >>> latex_to_text(r"\\ell = \\frac{1}{d} \\sum_{i=1}^{d} (y_{\\text{pred},i} - y_{\\text{true},i})^2")
    'ℓ = (1/d) Σᵢ₌₁ᵈ (y_{pred,i} - y_{true,i})²'
    >>> cases = r"\\begin{cases} \\tfrac12 e^2 & |e| \\le \\delta \\\\ \\delta |e| & \\text{otherwise} \\end{cases}"
    >>> print(latex_to_text(cases))
    { ½ e²    if |e| ≤ δ
    { δ |e|   otherwise
    """
    items = _Parser(latex).parse()
    return _finish(_render(items))
