"""Counter names: the constructors build the strings stats.json has always held, and parse reads them back."""
from omniweave import counters


def test_constructors_build_the_same_strings():
    assert counters.dropped("too_short") == "dropped:too_short"
    assert counters.skipped("extraction_error") == "skipped:extraction_error"
    assert counters.removed_paragraphs("uppercase") == "removed_paragraphs:uppercase"
    assert counters.removed_lines("javascript") == "removed_lines:javascript"
    assert counters.removed_images("http_404") == "removed_images:http_404"
    assert counters.merged_paragraphs("merge_short") == "merged_paragraphs:merge_short"
    assert counters.status("ok") == "status:ok"
    assert counters.rounds(2) == "rounds:2"
    assert counters.reduce(counters.removals("a.org")) == "reduce:removals@a.org"


def test_parse_and_reasons():
    assert counters.parse("dropped:lang:zh") == ("dropped", "lang:zh")
    assert counters.parse("kept") == ("kept", None)
    counts = {"in": 3, "kept": 1, "dropped:a": 1, "dropped:b": 1, "skipped:c": 4,
              "removed_images:x": 2, "removed_lines:y": 5, "reduce:removals@a.org": 7}
    assert counters.reasons(counts, counters.DROPPED) == {"a": 1, "b": 1}
    assert counters.domain_removals(counts) == {"a.org": 7}
    assert [k for k in counts if counters.is_text_edit(k)] == ["removed_lines:y"]
