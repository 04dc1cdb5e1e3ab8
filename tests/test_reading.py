"""The message read once, follow-ups of any reply, honest coverage and off-topic requests."""

from __future__ import annotations

import pytest

from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import Dialogue, Text, Turn
from bot.core.markup import visible_text
from bot.core.profile import Profile
from bot.core.reading import Kind


@pytest.fixture(scope="module")
def dialogue(advisor) -> Dialogue:
    return Dialogue(advisor)


def chat(dialogue: Dialogue, *messages: str, user: UserState | None = None) -> list[Turn]:
    state, user = ChatState(), user or UserState()
    turns = []
    for message in messages:
        event = Text(message)
        if message.startswith("/"):
            from bot.core.dialogue import parse_typed

            event = parse_typed(message)
        turn = dialogue.respond(state, event, user)
        state, user = turn.state, turn.user or user
        turns.append(turn)
    return turns


def first_line(turn: Turn) -> str:
    return visible_text(turn.reply.html).strip().splitlines()[0]


def _assert_answered_without_a_gap(dialogue: Dialogue, question: str) -> None:
    turn = dialogue.search_answer(question)
    assert turn.answered and not first_line(turn).startswith("The articles don't"), first_line(
        turn
    )


@pytest.mark.parametrize(
    ("text", "kind", "region", "levels", "units"),
    [
        ("ML engineer salary in Lahore per month", Kind.SALARY, "pakistan", (), {"month"}),
        ("fresher package in Bengaluru LPA", Kind.SALARY, "india", ("entry",), {"lakh"}),
        ("senior MLE pay in San Francisco", Kind.SALARY, "us", ("senior",), set()),
        ("what certifications should I get", Kind.QUESTION, None, (), set()),
        ("tell me a joke about neural networks", Kind.OFF_TOPIC, None, (), set()),
        ("assalam o alaikum bhai, kya haal hai?", Kind.GREETING, None, (), set()),
        ("roadmap for a beginner", Kind.ROADMAP, None, ("beginner",), set()),
        ("how do I start from scratch?", Kind.ROADMAP, None, ("beginner",), set()),
        # a time, which no stage of the roadmap gives
        ("how long does it take to become an ml engineer from zero", Kind.QUESTION, None,
         ("beginner",), set()),
        # the way up a career, not a plan of study
        ("whats the career path after junior ml engineer", Kind.QUESTION, None, ("entry",),
         set()),
    ],
)
def test_one_reading_gives_kind_region_level_and_units(
    dialogue, text, kind, region, levels, units
) -> None:
    reading = dialogue.reader.read(text, None)
    assert reading.kind == kind
    assert reading.region == region
    assert reading.levels == levels
    assert reading.units == units


@pytest.mark.parametrize(
    "message",
    [
        "tell me a joke about neural networks",
        "best laptop for deep learning under 200k",
        "fix my CUDA out of memory error please",
        "write python code for linear regression",
        "can you do my ML homework on gradient descent",
        "train a model for me on my dataset",
    ],
)
def test_requests_that_use_ml_words_are_declined_without_citations(dialogue, message) -> None:
    turn = dialogue.search_answer(message)
    assert turn.answer is not None and not turn.answer.in_scope
    assert not turn.reply.citations
    assert "outside what I can help with" in turn.reply.html


@pytest.mark.parametrize(
    "message",
    [
        # Scripts the vocabulary has no translations for (Korean, Chinese, Japanese, Urdu
        # and Hindi are read: test_translation.py)
        "วิศวกรแมชชีนเลิร์นนิงต้องเรียนอะไรบ้าง",
        "Как стать инженером по машинному обучению?",
        "Πώς γίνομαι μηχανικός μηχανικής μάθησης;",
        # Korean with too few known terms to read
        "오늘 날씨가 정말 좋네요, 산책 갈까요?",
        "머신러닝이 뭐예요?",
    ],
)
def test_a_question_in_another_script_is_declined_for_its_language(dialogue, message) -> None:
    # Not "outside what I can help with": it may well ask how to become an ML engineer.
    [turn] = chat(dialogue, message)
    assert not turn.reply.citations
    assert "only read questions in English" in turn.reply.html
    assert "outside what I can help with" not in turn.reply.html
    assert "You could ask:" in turn.reply.html


def test_english_words_in_another_script_still_find_their_answer(dialogue) -> None:
    [turn] = chat(dialogue, "Python 먼저 공부해야 하나요?")
    assert turn.reply.citations
    shown_as, answer_line = visible_text(turn.reply.html).split("\n")[:2]
    assert shown_as == "↪ Python, learn (read in English)"
    assert "Python" in answer_line


