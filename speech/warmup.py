"""Warming the recognisers at start-up with the product's own voice (background task of the IVR's start).

A caller's first sentences after a restart should not meet cold decoders (docs/benchmarks.md, hotline
section: a burst of ten calls on new Vosk recognisers fell 20 s behind). The synthesiser renders a few
sentences a caller might say; ``RecognitionService.warm`` decodes them on the spare decoders.
"""
from __future__ import annotations

import asyncio
import logging

from speech.errors import SpeechError
from speech.profile import CallProfile
from speech.service import RecognitionService, SpeechMode
from speech.settings import SpeechSettings
from speech.synthesis import Synthesiser

log = logging.getLogger(__name__)

WARM_UP_SENTENCES = ("我想预约明天上午打扫卫生，两个小时", "我的时间币还有多少", "对，没错", "不用了，帮我转人工")


async def warm_up(recognition: RecognitionService, synthesiser: Synthesiser, settings: SpeechSettings) -> int:
    """Render ``WARM_UP_SENTENCES`` and warm spare decoders on them; returns how many were warmed. Never
    raises for a missing voice or model (the line works without warm decoders, only slower at first)."""
    if recognition.mode is not SpeechMode.VOICE or min(settings.warm_decoders, settings.spare_decoders) == 0:
        return 0
    profile = CallProfile.for_call(settings, elder=True)
    try:
        clips = [(await synthesiser.render(text, profile)).pcm for text in WARM_UP_SENTENCES]
    except SpeechError as exc:
        log.warning("speech: recognisers not warmed, synthesis failed: %s", exc)
        return 0
    return await asyncio.get_running_loop().run_in_executor(None, recognition.warm, clips)
