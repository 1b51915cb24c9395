from speech.grammars import DIGITS_CN, YES_NO_CN, usable_phrases


class Vocabulary:
    def __init__(self, words):
        self.words = set(words)

    def vosk_model_find_word(self, word):
        return 1 if word in self.words else -1


def test_usable_phrases__drops_phrases_with_any_unknown_word():
    usable, dropped = usable_phrases(Vocabulary({"是", "不", "对"}), ["是", "不 对", "不 行", "好的"])
    assert usable == ("是", "不 对") and dropped == ("不 行", "好的")


def test_mandarin_lists__cover_yes_no_and_every_digit():
    assert {"是", "不是", "对", "不对"} <= set(YES_NO_CN)
    assert len(set(DIGITS_CN)) == 12 and "幺" in DIGITS_CN