def test_latin_script_declines_keep_the_subject_decline() -> None:
    from retrieval.translation import mostly_other_script

    assert not mostly_other_script("tell me a joke about neural networks")
    assert not mostly_other_script("¿Cómo me convierto en ingeniero de ML?")  # Latin letters
    assert not mostly_other_script("ML engineer salary in PKR ₹ $ 123 😀")
    assert not mostly_other_script("")
    assert mostly_other_script("ML 엔지니어 연봉")  # 2 Latin letters, 5 Hangul


@pytest.mark.parametrize(
    "question",
    [
        "do ML engineers write code all day?",
        "is debugging a big part of an ML engineer's job?",
        "what skills does an ML engineer need",
    ],
)
def test_career_questions_about_hands_on_work_are_still_answered(dialogue, question) -> None:
    turn = dialogue.search_answer(question)
    assert turn.answer is not None and turn.answer.in_scope


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("what are the working hours of an ML engineer", "working hours"),
        ("can I work remotely as an ML engineer?", "remote work"),
        ("do ML engineers need a visa to work abroad", "visa"),
        ("any ML vacancies in Lahore?", "current job openings"),
        ("how many months does it take to switch into ML?", "how long"),
    ],
)
def test_what_the_articles_dont_cover_is_said_first(dialogue, question, missing) -> None:
    turn = dialogue.search_answer(question)
    assert turn.answer is not None and turn.answer.coverage in ("partial", "none")
    line = first_line(turn)
    assert line.startswith("The articles don't")
    assert missing in line.lower() or missing in visible_text(turn.reply.html).lower()


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("do ML engineers pay a lot of tax?", "tax"),
        ("how much tax on an ML salary in Pakistan?", "tax"),
        # Roman Urdu for "how many days does learning ML take?": a duration, not "din"
        ("ML seekhne mein kitne din lagte hain?", "how long"),
    ],
)
def test_a_three_letter_subject_the_articles_lack_is_said_first(
    dialogue, question: str, missing: str
) -> None:
    line = first_line(dialogue.search_answer(question))
    assert line.startswith("The articles don't") and missing in line, line


def test_a_short_roman_urdu_word_is_not_taken_for_a_missing_english_subject(dialogue) -> None:
    # "kin companies": which companies; "kin" is an English word too, but not here.
    _assert_answered_without_a_gap(dialogue, "ML engineer kin companies mein job milti hai?")


@pytest.mark.parametrize(
    "question",
    [
        "explain ML engineer job to me like im 15, my father thinks its just IT support",
        "explain ML engineer job to me like im 15, my mother thinks its just IT support",
        "my girlfriend wants me to do a masters in ML, is it worth it?",
    ],
)
def test_a_person_who_thinks_or_wants_something_is_no_subject_to_decline(
    dialogue, question: str
) -> None:
    _assert_answered_without_a_gap(dialogue, question)


@pytest.mark.parametrize(
    "question",
    [
        "as a 35 year old mom with a BCom degree, can I still become an ML engineer?",
        "i've worked as a QA tester for 3 years, can I move into ML engineering?",
        "MS in AI vs a bunch of certifications, which helps more for getting hired?",
    ],
)
def test_how_the_asker_describes_themselves_is_not_a_missing_subject(
    dialogue, question: str
) -> None:
    _assert_answered_without_a_gap(dialogue, question)


@pytest.mark.parametrize(
    "question",
    [
        "is an ML engineer job roughly like a software job?",
        "Could someone explain the difference between what a data scientist does and what an ML "
        "engineer does? They sound identical to me.",
        "whats the pay gap between hyderabad and bangalore for ml roles at the same level",
        "is keras dead",
        "Respected sir, what is the minimum educational qualification required to apply for "
        "Machine Learning Engineer positions?",
        "I'm good at python but terrible at stats. how bad is that for this career?",
        # the story's time and the asker's judgement
        "3 months left before graduation, what should i focus on to get an ML job",
        "I've spent 10 years in accounting, can I get into ML?",
        "got an offer of 90k pkr/month as junior ML engineer in islamabad is that decent",
        "i heard mid level ML engineers in india get 20-30 lakh, is that accurate or inflated",
        "dropped out of college in 3rd semester, no degree at all, can i still become an ML "
        "engineer",
    ],
)
def test_words_that_say_how_something_is_asked_are_no_missing_subject(dialogue, question):
    # "-ly" adverbs of English words, and judgements ("dead", "terrible", "identical")
    line = first_line(dialogue.search_answer(question))
    assert not line.startswith("The articles don't"), line


