from fastapi.testclient import TestClient

from tests.seed_data import seed_files, seeded_commitments


def test_lists_framework_areas_and_the_others_with_counts(client: TestClient) -> None:
    items = client.get("/api/v1/areas").json()["items"]
    reference = seed_files().reference
    expected = {a.slug for f in reference.frameworks for a in f.areas} | {
        a.slug for a in reference.areas
    }
    assert {item["slug"] for item in items} == expected
    for item in items:
        assert item["commitment_count"] == sum(
            item["slug"] in c.areas for _, c in seeded_commitments()
        )


def test_the_regional_cooperation_framework_has_its_six_areas(client: TestClient) -> None:
    items = client.get("/api/v1/areas").json()["items"]
    rcf = [
        i for i in items if (i["framework"] or {}).get("slug") == "regional-cooperation-framework"
    ]
    assert [i["name"] for i in rcf] == [
        "Maritime Security",
        "Multilateral Exercises",
        "Capacity Building",
        "Defense Exports and Defense Industrial Cooperation",
        "Technical Cooperation",
        "Information Sharing",
    ]
    assert rcf[0]["framework"]["adopted_on"] == "2024-10-30"


def test_one_area_and_an_unknown_one(client: TestClient) -> None:
    body = client.get("/api/v1/areas/information-sharing").json()
    assert body["name"] == "Information Sharing"
    assert client.get("/api/v1/areas/nowhere").status_code == 404
