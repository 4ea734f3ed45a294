# cython: annotation_typing=False, boundscheck=False, wraparound=False
"""Reads of a parsed page's elements in one pass each, walked in C in the compiled build.

Asking selectolax for a node's tag or attributes makes a Python node object per element visited
(and strings per attribute): on a page of 1,000 elements a walk or query that looks at all of them
to keep a few pays for all of them. In the compiled build (``setup.py``) these functions walk the
tree in C through lexbor's accessor functions, which selectolax's extension exports (looked up by
name once, see :func:`_bind`), and a few fields (a text's bytes, a node's name id) at their offsets
in lexbor's structs, and make node objects only for the elements they return, with selectolax's own
node constructor (from its C API, as a module cimporting selectolax would call it). Pure Python,
or when a symbol is missing or the probe page reads wrong, the same results come from selectolax's
API (a query or ``traverse``).

The walks are iterative (no recursion on deeply nested pages) and read the tree only: no pointer
is held past the call, and nodes returned keep the parser alive.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Collection, Iterable, Mapping, Sequence

import cython
from selectolax import lexbor
from selectolax.lexbor import LexborHTMLParser, LexborNode

PRESENT, EQUALS, CONTAINS_FOLDED = 0, 1, 2  # attribute tests: has it; its value is; its value holds (ASCII case-blind)
AttributeTest = tuple[str, int, str]  # (attribute name, one of the above, value)
NAMED_QUERY = "[class], [id]:not([class])"  # each element with a class or an id, once
READ = 1 << 15  # a label's flag (LabelWords): read it whole
_READ = READ  # the same, typed for the walk in C
_OUTSIDE = 1 << 16  # the walk in C's flag of a label with a byte outside ASCII or a NUL
_WORD_SLOTS = 1024  # the open-addressing table of LabelWords' words (a power of two, over twice their number)
_LETTER_RUNS = bytes(b if 97 <= b <= 122 else b + 32 if 65 <= b <= 90 else 32 for b in range(256))  # A-Z -> a-z, rest -> " "
_MAX_TAG_ID = 4096  # tag ids looked up in a table this long (lexbor's own tags are under 200)
# lexbor's functions the walks call (with the types their declarations in dom_table.pxd give them)
_SYMBOLS = (
    "lxb_dom_node_first_child_noi", "lxb_dom_node_next_noi", "lxb_dom_node_parent_noi", "lxb_dom_node_tag_id_noi",
    "lxb_dom_node_type_noi", "lxb_dom_element_first_attribute_noi", "lxb_dom_element_next_attribute_noi",
    "lxb_dom_attr_local_name_noi", "lxb_dom_attr_qualified_name", "lxb_dom_attr_value_noi",
    "lxb_dom_element_attr_by_name",
)
_ELEMENT, _TEXT = 1, 3  # lexbor's node types of an element and a text
_TAG_TABLES: dict[frozenset[int], bytes] = {}  # tag ids (a few sets, constants of the callers) -> tagged()'s table of them
# where a text node keeps its length: lexbor's lxb_dom_character_data_t is the node (lxb_dom_node_t,
# 96 bytes on 64-bit builds) then a lexbor_str_t (data pointer, length); checked on the probe page
_TEXT_LENGTH_AT = 104
_TEXT_DATA_AT = 96  # ... and its data pointer
_LOCAL_NAME_AT = 8  # where a node (an attribute too) keeps the id of its local name (a tag's: its tag id); checked too
_KEY_BITS = 4096  # the bits of named_nodes_among's filter of node addresses
_NAME_SLOTS = 256  # attribute name ids remembered per walk (see _passes)
_PRESENT, _EQUALS = PRESENT, EQUALS  # typed for the walks in C
_RECORDS: dict[tuple[AttributeTest, ...], tuple[bytes, int]] = {}  # attribute tests -> their records for _passes
_PROBE = ('<p class="a" id="b" hidden>x<i style="Display:none">y</i></p><b id="c"></b>'
          '<div>two texts<p>and a paragraph of text</p> around it</div>')


def attribute_query(tests: Sequence[AttributeTest]) -> str:
    """The CSS selector list matching what ``tests`` match."""
    forms = {PRESENT: "[{}]", EQUALS: "[{}={}]", CONTAINS_FOLDED: "[{}*={} i]"}
    return ", ".join(forms[kind].format(name, value) for name, kind, value in tests)


def label_of(node: LexborNode) -> str:
    """``"<class> <id>"`` of an element (an attribute missing or without a value reads as empty):
    two attributes looked up by name, cheaper than the dict of them all."""
    ident = node.id
    if ident is None:
        try:
            return f"{node.attrs['class'] or ''} "
        except KeyError:
            return " "
    return f"{node.attrs.sget('class')} {ident}"


def tagged_and_attributed(
    root: LexborNode, tag_ids: Collection[int], tests: Sequence[AttributeTest]
) -> tuple[list[LexborNode], list[tuple[LexborNode, dict[str, str | None]]]]:
    """The elements under ``root`` (itself included), in document order, whose tag id is one of
    ``tag_ids``; and those that pass one of the attribute ``tests`` or more, each with its attributes
    (as ``node.attributes`` reads them)."""
    if _native:
        return _native_tagged_and_attributed(root, tag_ids, tests)
    tagged = [node for node in root.traverse() if node.tag_id in tag_ids]
    attributed = []
    last = None
    for node in root.css(attribute_query(tests)):
        key = node.mem_id
        if key != last:  # a node matching several selectors comes once per selector, in a row
            attributed.append((node, node.attributes))
        last = key
    return tagged, attributed


class LabelWords:
    """Words (letter runs, lower case ASCII) and phrases (lower case ASCII, each with a dash) looked
    for in the labels (:func:`label_of`) of elements, each with its flags (bits up to :data:`READ`):
    see :meth:`flags_of`. Laid out for the walk in C as records: the words in a hash table
    (``width`` bytes a slot: length, flags in two bytes, the word) at :func:`_word_hash` &
    (:data:`_WORD_SLOTS` - 1) or the next free slot, and the phrases one after the other
    (``phrase_width`` bytes: length, offset of its first dash, flags in two bytes, the phrase)."""

    __slots__ = ("words", "phrases", "table", "width", "phrase_table", "phrase_width")

    def __init__(self, words: Mapping[bytes, int], phrases: Mapping[bytes, int]) -> None:
        if not all(word.isalpha() and word.islower() and word.isascii() and len(word) < 256 for word in words):
            raise ValueError("words are lower case ASCII letters, each under 256")
        if not all(b"-" in phrase and phrase.isascii() and phrase == phrase.lower() and len(phrase) < 256
                   for phrase in phrases):
            raise ValueError("phrases are lower case ASCII, each with a dash, under 256 bytes")
        if not all(0 < flags < 2 * READ for flags in (*words.values(), *phrases.values())):
            raise ValueError(f"flags are bits up to READ ({READ}) included")
        if 2 * len(words) > _WORD_SLOTS:
            raise ValueError(f"at most {_WORD_SLOTS // 2} words")
        self.words, self.phrases = dict(words), dict(phrases)
        self.width = 3 + max(map(len, words), default=0)
        table = bytearray(_WORD_SLOTS * self.width)
        for word, flags in words.items():
            slot = _word_hash(word) & (_WORD_SLOTS - 1)
            while table[slot * self.width]:
                slot = (slot + 1) & (_WORD_SLOTS - 1)
            table[slot * self.width:(slot + 1) * self.width] = (
                bytes([len(word)]) + flags.to_bytes(2, "little") + word.ljust(self.width - 3, b"\0"))
        self.table = bytes(table)
        self.phrase_width = 4 + max(map(len, phrases), default=0)
        self.phrase_table = b"".join(
            bytes([len(phrase), phrase.index(b"-")]) + flags.to_bytes(2, "little")
            + phrase.ljust(self.phrase_width - 4, b"\0") for phrase, flags in phrases.items())

    def flags_of(self, label: str) -> int:
        """The flags of the words the label holds as letter runs and of the phrases it holds (ASCII
        letters of either case) together; :data:`READ` alone for a label with a character outside
        ASCII or a NUL (for its reader to judge)."""
        if not label.isascii() or "\0" in label:
            return READ
        encoded = label.encode()
        flags = 0
        for word in encoded.translate(_LETTER_RUNS).split():
            flags |= self.words.get(word, 0)
        if b"-" in encoded:
            lower = encoded.lower()
            for phrase, phrase_flags in self.phrases.items():
                if phrase in lower:
                    flags |= phrase_flags
        return flags


def _word_hash(word: bytes) -> int:
    """The hash of a word in :class:`LabelWords`' table (its walk in C computes it byte by byte)."""
    found = 0
    for byte in word:
        found = (found * 33 + byte) & 0xFFFFFFFF
    return found


