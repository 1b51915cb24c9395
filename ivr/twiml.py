"""TwiML documents, built with ``twilio.twiml.voice_response`` (never string templates)."""
from __future__ import annotations

from twilio.twiml.voice_response import Connect, Gather, VoiceResponse

from ivr import prompts
from ivr.settings import IvrSettings


def connect_stream(settings: IvrSettings, *, call_sid: str, caller: str, token: str) -> str:
    """Consent notice, then a bidirectional Media Stream to the gateway carrying the call SID,
    the caller's number and the one-time token as stream parameters."""
    response = VoiceResponse()
    response.say(prompts.CONSENT, language=settings.language)
    connect = Connect()
    stream = connect.stream(url=settings.websocket_url)
    stream.parameter(name="token", value=token)
    stream.parameter(name="callSid", value=call_sid)
    stream.parameter(name="caller", value=caller)
    response.append(connect)
    return response.to_xml()


def gather(settings: IvrSettings, *, say: list[str], action: str, consent: bool = False,
           keys_only: bool = False) -> str:
    """Say the replies inside a ``<Gather>`` that posts what it heard to ``action`` (also when it
    heard nothing: ``actionOnEmptyResult``). ``keys_only``: the keypad menu, ``input="dtmf"``;
    otherwise ``input="speech dtmf"`` with Twilio's recogniser. One key per request, and
    ``finishOnKey=""`` so # and * arrive as keys (slower, repeat) instead of ending the input."""
    response = VoiceResponse()
    if consent:
        response.say(prompts.CONSENT, language=settings.language)
    if keys_only:
        gathering = Gather(input="dtmf", action=action, method="POST", num_digits=1, finish_on_key="",
                           timeout=int(settings.silence_reprompt_s), action_on_empty_result=True)
    else:
        gathering = Gather(input="speech dtmf", language=settings.language, action=action, method="POST",
                           speech_timeout="auto", num_digits=1, finish_on_key="",
                           timeout=int(settings.silence_reprompt_s), action_on_empty_result=True)
    for text in say:
        gathering.say(text, language=settings.language)
    response.append(gathering)
    return response.to_xml()


def dial(settings: IvrSettings, number: str, *, say: str = prompts.TRANSFERRING) -> str:
    """Tell the caller, then dial the operator (what a transferred live call is updated to)."""
    response = VoiceResponse()
    response.say(say, language=settings.language)
    response.dial(number)
    return response.to_xml()


def say_and_hang_up(settings: IvrSettings, text: str) -> str:
    response = VoiceResponse()
    response.say(text, language=settings.language)
    response.hangup()
    return response.to_xml()
