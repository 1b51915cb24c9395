"""Speech errors; the tree and when each is raised is drawn in the package docstring.

Each error carries a machine ``code`` and a short Chinese ``message`` an IVR can say to a caller,
following the same shape as the backend's domain errors.
"""
from __future__ import annotations


class SpeechError(Exception):
    code = "speech_error"
    message = "语音服务出了点问题，请按键操作。"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class ModelUnavailable(SpeechError):
    code = "speech_model_unavailable"
    message = "语音识别暂时不能用，请按电话键盘操作。"


class ModelMissing(ModelUnavailable):
    code = "speech_model_missing"


class ModelCorrupt(ModelUnavailable):
    code = "speech_model_corrupt"


class ModelDownloadError(SpeechError):
    code = "speech_model_download_failed"


class ChecksumMismatch(ModelDownloadError):
    code = "speech_model_checksum_mismatch"


class AudioFormatError(SpeechError):
    code = "speech_audio_format"


class VadUnavailable(SpeechError):
    code = "speech_vad_unavailable"


class RecogniserClosed(SpeechError):
    code = "speech_recogniser_closed"


class SynthesisError(SpeechError):
    code = "speech_synthesis_failed"
    message = "语音播报出了点问题。"


class VoiceUnavailable(SynthesisError):
    code = "speech_voice_unavailable"
