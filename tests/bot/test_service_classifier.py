"""The service decision of bot/nlu/service_classifier.py (pure parts; the trained component is
exercised through the real model in test_nlu.py and test_independent_set.py)."""
from bot.nlu.service_classifier import ServiceClassifier, decide

CONFIG = ServiceClassifier.get_default_config()


def ranking(**probabilities):
    return sorted(probabilities.items(), key=lambda pair: -pair[1])


def test_decide__a_sure_service_is_reported_when_diet_tagged_none():
    assert decide(ranking(meal_delivery=0.9, errand=0.05, none=0.05), set(), "request_service", CONFIG) == \
        ("meal_delivery", [])


def test_decide__two_close_services_are_offered_as_alternatives():
    chosen, alternatives = decide(ranking(meal_delivery=0.45, escort_shopping=0.4, none=0.15), set(),
                                  "request_service", CONFIG)
    assert chosen == "meal_delivery"
    assert alternatives == ["meal_delivery", "escort_shopping"]


def test_decide__no_service_named_reports_none():
    assert decide(ranking(none=0.9, cleaning=0.06, errand=0.04), set(), "request_service", CONFIG) == (None, [])


def test_decide__other_intents_get_no_service_from_the_classifier():
    assert decide(ranking(meal_delivery=0.9, errand=0.05, none=0.05), set(), "check_balance", CONFIG) == (None, [])


def test_decide__diet_span_kept_unless_the_whole_sentence_clearly_says_otherwise():
    assert decide(ranking(repair=0.5, errand=0.4, none=0.1), {"errand"}, "request_service", CONFIG)[0] is None
    assert decide(ranking(escort_medical=0.9, errand=0.01, none=0.09), {"errand"}, "request_service",
                  CONFIG)[0] == "escort_medical"


def test_decide__of_two_diet_services_the_likelier_is_kept():
    assert decide(ranking(cleaning=0.7, repair=0.2, none=0.1), {"repair", "cleaning"}, "request_service",
                  CONFIG)[0] == "cleaning"
