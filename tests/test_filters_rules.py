"""Each text rule on small crafted documents: one kept and one dropped case per rule."""

from __future__ import annotations

import pytest

from omniweave.document import Document, ImageNode, TextNode
from omniweave.filters.boilerplate import BoilerplateParagraphs, boilerplate_rule
from omniweave.filters.c4 import C4, sentence_count
from omniweave.filters.fineweb import FineWebQuality
from omniweave.filters.gopher import GopherQuality, GopherRepetition
from omniweave.filters.quality import DocumentQuality, ParagraphQuality
from omniweave.pipeline.context import TaskContext
from omniweave.text.repetition import (
    char_repetition_ratio,
    duplicate_ngram_char_ratio,
    duplicates,
    top_ngram_char_ratio,
    word_repetition_ratio,
)
from omniweave.text.stats import punctuation_count, special_char_ratio
from omniweave.text.words import ends_sentence, words

PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year. Members agreed that the "
    "library needs a new roof before winter, and that the repairs should start as soon as the money is "
    "available. The treasurer said the town had saved enough over the last three years to cover most of "
    "the cost. A final vote will take place next month, after the architects have presented their plans "
    "to the public and answered questions from residents who live near the building. Work could begin "
    "in the spring if the weather allows it."
)
ZH_PROSE = (
    "近年来，我省积极把握制造业发展趋势，加速向智能制造、绿色制造、高端制造方向转型升级。"
    "工信部发布了年度绿色制造名单，我省有十五家企业入选国家级绿色工厂。这些企业在节能降耗方面做了大量工作，"
    "也为全省的产业升级提供了可以借鉴的经验。专家认为，绿色发展不仅是责任，也是企业提高竞争力的重要途径。"
)


def doc(*texts: str, lang: str | None = "en") -> Document:
    return Document(id="d", nodes=[TextNode(t) for t in texts], language=lang)


def ctx() -> TaskContext:
    return TaskContext(task_id="t", pass_index=0, run=None)  # type: ignore[arg-type]


# --- words and measures -----------------------------------------------------------------------

def test_words_are_script_aware():
    assert words("Don't panic: 42 towels!") == ("Don't", "panic", "42", "towels")
    zh = words("中华人民共和国成立于1949年，首都是北京。")
    assert "北京" in zh and "1949" in zh and "，" not in zh
    assert len(zh) > 5  # a Chinese sentence is many words, not one


@pytest.mark.parametrize("text", [
    PROSE * 3, ZH_PROSE * 4, "buy cheap pills now today " * 80, "aa b aa b c d c d " * 2 + PROSE,
    "x" * 40 + " " + "abcdefghijklmnopqrstuvwxyz " * 30,
])
def test_repetition_counted_with_numpy_equals_counted_in_a_counter(monkeypatch, text):
    from omniweave.text import repetition

    ws = words(text)
    measured = []
    for numpy_from in (10**9, 0):
        monkeypatch.setattr(repetition, "NUMPY_FROM", numpy_from)
        monkeypatch.setattr(repetition, "ARRAYS_FROM", numpy_from)
        measured.append([char_repetition_ratio(text), word_repetition_ratio(ws), word_repetition_ratio(ws, 2),
                         *(top_ngram_char_ratio(ws, n) for n in (1, 2, 3, 4)),
                         *(duplicate_ngram_char_ratio(ws, n) for n in range(5, 11))])
    assert measured[0] == pytest.approx(measured[1], abs=1e-12)


@pytest.mark.parametrize("in_table", [False, True])
@pytest.mark.parametrize("text", [ZH_PROSE * 6, "buy cheap pills now today " * 80, "aa b aa b c d c d " * 40 + PROSE])
def test_ngram_lengths_sharing_their_repeats_measure_as_each_alone(monkeypatch, text, in_table):
    """WordArrays.repeats(n) narrows n-grams to runs of repeated shorter ones, and the compiled build
    counts them in a hash table instead (text/counting.py): asked in any order, on one WordArrays,
    every measure equals the one counted in a Counter."""
    from omniweave.text import counting, repetition

    if in_table and not counting.COMPILED:
        pytest.skip("the hash table counts in the compiled build only")
    ws = words(text)
    monkeypatch.setattr(repetition, "NUMPY_FROM", 10**9)
    monkeypatch.setattr(repetition, "ARRAYS_FROM", 10**9)
    alone = {n: (top_ngram_char_ratio(ws, n), duplicate_ngram_char_ratio(ws, n), word_repetition_ratio(ws, n))
             for n in range(1, 21)}
    monkeypatch.setattr(repetition, "NUMPY_FROM", 0)
    monkeypatch.setattr(repetition, "ARRAYS_FROM", 0)
    monkeypatch.setattr(repetition, "COUNTING_COMPILED", in_table)
    for order in (range(1, 21), range(20, 0, -1), (4, 20, 6, 2, 10, 3, 1, 15)):
        arrays = repetition.WordArrays.of(ws)
        for n in order:
            shared = (top_ngram_char_ratio(ws, n, arrays), duplicate_ngram_char_ratio(ws, n, arrays),
                      word_repetition_ratio(ws, n, arrays))
            assert shared == pytest.approx(alone[n], abs=1e-12), n


