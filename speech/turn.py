"""Turn-taking as pure functions: when the caller starts speaking, and how long a silence ends
the turn, decided from the VAD, the words heard so far and what the dialogue is waiting for.

A fixed silence is wrong both ways for an elder: 1.5 s is slow after a plain "对", and still
cuts off someone who stops mid-sentence to think. So the silence that ends a turn depends on
what was said (``hold_ms``):

- a yes/no answer while a read-back waits for one (``TurnHint.expect_yes_no``): ``quick_ms``;
- words that make a whole request (a sentence-final particle, or the thing asked for:
  时间币, 几星, 订单, 送饭 …) and do not stop on a word that needs more (想, 给, 和, 那个 …):
  ``complete_ms``;
- words that stop mid-phrase: ``continue_ms``, longer than any thinking pause;
- no usable words (an engine without partial results, a foreign-language model): ``elder_ms``,
  longer than the 0.5–1.2 s pauses elders make mid-sentence; at a read-back, a short burst
  of speech (``short_answer_ms``) counts as a yes/no answer.

Smart Turn v3 (an end-of-turn model on the audio) was measured for this and not used: on
espeak-ng Mandarin through the phone channel it scored six of eight mid-sentence pauses as
complete (p ≥ 0.9), see docs/benchmarks.md ("Turn-taking").

Speech is a frame the VAD calls voice (``speech_prob``, or ``keep_prob`` once speaking) that is
also ``margin_db`` louder than the line's background (``speech.vad``): TV voices in the room
are voice to Silero, but quieter than the caller at the handset.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from speech.endpointing import Boundary
from speech.vad import VadFrame


@dataclass(frozen=True)
class TurnConfig:
    frame_ms: int = 20
    start_ms: int = 160
    answer_start_ms: int = 100  # at a read-back: a bare 是 can be a quarter of a second long
    speech_prob: float = 0.5
    keep_prob: float = 0.35
    margin_db: float = 3.0
    loud_margin_db: float = 20.0  # this far above the room, the lower keep_prob is enough to start
    quick_ms: int = 300
    complete_ms: int = 450
    elder_ms: int = 1400
    continue_ms: int = 2200
    short_answer_ms: int = 900
    resume_ms: int = 100
    max_utterance_ms: int = 20000


@dataclass(frozen=True)
class TurnHint:
    """``expect_yes_no``: the dialogue waits for 对 / 不对 (a read-back); ``text``: the caller's
    words so far in this utterance ("" when the engine has none)."""

    expect_yes_no: bool = False
    text: str = ""


@dataclass(frozen=True)
class TurnState:
    """``voiced_ms``: voiced frames minus unvoiced ones since the line was last quiet (idle), the
    current run of voiced frames (in speech); ``silence_ms``: trailing silence in speech;
    ``utterance_ms``: length so far; ``speech_ms``: voiced frames in this utterance; ``above_room_ms``
(idle only): frames in a row louder than the room, which become the utterance's onset once the VAD
calls the run voice (Silero scores the first 100-150 ms of a word low, so a bare 对 at a read-back,
250 ms, had only 80 ms of "voice" left and never started a turn)."""

    in_speech: bool = False
    voiced_ms: int = 0
    above_room_ms: int = 0  # idle: the current run of frames louder than the room, voice or not
    silence_ms: int = 0
    utterance_ms: int = 0
    speech_ms: int = 0


def above_room(frame: VadFrame, config: TurnConfig) -> bool:
    return frame.level_dbfs >= frame.background_dbfs + config.margin_db


def is_voice(frame: VadFrame, in_speech: bool, config: TurnConfig) -> bool:
    """Voice (by the model, with hysteresis once speaking) and the caller's (louder than the
    room by the margin; no level hysteresis: a TV just under the margin must still end a turn).

    A frame ``loud_margin_db`` above the room needs only ``keep_prob`` to start a turn: Silero v6
    scores some clear, close speech low on the 8 kHz channel (the test voice's 我现在是几星级 peaks at
    0.67 at −12 dBFS with fewer than 160 ms above 0.5, so it was never heard), while a TV in the room
    sets the room's level and is not that far above it."""
    loud = frame.level_dbfs >= frame.background_dbfs + config.loud_margin_db
    prob = config.keep_prob if in_speech or loud else config.speech_prob
    return frame.prob >= prob and frame.level_dbfs >= frame.background_dbfs + config.margin_db


