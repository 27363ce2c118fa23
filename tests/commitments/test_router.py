from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_commitment
from tests.seed_data import meeting_of, refs_where, seeded_commitments

PROBLEM = "application/problem+json"


def all_pages(client: TestClient, **params: object) -> list[dict]:
    items: list[dict] = []
    response = client.get("/api/v1/commitments", params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        link = response.headers.get("link")
        if body["next_cursor"] is None:
            assert link is None
            return items
        assert link.endswith('>; rel="next"')
        response = client.get(link[1 : link.index(">")])


def refs(client: TestClient, **params: object) -> list[str]:
    return sorted(item["ref"] for item in all_pages(client, **params))


def test_lists_every_seeded_commitment_with_its_source(client: TestClient) -> None:
    response = client.get("/api/v1/commitments", params={"limit": 200, "total": True})
    body = response.json()
    expected = {c.ref: c for _, c in seeded_commitments()}
    assert body["total"] == len(expected)
    assert {item["ref"] for item in body["items"]} == set(expected)
    for item in body["items"]:
        seed = expected[item["ref"]]
        assert item["source"]["quote"] == seed.quote
        assert item["source"]["locator"] == {
            "paragraph": seed.paragraph,
            "before": seed.before,
            "after": seed.after,
        }
        assert item["parties"] == seed.obligor_parties()
        assert item["status"] == seed.status.value
        # Created, then given the statement's sentence that shows its status as a note.
        assert item["version"] == (1 if seed.evidence is None else 2)


def test_pages_follow_link_headers_without_gaps_or_repeats(client: TestClient) -> None:
    items = all_pages(client, limit=7)
    first = client.get("/api/v1/commitments", params={"limit": 7, "total": True}).json()
    assert len(items) == first["total"]
    assert len({item["ref"] for item in items}) == len(items)
    assert [item["ref"] for item in items] == sorted(item["ref"] for item in items)


@pytest.mark.parametrize(
    "sort", ["due_date", "-due_date", "ref", "-ref", "updated_at", "-updated_at"]
)
def test_every_sort_order_pages_through_everything_in_order(client: TestClient, sort: str) -> None:
    items = all_pages(client, sort=sort, limit=4)
    assert len({item["ref"] for item in items}) == len(seeded_commitments())
    field = sort.lstrip("-")
    descending = sort.startswith("-")
    if field == "due_date":
        dated = [item["due_date"] for item in items if item["due_date"]]
        undated_from = len(dated)
        assert all(item["due_date"] is None for item in items[undated_from:]), "nulls come last"
        assert dated == sorted(dated, reverse=descending)
    else:
        values = [item[field] for item in items]
        assert values == sorted(values, reverse=descending)


def test_next_links_keep_every_value_of_a_repeated_filter(client: TestClient) -> None:
    wanted = refs_where(lambda s, c: c.status.value in {"completed", "not_started"})
    assert len(wanted) > 3
    paged = refs(client, status=["completed", "not_started"], limit=3)
    assert paged == wanted


def test_filters_by_party_area_document_meeting_and_status(client: TestClient) -> None:
    assert refs(client, party="JP") == refs_where(lambda s, c: "JP" in c.obligor_parties())
    assert refs(client, party="jp") == refs(client, party="JP")
    assert refs(client, area="maritime-security") == refs_where(
        lambda s, c: "maritime-security" in c.areas
    )
    assert refs(client, document="kdd-2018-10-admm-plus") == refs_where(
        lambda s, c: s == "kdd-2018-10-admm-plus"
    )
    assert refs(client, meeting="DTT-11") == refs_where(lambda s, c: meeting_of(s, c) == "DTT-11")
    assert refs(client, status=["completed", "not_started"]) == refs_where(
        lambda s, c: c.status.value in {"completed", "not_started"}
    )
    combined = refs(client, party="US", area="capacity-building", status="not_started")
    assert combined == refs_where(
        lambda s, c: (
            "US" in c.obligor_parties()
            and "capacity-building" in c.areas
            and c.status.value == "not_started"
        )
    )
    assert combined, "the combined filter should match something in the seeds"


def test_filters_by_due_date_bounds_exclusively(client: TestClient) -> None:
    everything = all_pages(client, limit=200)

    def due_where(predicate) -> list[str]:
        return sorted(
            i["ref"]
            for i in everything
            if i["due_date"] and predicate(date.fromisoformat(i["due_date"]))
        )

    before = due_where(lambda d: d < date(2024, 10, 31))
    assert before
    assert refs(client, due_before="2024-10-31") == before
    assert refs(client, due_after="2024-10-30") == due_where(lambda d: d > date(2024, 10, 30))
    assert refs(client, due_after="2024-10-29", due_before="2024-11-01") == due_where(
        lambda d: date(2024, 10, 29) < d < date(2024, 11, 1)
    )


def test_unknown_filter_values_match_nothing(client: TestClient) -> None:
    body = client.get("/api/v1/commitments", params={"party": "ZZ", "total": True}).json()
    assert body == {"items": [], "total": 0, "next_cursor": None}


def test_the_total_is_counted_only_when_asked_for(client: TestClient) -> None:
    page = client.get("/api/v1/commitments", params={"limit": 5})
    assert page.json()["total"] is None
    counted = client.get("/api/v1/commitments", params={"limit": 5, "total": True})
    assert counted.json()["total"] == len(seeded_commitments())
    assert "total=true" in counted.headers["Link"]
    assert "total" not in page.headers["Link"]


def test_text_search_is_case_insensitive_over_ref_title_and_quote(client: TestClient) -> None:
    assert refs(client, q="IRONCLAD") == refs_where(
        lambda s, c: "ironclad" in (c.ref + c.title + c.quote).lower()
    )
    assert refs(client, q="scm56-rcf-1") == refs_where(lambda s, c: c.ref.startswith("SCM56-RCF-1"))
    assert refs(client, q="Vigilant Ace") == refs_where(lambda s, c: "Vigilant Ace" in c.quote)
    # LIKE wildcards are searched for literally.
    assert refs(client, q="%") == []
    assert refs(client, q="_") == []


def test_text_search_finds_korean_and_other_cased_scripts(client: TestClient) -> None:
    ref = make_commitment(client, title="조기경보체계 공동 개선", quote="Ωμέγα ΣΥΣΤΗΜΑ")["ref"]
    assert refs(client, q="조기경보") == [ref]
    assert refs(client, q="ΩΜΈΓΑ σύστημα".replace("ύ", "\u03c5")) == [ref]
    item = client.get(f"/api/v1/commitments/{ref}").json()
    assert item["title"] == "조기경보체계 공동 개선"


def test_gets_one_commitment_with_a_strong_etag(client: TestClient) -> None:
    response = client.get("/api/v1/commitments/SCM56-RCF-13")
    assert response.status_code == 200
    body = response.json()
    assert body["ref"] == "SCM56-RCF-13"
    assert body["source"]["document"] == "scm56-2plus2-fact-sheet-and-rcf"
    assert body["source"]["meeting"] == "SCM-56"
    assert "identify points of contact" in body["source"]["quote"]
    etag = response.headers["etag"]
    assert etag.startswith(f'"{body["version"]}.')
    again = client.get("/api/v1/commitments/SCM56-RCF-13", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/api/v1/commitments/SCM56-RCF-13", headers={"If-None-Match": '"999"'})
    assert other.status_code == 200


def test_unknown_commitment_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/api/v1/commitments/NO-SUCH-REF")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 404
    assert problem["type"].endswith("/not-found")
    assert "NO-SUCH-REF" in problem["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"status": "finished"}, "status"),
        ({"sort": "title"}, "sort"),
        ({"due_before": "31/12/2025"}, "due_before"),
        ({"due_after": "2025-02-30"}, "due_after"),
        ({"party": "U S"}, "party"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_invalid_query_parameters_are_422_problems(
    client: TestClient, params: dict, field: str
) -> None:
    response = client.get("/api/v1/commitments", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("/validation-error")
    assert [error["loc"][-1] for error in problem["errors"]] in ([field], [field, "0"], ["0"])


@pytest.mark.parametrize("cursor", ["bm90IGpzb24", "WyJyZWYiXQ", "WzEsMiwzXQ"])
def test_forged_cursors_are_400_problems(client: TestClient, cursor: str) -> None:
    response = client.get("/api/v1/commitments", params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-cursor")


def test_a_cursor_of_other_characters_than_base64url_is_refused_by_its_schema(
    client: TestClient,
) -> None:
    response = client.get("/api/v1/commitments", params={"cursor": "not-base64!"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


def test_a_cursor_only_works_with_the_sort_it_came_from(client: TestClient) -> None:
    cursor = client.get("/api/v1/commitments", params={"limit": 2}).json()["next_cursor"]
    response = client.get("/api/v1/commitments", params={"cursor": cursor, "sort": "due_date"})
    assert response.status_code == 400


def test_a_page_costs_a_bounded_number_of_statements_whatever_its_size(
    client: TestClient, count_statements
) -> None:
    client.get("/api/v1/commitments", params={"limit": 1})  # records the token's first use
    counts = {}
    for limit in (1, 10, 60):
        count_statements.count = 0
        page = client.get("/api/v1/commitments", params={"limit": limit, "total": "true"})
        assert page.status_code == 200
        counts[limit] = count_statements.count
    # Authentication, count, page, and every link and cycle of the page in one statement (the
    # page of 60 holds every seeded commitment, recurring ones among them).
    assert max(counts.values()) == counts[60] == 4, counts
    count_statements.count = 0
    assert client.get("/api/v1/commitments", params={"limit": 60}).status_code == 200
    assert count_statements.count == 3  # no total asked for: no count


def test_a_change_of_title_costs_one_read_one_update_two_inserts_and_one_read_back(
    client: TestClient, count_statements
) -> None:
    client.get("/api/v1/commitments", params={"limit": 1})  # records the token's first use
    ref = client.get("/api/v1/commitments", params={"limit": 1}).json()["items"][0]["ref"]
    before = client.get(f"/api/v1/commitments/{ref}")
    count_statements.count = 0
    changed = client.patch(
        f"/api/v1/commitments/{ref}",
        json={"title": "Quarterly tabletop exercise 분기별"},
        headers={"If-Match": before.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    # Authentication, then the commitment with its links, one UPDATE of version and columns
    # at the version read, the history, the webhook event, the commitment read back with its
    # links: nothing flushed from entities in between.
    assert count_statements.count == 6
    kinds = [statement.split()[0] for statement in count_statements.through_engines]
    assert kinds == ["SELECT", "SELECT", "UPDATE", "INSERT", "INSERT", "SELECT"], kinds
    assert count_statements.through_engines[2:5] == [
        "UPDATE commitment SET",
        "INSERT INTO commitment_history",
        "INSERT INTO webhook_event",
    ]
    assert changed.json()["title"] == "Quarterly tabletop exercise 분기별"
    assert changed.json()["version"] == before.json()["version"] + 1
    assert changed.headers["etag"] != before.headers["etag"]
    assert client.get(f"/api/v1/commitments/{ref}").json() == changed.json()
    # The search text moved with the title.
    assert refs(client, q="tabletop") == [ref]
    assert ref not in refs(client, q=before.json()["title"])


def test_one_commitment_costs_two_statements(client: TestClient, count_statements) -> None:
    client.get("/api/v1/commitments", params={"limit": 1})  # records the token's first use
    recurring = next(
        item["ref"]
        for item in client.get("/api/v1/commitments", params={"limit": 200}).json()["items"]
        if item["cycles"] and item["topics"]
    )
    count_statements.count = 0
    answer = client.get(f"/api/v1/commitments/{recurring}")
    assert answer.status_code == 200
    assert answer.json()["cycles"]
    assert count_statements.count == 2  # authentication; the commitment with its links
