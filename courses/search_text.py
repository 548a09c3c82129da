"""What a search box's text may reach the database as.

PostgreSQL's `websearch_to_tsquery` reads each `-` before a word (or before
another `-`, or after spaces and the characters it skips: `! & | ( ) <`) as a
NOT, and nests consecutive NOTs on a parse stack of 32 entries: 33 hyphens,
or `- - - ...`, fail with "tsquery stack too small" whatever the words around
them. A run of negations means its parity (`--x` is `x`, `---x` is `-x`), so
`websearch_text` writes each run of two or more as that parity and leaves
every other character as the visitor typed it: a normal search reaches the
database unchanged.

A search matches words: letters and digits (`search_words`). Text with none
(punctuation, symbols, emoji) matches nothing and is answered without a
query; in particular it never reaches the trigram suggestions, where a text
without trigrams reads the whole index.
"""

from __future__ import annotations

import re

# What the websearch parser skips between operands, as it does spaces.
_SKIPPED = frozenset("!&|()<")
# NUL cannot be sent to PostgreSQL at all; other control characters are no
# part of a search either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Letters and digits, in any script: `\w` without the underscore, which no
# text search configuration or trigram counts as part of a word.
_WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    """The words of `text`, in order: runs of letters and digits."""
    return _WORD.findall(text or "")


def _fold_negations(unquoted: str) -> str:
    """`unquoted` (text outside quotes, which starts where an operand may) with
    each run of two or more NOTs written as its parity, before its operand."""
    kept: list[str] = []
    gap: list[str] = []  # a run of NOTs and the separators among them, as typed
    negations = 0
    at_operand = True  # whether a `-` here is a NOT rather than part of a word

    def close_gap() -> None:
        nonlocal negations
        if negations < 2:
            kept.extend(gap)
        else:
            kept.extend(char for char in gap if char != "-")
            kept.append("-" * (negations % 2))
        gap.clear()
        negations = 0

    for char in unquoted:
        if at_operand and char == "-":
            gap.append(char)
            negations += 1
        elif char.isspace() or char in _SKIPPED:
            (gap if negations else kept).append(char)
            at_operand = True
        else:
            close_gap()
            kept.append(char)
            at_operand = False
    close_gap()  # NOTs before the quoted phrase that follows, or at the very end
    return "".join(kept)


def websearch_text(text: str) -> str:
    """`text` as `websearch_to_tsquery` may read it without failing, the same
    query for everything but runs of negations; "" when it has no words."""
    text = _CONTROL.sub(" ", text or "").strip()
    if not search_words(text):
        return ""
    # Between quotes everything is one phrase, operators included: only the
    # parts outside (even indexes; an unclosed quote runs to the end) are read.
    parts = text.split('"')
    return '"'.join(
        _fold_negations(part) if index % 2 == 0 else part for index, part in enumerate(parts)
    ).strip()
