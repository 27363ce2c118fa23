"""The extraction guide's rules, each on sentences written for the test."""

from datetime import date
from pathlib import Path

import pytest

from app.ingest.evaluation import vocabulary_of
from app.ingest.extractor import Proposal, Statement, propose
from app.ingest.sentences import sentence_spans
from app.ingest.text import paragraphs_of
from app.reference.enums import TextFormat
from app.seeding.service import read_seed_files
from app.vocabulary.commitments import CommitmentKind, CommitmentStatus
from tests.conftest import SEEDS_DIR

VOCABULARY = vocabulary_of(read_seed_files(SEEDS_DIR).reference)
ISSUED = date(2026, 3, 2)


def proposals(*paragraphs: str, parties: tuple[str, ...] = ("ROK", "US")) -> list[Proposal]:
    return propose(Statement(list(paragraphs), list(parties), ISSUED), VOCABULARY)


def only(*paragraphs: str, parties: tuple[str, ...] = ("ROK", "US")) -> Proposal:
    found = proposals(*paragraphs, parties=parties)
    assert len(found) == 1, [p.quote for p in found]
    return found[0]


def test_hard_wrapped_lines_join_and_headings_stay_apart() -> None:
    text = (
        "JOINT STATEMENT\n\nBoth sides will hold\nconsultations on maritime\nsecurity.\nThey met.\n"
    )
    assert paragraphs_of(text, TextFormat.plain) == [
        "JOINT STATEMENT",
        "Both sides will hold consultations on maritime security.",
        "They met.",
    ]


def test_a_line_cut_before_a_number_or_after_a_small_word_reads_on() -> None:
    text = (
        "Both sides will finish the study by\n2027, as agreed.\n\n"
        "The ROK will host the\nDialogue.\nA Heading Line\n\nThe next paragraph.\n"
    )
    assert paragraphs_of(text, TextFormat.plain) == [
        "Both sides will finish the study by 2027, as agreed.",
        "The ROK will host the Dialogue.",
        "A Heading Line",
        "The next paragraph.",
    ]


def test_a_saved_web_page_keeps_the_statement_and_drops_the_rest() -> None:
    page = (
        "<html><head><script>track()</script></head><body><nav><a>Home</a></nav>"
        "<main><h1>Joint Statement</h1><p>The two sides <b>will</b> meet\u00a0again.<br>Soon.</p>"
        "<ul><li>Maritime security</li></ul></main><footer>Contact us</footer></body></html>"
    )
    assert paragraphs_of(page, TextFormat.html) == [
        "Joint Statement",
        "The two sides will meet again. Soon.",
        "Maritime security",
    ]


def test_markdown_markup_is_dropped_not_the_words() -> None:
    text = "# Title\n\n- **Both sides** will [train](https://example.org) together.\n"
    assert paragraphs_of(text, TextFormat.markdown) == [
        "Title",
        "Both sides will train together.",
    ]


def test_abbreviations_and_numbered_items_do_not_end_sentences() -> None:
    paragraph = "On Dec. 4, the U.S. and the ROK met in Seoul. 1. Maritime security. 2. Cyber."
    spans = sentence_spans(paragraph)
    assert [paragraph[s.start : s.end] for s in spans] == [
        "On Dec. 4, the U.S. and the ROK met in Seoul.",
        "1. Maritime security.",
        "2. Cyber.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Both sides strongly condemned the missile launch of last week.",
        "The ministers welcomed the progress of the working group.",
        "The two sides shared the view that cooperation would bolster the alliance.",
        "They expressed concern about instability in the region.",
        "The Minister and the Secretary noted the importance of implementing the plan.",
    ],
)
def test_condemnations_welcomes_views_and_remarks_are_not_commitments(sentence: str) -> None:
    assert proposals(sentence) == []


def test_joint_language_binds_the_issuing_parties() -> None:
    found = only("Both sides agreed to hold a tabletop exercise on space security.")
    assert (found.kind, found.obligors, found.status) == (
        CommitmentKind.joint_undertaking,
        ["ROK", "US"],
        CommitmentStatus.not_started,
    )
    assert any(reason.startswith("cue: firm undertaking") for reason in found.reasons)


def test_a_named_subject_binds_itself_and_the_parties_it_acts_towards_are_counterparts() -> None:
    found = only("Japan will provide coast guard training to the Philippines.")
    assert (found.kind, found.obligors, found.counterparts) == (
        CommitmentKind.pledge,
        ["JP"],
        ["PH"],
    )


def test_a_request_names_the_asker_as_obligor_and_the_asked_as_counterpart() -> None:
    found = only(
        "Minister Park requested the support of New Zealand for peace on the peninsula.",
        parties=("ROK",),
    )
    assert (found.kind, found.obligors, found.counterparts) == (
        CommitmentKind.request,
        ["ROK"],
        ["NZ"],
    )


def test_a_party_thanked_in_the_subject_is_not_the_one_who_asks() -> None:
    found = only(
        "He expressed gratitude to the U.S. Congress while calling for continued funding.",
        parties=("ROK",),
    )
    assert (found.kind, found.obligors) == (CommitmentKind.request, ["ROK"])


def test_a_reaffirmation_is_in_force_and_a_launch_is_done() -> None:
    reaffirmed = only("The United States reiterated its commitment to the defense of Japan.")
    assert (reaffirmed.kind, reaffirmed.status, reaffirmed.obligors) == (
        CommitmentKind.reaffirmation,
        CommitmentStatus.in_progress,
        ["US"],
    )
    launched = only("Launching a new Maritime Dialogue to coordinate patrols.")
    assert (launched.kind, launched.status) == (
        CommitmentKind.establishment,
        CommitmentStatus.completed,
    )


