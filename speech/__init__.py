"""Speech for the phone line: offline recognition (Vosk) and elder-paced Mandarin synthesis
(espeak-ng through pyttsx3's binding), both on 8 kHz μ-law audio as Twilio Media Streams
carries it. Importing this package loads no model and no voice.

Public API (the IVR needs nothing else):

- ``SpeechSettings`` / ``get_settings()``          settings, the only reader of the environment
- ``RecognitionService``                           one per process: owns the shared model and
                                                   the decoding threads; ``open_call()`` gives a
                                                   ``CallRecogniser`` (one per call)
- ``SpeechStarted``, ``PartialResult``, ``FinalUtterance``, ``Word``   recogniser events
- ``interface.CallRecognition`` / ``interface.SpeechOutput``   the protocols the IVR codes against
- ``Synthesiser``                                  one per process: worker processes, prompt cache
- ``CallProfile``                                  per-call pace: elder mode, ``slow_down()``
- ``readback()``                                   text → what the synthesiser should say
- ``grammars.YES_NO_CN`` / ``grammars.DIGITS_CN``  phrase lists for ``CallRecogniser.use_grammar``
- ``CallRecorder``, ``purge_expired_recordings()`` per-call WAV recordings and their retention

Exceptions (every one derives from ``SpeechError``; each says when it is raised):

    SpeechError
    ├── ModelUnavailable        no usable recognition model; the line runs in keypad mode
    │   ├── ModelMissing        the model folder does not exist or lacks required files
    │   └── ModelCorrupt        the folder is there but Vosk cannot load it
    ├── ModelDownloadError      download-model could not fetch or unpack the archive
    │   └── ChecksumMismatch    the archive's SHA-256 differs from the pinned one
    ├── AudioFormatError        audio declared with a rate/encoding/width we do not accept
    ├── VadUnavailable          no onnxruntime or Silero VAD model: energy endpointing is used
    ├── RecogniserClosed        audio fed to a call recogniser after ``close()``
    └── SynthesisError          the synthesiser produced no audio, timed out or its worker died
        └── VoiceUnavailable    espeak-ng or the requested voice is not installed
"""
from speech.errors import (
    AudioFormatError,
    ChecksumMismatch,
    ModelCorrupt,
    ModelDownloadError,
    ModelMissing,
    ModelUnavailable,
    RecogniserClosed,
    SpeechError,
    VadUnavailable,
    SynthesisError,
    VoiceUnavailable,
)
from speech.events import FinalUtterance, PartialResult, RecognitionEvent, SpeechStarted, Word
from speech.profile import CallProfile
from speech.readback import readback
from speech.recogniser import CallRecogniser
from speech.service import RecognitionService, SpeechMode
from speech.recording import CallRecorder, purge_expired_recordings
from speech.settings import SpeechSettings, get_settings
from speech.synthesis import RenderedSpeech, Synthesiser

__all__ = [
    "AudioFormatError",
    "CallProfile",
    "CallRecogniser",
    "CallRecorder",
    "ChecksumMismatch",
    "FinalUtterance",
    "ModelCorrupt",
    "ModelDownloadError",
    "ModelMissing",
    "ModelUnavailable",
    "PartialResult",
    "RecognitionEvent",
    "RecognitionService",
    "RecogniserClosed",
    "RenderedSpeech",
    "SpeechError",
    "SpeechMode",
    "SpeechSettings",
    "SpeechStarted",
    "Synthesiser",
    "SynthesisError",
    "VadUnavailable",
    "VoiceUnavailable",
    "Word",
    "get_settings",
    "purge_expired_recordings",
    "readback",
]
