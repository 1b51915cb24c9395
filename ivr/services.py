"""What the IVR holds for its lifetime: settings and the long-lived parts every call shares."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from speech import CallProfile, SpeechSettings
from speech.grammars import YES_NO_CN
from speech.interface import CallRecognition, SpeechOutput

from ivr.assistant import Assistant
from ivr.backend_client import BackendClient
from ivr.gather_store import GatherCallStore, gather_calls
from ivr.settings import IvrSettings
from ivr.tokens import StreamTokenStore
from ivr.transfer import Transferrer


class Recogniser(CallRecognition, Protocol):
    """speech's recognition seam plus ``in_speech`` (the caller is talking now), which silence
    counting needs. ``speech.CallRecogniser`` and the tests' scripted recogniser meet it."""

    @property
    def in_speech(self) -> bool: ...


@dataclass
class IvrServices:
    """``open_recogniser`` raises ``speech.ModelUnavailable`` when recognition is off (keypad
    mode); ``recordings_dir`` None = no call recordings; ``confirm_grammar``: the phrases the
    recogniser is restricted to while a read-back waits for yes/no (in the model's language);
    ``gather_calls``: gather-mode calls between webhooks, by default where ``IVR_STATE_URL`` says."""

    settings: IvrSettings
    speech_settings: SpeechSettings
    tokens: StreamTokenStore
    backend: BackendClient
    assistant: Assistant
    transferrer: Transferrer
    speaker: SpeechOutput
    open_recogniser: Callable[[CallProfile], Recogniser]
    recordings_dir: Path | None = None
    confirm_grammar: tuple[str, ...] = YES_NO_CN
    gather_calls: GatherCallStore = None  # type: ignore[assignment]  # set from the settings when not given
    _service_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.gather_calls is None:
            self.gather_calls = gather_calls(self.settings.state_url, self.settings.max_call_s)

    async def keypad_service_names(self) -> list[str]:
        """Chinese names of the keypad menu's services (from the backend, remembered)."""
        if not self._service_names:
            self._service_names.update({s["slug"]: s["name_zh"] for s in await self.backend.services()})
        return [self._service_names.get(slug, slug) for slug in self.settings.keypad_services]

    async def aclose(self) -> None:
        await self.backend.aclose()
        await self.assistant.aclose()
        self.tokens.close()
        await self.gather_calls.aclose()
