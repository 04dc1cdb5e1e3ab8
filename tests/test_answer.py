from __future__ import annotations

import html
import re

import pytest

from bench.quality import fold
from tests.support.telegram_html import parse_telegram_html, telegram_length

QUESTIONS = (
    "what certifications should I get",
    "do i really need a masters",
    "ML eng vs data sci?",
    "how much do ML engineers earn in India?",
    "skills for <b>ML</b> & data <script>alert(1)</script>",
    "what does an MLE do all day " + "really " * 400,
)



@pytest.mark.parametrize("question", QUESTIONS)
def test_reply_is_valid_telegram_html_within_the_limit(advisor, question: str) -> None:
    answer = advisor.answer(question)
    parsed = parse_telegram_html(answer.html)
    assert 1 <= telegram_length(parsed.plain.strip()) <= 4096


@pytest.mark.parametrize("question", QUESTIONS[:4])
def test_every_point_is_an_excerpt_of_its_cited_passage(advisor, question: str) -> None:
    answer = advisor.answer(question)
    cited = {c.n: fold(c.text) for c in answer.citations}
    points = [line for line in answer.html.splitlines() if line.startswith("• ")]
    assert points
    for point in points:
        match = re.fullmatch(r"• (.*) \[(\d+)\]", point)
        assert match, point
        text = html.unescape(re.sub(r"</?b>", "", match.group(1)))
        assert fold(text) in cited[int(match.group(2))], point


def test_reply_leads_with_the_topic_then_points_then_sources(advisor) -> None:
    answer = advisor.answer("what certifications should I get")
    lines = answer.html.splitlines()
    assert "Certifications" in lines[0]
    assert lines[2].startswith("• ")
    assert "<b>Sources</b>" in lines
    for citation in answer.citations:
        assert f"[{citation.n}] {html.escape(citation.title, quote=False)}" in answer.html


def test_citations_are_numbered_and_carry_the_full_passage(advisor, engine) -> None:
    answer = advisor.answer("how much do ML engineers make in Pakistan")
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert 1 <= len(answer.citations) <= 3
    texts = {p.text for p in engine.passages}
    for citation in answer.citations:
        assert citation.text in texts
        assert citation.doc_id and citation.title and citation.section


def test_salary_in_pakistan_cites_the_pkr_figures(advisor) -> None:
    answer = advisor.answer("how much do ML engineers make in Pakistan")
    assert answer.intent == "salary"
    assert "PKR" in answer.html
    assert answer.citations[0].doc_id == "pakistan-roadmap"


def test_article_text_is_escaped(advisor) -> None:
    # The Sources line of the step-by-step guide contains "Bootcamps & Certifications".
    answer = advisor.answer("are bootcamps a good way in, and which certifications count?")
    assert "&amp;" in answer.html
    assert " & " not in re.sub(r"<[^>]+>", "", answer.html)
