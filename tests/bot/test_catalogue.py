"""The one service catalogue (backend/catalogue/services.yml) feeds the assistant: no second copy."""
import re
from pathlib import Path

import yaml

from bot.actions import catalogue

ROOT = Path(__file__).resolve().parents[2]
BACKEND_FILE = ROOT / "backend" / "catalogue" / "services.yml"


def backend_entries():
    return yaml.safe_load(BACKEND_FILE.read_text(encoding="utf-8"))


def test_catalogue__bot_reads_the_backend_file():
    assert catalogue.CATALOGUE_FILE.resolve() == BACKEND_FILE.resolve()
    assert {e["slug"]: e["name_zh"] for e in backend_entries()} == \
        {slug: s.name for slug, s in catalogue.services().items()}
    assert catalogue.SLUGS == {e["slug"] for e in backend_entries()}


def test_catalogue__every_service_says_how_people_ask_and_describe_the_need():
    thin = {slug: (len(s.asks), len(s.needs)) for slug, s in catalogue.services().items()
            if len(s.asks) < 8 or len(s.needs) < 4}
    assert thin == {}


def test_catalogue__no_phrase_points_at_two_services():
    owners: dict[str, set[str]] = {}
    for slug, service in catalogue.services().items():
        for phrase in service.phrases:
            owners.setdefault(phrase, set()).add(slug)
    assert {p: s for p, s in owners.items() if len(s) > 1} == {}


def test_catalogue__nlu_synonyms_and_lookup_come_from_it():
    nlu = yaml.safe_load((ROOT / "bot" / "data" / "nlu" / "synonyms.yml").read_text(encoding="utf-8"))["nlu"]
    lookup = next(block for block in nlu if block.get("lookup") == "service_type")["examples"]
    listed = {line[2:].strip() for line in lookup.splitlines() if line.startswith("- ")}
    assert listed == {p for s in catalogue.services().values() for p in s.phrases}


def test_service_name__reads_back_the_catalogue_name():
    assert catalogue.service_name("meal_delivery") == "送餐"
    assert catalogue.service_name("nonsense") == "nonsense"
    assert catalogue.service_name(None) == ""


def test_match_service__finds_a_need_described_without_a_service_word():
    assert catalogue.match_service("我家下水道堵了") == "repair"
    assert catalogue.match_service("中午给我送个饭吧") == "meal_delivery"
    assert catalogue.match_service("我还有多少时间币") is None
    assert catalogue.match_service("errand") == "errand"


def test_catalogue__phrases_name_no_date():
    # A phrase is tagged as service_type in training; a date inside it teaches DIET to run the
    # date_time entity into the need ("下礼拜二要去医院复查" instead of "下礼拜二").
    date = re.compile(r"今天|明天|后天|礼拜|星期|下周|这周|[0-9一二三四五六七八九十]号")
    dated = [p for s in catalogue.services().values() for p in s.phrases if date.search(p)]
    assert dated == []
