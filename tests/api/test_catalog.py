"""/api/catalog is JSON-LD (expanded by pyld, offline) with the properties DCAT-AP.de requires of catalogue, dataset and distribution."""

from __future__ import annotations

import json

from pyld import jsonld

from tests.api.conftest import STATIONS
from tests.api.test_sta import get

DCAT, DCT, FOAF = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://xmlns.com/foaf/0.1/"
LICENCES = "http://dcat-ap.de/def/licenses/"


def nodes(expanded: list[dict], kind: str) -> list[dict]:
    """Every node of ``@type`` ``kind``, however deep it is nested."""
    found: list[dict] = []

    def visit(value) -> None:
        if isinstance(value, dict):
            if kind in value.get("@type", []):
                found.append(value)
            for inner in value.values():
                visit(inner)
        elif isinstance(value, list):
            for inner in value:
                visit(inner)

    visit(expanded)
    return found


def catalog(base: str) -> tuple[dict, list[dict]]:
    status, headers, body = get(base + "/catalog")
    assert status == 200 and headers["content-type"].startswith("application/ld+json")
    document = json.loads(body)
    return document, jsonld.expand(document)  # the context is inline: no network needed


def test_the_catalogue_has_what_dcat_ap_de_requires(base):
    _, expanded = catalog(base)
    [cat] = nodes(expanded, DCAT + "Catalog")
    for prop in (DCT + "title", DCT + "description", DCT + "publisher", DCAT + "dataset"):
        assert cat.get(prop), prop
    assert cat[DCT + "publisher"][0][FOAF + "name"][0]["@value"] == "Menden (Sauerland)"
    datasets = nodes(expanded, DCAT + "Dataset")
    assert len(datasets) == len({s[3] for s in STATIONS.values()})  # one per theme (one source here)
    for dataset in datasets:
        for prop in (DCT + "title", DCT + "description", DCT + "publisher", DCAT + "theme", DCAT + "distribution", DCT + "temporal"):
            assert dataset.get(prop), (dataset["@id"], prop)
        assert dataset[DCAT + "theme"][0]["@id"].startswith("http://publications.europa.eu/resource/authority/data-theme/")
        period = dataset[DCT + "temporal"][0]
        assert period[DCAT + "startDate"][0]["@value"] == "2026-05-01T00:00:00Z" and period[DCAT + "endDate"][0]["@value"] < "2026-05-03"
        for distribution in dataset[DCAT + "distribution"]:
            assert distribution[DCAT + "accessURL"][0]["@id"].startswith(base)
            assert distribution[DCT + "license"][0]["@id"].startswith(LICENCES)
            assert distribution[DCT + "format"][0]["@id"].startswith("http://publications.europa.eu/resource/authority/file-type/")
            assert distribution["http://dcat-ap.de/def/dcatde/licenseAttributionByText"][0]["@value"]
    located = [d for d in datasets if DCT + "spatial" in d]
    assert len(located) == 3  # the parking station has no coordinates


def test_the_catalogue_links_answer(base):
    document, _ = catalog(base)
    for dataset in document["dcat:dataset"]:
        for distribution in dataset["dcat:distribution"]:
            status, _, body = get(distribution["dcat:accessURL"]["@id"])
            assert status == 200, body[:200]
