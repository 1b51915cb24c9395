"""``yinling speech …`` commands (the click group is registered by the root CLI).

    yinling speech download-model [small|large]   install the Mandarin Vosk model into var/models/
    yinling speech status                         which model/voice would be used, in one line each
    yinling speech say TEXT -o out.wav            render TEXT as the phone line would hear it
    yinling speech purge-recordings               apply the recording retention setting now
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from speech.errors import ChecksumMismatch, ModelDownloadError, ModelMissing, SpeechError
from speech.model_catalogue import CATALOGUE
from speech.model_download import download_model
from speech.model_store import ModelStore, measured_line
from speech.pcm import Pcm, write_wav
from speech.profile import CallProfile
from speech.recording import purge_expired_recordings
from speech.settings import get_settings


@click.group("speech")
def speech() -> None:
    """Speech recognition and synthesis for the phone line."""


@speech.command("download-model")
@click.argument("size", type=click.Choice(sorted(CATALOGUE)), default="small")
@click.option("--sha256", "expected", help="Expected SHA-256 of the archive (overrides the pinned one).")
@click.option("--force", is_flag=True, help="Replace an installed model of the same name.")
def download_model_command(size: str, expected: str | None, force: bool) -> None:
    """Download the Mandarin Vosk model, check its SHA-256 and unpack it into the models folder."""
    settings = get_settings()
    spec = CATALOGUE[size]
    models_dir = Path(settings.models_dir)
    click.echo(f"downloading {spec.url} (~{spec.size_mb} MB) into {models_dir}/")
    try:
        result = download_model(spec, models_dir, expected_sha256=expected, force=force,
                                progress=_progress_printer(spec.size_mb))
    except ChecksumMismatch as exc:
        raise click.ClickException(f"checksum mismatch, nothing installed: {exc.detail}") from exc
    except (ModelDownloadError, ModelMissing) as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo("", err=True)
    if result.already_present:
        click.echo(f"{result.path} is already installed (use --force to replace it)")
        return
    if result.verified:
        click.echo(f"SHA-256 verified: {result.sha256}")
    else:
        click.echo(f"SHA-256 {result.sha256} (no pinned digest to compare with: pin it in "
                   f"speech/model_catalogue.py or pass --sha256)")
    click.echo(f"installed {result.path}")
    if settings.model_size != size and settings.model_path is None:
        click.echo(f"note: set YINLING_SPEECH_MODEL_SIZE={size} to use it")


def _progress_printer(size_mb: int):  # noqa: ANN202
    step = max(1, size_mb // 20) << 20
    shown = [0]

    def show(done: int) -> None:
        if done - shown[0] >= step:
            shown[0] = done
            click.echo(f"\r  {done >> 20} MB", nl=False, err=True)

    return show


@speech.command("status")
def status_command() -> None:
    """Say whether recognition would run (and from which folder) and whether the voice works."""
    settings = get_settings()
    click.echo(ModelStore(settings).status().line)
    click.echo(measured_line())
    from speech.synthesis import Synthesiser

    synthesiser = Synthesiser(settings.model_copy(update={"synth_workers": 1}))
    try:
        synthesiser.start()
        click.echo(f"speech: synthesis on, espeak-ng voice {settings.voice!r}")
    except SpeechError as exc:
        click.echo(f"speech: synthesis off — {exc.detail}")
    finally:
        synthesiser.close()


@speech.command("say")
@click.argument("text")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--normal", is_flag=True, help="Ordinary pace instead of elder mode.")
def say_command(text: str, out: Path, normal: bool) -> None:
    """Render TEXT to an 8 kHz WAV exactly as a caller would hear it."""
    from speech.synthesis import Synthesiser

    settings = get_settings()
    synthesiser = Synthesiser(settings.model_copy(update={"synth_workers": 1}))
    try:
        rendered = synthesiser.render_blocking(text, CallProfile.for_call(settings, elder=not normal))
    except SpeechError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        synthesiser.close()
    write_wav(out, Pcm(rendered.pcm, 8000))
    click.echo(f"{out}: {rendered.seconds:.2f} s, said as: {rendered.spoken}")


@speech.command("purge-recordings")
def purge_recordings_command() -> None:
    """Delete call recordings older than the retention setting."""
    settings = get_settings()
    deleted = purge_expired_recordings(Path(settings.recordings_dir), settings.recording_retention_days)
    click.echo(f"deleted {len(deleted)} recording(s) older than {settings.recording_retention_days} days")


if __name__ == "__main__":  # pragma: no cover - `python -m speech.cli` before the root CLI exists
    sys.exit(speech())
