"""OmniCorpus's document normalisers, run before its paragraph rules (step ``omnicorpus_normalise``).

In each text node of ``kinds``, in this order:

- a line that is a ``[Video]`` field (``[Video] ...``, ``[视频]``) is removed (``removed_lines:video_field``);
- a "read the full article" / "full text" stub line is removed (``removed_lines:full_text_stub``);
- a run of at least ``underscore_run`` underscores splits the node in two (``split_paragraphs:underscore_run``);
- a line not ending in ``. ! ? : ; ) ' "`` (or their full-width forms) runs on into the next one: the
  two are joined, with a space unless the break is between CJK characters (``joined_lines:broken_line``).
"""

from __future__ import annotations

import re

from pydantic import Field

from omniweave import counters
from omniweave.document import Document, Node, TextNode
from omniweave.filters.omnicorpus_paragraphs import CountsEvents
from omniweave.filters.paragraph_rows import is_image_caption
from omniweave.filters.paragraphs_base import ParagraphParams
from omniweave.text.words import is_cjk_char

VIDEO_FIELD = re.compile(r"^\s*[\[【]\s*(video|embedded video|视频)\s*([:：][^\]】]*)?[\]】]", re.IGNORECASE)
FULL_TEXT_STUB = re.compile(
    r"^\s*[\[(（【]?\s*(read the full (article|story|text|report)|full (text|article|story)|view full text|"
    r"click (here )?(to read|for) the full (article|story|text)|read full (article|story)|"
    r"阅读全文|查看全文|全文阅读|查看原文|展开全文|点击查看全文)\s*[\])）】]?\s*[.:：>»›…]*\s*$",
    re.IGNORECASE,
)
LINE_ENDS = (".", "!", "?", ":", ";", ")", "'", '"', "。", "！", "？", "：", "；", "）", "”", "’", "」", "』", "…")


def may_drop(text: str) -> bool:
    """Whether ``text`` holds what every line either pattern matches holds: a bracket, "full" in any
    case (only ASCII letters match f, u, l ignoring case), 全文 or 原文. A node without it has no
    line to drop (found with substring searches, ~30x faster than a case-insensitive pattern)."""
    return "[" in text or "【" in text or "全文" in text or "原文" in text or "full" in text.lower()


class NormaliseParams(ParagraphParams):
    kinds: list[str] = Field(default_factory=lambda: ["paragraph", "list_item", "quote"])
    drop_video_fields: bool = True
    drop_full_text_stubs: bool = True
    underscore_run: int | None = Field(15, ge=2, description="split at this many underscores in a row (None: off)")
    join_broken_lines: bool = True


class OmnicorpusNormalise(CountsEvents):
    """Join broken lines, split at underscore runs, drop [Video] fields and full-text stubs."""

    name = "omnicorpus_normalise"
    Params = NormaliseParams
    counter = counters.REMOVED_LINES

    def clean(self, doc: Document) -> list[tuple[str, str]]:
        p: NormaliseParams = self.params  # type: ignore[assignment]
        run = "_" * p.underscore_run if p.underscore_run else None
        split = re.compile(f"_{{{p.underscore_run},}}") if run else None
        removed: list[tuple[str, str]] = []
        nodes: list[Node] = []
        for i, node in enumerate(doc.nodes):
            if not isinstance(node, TextNode) or node.kind not in p.kinds or is_image_caption(doc.nodes, i):
                nodes.append(node)
                continue
            lines = node.text.splitlines()
            if (p.drop_video_fields or p.drop_full_text_stubs) and may_drop(node.text):
                lines = self.kept_lines(lines, removed)
            joined = "\n".join(lines)  # its only line breaks are "\n"
            pieces = split.split(joined) if split is not None and run and run in joined else [joined]
            if len(pieces) > 1:
                self.events[counters.split_paragraphs("underscore_run")] += len(pieces) - 1
            for piece in pieces:
                text = self.join_lines(piece) if p.join_broken_lines and "\n" in piece else piece
                if text.strip():
                    nodes.append(node if text == node.text else TextNode(text.strip(), node.kind))
        doc.nodes = nodes
        return removed

    def kept_lines(self, lines: list[str], removed: list[tuple[str, str]]) -> list[str]:
        """``lines`` but [Video] fields and full-text stubs, which go to ``removed`` with their reason."""
        p: NormaliseParams = self.params  # type: ignore[assignment]
        kept = []
        for line in lines:
            if p.drop_video_fields and VIDEO_FIELD.match(line):
                removed.append((line.strip(), "video_field"))
            elif p.drop_full_text_stubs and FULL_TEXT_STUB.match(line):
                removed.append((line.strip(), "full_text_stub"))
            else:
                kept.append(line)
        return kept

    def join_lines(self, text: str) -> str:
        """``text`` with each line that does not end a sentence joined to the next."""
        lines = [s.strip() for s in text.splitlines() if s.strip()]
        if len(lines) < 2:
            return text
        out = [lines[0]]
        for line in lines[1:]:
            if out[-1].endswith(LINE_ENDS):
                out.append(line)
            else:
                sep = "" if is_cjk_char(out[-1][-1]) and is_cjk_char(line[0]) else " "
                out[-1] = out[-1] + sep + line
                self.events[counters.joined_lines("broken_line")] += 1
        return "\n".join(out)