class Flagged:
    """The elements under a root (itself included) with a class or an id whose label has flags
    (:meth:`LabelWords.flags_of`), in document order: each one's ``mem_id`` (``keys``), its
    ``flags``, its label where :data:`READ` is among them (``labels``, None elsewhere), and the
    elements themselves at chosen positions (:meth:`nodes`)."""

    __slots__ = ("keys", "flags", "labels", "_parser", "_nodes")

    def __init__(self, keys: list[int], flags: list[int], labels: list[str | None], parser: LexborHTMLParser | None,
                 nodes: list[LexborNode] | None) -> None:
        self.keys, self.flags, self.labels = keys, flags, labels
        self._parser = parser
        self._nodes = nodes  # the elements (pure Python)

    def nodes(self, at: Iterable[int]) -> list[LexborNode]:
        """The elements at positions ``at``."""
        if self._nodes is not None:
            return [self._nodes[i] for i in at]
        keys, parser = self.keys, self._parser
        return [_new_node(cython.cast("void *", cython.cast(cython.size_t, keys[i])), parser) for i in at]


def named_flags(root: LexborNode, words: LabelWords) -> Flagged:
    """The elements under ``root`` whose label holds one of ``words`` or one of its phrases, with
    their flags (see :class:`Flagged`): most labels hold none, and the walk in C makes no string
    nor node for them."""
    if _native:
        return _native_named_flags(root, words)
    keys, flags, labels, nodes = [], [], [], []
    for node in root.css(NAMED_QUERY):
        label = label_of(node)
        found = words.flags_of(label)
        if found:
            keys.append(node.mem_id)
            flags.append(found)
            labels.append(label if found & READ else None)
            nodes.append(node)
    return Flagged(keys, flags, labels, None, nodes)


