"""ServiceClassifier: a Rasa NLU component that decides the requested service from the whole
utterance (bot/nlu/service_model.py), so "中午给我送个饭" or "下水道堵了" get a service even
where DIET tagged no span.

It runs after DIET and the EntitySynonymMapper and writes, for every message:

- the entity ``service_type`` (value: a backend slug) when the utterance asks for a service and
  DIET found none, or replaces DIET's when DIET's span is very unlikely on the whole sentence
  (extractor ``ServiceClassifier``, ``confidence_entity`` = the probability);
- ``service_ranking``: the three likeliest services ``[{"name": slug, "confidence": p}]``
  (empty when the utterance names no service);
- ``service_alternatives``: ``[first, second]`` when the two likeliest services are too close to
  choose (the dialogue then asks "是要送饭，还是陪您去买菜？"), else ``[]``.

Both keys are in the parse result and in ``tracker.latest_message`` for the actions. DIET's spans
whose value is not a catalogue slug (DIET sometimes tags a stray clause) are mapped with
``match_service`` or dropped; of two services DIET found, the one the classifier prefers is kept,
except in a correction ("不是送饭，是买菜"), which the form handles.

When DIET could not place the utterance (its intent would fall back, or it is ``help`` /
``out_of_scope``) but the classifier is sure a service is asked for, the intent becomes
``request_service``: a long ramble about a blocked sink is a request, not a question about the bot.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.service_model import NONE, ServiceModel, catalogue_examples, train

_CORRECTION = re.compile(r"不是.+[，,]?(?:是|要|换成|改成)")

ENTITY = "service_type"
RANKING = "service_ranking"
ALTERNATIVES = "service_alternatives"


def catalogue_phrases() -> dict[str, list[str]]:
    from bot.actions.catalogue import services
    return {slug: list(service.phrases) for slug, service in services().items()}


def training_pairs(training_data: TrainingData) -> tuple[list[str], list[str]]:
    """(text, label) for every example: its one service slug, ``none`` without one; examples
    naming two services (corrections) are left out."""
    texts, labels = [], []
    for message in training_data.intent_examples:
        values = {e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == ENTITY}
        if len(values) <= 1 and message.get(TEXT):
            texts.append(message.get(TEXT))
            labels.append(values.pop() if values else NONE)
    return texts, labels


def decide(ranking: list[tuple[str, float]], diet: set[str], intent: Optional[str],
           config: Dict[str, Any]) -> tuple[Optional[str], list[str]]:
    """The service to report (None: leave DIET's entities as they are) and the close alternatives."""
    probability = dict(ranking)
    services = [(slug, p) for slug, p in ranking if slug != NONE]
    (best, p_best), (second, p_second) = services[0], services[1]
    close = p_best - p_second < config["ambiguity_margin"] and p_second >= config["alternative_min"]
    if len(diet) >= 2:
        return max(diet, key=lambda slug: probability.get(slug, 0.0)), []
    if len(diet) == 1:
        (named,) = diet
        if named != best and p_best >= config["override_threshold"] and probability.get(named, 0.0) < 0.05:
            return best, []
        return None, ([best, second] if close and named in (best, second) else [])
    if intent not in config["intents"]:
        return None, []
    if p_best < config["threshold"] or probability.get(NONE, 0.0) > config["none_max"]:
        return None, []
    return best, ([best, second] if close else [])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ServiceClassifier(GraphComponent, EntityExtractorMixin):
    """Whole-utterance service classification (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Bumped when the training code changes, so Rasa's cache does not reuse an older model.
            "model_version": 5,
            # Intents whose utterances may name a service; elsewhere the component only ranks.
            "intents": ["request_service", "cancel_order", "check_order", "rate_service"],
            # Report a service DIET did not tag from this probability on, unless "no service" is
            # likelier than none_max (chosen on the leave-templates-out cross-validation, docs/bot.md).
            "threshold": 0.1,
            "none_max": 0.6,
            # Replace DIET's service when the classifier is this sure of another (and DIET's < 5 %).
            "override_threshold": 0.6,
            # Two services closer than this, the second at least alternative_min: ask which.
            "ambiguity_margin": 0.15,
            "alternative_min": 0.25,
            # Take an utterance DIET could not place (confidence under the FallbackClassifier's
            # threshold, or one of these intents) as request_service when the classifier gives a
            # service at least request_min and "no service" at most request_none_max.
            "fallback_threshold": 0.45,
            "placeless_intents": ["help", "out_of_scope"],
            "request_min": 0.5,
            "request_none_max": 0.2,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[ServiceModel] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ServiceClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        phrases = catalogue_phrases()
        texts, labels = training_pairs(training_data)
        extra_texts, extra_labels = catalogue_examples(phrases)
        self._model = train(texts + extra_texts, labels + extra_labels, phrases)
        with self._model_storage.write_to(self._resource) as folder:
            self._model.save(folder)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "ServiceClassifier":
        with model_storage.read_from(resource) as folder:
            return cls(config, model_storage, resource, ServiceModel.load(folder))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if self._model is None or not text.strip():
            message.set(RANKING, [], add_to_output=True)
            message.set(ALTERNATIVES, [], add_to_output=True)
            return
        ranking = self._model.ranking(text)
        entities = self._clean_diet_entities(message.get(ENTITIES) or [])
        message.set(ENTITIES, entities, add_to_output=True)
        diet = {e["value"] for e in entities if e["entity"] == ENTITY}
        self._place_request(message, ranking)
        intent = (message.get(INTENT) or {}).get("name")
        if len(diet) >= 2 and _CORRECTION.search(text):
            chosen, alternatives = None, []
        else:
            chosen, alternatives = decide(ranking, diet, intent, self._config)
        if chosen is not None:
            probability = dict(ranking)[chosen]
            start, end = self._model.phrase_span(text, chosen) or (0, len(text))
            entities = [e for e in entities if e["entity"] != ENTITY]
            entities += self.add_extractor_name([{"entity": ENTITY, "value": chosen, "start": start, "end": end,
                                                  "confidence_entity": round(probability, 4),
                                                  "text": text[start:end]}])
            message.set(ENTITIES, entities, add_to_output=True)
        top = [{"name": slug, "confidence": round(p, 4)} for slug, p in ranking if slug != NONE][:3]
        names_one_service = chosen is not None or len(diet) == 1
        message.set(RANKING, top if names_one_service else [], add_to_output=True)
        message.set(ALTERNATIVES, alternatives, add_to_output=True)

    @staticmethod
    def _clean_diet_entities(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """DIET's service spans with a slug as value; a stray span is mapped by its words or dropped."""
        from bot.actions.catalogue import match_service, slugs

        known = slugs()
        cleaned = []
        for entity in entities:
            if entity["entity"] == ENTITY and entity["value"] not in known:
                slug = match_service(str(entity.get("value") or ""))
                if slug is None:
                    continue
                entity = {**entity, "value": slug}
            cleaned.append(entity)
        return cleaned

    def _place_request(self, message: Message, ranking: list[tuple[str, float]]) -> None:
        intent = message.get(INTENT) or {}
        confidence = float(intent.get("confidence") or 0.0)
        placeless = (intent.get("name") in self._config["placeless_intents"]
                     or confidence < self._config["fallback_threshold"])
        probability = dict(ranking)
        p_best = next(p for slug, p in ranking if slug != NONE)
        if not placeless or intent.get("name") == "request_service" or p_best < self._config["request_min"] \
                or probability.get(NONE, 1.0) > self._config["request_none_max"]:
            return
        others = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != "request_service"]
        rest = sum(float(r.get("confidence") or 0.0) for r in others) or 1.0
        message.set(INTENT, {"name": "request_service", "confidence": p_best}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": "request_service", "confidence": p_best}] + [
            {**r, "confidence": float(r.get("confidence") or 0.0) * (1.0 - p_best) / rest} for r in others],
            add_to_output=True)