def test_a_documents_paragraphs_measured_in_one_pass_equal_each_measured_alone():
    texts = [PROSE, "abcdefghijklmnop" * 20, "short", "", ZH_PROSE * 3, "x" * 10, "aa b aa b c d c d " * 9]
    d = doc(*[t or " " for t in texts])
    d.analysis.measure_nodes(10)
    for node in d.analysis.nodes:
        assert node.analysis.char_repetition(10) == pytest.approx(char_repetition_ratio(node.text), abs=1e-12)
        assert node.analysis.special_chars == round(special_char_ratio(node.text) * len(node.text))
        assert node.analysis.punctuation == punctuation_count(node.text)


def test_a_shed_analysis_keeps_the_word_count_and_measures_the_rest_again():
    d = doc(PROSE, ZH_PROSE, "Short one.")
    before = d.analysis
    measured = (before.words, before.alpha_words, before.special_chars, before.word_repetition(2), before.lines)
    node = d.texts[0]
    _ = node.analysis.special_chars
    d.shed_analysis()
    assert vars(node.analysis).keys() & {"words", "special_chars"} == set()
    assert d.analysis.word_count == len(measured[0])
    again = d.analysis
    assert again is not before
    assert (again.words, again.alpha_words, again.special_chars, again.word_repetition(2), again.lines) == measured


def test_repetition_measures():
    assert duplicates(["a", "b", "a", "a"]) == (2, 2)
    ws = "the cat sat on the mat and the cat sat on the mat".split()
    assert duplicate_ngram_char_ratio(ws, 5) > 0.8
    assert duplicate_ngram_char_ratio(PROSE.split(), 5) == 0.0
    assert top_ngram_char_ratio(["a", "b"] * 10, 2) == pytest.approx(1.0)
    assert word_repetition_ratio(PROSE.split()) == 0.0
    assert word_repetition_ratio(("buy cheap pills now today " * 10).split()) > 0.9
    assert char_repetition_ratio("abcdefghijklmnop" * 20) > 0.1 > char_repetition_ratio(PROSE)
    assert 0.1 < special_char_ratio(PROSE) < 0.25 and special_char_ratio("$$$ 100% !!! ###") > 0.5


# --- Gopher -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Too short to be a document.", "gopher_too_few_words"),
        (" ".join(["a b c d"] * 30), "gopher_short_words"),
        (" ".join(["incomprehensibilities"] * 60), "gopher_long_words"),
        ("\n".join(["# the and of to with that have be item"] * 8), "gopher_symbol_ratio"),
        ("\n".join(["- the list of things to have with" for _ in range(12)]), "gopher_bullet_lines"),
        ("\n".join([f"line {i} of the long story that goes on and on for a while until..." for i in range(12)]), "gopher_ellipsis_lines"),
        (" ".join(["12345 67890 24680 13579 the house"] * 20), "gopher_non_alpha_words"),
        (" ".join(["bright purple elephants dance quickly"] * 12), "gopher_few_stop_words"),
    ],
)
def test_gopher_quality_drops(text, reason):
    assert GopherQuality().keep(doc(text)) == reason


def test_gopher_quality_keeps_prose_in_english_and_chinese():
    assert GopherQuality().keep(doc(PROSE)) is True
    # the same rules keep a Chinese article: jieba words, no word-length rule, Chinese stop words
    assert GopherQuality().keep(doc(ZH_PROSE, lang="zh")) is True
    assert GopherQuality().keep(doc(ZH_PROSE[:30], lang="zh")) == "gopher_too_few_words"