def test_what_is_asked_is_still_missing_beside_how_the_asker_describes_themselves(dialogue):
    # "Black dev" is who asks; discrimination, which no article covers, is what is asked.
    turn = dialogue.search_answer(
        "as a Black dev i'm lowkey worried, is discrimination in ML hiring a real thing? how "
        "bad is it"
    )
    assert "discrimination" in first_line(turn) and first_line(turn).startswith(
        "The articles don't"
    )


@pytest.mark.parametrize(
    "question",
    [
        'translate "machine learning is the future" into french',
        "help me write my thesis intro on deep learning for crop disease detection",
    ],
)
def test_a_task_about_machine_learning_is_not_a_question_about_learning(dialogue, question):
    # "learning" in "machine learning" is the field's name, not the asker learning.
    assert not dialogue.search_answer(question).answered


def test_help_to_plan_ones_learning_is_a_question(dialogue) -> None:
    assert dialogue.search_answer("can you help me write a study plan for learning ML?").answered


@pytest.mark.parametrize(
    "question",
    ["how do I get a girlfriend as an ML engineer?", "my dad wants me to fix his laptop"],
)
def test_what_a_message_asks_for_still_declines_it_beside_a_person(dialogue, question) -> None:
    assert not dialogue.search_answer(question).answered


_STORY = (
    "I'm a 31 year old mechanical engineer in Ohio and I've been teaching myself Python on "
    "weekends for about 8 months. I have a mortgage and a toddler, so quitting to go back to "
    "school isn't really an option. "
)


def test_a_post_is_not_said_to_lack_what_only_its_story_names(dialogue) -> None:
    # "weekends" is a working-hours phrase, but this post asks about the way in.
    question = _STORY + "Is it realistic to move into ML engineering without a new degree?"
    assert not first_line(dialogue.respond(ChatState(), Text(question), UserState())).startswith(
        "The articles don't"
    )


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("Currently in year 3 of a physics PhD in the UK, doing a lot of numerical simulation "
         "in Python. I'm thinking of leaving with a master's to go into industry as an ML "
         "engineer. Would dropping out hurt my chances, or should I push through and finish?",
         "UK"),
        # Users start sentences in lowercase: "germany. my company ..." is still two
        # sentences, and Germany is only where the asker works.
        ("currently a backend dev (node, postgres) with 4 yrs exp in germany. my company just "
         "started an ML team and i might be able to move internally. i know basically "
         "nothing beyond what a neural net is. what skills do i need to pick up, and would "
         "the AWS ML specialty cert help me make the case to my manager? kinda worried "
         "they'll hire a phd", "Germany"),
    ],
)
def test_a_post_is_not_said_to_lack_a_place_only_its_story_names(
    dialogue, question: str, place: str
) -> None:
    first = first_line(dialogue.respond(ChatState(), Text(question), UserState()))
    assert place not in first and not first.startswith("The articles don't")


def test_a_post_is_said_to_lack_what_it_asks_even_without_a_question_mark(dialogue) -> None:
    question = _STORY + "I got an ML offer at 118k and have no idea if I should negotiate."
    first = first_line(dialogue.respond(ChatState(), Text(question), UserState()))
    assert first.startswith("The articles don't cover offers and negotiation")


def test_a_posts_last_sentence_that_only_adds_to_the_story_is_not_asked(dialogue) -> None:
    question = (
        "I'm in my 3rd year of BSCS and I built a CNN in PyTorch for X-ray pneumonia detection "
        "and deployed it with FastAPI. Now I'm stuck deciding whether to do a master's abroad "
        "or apply straight to ML engineer jobs after graduation. Does a master's actually "
        "matter for getting hired as an MLE, or will projects like this be enough? Money is "
        "tight so I want to be sure before spending on GRE and applications."
    )
    first = first_line(dialogue.respond(ChatState(), Text(question), UserState()))
    assert not first.startswith("The articles don't"), first


def test_a_short_question_may_point_back_at_what_it_names_first(dialogue) -> None:
    question = "My company has a 90 day notice period. Will ML startups wait that long?"
    first = first_line(dialogue.respond(ChatState(), Text(question), UserState()))
    assert first.startswith("The articles don't cover employment contracts")