def test_continuing_work_starts_in_progress() -> None:
    found = only("The two sides will continue to share information on cyber threats.")
    assert found.status == CommitmentStatus.in_progress


def test_two_coordinated_undertakings_are_two_candidates() -> None:
    found = proposals(
        "The ministers pledged to expand cooperation with ASEAN, and strengthen training "
        "with Pacific Island countries."
    )
    assert [p.quote for p in found] == [
        "The ministers pledged to expand cooperation with ASEAN",
        "strengthen training with Pacific Island countries.",
    ]
    assert [p.counterparts for p in found] == [["ASEAN"], ["PIF"]]


def test_a_second_subject_with_its_own_modal_is_a_second_candidate_of_its_own() -> None:
    found = proposals(
        "The United States will deploy new assets by 2027, and Japan will expand its exercises."
    )
    assert [(p.quote, p.obligors) for p in found] == [
        ("The United States will deploy new assets by 2027", ["US"]),
        ("Japan will expand its exercises.", ["JP"]),
    ]
    assert found[0].timing.due_date == date(2027, 12, 31)
    assert found[1].timing.due_date is None


def test_two_subjects_of_one_verb_stay_one_joint_candidate() -> None:
    found = only("The Secretary and the Minister will convene the Dialogue in Seoul.")
    assert found.obligors == ["ROK", "US"]


def test_a_remark_then_a_pledge_in_one_sentence_yields_the_pledge() -> None:
    found = only(
        "The delegation noted the value of the alliance, and pledged support for new funding.",
        parties=("US",),
    )
    assert found.quote == "pledged support for new funding."


@pytest.mark.parametrize(
    ("sentence", "due_date", "due_rule", "recurrence"),
    [
        ("Both sides will finish the study by 2027.", date(2027, 12, 31), None, None),
        ("Both sides will finish the study by June 2027.", date(2027, 6, 30), None, None),
        ("Both sides will report later this year.", date(2026, 12, 31), None, None),
        (
            "Both sides will present the plan at the next SCM.",
            None,
            {"series": "SCM"},
            None,
        ),
        (
            "Both sides intend to present one project each year before the SCM.",
            None,
            None,
            {"series": "SCM", "offset_days": -1},
        ),
        (
            "Both sides will hold consultations quarterly.",
            None,
            None,
            {"every": "quarter", "start": "2026-03-02"},
        ),
        ("Both sides will deepen cooperation.", None, None, None),
        ("Both sides will deliver the aid by 9999.", None, None, None),
        ("Both sides will finish what began by 1950.", None, None, None),
    ],
)
def test_timing_cues_become_dates_rules_or_cycles_and_none_is_invented(
    sentence: str, due_date: date | None, due_rule: dict | None, recurrence: dict | None
) -> None:
    timing = only(sentence).timing
    dumped = [
        rule.model_dump(mode="json", exclude_defaults=True) if rule else None
        for rule in (timing.due_rule, timing.recurrence)
    ]
    assert (timing.due_date, *dumped) == (
        due_date,
        due_rule,
        recurrence,
    )


def test_the_items_of_a_list_take_their_subject_and_progress_from_its_introduction() -> None:
    found = proposals(
        "Japan and the ROK are strengthening their coast guards by:",
        "Conducting joint search and rescue drills twice a year.",
        "Sharing maritime domain awareness data.",
        "The ministers welcomed the results.",
    )
    assert [p.quote for p in found] == [
        "Conducting joint search and rescue drills twice a year.",
        "Sharing maritime domain awareness data.",
    ]
    assert {(tuple(p.obligors), p.status) for p in found} == {
        (("JP", "ROK"), CommitmentStatus.in_progress)
    }


def test_the_three_ministers_are_the_parties_just_named() -> None:
    found = only(
        "The ROK minister met his counterparts from Japan and the United States.",
        "The three ministers agreed to hold trilateral exercises.",
        parties=("ROK",),
    )
    assert found.obligors == ["JP", "ROK", "US"]


def test_areas_of_a_framework_are_suggested_only_after_its_adoption() -> None:
    sentence = "Both sides will increase information sharing on maritime security."
    later = only(sentence)
    assert {"information-sharing", "maritime-security"} <= {a.slug for a in later.areas}
    earlier = propose(Statement([sentence], ["ROK", "US"], date(2019, 1, 1)), VOCABULARY)
    assert not {a.slug for a in earlier[0].areas} & {"information-sharing", "maritime-security"}


def test_every_quote_is_verbatim_in_its_paragraph_with_its_context() -> None:
    paragraphs = [
        "Both sides will expand cooperation with ASEAN, and deepen ties with Japan; "
        "we also intend to hold a dialogue by 2027.",
    ]
    for proposal in proposals(*paragraphs):
        paragraph = paragraphs[proposal.paragraph - 1]
        assert paragraph[proposal.start : proposal.end] == proposal.quote
        assert paragraph[: proposal.start].rstrip().endswith(proposal.before)
        assert paragraph[proposal.end :].lstrip().startswith(proposal.after)


SOURCE_STATEMENTS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@pytest.mark.skipif(not SOURCE_STATEMENTS.is_dir(), reason="the source statements are absent")
def test_extract_eval_measures_the_extractor_against_the_seeded_register(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from app.cli import app

    written = tmp_path / "quality.md"
    result = CliRunner().invoke(
        app, ["extract-eval", "--statements", str(SOURCE_STATEMENTS), "--write", str(written)]
    )
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if line.startswith("| total"))
    seeded, proposed, recall, precision, kind, obligors = (
        float(cell) for cell in total.strip("|").split("|")[1:]
    )
    assert min(seeded, proposed) > 0
    assert (recall >= 0.9, precision >= 0.7, kind >= 0.8, obligors >= 0.8) == (True,) * 4
    assert "| total |" in written.read_text()