def test_gopher_repetition():
    rule = GopherRepetition()
    assert rule.keep(doc(*PROSE.split(". "))) is True
    assert rule.keep(doc(ZH_PROSE, lang="zh")) is True
    assert rule.keep(doc("Subscribe now", "Subscribe now", "Subscribe now", PROSE)) == "gopher_dup_paragraphs"
    assert rule.keep(doc("\n".join(["Click here for more"] * 5) + "\n" + PROSE)) == "gopher_dup_lines"
    spam = "best cheap hotel deals in paris " * 10
    assert rule.keep(doc(spam + PROSE)).startswith(("gopher_top_", "gopher_dup_"))


def test_gopher_repetition_stops_where_no_longer_n_gram_can_exceed_its_limit(shared_data):
    """The words in repeated (n+1)-grams are among those in repeated n-grams, so the duplicated
    n-gram ratio never grows with n, and the rule stops once a ratio is under every later limit:
    its answers are those of checking every n-gram length."""
    texts = [p.read_text(encoding="utf-8") for p in
             sorted((shared_data / "html" / "chinese-web-content-extraction" / "cleaned").glob("*.txt"))]
    cases = [(t.split("\n\n"), "zh") for t in texts]
    spam = "best cheap hotel deals in paris and rome "
    cases += [([PROSE, spam * k, PROSE.replace("the", "a")], "en") for k in range(1, 9)]
    cases += [([ZH_PROSE, "北京最便宜的酒店优惠" * k], "zh") for k in range(1, 9)]
    rule, before = GopherRepetition(), GopherRepetition(GopherRepetition.Params(max_dup_ngram_char_ratio={}))
    limits = sorted(rule.params.max_dup_ngram_char_ratio.items())
    answers = set()
    for paragraphs, lang in cases:
        a = doc(*paragraphs, lang=lang).analysis
        scale = 2 if a.cjk_words > a.word_count / 2 else 1
        ratios = [a.duplicate_ngram_chars(n * scale) for n, _ in limits]
        assert ratios == sorted(ratios, reverse=True)
        expected = before.keep(doc(*paragraphs, lang=lang))
        if expected is True:
            expected = next((f"gopher_dup_{n}gram" for (n, limit), r in zip(limits, ratios) if r > limit), True)
        assert rule.keep(doc(*paragraphs, lang=lang)) == expected
        answers.add(expected)
    assert {True, "gopher_dup_5gram"} <= answers


# --- C4 and FineWeb -----------------------------------------------------------------------------

def test_c4_removes_lines_and_drops_documents():
    step = C4()
    d = doc(PROSE + "\nPlease enable JavaScript to view the comments.\nMenu\nRead our privacy policy.")
    removed = step.clean(d)
    assert sorted(r for _, r in removed) == ["c4_javascript", "c4_no_terminal_punctuation", "c4_policy"]
    assert d.texts[0].text == PROSE and step.check_document(d) is True
    assert step.check_document(doc(PROSE, "Lorem ipsum dolor sit amet.")) == "c4_lorem_ipsum"
    assert step.check_document(doc(PROSE, "function f() { return 1; }")) == "c4_curly_bracket"
    assert step.check_document(doc("One sentence. Two sentences.")) == "c4_too_few_sentences"
    assert sentence_count("一句话。第二句！第三句？") == 3
    # headings are not lines of prose: C4's line rules leave them alone
    d = Document(id="h", nodes=[TextNode("Budget news", "heading"), TextNode(PROSE)])
    assert step.clean(d) == [] and d.texts[0].text == "Budget news"


def test_sentence_ends_look_past_references():
    assert ends_sentence("It was sacred. [M1 / MP]") and ends_sentence("Founded in 1840.[3][4]")
    assert ends_sentence("他走了。") and not ends_sentence("Menu") and not ends_sentence("See [1]")


def test_fineweb_line_rules():
    rule = FineWebQuality()
    assert rule.keep(doc(*PROSE.split(". "))) is True
    assert rule.keep(doc(*[f"Menu item {i}" for i in range(20)])) == "fineweb_line_punctuation"
    assert rule.keep(doc(*[f"Item {i}." for i in range(20)], PROSE)) == "fineweb_short_lines"
    assert rule.keep(doc(PROSE, "Subscribe to our newsletter today.", "Subscribe to our newsletter today.")) == (
        "fineweb_dup_line_chars"
    )
    listy = "\n".join(f"Apples, pears and plums number {i}." for i in range(40))
    assert FineWebQuality(FineWebQuality.Params(max_newline_word_ratio=0.1)).keep(doc(listy)) == "fineweb_list_like"


