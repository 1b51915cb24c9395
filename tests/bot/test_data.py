"""Checks on the training data, the held-out split and the domain (no model needed)."""
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.actions.catalogue import SLUGS
from bot.nlu.text import normalize_utterance

ROOT = Path(__file__).resolve().parents[2]
INTENTS = ["greet", "goodbye", "affirm", "deny", "request_service", "check_balance", "check_stars",
           "check_history", "check_order", "cancel_order", "gift_coins", "donate_coins", "rate_service",
           "human_handoff", "repeat", "slow_down", "register", "help", "out_of_scope", "consent_family",
           "revoke_family", "complain"]


@pytest.fixture(scope="module")
def train():
    return load_data(str(ROOT / "bot" / "data" / "nlu"))


@pytest.fixture(scope="module")
def test_split():
    return load_data(str(ROOT / "tests" / "bot" / "nlu_test.yml"))


def service_values(example):
    return [e["value"] for e in example.get("entities") or [] if e["entity"] == "service_type"]


def test_domain__declares_exactly_the_agreed_intents():
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    assert domain["intents"] == INTENTS


def test_train__at_least_40_examples_per_intent(train):
    counts = Counter(e.get("intent") for e in train.intent_examples)
    assert {i: counts[i] for i in INTENTS if counts[i] < 40} == {}


def test_train__at_least_15_examples_per_service_type(train):
    counts = Counter(v for e in train.training_examples for v in service_values(e))
    assert {s: counts[s] for s in SLUGS if counts[s] < 15} == {}


def test_train__service_type_values_are_backend_slugs(train):
    assert {v for e in train.training_examples for v in service_values(e)} <= SLUGS


def test_train__examples_are_already_normalised(train):
    # The pipeline's TextNormalizer leaves annotated examples alone; they must not need it.
    assert [e.get("text") for e in train.training_examples
            if normalize_utterance(e.get("text")) != e.get("text")] == []


def test_test_split__shares_no_sentence_with_training(train, test_split):
    overlap = {e.get("text") for e in train.intent_examples} & {e.get("text") for e in test_split.intent_examples}
    assert overlap == set()


def test_test_split__covers_every_intent_and_service(test_split):
    assert {e.get("intent") for e in test_split.intent_examples} == set(INTENTS)
    assert {v for e in test_split.training_examples for v in service_values(e)} == SLUGS