def test_a_covered_question_has_full_coverage_and_answers_first(dialogue) -> None:
    turn = dialogue.search_answer("do i really need a masters")
    assert turn.answer is not None and turn.answer.coverage == "full"
    assert first_line(turn).startswith("Not always.")


def test_a_follow_up_re_aims_a_salary_view(dialogue) -> None:
    turns = chat(dialogue, "/salary india", "what about senior level?")
    text = visible_text(turns[-1].reply.html)
    assert "₹" in text and "PKR" not in text
    assert "senior" in text.lower()


def test_the_us_in_lowercase_is_the_country(dialogue) -> None:
    turns = chat(dialogue, "what about india salaries", "and in the us for seniors?")
    text = visible_text(turns[-1].reply.html)
    assert "$" in text and "₹" not in text and "senior" in text.lower()


def test_a_follow_up_after_a_short_reaction_re_aims_the_last_reply(dialogue) -> None:
    turns = chat(dialogue, "ml intern salary in pakistan?", "bhai itna kam? aur india mein?")
    first = visible_text(turns[-1].reply.html).splitlines()[0]
    assert "India" in first and "intern" in first.lower()


def test_a_follow_up_on_a_comparison_leaves_no_dangling_between(dialogue) -> None:
    turns = chat(
        dialogue, "how does mid level ml engineer salary compare between india and the us",
        "and pakistan?",
    )
    shown = visible_text(turns[-1].reply.html).splitlines()[0]
    assert "between and" not in shown and "Pakistan" in shown


def test_the_exam_after_a_certificate_is_that_certificates_exam(dialogue) -> None:
    turns = chat(dialogue, "is the tensorflow developer certificate worth it",
                 "how hard is the exam")
    text = visible_text(turns[-1].reply.html)
    assert text.startswith("↪") and "tensorflow" in text.splitlines()[0].lower()
    assert "outside what I can help with" not in text


def test_a_region_follow_up_after_a_pay_question_keeps_to_the_new_region(dialogue) -> None:
    turns = chat(dialogue, "how much do ML engineers earn in India", "ok and for pakistan?")
    text = visible_text(turns[-1].reply.html)
    assert "PKR" in text and "₹" not in text


def test_why_after_a_view_shows_the_quotes_behind_it(dialogue) -> None:
    turns = chat(dialogue, "/salary pk", "where did you get this")
    assert "come from" in turns[-1].reply.html
    assert "<blockquote>" in turns[-1].reply.html
    assert "PKR" in turns[-1].reply.html


def test_elaborate_gives_more_of_the_last_answer(dialogue) -> None:
    turns = chat(dialogue, "what skills do I need", "elaborate")
    assert "More on" in turns[-1].reply.html
    first = {c.passage_id for c in turns[0].reply.citations}
    assert first.isdisjoint({c.passage_id for c in turns[-1].reply.citations})


def test_a_region_follow_up_of_a_question_reads_well(dialogue) -> None:
    turns = chat(dialogue, "what certifications should I get?", "and in India?")
    assert "↪ what certifications should I get in India?" in turns[-1].reply.html


def test_help_shows_command_arguments(dialogue) -> None:
    html = chat(dialogue, "/help")[0].reply.html
    for usage in ("/salary pk senior", "/roadmap beginner", "/profile india mid"):
        assert usage in html


def test_a_decline_suggests_questions_for_the_users_region(dialogue) -> None:
    user = UserState(profile=Profile(region="pakistan"))
    turn = chat(dialogue, "tell me a joke about neural networks", user=user)[0]
    assert "Pakistan" in visible_text(turn.reply.html)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("hello ji, kaise ho aap?", "greeting"),
        ("hi sir good morning, aap se kuch poochna tha", "greeting"),
        ("arre wah, mast answer tha bhai, thanks a lot", "thanks"),
        ("JazakAllah khair, Allah aap ko khush rakhe", "thanks"),
    ],
)
def test_greetings_and_thanks_wrapped_in_small_talk(dialogue, message, kind) -> None:
    turn = dialogue.search_answer(message)
    assert turn.answer is not None and turn.answer.intent == kind


def test_a_greeting_with_a_question_is_a_question(dialogue) -> None:
    turn = dialogue.search_answer("hi sir, which certifications should I get?")
    assert turn.answer is not None and turn.answer.in_scope


def test_a_short_question_that_points_back_is_about_the_last_subject(dialogue) -> None:
    first = "Do I need a master's to become an ML engineer?"
    turns = chat(dialogue, first, "how long does it take?")
    assert "↪ how long does it take (Do I need a master's" in turns[-1].reply.html
    assert "2 years" in visible_text(turns[-1].reply.html)