def step(state: TurnState, voiced: bool, hold_ms: int, config: TurnConfig,
         expect_yes_no: bool = False, above_room: bool | None = None) -> tuple[TurnState, Boundary]:
    """Advance by one frame; ``hold_ms``: the silence that ends this turn (``hold_ms()``);
    ``expect_yes_no``: a read-back waits for an answer, so a shorter voice starts the turn;
    ``above_room``: the frame is louder than the room by the margin (default: ``voiced``)."""
    if not state.in_speech:
        # Leaky: a stop consonant's silence or one low-scored VAD window does not reset the count,
        # a TV's occasional loud syllable does not add up to a start. Once the VAD says voice, the
        # loud frames just before it (its scoring lag) count as that voice's onset.
        above_room = voiced if above_room is None else above_room or voiced
        above_room_ms = state.above_room_ms + config.frame_ms if above_room else 0
        run = (max(state.voiced_ms, state.above_room_ms) + config.frame_ms if voiced
               else max(0, state.voiced_ms - config.frame_ms))
        if run >= (config.answer_start_ms if expect_yes_no else config.start_ms):
            return TurnState(in_speech=True, utterance_ms=run, speech_ms=run), Boundary.STARTED
        return TurnState(voiced_ms=run, above_room_ms=above_room_ms), Boundary.NONE
    utterance_ms = state.utterance_ms + config.frame_ms
    # Speech resumes with a voiced run of ``resume_ms``: a TV's loud syllable only holds the silence
    # count that ends the turn (shorter voiced runs neither add to it nor restart it), a caller
    # picking up after a pause always restarts it.
    run = state.voiced_ms + config.frame_ms if voiced else 0
    if run >= config.resume_ms:
        silence_ms = 0
    else:
        silence_ms = state.silence_ms + (0 if voiced else config.frame_ms)
    speech_ms = state.speech_ms + (config.frame_ms if voiced else 0)
    if silence_ms >= hold_ms:
        return TurnState(), Boundary.ENDED
    if utterance_ms >= config.max_utterance_ms:
        return TurnState(in_speech=True), Boundary.CUT
    return TurnState(True, run, silence_ms=silence_ms, utterance_ms=utterance_ms, speech_ms=speech_ms), Boundary.NONE


# -- what the words say ----------------------------------------------------------------------------
_YES = ("对", "对的", "对啊", "对对", "是", "是的", "是啊", "好", "好的", "好啊", "行", "行啊", "可以", "没错",
        "没问题", "嗯", "嗯嗯", "要", "确定", "就这样", "没有了", "不用了", "谢谢")
_NO = ("不对", "不是", "不行", "不要", "不可以", "错了", "不", "不用")
# Words a sentence does not end on: conjunctions, fillers, verbs and prepositions still missing
# their object, question words still missing their noun.
_CONTINUES = ("的", "和", "跟", "与", "还有", "然后", "那个", "这个", "就是", "嗯", "呃", "额", "啊", "我", "你",
              "想", "要", "想要", "给", "帮", "帮我", "请", "让", "叫", "找", "在", "去", "到", "把", "被", "是",
              "因为", "所以", "但是", "可是", "如果", "或者", "还是", "还", "再", "又", "先", "一个", "预约", "订",
              "约", "问", "问一下", "取消", "转", "能不能", "可不可以", "有没有", "几", "哪", "哪个", "什么", "比如", "从",
              "关于", "陪", "送", "打扫", "明天", "后天", "今天", "上午", "下午", "中午", "晚上", "早上", "点")
_FINAL_PARTICLES = ("吗", "呢", "吧", "了", "啦", "呀", "嘛", "哦", "喽", "谢谢")
# What hotline callers ask for: a sentence that names one of these (and does not stop on a
# word from _CONTINUES) is a whole request.
_REQUEST_CORES = ("时间币", "余额", "几星", "星级", "订单", "人工", "送饭", "做饭", "理发", "卫生", "医院", "买菜",
                  "洗衣", "聊天", "取消", "体检", "看病", "拿药", "修", "洗澡", "散步", "助浴", "陪诊")
_NOT_WORDS = re.compile(r"[\s，。！？、,.!?;；：:]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _clean(text: str) -> str:
    return _NOT_WORDS.sub("", text)


def words_say(text: str, expect_yes_no: bool) -> str:
    """What the words so far say about the turn: ``yes`` / ``no`` (an answer to a read-back),
    ``complete``, ``continues``, or ``unknown`` (no Chinese words to judge by)."""
    words = _clean(text)
    if not _HAN.search(words):
        return "unknown"
    if expect_yes_no and len(words) <= 4:
        if words in _YES or (len(words) <= 2 and words[0] in "对是好行嗯"):
            return "yes"
        if words in _NO or words.startswith(_NO):
            return "no"
    if words.endswith(_CONTINUES) and not words.endswith(("的吧", "的吗", "的呢")):
        return "continues"
    if words.endswith(_FINAL_PARTICLES) or any(core in words for core in _REQUEST_CORES):
        return "complete"
    return "unknown"


def hold_ms(hint: TurnHint, speech_ms: int, config: TurnConfig) -> int:
    """The silence that ends the turn now, given what was said and what the dialogue waits for."""
    said = words_say(hint.text, hint.expect_yes_no)
    if said == "yes":
        return config.quick_ms
    if said in ("no", "complete"):
        return config.complete_ms
    if said == "continues":
        return config.continue_ms
    if hint.expect_yes_no and not _HAN.search(hint.text) and speech_ms <= config.short_answer_ms:
        return config.quick_ms  # no words to judge by, but a short answer to a yes/no question
    return config.elder_ms
