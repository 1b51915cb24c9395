"""TextNormalizer: the first step of the NLU pipeline, so every channel (REST, IVR, batch
parse) gets the same clean text: ``bot.nlu.text.normalize_utterance`` (recogniser spaces,
full-width digits, traditional → simplified, known mishearings; see that module)."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text import normalize_utterance


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextNormalizer(GraphComponent):
    """Rewrites ``message.text`` in place before the tokenizer sees it."""

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextNormalizer":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Annotated examples are written already normalised (tests/bot checks this);
        # rewriting them here would shift their entity offsets.
        for message in training_data.training_examples:
            if message.get(TEXT) and not message.get(ENTITIES):
                message.set(TEXT, normalize_utterance(message.get(TEXT)))
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if message.get(TEXT) is not None:
                message.set(TEXT, normalize_utterance(message.get(TEXT)))
        return messages