def named_nodes_among(root: LexborNode, keys: Collection[int]) -> list[LexborNode]:
    """The elements under ``root`` (itself included) with a class or an id whose ``mem_id`` is one of
    ``keys``, in document order."""
    if _native:
        return _native_named_nodes_among(root, keys)
    return [node for node in root.css(NAMED_QUERY) if node.mem_id in keys]


def tagged(root: LexborNode, tag_ids: frozenset[int], most: int = -1) -> list[LexborNode]:
    """The elements under ``root`` (itself included), in document order, whose tag id is one of
    ``tag_ids`` (the first ``most`` of them when ``most`` is not negative): what a CSS query of their
    tag names gives, without a selector to parse."""
    if _native:
        table = _TAG_TABLES.get(tag_ids)
        if table is None:
            table = _TAG_TABLES[tag_ids] = bytes(1 if tag_id in tag_ids else 0 for tag_id in range(_MAX_TAG_ID))
        return _native_tagged(root, table, most)
    out = []
    for node in root.traverse():
        if len(out) == most:
            break
        if node.tag_id in tag_ids:
            out.append(node)
    return out


def text_length(node: LexborNode) -> int:
    """``len(node.text())``, counted in C in the compiled build without making the text (where the
    text is valid UTF-8, as a parsed page's is)."""
    if _native:
        length = _native_text_length(node)
        if length >= 0:
            return length
    return len(node.text())


def holds_own_text(node: LexborNode) -> bool:
    """Whether ``node.text(deep=False).strip()`` is not empty (read in C where its text children are
    ASCII)."""
    if _native:
        found = _native_holds_own_text(node)
        if found >= 0:
            return found == 1
    return bool(node.text(deep=False).strip())


def texted(root: LexborNode, deep_ids: Collection[int], own_ids: Collection[int], deep_min: int,
           own_min: int) -> list[LexborNode]:
    """The elements below ``root``, in document order, whose tag id is one of ``deep_ids`` with a
    ``text()`` of at least ``deep_min`` characters, or one of ``own_ids`` with a ``text(deep=False)``
    (its own text nodes) of at least ``own_min``; the walk in C counts the text's bytes in the page
    (never fewer than its characters), so it may give more elements than these, never fewer."""
    if _native:
        return _native_texted(root, deep_ids, own_ids, deep_min, own_min)
    out = []
    for node in root.traverse():
        tag_id = node.tag_id
        if node.mem_id != root.mem_id and (tag_id in deep_ids or tag_id in own_ids):
            deep = tag_id in deep_ids
            if len(node.text(deep=deep)) >= (deep_min if deep else own_min):
                out.append(node)
    return out


