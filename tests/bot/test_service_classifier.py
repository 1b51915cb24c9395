"""The service decision of bot/nlu/service_classifier.py (pure parts; the trained component is
exercised through the real model in test_nlu.py and test_independent_set.py)."""
import numpy as np
import pytest

from bot.nlu.service_classifier import ServiceClassifier, decide
from bot.nlu.service_model import NONE, ServiceModel, train

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


def _small_model(**options):
    texts = ["中午给我送个饭", "送碗热乎饭来", "下水道堵了", "马桶冲不下去了", "我还有多少时间币", "帮我约个服务",
             "麻烦你们了，中午没人做饭", "麻烦你们了，水管漏水了"]
    labels = ["meal_delivery", "meal_delivery", "repair", "repair", NONE, NONE, "meal_delivery", "repair"]
    return train(texts, labels, {"meal_delivery": ["送饭"], "repair": ["下水道堵了"]}, **options)


@pytest.mark.parametrize("idf", [True, False])
def test_service_model__fast_scores_equal_the_training_features(idf):
    # ServiceModel._scores recomputes the TF-IDF features by hand (a parse must stay fast); it must give
    # what scikit-learn's vectorizer + regression give, or the model parses what it was not trained on.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = ["中午给我送个饭", "送碗热乎饭来", "下水道堵了", "马桶冲不下去了", "我还有多少时间币", "帮我约个服务",
             "麻烦你们了，中午没人做饭", "麻烦你们了，水管漏水了"]
    labels = ["meal_delivery", "meal_delivery", "repair", "repair", NONE, NONE, "meal_delivery", "repair"]
    model = _small_model(idf=idf)
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), binary=True, use_idf=idf).fit(texts)
    regression = LogisticRegression(C=64.0, max_iter=2000, class_weight="balanced").fit(vectorizer.transform(texts),
                                                                                      labels)
    probe = ["那个，麻烦你们了，厨房水池  堵了", "中午饭没人管", "完全无关的字"]
    assert np.allclose(model.probabilities(probe), regression.predict_proba(vectorizer.transform(probe)), atol=1e-6)


def test_service_model__idf_weights_a_need_over_the_frame_around_it():
    # 麻烦 is in more training turns than 堵, so it weighs less: two frames cannot drown the need.
    model = _small_model()
    assert model.idf[model.vocabulary["麻烦"]] < model.idf[model.vocabulary["堵"]]
    assert model.ranking("麻烦你们了麻烦你们了，堵了")[0][0] == "repair"


def test_service_model__save_and_load_keep_the_idf(tmp_path):
    model = _small_model()
    model.save(tmp_path)
    loaded = ServiceModel.load(tmp_path)
    assert np.array_equal(loaded.idf, model.idf)
    assert loaded.ranking("下水道又堵了") == model.ranking("下水道又堵了")