# --- boilerplate paragraphs ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Share this article", "share"), ("Facebook Twitter Email", "share"), ("分享到：微博 微信 QQ空间", "share"),
        ("Read more", "read_more"), ("Related Articles", "read_more"), ("相关阅读", "read_more"), ("下一篇：春节", "read_more"),
        ("By Jane Smith", "byline"), ("责任编辑：王小明", "byline"), ("Reviewed by Jane Doe, MD", "byline"),
        ("Von Uta Helkenberg", "byline"), ("本报记者 王燕平 方云凤", "byline"), ("文：眉间尺", "byline"),
        ("Updated March 11, 2015 3:46 PM", "timestamp"), ("2005-06-14 03:25:55", "timestamp"),
        ("3 hours ago", "timestamp"), ("20. Januar 2022", "timestamp"), ("发布时间：2022年01月28日", "timestamp"),
        ("Photo: Getty Images", "photo_credit"), ("(AP Photo/John Doe)", "photo_credit"), ("图片来源：视觉中国", "photo_credit"),
        ("[12] Smith, J. (2001). A study.", "citation"), ("Retrieved 7 March 2013.", "citation"), ("参考文献", "citation"),
        ("Advertisement", "ad_marker"), ("广告", "ad_marker"),
        ("1,234 comments", "social_counter"), ("阅读 1024 评论 36", "social_counter"),
        ("© 2024 Example Media. All rights reserved.", "copyright"), ("版权所有 未经授权禁止转载", "copyright"),
        ("Sign up for our newsletter", "navigation"), ("返回首页", "read_more"), ("联系我们", "navigation"),
        ("We use cookies to improve your experience.", "cookie"),
        ("This page is available under the Creative Commons License Terms of Use", "copyright"),
        ("1 000 000+", "no_letters"), ("13.9k", "no_letters"), ("— | —", "no_letters"),
    ],
)
def test_boilerplate_rules(text, rule):
    assert boilerplate_rule(text) == rule


@pytest.mark.parametrize(
    "text",
    [
        "The share price fell by ten percent after the announcement.",
        "Photographs from the expedition show the glacier in 1920.",
        "By the end of the decade, the city had doubled in size.",
        "他们分享了各自的经验。",
        "记者从市教育局获悉，今年全市新增学位三千个。",
        "Par ailleurs, la ville a doublé de taille.",
        PROSE,
    ],
)
def test_boilerplate_keeps_prose(text):
    assert BoilerplateParagraphs().judge(doc(text), TextNode(text)) is None


def test_paragraph_steps_count_and_record_removals():
    d = Document(id="d", url="http://x/", nodes=[
        TextNode("Share this"), TextNode(PROSE), ImageNode("http://x/a.jpg", caption="Photo: Reuters"),
        TextNode("Photo: Getty Images", "caption"), TextNode("Advertisement"), TextNode("Photo: AP", "paragraph"),
    ])
    c = ctx()
    kept = list(BoilerplateParagraphs().run([d], c))
    assert len(kept) == 1
    counts = c.stats["boilerplate_paragraphs"]
    assert counts["removed_paragraphs:share"] == 1 and counts["removed_paragraphs:ad_marker"] == 1
    assert counts["removed_paragraphs:photo_credit"] == 1  # the stray credit paragraph, not the caption
    # the caption next to the image stays with it, even with caption in kinds
    step = BoilerplateParagraphs(BoilerplateParagraphs.Params(kinds=["paragraph", "caption"]))
    d2 = Document(id="e", nodes=[ImageNode("http://x/b.jpg"), TextNode("Photo: Getty Images", "caption"), TextNode(PROSE)])
    assert step.clean(d2) == [] and len(d2.nodes) == 3
    # a document left with nothing is dropped with a reason
    c = ctx()
    assert list(BoilerplateParagraphs().run([doc("Read more", "Advertisement")], c)) == []
    assert c.stats["boilerplate_paragraphs"]["dropped:empty_after_boilerplate_paragraphs"] == 1


# --- OBELICS-style paragraph and document rules -------------------------------------------------

OBELICS_NODE = ParagraphQuality.Params(
    min_words=4, max_words=1000, max_char_repetition_ratio=0.1, max_word_repetition_ratio=0.1,
    max_special_char_ratio=0.3, min_stopword_ratio=0.3, max_flagged_word_ratio=0.01,
    min_punctuation_ratio=0.001, min_words_for_punctuation=12,
)