# ---- the compiled build's walks (never run in pure Python: ``_native`` stays False there) ----


def _following(node, root):
    """The node after ``node`` in document order inside ``root``'s subtree (NULL past its end)."""
    step = _first_child(node)
    if step != cython.NULL:
        return step
    while node != root:
        step = _next(node)
        if step != cython.NULL:
            return step
        node = _parent(node)
    return cython.NULL


def _text(data, length) -> str:
    """The ``length`` bytes at ``data`` decoded as selectolax decodes them (None for NULL)."""
    return data[:length].decode("utf-8", "replace") if data != cython.NULL else None


def _attributes(element) -> dict:
    """The element's attributes as ``node.attributes`` reads them (qualified names; None: no value)."""
    out = {}
    length = 0
    attr = _first_attribute(element)
    while attr != cython.NULL:
        name = _qualified_name(attr, cython.address(length))
        key = _text(name, length)
        value = _value(attr, cython.address(length))
        out[key] = _text(value, length)
        attr = _next_attribute(attr)
    return out


def _test_records(tests: Sequence[AttributeTest]) -> tuple[bytes, int]:
    """The attribute tests as records for :func:`_passes`, and their width: the name's length, the
    kind, the value's length, the name, the value (lower case where folded); cached."""
    key = tuple(tests)
    found = _RECORDS.get(key)
    if found is None:
        found = _RECORDS[key] = _encoded_tests(key)
    return found


def _encoded_tests(tests: tuple[AttributeTest, ...]) -> tuple[bytes, int]:
    encoded = [(name.encode(), kind, (value.lower() if kind == CONTAINS_FOLDED else value).encode())
               for name, kind, value in tests]
    if len(encoded) > 32 or any(len(name) > 255 or len(value) > 255 for name, _, value in encoded):
        raise ValueError("at most 32 tests, names and values under 256 bytes")
    width = 3 + max((len(name) + len(value) for name, _, value in encoded), default=0)
    return b"".join(bytes([len(name), kind, len(value)]) + (name + value).ljust(width - 3, b"\0")
                    for name, kind, value in encoded), width


def _tests_of_name(name, length, records, width, count) -> cython.uint:
    """The tests (bits by position) that read the attribute whose local name is the ``length`` bytes
    at ``name``."""
    found = 0
    for i in range(count):
        record = records + i * width
        if record[0] == length and _same(name, record + 3, length):
            found |= 1 << i
    return found


def _passes(element, records, width, count, ids, tests_of_id, filled) -> cython.bint:
    """Whether one of the attribute tests (``count`` records at ``records``) passes on the element.
    The tests that read an attribute are remembered by its name's id (read at
    :data:`_LOCAL_NAME_AT`) in an open-addressing table (``ids``, ``tests_of_id``), filled to half
    its :data:`_NAME_SLOTS` at most (``filled`` counts them)."""
    length = size = 0
    attr = _first_attribute(element)
    while attr != cython.NULL:
        key = cython.cast("uintptr_t *", cython.cast("char *", attr) + _LOCAL_NAME_AT)[0]
        slot = (key ^ key >> 9) & (_NAME_SLOTS - 1)
        while ids[slot] != key and ids[slot] != 0:
            slot = (slot + 1) & (_NAME_SLOTS - 1)
        if ids[slot] == key and key != 0:
            tests = tests_of_id[slot]
        else:
            name = _local_name(attr, cython.address(length))
            tests = _tests_of_name(name, length, records, width, count) if name != cython.NULL else 0
            if key != 0 and 2 * filled[0] < _NAME_SLOTS:
                ids[slot] = key
                tests_of_id[slot] = tests
                filled[0] += 1
        i = 0
        while tests:
            if tests & 1:
                record = records + i * width
                if record[1] == _PRESENT:
                    return True
                value = _value(attr, cython.address(size))
                if value != cython.NULL:
                    needle = record + 3 + record[0]
                    if record[1] == _EQUALS:
                        if record[2] == size and _same(value, needle, size):
                            return True
                    elif record[2] and _holds_folded(value, size, needle, record[2]):
                        return True
            tests >>= 1
            i += 1
        attr = _next_attribute(attr)
    return False


