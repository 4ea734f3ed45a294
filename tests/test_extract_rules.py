"""Crafted pages for the page kinds the extractor has rules for: long comment threads, forum
threads, listings, content shipped in ``<noscript>``, CJK pages."""

from __future__ import annotations

from omniweave import extract_html

URL = "http://example.com/a"
_SENTENCE = "A sentence of article text, with a comma, long enough to count as prose here. "


def _comments(n: int, words: str = "Great post, thanks for writing it, I learned a lot from it today") -> str:
    return "".join(f'<div class="comment"><h4>re: the post {i}</h4><p>{words} ({i}).</p></div>' for i in range(n))


def test_long_comment_thread_goes_when_an_article_stands_outside_it():
    article = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(3))
    html = (f'<html><body><div id="main"><div class="post"><h2>Title</h2>{article}</div>'
            f'<div id="comments">{_comments(40)}</div></div></body></html>')
    doc = extract_html(html, url=URL)
    assert "A sentence of article text" in doc.text
    assert "Great post" not in doc.text


def test_forum_thread_made_of_comments_is_kept_with_every_post():
    posts = _comments(12, "I think the answer depends on the version you run, see the manual for details")
    html = f'<html><body><h1>Which version?</h1><div class="comments">{posts}</div><footer>About us</footer></body></html>'
    doc = extract_html(html, url=URL)
    assert all(f"details ({i})" in doc.text for i in range(12))