@pytest.mark.parametrize(
    ("text", "reason", "off"),
    [
        ("Too short", "paragraph_too_few_words", None),
        ("abcdefghijklmnopqrstuvwxyz " * 6, "paragraph_char_repetition", None),
        ("buy the cheap pills now, " * 8, "paragraph_word_repetition", "max_char_repetition_ratio"),
        ("Price: $1,299.99 | SKU #44-123 | 50% off (2024)", "paragraph_special_chars", None),
        ("Premium quality leather wallet brown color free shipping worldwide", "paragraph_few_stopwords", None),
        ("Watch free porn videos and sex cams here, the best site for you.", "paragraph_flagged_words", None),
        ("this is a sentence that has many words in it but it never has any mark at all ever",
         "paragraph_little_punctuation", None),
    ],
)
def test_paragraph_quality_drops(text, reason, off):
    params = OBELICS_NODE.model_copy(update={off: None}) if off else OBELICS_NODE
    assert ParagraphQuality(params).judge(doc(text), TextNode(text)) == reason


def test_paragraph_quality_keeps_prose_and_chinese():
    step = ParagraphQuality(OBELICS_NODE)
    for sentence in PROSE.split(". "):
        assert step.judge(doc(PROSE), TextNode(sentence + ".")) is None
    zh = ParagraphQuality(OBELICS_NODE.model_copy(update={"min_stopword_ratio": 0.1}))
    assert zh.judge(doc(ZH_PROSE, lang="zh"), TextNode(ZH_PROSE)) is None
    assert zh.judge(doc("x", lang="zh"), TextNode("这个网站提供色情视频和裸聊服务，请不要访问。")) == "paragraph_flagged_words"


def test_paragraph_quality_over_many_documents_at_once_removes_what_each_document_alone_loses():
    texts = [PROSE, "abcdefghijklmnopqrstuvwxyz " * 6, "buy the cheap pills now, " * 8, "Too short",
             "Price: $1,299.99 | SKU #44-123 | 50% off (2024)", ZH_PROSE, "Read more.", "x" * 400]

    def docs() -> list[Document]:
        return [doc(*texts[i % 8:], *texts[: i % 8], PROSE.upper(), lang="zh" if i % 3 else "en") for i in range(19)]

    step = ParagraphQuality(OBELICS_NODE)
    assert step.ahead > 1  # the documents' paragraphs are measured ahead, several documents at once
    together = [[n.text for n in d.nodes] for d in step.run(docs(), ctx())]
    alone = [[n.text for n in d.nodes] for one in docs() for d in ParagraphQuality(OBELICS_NODE).run([one], ctx())]
    assert together == alone
    assert 0 < len(together) < 19 and all(0 < len(kept) < len(texts) + 1 for kept in together)


def test_document_quality():
    rule = DocumentQuality(DocumentQuality.Params(
        min_words=50, min_words_per_image=10, min_mean_paragraph_words=3, min_stopword_ratio=0.3,
        max_special_char_ratio=0.275, min_punctuation_ratio=0.03, max_flagged_word_ratio=0.01,
    ))
    assert rule.keep(doc(PROSE)) is True
    assert rule.keep(doc("A short note.")) == "document_too_few_words"
    gallery = Document(id="g", nodes=[TextNode(PROSE)] + [ImageNode(f"http://x/{i}.jpg") for i in range(20)])
    assert rule.keep(gallery) == "document_few_words_per_image"
    assert rule.keep(doc(*PROSE.split())) == "document_short_paragraphs"
    assert rule.keep(doc(PROSE.replace(".", "").replace(",", ""))) == "document_little_punctuation"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_word_list_counts_of_an_analysis_equal_those_of_the_words(lang):
    from omniweave.filters.wordlists import flagged_count, flagged_in, stopword_count, stopwords_in, word_list
    from omniweave.text.analysis import TextAnalysis

    flagged = sorted(word_list("flagged", lang))[:40]
    for text in (PROSE, ZH_PROSE, " ".join(flagged) + " The end of it, " + "".join(flagged[:5])):
        a = TextAnalysis(text)
        assert stopwords_in(a, lang) == stopword_count(words(text), lang)
        assert flagged_in(a, lang) == flagged_count(words(text), text, lang)
    texts = [PROSE, " ".join(flagged[:9]), ZH_PROSE + "".join(flagged[5:12]), "".join(flagged)]
    d = doc(*texts)  # a document's count: its paragraphs', each gated on its own
    assert flagged_in(d.analysis, lang) == flagged_count(words("\n\n".join(texts)), "\n\n".join(texts), lang) > 0