def _same(a, b, size) -> cython.bint:
    """Whether the ``size`` bytes at ``a`` and ``b`` are the same."""
    for i in range(size):
        if a[i] != b[i]:
            return False
    return True


def _holds_folded(text, length, needle, size) -> cython.bint:
    """Whether ``needle`` (lower case) occurs in ``text`` with ASCII letters of either case."""
    if size > length:
        return False
    for start in range(length - size + 1):
        for i in range(size):
            c = text[start + i]
            if 65 <= c <= 90:
                c += 32
            if c != needle[i]:
                break
        else:
            return True
    return False


def _native_tagged_and_attributed(root: LexborNode, tag_ids, tests):
    wanted = bytearray(_MAX_TAG_ID)
    for tag_id in tag_ids:
        if tag_id < _MAX_TAG_ID:
            wanted[tag_id] = 1
    table = cython.cast("const unsigned char *", wanted)
    encoded, width = _test_records(tests)
    records = cython.cast("const unsigned char *", encoded)
    count = len(tests)
    id_table = bytearray(_NAME_SLOTS * cython.sizeof(cython.size_t))
    tests_table = bytearray(_NAME_SLOTS * cython.sizeof(cython.uint))
    ids = cython.cast("uintptr_t *", cython.cast("char *", id_table))
    tests_of_id = cython.cast("uint *", cython.cast("char *", tests_table))
    filled = 0
    parser = root.parser
    tagged, attributed = [], []
    top = cython.cast("void *", cython.cast(cython.size_t, root.mem_id))
    node = top
    while node != cython.NULL:
        if _node_type(node) == _ELEMENT:
            tag_id = _tag_id(node)
            made = None
            if tag_id < _MAX_TAG_ID and table[tag_id]:
                made = _new_node(node, parser)
                tagged.append(made)
            if _first_attribute(node) != cython.NULL and _passes(node, records, width, count, ids, tests_of_id, cython.address(filled)):
                attributed.append((made if made is not None else _new_node(node, parser), _attributes(node)))
        node = _following(node, top)
    return tagged, attributed


def _label(element) -> str:
    """:func:`label_of` of an element that has a class or an id, or None if it has neither."""
    found_class = _attr_by_name(element, cython.cast("const unsigned char *", b"class"), 5)
    found_id = _attr_by_name(element, cython.cast("const unsigned char *", b"id"), 2)
    if found_class == cython.NULL and found_id == cython.NULL:
        return None
    label = " "
    length = 0
    if found_class != cython.NULL:
        value = _value(found_class, cython.address(length))
        if value != cython.NULL and length:
            label = value[:length].decode("utf-8", "replace") + label
    if found_id != cython.NULL:
        value = _value(found_id, cython.address(length))
        if value != cython.NULL and length:
            label = label + value[:length].decode("utf-8", "replace")
    return label


def _is_named(element) -> cython.bint:
    """Whether the element has a class or an id (one of :data:`NAMED_QUERY`'s matches)."""
    return (_attr_by_name(element, cython.cast("const unsigned char *", b"class"), 5) != cython.NULL
            or _attr_by_name(element, cython.cast("const unsigned char *", b"id"), 2) != cython.NULL)


def _same_folded(text, lower, size) -> cython.bint:
    """Whether the ``size`` bytes at ``text``, ASCII letters lower-cased, are those at ``lower``."""
    for i in range(size):
        c = text[i]
        if 65 <= c <= 90:
            c += 32
        if c != lower[i]:
            return False
    return True


