"""Dialogue: `rasa data validate` and the end-to-end test stories (tests/bot/test_stories.yml)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "var" / "reports" / "bot_core"


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
                               "TF_CPP_MIN_LOG_LEVEL": "3"})


def test_data_validate__clean_except_responses_only_actions_use():
    result = rasa("data", "validate", "--domain", "bot/domain.yml", "--data", "bot/data", "--config", "config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "No story structure conflicts found" in output
    # Rasa flags responses that no story names; ours are uttered by custom actions. Any other
    # warning, or a response no action uses either, fails.
    unused = set(re.findall(r"The utterance '(\w+)' is not used in any story or rule", output))
    action_source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "actions").glob("*.py"))
    prefixes = tuple(re.findall(r'"(utter_\w+_)(?:"|\{)', action_source))  # "utter_x_" + part, f"utter_x_{part}"
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    form_questions = {f"utter_ask_{slot}" for form in domain["forms"].values() for slot in form["required_slots"]}
    assert {u for u in unused if u not in action_source and not u.startswith(prefixes)} - form_questions == set()
    other = [line for line in output.splitlines() if "UserWarning" in line and "is not used in any story" not in line]
    assert other == []


def test_e2e_stories__every_flow_follows_its_test_story(trained_model):
    out = REPORTS
    result = rasa("test", "core", "--model", str(trained_model), "--stories", "tests/bot/test_stories.yml",
                  "--out", str(out), "--no-plot")
    assert result.returncode == 0, result.stderr[-3000:]
    failed = yaml.safe_load((out / "failed_test_stories.yml").read_text(encoding="utf-8")) if \
        (out / "failed_test_stories.yml").exists() else None
    failed_text = (out / "failed_test_stories.yml").read_text(encoding="utf-8") if failed else ""
    assert not failed or not failed.get("stories"), failed_text[:4000]
    stories = yaml.safe_load((ROOT / "tests" / "bot" / "test_stories.yml").read_text(encoding="utf-8"))["stories"]
    assert len(stories) >= 10


# Ways of leaving written for this test only: whatever intent the NLU gives them, they are never a
# yes or a new request, and the form's own check of the words ends the form (bot/actions/forms.py).
HELD_OUT_LEAVING = ["哎呀算了吧", "那就不约了", "我不要了，谢谢", "取消吧", "回头再说吧，我先忙", "先不弄了，等等再说",
                    "算了，俺不约了", "不用了不用了，算了", "以后再说", "这个先不办了"]


@pytest.mark.parametrize("said", HELD_OUT_LEAVING)
def test_stop__held_out_ways_of_leaving_leave(parser, said):
    from bot.actions.forms import wants_to_leave

    intent = parser.parse(said)["intent"]["name"]
    assert intent not in ("affirm", "request_service") and wants_to_leave(said, "date_time"), intent