def test_a_joke_about_the_last_answer_is_still_declined(dialogue) -> None:
    turns = chat(dialogue, "what skills do I need", "tell me a joke about it")
    assert turns[-1].answer is not None and not turns[-1].answer.in_scope


def test_a_salary_follow_up_keeps_the_view_and_takes_levels_cities_and_units(dialogue) -> None:
    turns = chat(dialogue, "salary of a fresher ML engineer in Lahore", "and after 5 years?")
    text = visible_text(turns[-1].reply.html)
    assert "Senior" in text and "PKR" in text and "₹" not in text
    turns = chat(dialogue, "US ML engineer salary?", "and New York?")
    assert "New York" in visible_text(turns[-1].reply.html).splitlines()[0]
    turns = chat(dialogue, "/salary india senior", "per month?")
    assert "a month" in visible_text(turns[-1].reply.html)


def test_where_did_you_get_this_after_the_roadmap_overview(dialogue) -> None:
    turns = chat(dialogue, "/roadmap", "where did you get this")
    html = turns[-1].reply.html
    assert "come from" in html and html.count("<blockquote>") >= 3


def test_a_reply_that_quotes_nothing_offers_questions_not_more_or_why(dialogue) -> None:
    turn = dialogue.search_answer("what are the working hours of an ML engineer")
    data = [button.data for button in turn.reply.button_list]
    assert data and all(d.startswith("ask:") for d in data)


@pytest.mark.parametrize(
    ("question", "not_opening"),
    [
        ("last month a senior of mine got an ML job at a startup. I have 2.5 years left before "
         "graduating, what should I learn first?", "Senior"),
        ("my seniors got ML jobs last year, what certification should i get?", "Senior"),
    ],
)
def test_a_senior_of_the_asker_names_no_level(dialogue, question: str, not_opening) -> None:
    """ "a senior of mine" is a person: no roadmap for the advanced, no senior pay or roles
    (and "2.5 years" is not "5+ years")."""
    text = visible_text(dialogue.respond(ChatState(), Text(question)).reply.html)
    assert not_opening not in text.splitlines()[0]
    assert "advanced" not in text.splitlines()[0]


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("Singapore ML engineer pay compared to US", "Singapore"),
        ("Is there demand for ML engineers in Riyadh? thinking of moving from Karachi",
         "Saudi Arabia"),
        ("can i move to canada as ML engineer from india, express entry or study route better?",
         "Canada"),
    ],
)
def test_a_place_the_articles_lack_is_said_missing_beside_one_they_cover(
    dialogue, question: str, place: str
) -> None:
    line = first_line(dialogue.search_answer(question))
    assert line.startswith(f"The articles don't cover {place}."), line


def test_a_job_at_a_named_company_is_an_individual_company(dialogue) -> None:
    # The articles name Google only as a certificate's issuer.
    line = first_line(dialogue.search_answer("how can i get an ML engineer job at google"))
    assert line.startswith("The articles don't cover individual companies"), line
    cert = first_line(dialogue.search_answer("is the google professional ML cert worth it"))
    assert not cert.startswith("The articles don't"), cert


@pytest.mark.parametrize(
    "question",
    [
        "I'm 35 and have spent 10 years in accounting, is it too late for me to get into ML?",
        "at 42 can i still switch into ML or will companies reject me for age",
    ],
)
def test_age_asked_about_is_said_not_covered(dialogue, question: str) -> None:
    line = first_line(dialogue.search_answer(question))
    assert line.startswith("The articles don't cover age limits"), line


@pytest.mark.parametrize(
    "question",
    ["which companies hire interns in karachi", "what companies hire ML freshers in lahore"],
)
def test_which_companies_hire_asks_for_job_openings(dialogue, question: str) -> None:
    line = first_line(dialogue.search_answer(question))
    assert line.startswith("The articles don't cover current job openings"), line


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("ok back to basics, what is the career growth like", "back"),
        ("ok forget that, does a masters increase salary?", "forget"),
    ],
)
def test_a_turn_of_the_talk_is_no_missing_subject(dialogue, question: str, missing) -> None:
    line = first_line(dialogue.search_answer(question))
    assert missing not in line, line


def test_to_land_a_job_is_to_get_one(dialogue) -> None:
    # "land" matched only "land cover classification" (a remote-sensing role)
    turn = dialogue.search_answer("what skills do i need to land one")
    assert not any("land cover" in citation.text for citation in turn.citations)