def _value_flags(value, length, table, width, phrases, phrase_width, phrase_count) -> cython.uint:
    """:meth:`LabelWords.flags_of` of the ``length`` bytes at ``value`` (:class:`LabelWords`' records
    at ``table`` and ``phrases``), with :data:`_OUTSIDE` for a byte outside ASCII or a NUL."""
    flags = 0
    found = run = 0
    for i in range(length + 1):
        c = value[i] if i < length else 32
        if 65 <= c <= 90:
            c += 32
        if 97 <= c <= 122:
            found = found * 33 + c
            run += 1
            continue
        if c >= 128 or c == 0:
            return _OUTSIDE
        if run:
            slot = found & (_WORD_SLOTS - 1)
            while table[slot * width]:
                record = table + slot * width
                if record[0] == run and _same_folded(value + i - run, record + 3, run):
                    flags |= record[1] | record[2] << 8
                    break
                slot = (slot + 1) & (_WORD_SLOTS - 1)
            found = run = 0
        if c == 45:  # a dash: the phrases whose first dash it may be
            for p in range(phrase_count):
                record = phrases + p * phrase_width
                start = cython.cast(cython.Py_ssize_t, i) - record[1]
                if start >= 0 and start + record[0] <= length and _same_folded(value + start, record + 4, record[0]):
                    flags |= record[2] | record[3] << 8
    return flags


def _native_named_flags(root: LexborNode, words: LabelWords):
    table = cython.cast("const unsigned char *", words.table)
    phrases = cython.cast("const unsigned char *", words.phrase_table)
    width, phrase_width = words.width, words.phrase_width
    phrase_count = len(words.phrases)
    keys, flags, labels = [], [], []
    length = 0
    top = cython.cast("void *", cython.cast(cython.size_t, root.mem_id))
    node = top
    while node != cython.NULL:
        if _node_type(node) == _ELEMENT and _first_attribute(node) != cython.NULL:
            found = 0
            for name in range(2):
                attr = _attr_by_name(node, cython.cast("const unsigned char *", b"class"), 5) if name == 0 \
                    else _attr_by_name(node, cython.cast("const unsigned char *", b"id"), 2)
                if attr == cython.NULL:
                    continue
                value = _value(attr, cython.address(length))
                if value != cython.NULL:
                    found |= _value_flags(value, length, table, width, phrases, phrase_width, phrase_count)
            if found:
                if found & _OUTSIDE:
                    found = _READ
                keys.append(cython.cast(cython.size_t, node))
                flags.append(found)
                labels.append(_label(node) if found & _READ else None)
        node = _following(node, top)
    return Flagged(keys, flags, labels, root.parser, None)


def _key_bit(key) -> cython.size_t:
    """The bit of a node's address in :func:`_native_named_nodes_among`'s filter."""
    return (key >> 4 ^ key >> 16) & (_KEY_BITS - 1)


