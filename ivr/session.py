"""One streamed call: the handler that joins the caller's audio, the recogniser, the assistant,
the synthesiser, the keypad menu and the call record. Decisions are made by the pure steps in
``ivr.dialogue`` and ``ivr.keypad``; this class only carries them out.

The gateway's read loop never waits on recognition: a media frame is queued for the call's audio
task (recording, recognition, barge-in, silence counting, in arrival order), so keys, marks and
keep-alives are read while audio is decoded. Everything that waits on another service (the
assistant, the backend, synthesis) runs in one worker task, one turn at a time and in order,
so a caller's key presses and sentences are answered in the order given.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import Awaitable, Callable

from speech import CallProfile, CallRecorder, FinalUtterance, ModelUnavailable, SpeechError, SpeechStarted

from ivr import dialogue, keypad, prompts, timing
from ivr.assistant import Reply
from ivr.call_log import CallLog
from ivr.errors import AssistantUnavailable, IvrError
from ivr.handoff import operator_number
from ivr.keypad_actions import KeypadMenu, KeypadTurn
from ivr.playback import Playback
from ivr.services import IvrServices, Recogniser
from ivr.timing import TurnClock
from ivr.tokens import StreamGrant
from observe.metrics import ACTIVE_CALLS, RECOGNISER_CONFIDENCE

log = logging.getLogger(__name__)
_MAX_QUEUED_TURNS = 3  # turns waiting beyond this are key floods; the keys are recorded, not answered


class CallSession:
    def __init__(self, services: IvrServices, send: Callable[[str], Awaitable[None]],
                 hang_up: Callable[[], Awaitable[None]], grant: StreamGrant, stream_sid: str):
        self.services, self.settings, self._hang_up = services, services.settings, hang_up
        self.grant, self.stream_sid = grant, stream_sid
        self.profile = CallProfile.for_call(services.speech_settings)
        self.floor = dialogue.Floor()
        self.limits = dialogue.Limits(int(self.settings.silence_reprompt_s * 1000), self.settings.max_reprompts,
                                      self.settings.min_confidence)
        self.log = CallLog(services.backend, grant.call_sid)
        self.keypad = KeypadMenu(services, self.log, grant.caller, grant.call_sid)
        self.keypad_mode = False
        self.recogniser: Recogniser | None = None
        self.confirming = False  # a read-back waits for yes/no: the recogniser is in grammar mode
        self.recorder: CallRecorder | None = None
        self.transferred = False
        self.ended = False
        self.playback = Playback(send, stream_sid, None, captions=grant.mode == "browser")
        self._work: asyncio.Queue = asyncio.Queue()
        self._worker: asyncio.Task | None = None
        self._audio: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._listener: asyncio.Task | None = None

    # -- lifecycle ------------------------------------------------------------------------
    async def begin(self) -> None:
        ACTIVE_CALLS.labels("stream").inc()
        self.log.open(self.grant.caller, "browser" if self.grant.mode == "browser" else "phone", "stream")
        if self.services.recordings_dir is not None:
            self.recorder = CallRecorder(self.services.recordings_dir, self.grant.call_sid)
            self.playback.recorder = self.recorder
        try:
            self.recogniser = self.services.open_recogniser(self.profile)
        except (ModelUnavailable, SpeechError) as exc:
            log.warning("ivr: call %s in keypad mode: %s", self.grant.call_sid, exc)
            self.keypad_mode = True
        self._worker = asyncio.get_running_loop().create_task(self._run_worker())
        self._listener = asyncio.get_running_loop().create_task(self._listen())
        if self.keypad_mode:
            self._work.put_nowait(("say", [prompts.RECOGNITION_OFF, keypad.menu_prompt(keypad.MenuState(), [])]))
        else:
            self._work.put_nowait(("assistant", "/greet", None, None))

    async def end(self, status: str, reason: str) -> None:
        """Close the call: what the caller said last is recorded but not acted on (a caller who
        hung up during a read-back has confirmed nothing); queued work is dropped."""
        if self.ended:
            return
        self.ended = True
        ACTIVE_CALLS.labels("stream").dec()
        if self._worker is not None:
            self._worker.cancel()
        if self._listener is not None:  # the audio already received is heard out, then recognition ends
            self._audio.put_nowait(None)
            await asyncio.wait([self._listener])
        if self.recogniser is not None:
            try:
                for event in await self.recogniser.finish():
                    if isinstance(event, FinalUtterance) and event.text:
                        self._log_caller(event)
            except SpeechError:
                pass
        if self.recorder is not None:
            self.recorder.close()
        final = "transferred" if self.transferred else status
        await self.log.close(final, reason)

    # -- inbound ----------------------------------------------------------------------------
    async def on_media(self, payload: bytes) -> None:
        """Queue a caller frame for the audio task; returns at once."""
        if not self.ended:
            self._audio.put_nowait(payload)

    async def _listen(self) -> None:
        while (payload := await self._audio.get()) is not None:
            try:
                await self._heard(payload)
            except Exception:  # noqa: BLE001 - one bad frame must not stop listening
                log.exception("ivr: call %s: audio frame failed", self.grant.call_sid)

    async def _heard(self, payload: bytes) -> None:
        if self.recorder is not None:
            self.recorder.caller(payload)
        speaking = False
        if self.recogniser is not None:
            heard_at = timing.now()  # the frame that ends an utterance is the endpoint
            try:
                events = await self.recogniser.feed(payload)
            except SpeechError as exc:  # e.g. the decoding pool shut down under the call
                log.error("ivr: call %s: recognition stopped, keypad mode: %s", self.grant.call_sid, exc)
                self.recogniser, self.keypad_mode, events = None, True, []
                self.log.event("error", "recognition stopped")
                self._enqueue("say", [prompts.RECOGNITION_OFF, keypad.menu_prompt(keypad.MenuState(), [])])
            for event in events:
                if isinstance(event, SpeechStarted):
                    self.floor, barge_in = dialogue.on_speech_started(self.floor)
                    if barge_in:
                        await self.playback.clear()
                elif isinstance(event, FinalUtterance):
                    self._on_final(event, TurnClock(self.grant.call_sid, heard_at, final=timing.now()))
            speaking = self.recogniser.in_speech
        self.floor, action = dialogue.on_audio(self.floor, len(payload) * 1000 // 8000, speaking, self.limits)
        if action is not None:
            self._enqueue("silence", action)

    async def on_dtmf(self, digit: str) -> None:
        offered = self.floor.offered  # what the key answers: the keypad/person offer, if it was made
        self.floor = dialogue.on_key(self.floor)
        self.log.event("dtmf", digit)
        if self.floor.playing:
            await self.playback.clear()  # a key press interrupts like speech does
        if digit != keypad.HANDOFF_KEY and self._work.qsize() >= _MAX_QUEUED_TURNS:
            return  # a flood of keys: recorded, not all answered (0 always gets through)
        self._enqueue("key", digit, offered)

    def on_mark(self, name: str) -> None:
        if self.playback.heard(name):
            self.floor = dialogue.on_played(self.floor)

    def _on_final(self, utterance: FinalUtterance, clock: TurnClock) -> None:
        self.floor, action = dialogue.on_final(self.floor, utterance.text, utterance.confidence, self.limits)
        if utterance.text:
            RECOGNISER_CONFIDENCE.labels("stream").observe(utterance.confidence)
            self._log_caller(utterance)
        if self.keypad_mode:
            return
        if action == "send":
            self._enqueue("assistant", utterance.text, None, clock)
        elif action == "misheard":
            self._enqueue("say", [prompts.NOT_HEARD])
        else:
            self.keypad_mode = True
            self._enqueue("say", [prompts.NOT_HEARD_TWICE, keypad.menu_prompt(keypad.MenuState(), [])])

    def _log_caller(self, u: FinalUtterance) -> None:
        self.log.turn("caller", u.text, source="speech", confidence=u.confidence, audio_start_s=u.start_s,
                      audio_end_s=u.end_s)

    # -- the worker: one turn at a time ---------------------------------------------------------
    def _enqueue(self, *item: object) -> None:
        self.floor = replace(self.floor, busy=True)
        self._work.put_nowait(item)

    async def _run_worker(self) -> None:
        while True:
            item = await self._work.get()
            self.floor = replace(self.floor, busy=True)
            try:
                await self._do(*item)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one failed turn must not end the call
                log.exception("ivr: call %s: turn %r failed", self.grant.call_sid, item[0])
                self.log.event("error", f"turn {item[0]} failed")
            if self._work.empty():
                self.floor = replace(self.floor, busy=False)

    async def _do(self, kind: str, *args: object) -> None:
        if kind == "say":
            await self.say(list(args[0]))  # type: ignore[arg-type]
        elif kind == "assistant":
            await self.ask_assistant(str(args[0]), args[1], args[2])  # type: ignore[arg-type]
        elif kind == "key":
            await self._key(str(args[0]), bool(args[1]))
        elif kind == "silence":
            await self._silence(str(args[0]))

    async def _key(self, digit: str, after_offer: bool) -> None:
        if digit == keypad.HANDOFF_KEY:
            self.log.turn("caller", keypad.KEY_WORDS[digit], source="keypad")
            await self.hand_off("caller pressed 0")
        elif self.keypad_mode:
            await self._keypad_turn(await self.keypad.press(digit))
        elif after_offer and digit == "1":
            self.keypad_mode = True
            await self.say([keypad.menu_prompt(keypad.MenuState(), [])])
        else:
            if digit == keypad.SLOWER_KEY:
                self.slow_down()
            words = keypad.KEY_WORDS.get(digit, digit)
            await self.ask_assistant(keypad.conversation_message(digit), words, None)

    async def _keypad_turn(self, turn: KeypadTurn) -> None:
        if turn.handoff:
            await self.hand_off("caller pressed 0 in the keypad menu")
            return
        if turn.slower:
            self.slow_down()
        await self.say(list(turn.say))

    async def _silence(self, action: str) -> None:
        self.log.event("reprompt", action)
        if action == "goodbye":
            await self.say([prompts.GOODBYE])
            await self.playback.played(timeout_s=15)
            self.log.event("reprompt", "hung up: no answer")
            await self._hang_up()
            return
        if action == "offer":
            await self.say([prompts.OFFER_KEYPAD])
        elif self.keypad_mode:
            await self._keypad_turn(await self.keypad.repeat())
        else:
            await self.say([prompts.REPROMPT])

    # -- the assistant ------------------------------------------------------------------------
    async def ask_assistant(self, message: str, keypad_words: str | None, clock: TurnClock | None) -> None:
        clock = clock or TurnClock(self.grant.call_sid, endpoint=0.0)  # not a spoken turn: not logged
        if keypad_words is not None:
            self.log.turn("caller", keypad_words, source="keypad")
        metadata = {"channel": "phone", "phone": self.grant.caller, "call_sid": self.grant.call_sid,
                    "speech_rate": "slow" if self.profile.rate_wpm < self.services.speech_settings.elder_rate_wpm
                    else "normal"}
        clock.asked = timing.now()
        try:
            replies = await self.services.assistant.send(self.grant.call_sid, message, metadata)
        except AssistantUnavailable as exc:
            log.warning("ivr: call %s: %s", self.grant.call_sid, exc)
            self.log.event("error", "assistant unavailable")
            self.expect_yes_no(False)
            await self.say([prompts.ASSISTANT_DOWN])
            return
        clock.answered = timing.now()
        await self.carry_out(replies, clock)

    async def carry_out(self, replies: list[Reply], clock: TurnClock | None = None) -> None:
        texts = [r.text for r in replies if r.text]
        if any(r.action == "slow_down" for r in replies):
            self.slow_down()
        self.expect_yes_no(dialogue.asks_yes_no(texts))  # before speaking: a barge-in answer counts
        if texts:
            await self.say(texts, fixed=False, clock=clock)
        for reply in replies:
            if reply.action == "order_created" and str(reply.custom.get("order_id", "")).isdigit():
                self.log.event("order", reply.custom.get("text"), order_id=int(reply.custom["order_id"]))
            elif reply.action == "transfer":
                await self.hand_off("the assistant handed off", number=str(reply.custom.get("to") or ""))

    def expect_yes_no(self, waiting: bool) -> None:
        """Grammar mode (yes/no phrases) while a read-back waits for 对 or 不对, free speech
        otherwise; the recogniser applies a change from the next utterance on."""
        if waiting != self.confirming and self.recogniser is not None:
            self.recogniser.use_grammar(self.services.confirm_grammar if waiting else None)
        self.confirming = waiting

    def slow_down(self) -> None:
        self.profile = self.profile.slow_down(self.services.speech_settings)
        if self.recogniser is not None:
            self.recogniser.set_profile(self.profile)

    # -- speaking ---------------------------------------------------------------------------------
    async def say(self, texts: list[str], *, fixed: bool = True, clock: TurnClock | None = None) -> None:
        """Speak: each text as μ-law media messages then a mark. ``fixed``: an IVR prompt
        (rendered once per pace and cached); otherwise an assistant reply, streamed clause by
        clause so the caller hears the first clause while the rest renders. A barge-in stops
        what is left of this turn."""
        interruptions = self.playback.interruptions
        for text in texts:
            if self.playback.interruptions != interruptions:
                return
            self.log.turn("assistant", text, source="prompt" if fixed else "speech")
            await self.playback.caption(text)
            try:
                if fixed:
                    await self.playback.audio(await self.services.speaker.prompt(text, self.profile))
                else:
                    async with contextlib.aclosing(self.services.speaker.stream(text, self.profile)) as clauses:
                        async for clause in clauses:  # closing stops the renderings still running
                            if self.playback.interruptions != interruptions:
                                return
                            if clock is not None:
                                clock.first_audio_sent()
                            await self.playback.audio(clause)
            except SpeechError as exc:
                log.error("ivr: call %s: cannot speak %r: %s", self.grant.call_sid, text, exc)
                self.log.event("error", "synthesis failed")
                continue
            await self.playback.mark()
            self.floor = dialogue.on_sent(self.floor)

    # -- a person -----------------------------------------------------------------------------------
    async def hand_off(self, reason: str, number: str | None = None) -> None:
        """Open an operator ticket (unless the assistant already did and named the number), then
        redirect the live call to dial the operator."""
        if self.transferred:
            return
        number = await operator_number(self.services, self.log, self.grant.caller, self.grant.call_sid, reason, number)
        if not number:
            await self.say([prompts.TRANSFER_FAILED])
            return
        if self.grant.mode == "browser":  # no phone call to redirect: tell the number instead
            await self.say([prompts.CALL_OPERATOR.format(number=number)])
            self.log.event("transfer", f"told browser caller to dial {number}")
            return
        # Recorded before the redirect: Twilio may end the stream (and so this task) at once.
        self.transferred = True
        self.log.event("transfer", number)
        try:
            await self.services.transferrer.transfer(self.grant.call_sid, number)
        except IvrError as exc:
            self.transferred = False
            log.error("ivr: call %s: transfer failed: %s", self.grant.call_sid, exc)
            self.log.event("error", "transfer failed")
            await self.say([prompts.TRANSFER_FAILED])
