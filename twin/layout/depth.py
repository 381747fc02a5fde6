"""How deep a layout's text nests, counted before a recursive parser sees it.

`check_depth` refuses nesting deeper than `MAX_DEPTH` with a located message,
whatever the YAML parser's own limits and wording (PyYAML 6.0.4's libyaml stops at
1000 levels, in flow style after reading only a few): where the parser gives up
first, `own_depth` counts the nesting from the text itself.
"""

from __future__ import annotations

import re

import yaml

from twin.errors import LayoutError, Problem

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted; a layout is about 7 deep. Deeper input
would exhaust the stack of the parser (libyaml's composer segfaults near 10**5 levels)."""


_BLOCK_PREFIX = re.compile(r"^[ ]*(?:[-?:][ \t]+)*", re.M)
_BRACKETS = re.compile(r"[^\[\]{}]+")


def check_depth(text: str, file: str, loader: type) -> None:
    """Refuse nesting deeper than MAX_DEPTH before a recursive parser sees it.

    A cheap upper bound first: block nesting needs indentation or '- '/'? ' prefixes,
    flow nesting needs '[' / '{' (the largest rise of the bracket count, which brackets
    inside strings can only increase). Only if the bound is high are the parser's
    events counted exactly; that pass is iterative in libyaml and costs ~10 % of a load.

    The parser may stop with an error before its events reach MAX_DEPTH: PyYAML 6.0.4's
    libyaml refuses nesting past 1000 levels, and in flow style it reads ahead, so the
    error comes before the events that lead there (two levels in, for the 5000-deep JSON
    file). Then `own_depth` counts the text's nesting itself, so the message and line are
    ours whichever parser (and whichever of its limits and wordings) is installed.
    """
    block = max((len(m) for m in _BLOCK_PREFIX.findall(text)), default=0)
    rise = depth = low = 0
    for ch in _BRACKETS.sub("", text):
        depth += 1 if ch in "[{" else -1
        low = min(low, depth)
        rise = max(rise, depth - low)
    if 2 * block + rise + 2 <= MAX_DEPTH:
        return
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise too_deep(file, event.start_mark.line + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except (yaml.YAMLError, RecursionError):
        line = own_depth(text)[1]
        if line is not None:
            raise too_deep(file, line) from None
        # else a syntax error: parse_text reports it with its line


def too_deep(file: str, line: int) -> LayoutError:
    return LayoutError(
        [
            Problem(
                file,
                "",
                f"nested more than {MAX_DEPTH} levels deep; a layout is a few "
                "levels of mappings and lists",
                line,
            )
        ]
    )


_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
"""YAML's line breaks, as the parser counts lines (str.splitlines knows more)."""
_FLOW_TOKEN = re.compile(
    r"(?P<space>[ \t]+)|(?P<open>[\[{])|(?P<close>[\]}])|(?P<comma>,)"
    r"|(?P<indicator>\?|:(?=[ \t,\[\]{}]|$))|(?P<colon>:)|(?P<comment>#)|(?P<quote>[\"'])"
    r"|(?P<property>&[\w-]*|![^ \t,\[\]{}]*)"
    r"|(?P<plain>[^ \t,\[\]{}:#\"'](?:[^ \t,\[\]{}:]|:(?![ \t,\[\]{}]|$))*)"
    r"|(?P<other>.)"
)
"""One token of flow style: '#' and quotes inside a word of a plain scalar are text."""
_PROPERTY = re.compile(r"&[\w-]*|![^ \t]*")
"""An anchor or a tag (block style)."""
_PLAIN_END = re.compile(r":(?=[ \t]|$)|[ \t]#")
"""Where a plain scalar in block style stops: a key's ':' or a comment."""
_QUOTE_END = {'"': re.compile(r'(?:[^"\\]|\\.)*+"'), "'": re.compile(r"(?:[^']|'')*+'")}
"""The rest of a quoted scalar up to its closing quote (possessive: '' is an escaped ')."""


def own_depth(text: str, limit: int = MAX_DEPTH) -> tuple[int, int | None]:
    """Nesting of `text` counted from its characters, without a YAML parser.

    Returns the deepest level seen and the 1-based line where the nesting first passes
    `limit` (None if it never does); it stops at that line. Levels count as the parser's
    collection events do: each block mapping or sequence (by indentation and '- ', '? ',
    'key: ') and each '[' or '{', skipping quoted scalars, comments, block scalars and
    continued plain scalars. On the YAML and JSON a layout uses it agrees with the parser
    (tests compare them). It is asked only once the parser has stopped with an error, to
    tell "too deep" from other mistakes, so a miscount on exotic YAML (a flow collection
    used as a key counts one level short) can only change which problem a broken file is
    reported with.
    """
    blocks: list[tuple[int, bool]] = []  # open block collections: (column, is a sequence)
    deepest = 0
    flows: list[str] = []  # open '[' and '{', and ':' for a key: value pair in a '['
    flow_at = (0, 0)  # (line, column) of the outermost open '[' or '{'
    quote = ""  # the quote of a quoted scalar still open at the end of a line
    scalar_above: int | None = None  # lines indented more than this go on with a scalar
    in_plain = False  # inside a plain scalar in flow style (it may go on over lines)

    def opened(depth: int) -> bool:
        nonlocal deepest
        deepest = max(deepest, depth)
        return depth > limit

    def open_block(col: int, is_seq: bool) -> bool:
        while blocks and (
            blocks[-1][0] > col or (blocks[-1][0] == col and blocks[-1][1] and not is_seq)
        ):
            blocks.pop()  # ended by a less indented entry, or an indentless list by a key
        if blocks and blocks[-1] == (col, is_seq):
            return False  # one more entry of an open collection
        blocks.append((col, is_seq))
        return opened(len(blocks))

    for row, line in enumerate(_LINE_BREAK.split(text), 1):
        col = 0
        if not quote and not flows:  # a line in block style: its indentation ends collections
            stripped = line.lstrip(" ")
            col = len(line) - len(stripped)
            if not stripped or stripped[0] == "#":
                continue  # blank or a comment (or a blank line of a block scalar)
            if col == 0 and stripped[0] == "%":
                continue  # a directive
            if col == 0 and stripped[:3] in ("---", "...") and stripped[3:4] in ("", " ", "\t"):
                blocks.clear()  # a document marker: the next document starts from nothing
                scalar_above = None
                if stripped[0] == ".":
                    continue
                col = 3
            elif scalar_above is not None and col > scalar_above:
                continue  # a block scalar's text or a plain scalar's next line
            scalar_above = None
            while blocks and blocks[-1][0] > col:
                blocks.pop()
        key_col: int | None = None  # column of a flow collection that just closed on this line
        node_col: int | None = None  # column of a tag or anchor: where the node after it starts
        while col <= len(line):
            if quote:
                m = _QUOTE_END[quote].match(line, col)
                if m is None:
                    break  # the quotes go on over the next line
                col, quote = m.end(), ""
                if not flows:
                    break  # the end of a quoted value over several lines
                in_plain = False
            elif flows:  # the next token in flow style
                m = _FLOW_TOKEN.match(line, col)
                if m is None:
                    break  # the end of the line
                kind, col = m.lastgroup, m.end()
                if in_plain and (
                    kind in ("quote", "property")
                    or (kind == "indicator" and m.group() == "?")
                    or (kind == "comment" and m.start() and line[m.start() - 1] not in " \t")
                ):
                    kind, col = "plain", m.start() + 1  # text of the plain scalar, not a token
                if kind == "open":
                    flows.append(m.group())
                    in_plain = False
                    if opened(len(blocks) + len(flows)):
                        return deepest, row
                elif kind in ("close", "comma"):
                    if flows[-1] == ":":
                        flows.pop()  # the end of a key: value pair in a list
                    in_plain = False
                    if kind == "close":
                        flows.pop()
                        if not flows:
                            key_col = flow_at[1] if flow_at[0] == row else None
                elif kind == "comment":
                    break
                elif kind == "indicator" or (kind == "colon" and not in_plain):
                    in_plain = False  # a ':' that starts a token is a value indicator here
                    if flows[-1] == "[":  # key: value in a list is a mapping of one pair
                        flows.append(":")
                        if opened(len(blocks) + len(flows)):
                            return deepest, row
                elif kind == "quote" and not in_plain:
                    quote = m.group()
                elif kind == "plain" or kind == "colon" or kind == "other":
                    in_plain = True
            else:  # block style: the next node on this line
                while col < len(line) and line[col] in " \t":
                    col += 1
                if col >= len(line) or line[col] == "#":
                    break
                ch, nxt = line[col], line[col + 1 : col + 2]
                at, key_col = key_col, None
                if ch in "!&":  # a tag or an anchor before the node
                    node_col = col if node_col is None else node_col
                    col = _PROPERTY.match(line, col).end()
                    continue
                start, node_col = col if node_col is None else node_col, None
                if ch in "-?:" and nxt in ("", " ", "\t"):  # an entry of a list or mapping
                    if open_block(at if ch == ":" and at is not None else start, ch == "-"):
                        return deepest, row
                    col += 1
                elif ch in "|>":  # a block scalar: its text is indented below
                    scalar_above = blocks[-1][0] if blocks else -1
                    break
                elif ch in "[{":
                    flows, flow_at, in_plain = [ch], (row, col), False
                    if opened(len(blocks) + 1):
                        return deepest, row
                    col += 1
                elif ch in "\"'":
                    m = _QUOTE_END[ch].match(line, col + 1)
                    if m is None:
                        quote = ch
                        break
                    end = m.end()
                    while end < len(line) and line[end] in " \t":
                        end += 1
                    if line[end : end + 1] != ":" or line[end + 1 : end + 2] not in ("", " ", "\t"):
                        break  # a quoted value
                    if open_block(start, False):  # a quoted key
                        return deepest, row
                    col = end + 1
                else:  # a plain scalar: a key, or a value that may go on over the next lines
                    m = _PLAIN_END.search(line, col)
                    if m is None or m.group() != ":":
                        scalar_above = blocks[-1][0] if blocks else -1
                        break
                    if open_block(start, False):
                        return deepest, row
                    col = m.end()
    return deepest, None