def _native_named_nodes_among(root: LexborNode, keys):
    parser = root.parser
    out = []
    if not keys:
        return out
    bits = bytearray(_KEY_BITS // 8)  # a bit set for each key: most elements are told apart without a lookup
    for key in keys:
        bit = _key_bit(key)
        bits[bit >> 3] |= 1 << (bit & 7)
    table = cython.cast("const unsigned char *", bits)
    top = cython.cast("void *", cython.cast(cython.size_t, root.mem_id))
    node = top
    while node != cython.NULL:
        if _node_type(node) == _ELEMENT:
            bit = _key_bit(cython.cast(cython.size_t, node))
            if table[bit >> 3] >> (bit & 7) & 1 and cython.cast(cython.size_t, node) in keys \
                    and _first_attribute(node) != cython.NULL and _is_named(node):
                out.append(_new_node(node, parser))
        node = _following(node, top)
    return out


def _native_holds_own_text(element: LexborNode) -> cython.int:
    """1 if a text child of the element holds an ASCII character that is not white space (as
    ``str.isspace`` reads them), 0 if none does and all are ASCII, -1 where one is not."""
    top = cython.cast("void *", cython.cast(cython.size_t, element.mem_id))
    if _node_type(top) == _TEXT:
        return -1  # a text node's own text: read through the API
    ascii_only = True
    node = _first_child(top)
    while node != cython.NULL:
        if _node_type(node) == _TEXT:
            data = cython.cast("const unsigned char **", cython.cast("char *", node) + _TEXT_DATA_AT)[0]
            if data != cython.NULL:
                length = cython.cast("size_t *", cython.cast("char *", node) + _TEXT_LENGTH_AT)[0]
                for i in range(length):
                    c = data[i]
                    if c >= 0x80:
                        ascii_only = False
                    elif not (9 <= c <= 13 or 28 <= c <= 32):
                        return 1
        node = _next(node)
    return 0 if ascii_only else -1


def _text_bytes(node, root, deep: cython.bint, enough) -> cython.size_t:
    """The UTF-8 length of the text nodes under ``root`` (all of them, or its children only), counted
    until it reaches ``enough``."""
    total = 0
    node = _first_child(root)
    while node != cython.NULL and total < enough:
        if _node_type(node) == _TEXT:
            total += cython.cast("size_t *", cython.cast("char *", node) + _TEXT_LENGTH_AT)[0]
        node = _following(node, root) if deep else _next(node)
    return total


def _native_tagged(root: LexborNode, tag_table: bytes, most):
    table = cython.cast("const unsigned char *", tag_table)
    parser = root.parser
    out = []
    if most == 0:
        return out
    top = cython.cast("void *", cython.cast(cython.size_t, root.mem_id))
    node = top
    while node != cython.NULL:
        if _node_type(node) == _ELEMENT:
            tag_id = _tag_id(node)
            if tag_id < _MAX_TAG_ID and table[tag_id]:
                out.append(_new_node(node, parser))
                if len(out) == most:
                    break
        node = _following(node, top)
    return out


def _native_text_length(element: LexborNode) -> cython.Py_ssize_t:
    """``len(element.text())`` from its text nodes' bytes, or -1 where one is not valid UTF-8."""
    top = cython.cast("void *", cython.cast(cython.size_t, element.mem_id))
    total = 0
    if _node_type(top) == _TEXT:
        return -1  # a text node's own text: read through the API
    node = _first_child(top)
    while node != cython.NULL:
        if _node_type(node) == _TEXT:
            data = cython.cast("const unsigned char **", cython.cast("char *", node) + _TEXT_DATA_AT)[0]
            if data != cython.NULL:
                chars = utf8_chars(  # noqa: F821 (io.decode's, cimported in dom_table.pxd)
                    data, cython.cast("size_t *", cython.cast("char *", node) + _TEXT_LENGTH_AT)[0], False)
                if chars < 0:
                    return -1
                total += chars
        node = _following(node, top)
    return total


def _native_texted(root: LexborNode, deep_ids, own_ids, deep_min, own_min):
    kinds = bytearray(_MAX_TAG_ID)  # 1: its text counts in all, 2: its own text counts
    for tag_id in own_ids:
        if tag_id < _MAX_TAG_ID:
            kinds[tag_id] = 2
    for tag_id in deep_ids:
        if tag_id < _MAX_TAG_ID:
            kinds[tag_id] = 1
    table = cython.cast("const unsigned char *", kinds)
    parser = root.parser
    out = []
    top = cython.cast("void *", cython.cast(cython.size_t, root.mem_id))
    node = _first_child(top)
    while node != cython.NULL:
        if _node_type(node) == _ELEMENT:
            tag_id = _tag_id(node)
            kind = table[tag_id] if tag_id < _MAX_TAG_ID else 0
            if kind == 1 and _text_bytes(node, node, True, deep_min) >= deep_min \
                    or kind == 2 and _text_bytes(node, node, False, own_min) >= own_min:
                out.append(_new_node(node, parser))
        node = _following(node, top)
    return out


def _name_id(key: int) -> int:
    """The id read at :data:`_LOCAL_NAME_AT` of the node whose ``mem_id`` is ``key``."""
    return cython.cast("uintptr_t *", cython.cast("char *", cython.cast(cython.size_t, key)) + _LOCAL_NAME_AT)[0]


def _bind() -> bool:
    """Look up lexbor's functions and selectolax's node constructor, and check that they read a probe
    page as selectolax's API does; False (the API is used) when anything is missing or differs."""
    global _first_child, _next, _parent, _tag_id, _node_type, _first_attribute, _next_attribute
    global _local_name, _qualified_name, _value, _attr_by_name, _new_node
    if not cython.compiled:
        return False
    try:
        library = ctypes.CDLL(lexbor.__file__, mode=os.RTLD_NOLOAD | os.RTLD_NOW)
        addresses = [ctypes.cast(getattr(library, name), ctypes.c_void_p).value for name in _SYMBOLS]
        capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
        capsule_pointer.restype, capsule_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
        vtable = capsule_pointer(LexborNode.__pyx_vtable__, None)  # its first entry: LexborNode.new(node, parser)
        constructor = ctypes.c_void_p.from_address(vtable).value
    except (OSError, AttributeError, ValueError):
        return False
    if not all(addresses) or not constructor:
        return False
    (first_child, next_, parent, tag_id, node_type, first_attribute, next_attribute, local_name, qualified_name,
     value, attr_by_name) = addresses
    _first_child = cython.cast("NodeStep", cython.cast(cython.size_t, first_child))
    _next = cython.cast("NodeStep", cython.cast(cython.size_t, next_))
    _parent = cython.cast("NodeStep", cython.cast(cython.size_t, parent))
    _tag_id = cython.cast("NodeTagId", cython.cast(cython.size_t, tag_id))
    _node_type = cython.cast("NodeType", cython.cast(cython.size_t, node_type))
    _first_attribute = cython.cast("NodeStep", cython.cast(cython.size_t, first_attribute))
    _next_attribute = cython.cast("NodeStep", cython.cast(cython.size_t, next_attribute))
    _local_name = cython.cast("AttrString", cython.cast(cython.size_t, local_name))
    _qualified_name = cython.cast("AttrString", cython.cast(cython.size_t, qualified_name))
    _value = cython.cast("AttrString", cython.cast(cython.size_t, value))
    _attr_by_name = cython.cast("AttrByName", cython.cast(cython.size_t, attr_by_name))
    _new_node = cython.cast("NodeNew", cython.cast(cython.size_t, constructor))
    return _reads_like_the_api()


def _reads_like_the_api() -> bool:
    """Whether the native walks give what the API gives on :data:`_PROBE`."""
    global _native
    root = LexborHTMLParser(_PROBE).root
    tag_ids = {node.tag_id for node in root.traverse()}
    tests = [("hidden", PRESENT, ""), ("style", CONTAINS_FOLDED, "display"), ("id", EQUALS, "c")]
    words = LabelWords({b"a": READ, b"c": 1, b"x": 2}, {b"a-b": 4})
    flagged = named_flags(root, words)
    expected = (tagged_and_attributed(root, tag_ids, tests), (flagged.keys, flagged.flags, flagged.labels))
    texted_ids = ({node.tag_id for node in root.css("p")}, {node.tag_id for node in root.css("div")})
    expected_texted = [[n.mem_id for n in texted(root, *texted_ids, least, least)] for least in (1, 13, 24)]
    _native = True
    try:
        flagged = named_flags(root, words)
        got = (tagged_and_attributed(root, tag_ids, tests), (flagged.keys, flagged.flags, flagged.labels))
        keys = {node.mem_id for node in root.css(NAMED_QUERY)}
        same = (
            [n.mem_id for n in got[0][0]] == [n.mem_id for n in expected[0][0]]
            and [(n.mem_id, a) for n, a in got[0][1]] == [(n.mem_id, a) for n, a in expected[0][1]]
            and got[1] == expected[1] and got[1][1:] == ([READ, 1], ["a b", None])
            and [n.mem_id for n in flagged.nodes(range(2))] == [n.mem_id for n in root.css(NAMED_QUERY)]
            and [n.mem_id for n in tagged(root, frozenset(texted_ids[0]))] == [n.mem_id for n in root.css("p")]
            and [text_length(n) for n in root.traverse()] == [len(n.text()) for n in root.traverse()]
            and [_name_id(n.mem_id) for n in root.traverse()] == [n.tag_id for n in root.traverse()]
            and [holds_own_text(n) for n in root.traverse()] == [bool(n.text(deep=False).strip()) for n in root.traverse()]
            and [n.tag for n in named_nodes_among(root, keys)] == ["p", "b"]
            and [[n.mem_id for n in texted(root, *texted_ids, least, least)] for least in (1, 13, 24)]
            == expected_texted
        )
    except Exception:  # noqa: BLE001 (any failure of the native reads: the API is used)
        same = False
    _native = False
    return same


_native = False
_bound = _bind()  # whether the walks can run in C
_native = _bound


def native() -> bool:
    """Whether the walks run in C (the compiled build with lexbor's functions found)."""
    return _native


def use_native(on: bool) -> bool:
    """Run the walks in C (when they can) or through the API (tests compare the two); returns the
    previous setting."""
    global _native
    previous = _native
    _native = on and _bound
    return previous
