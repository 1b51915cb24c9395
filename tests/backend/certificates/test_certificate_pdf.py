"""The PDF really carries the Chinese text (read back with poppler's pdftotext), never the full ID."""
from __future__ import annotations

import subprocess
from pathlib import Path


from tests.backend.certificates.conftest import ID_NUMBER, VOLUNTEER_NAME

REPO = Path(__file__).resolve().parents[3]


def _issue_and_fetch_pdf(client, person_id: int) -> tuple[dict, bytes]:
    issued = client.post(f"/api/v1/persons/{person_id}/certificates")
    assert issued.status_code == 201, issued.text
    response = client.get(f"/api/v1/certificates/{issued.json()['code']}/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return issued.json(), response.content


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_pdf_contains_chinese_name_masked_id_hours_stars_and_code(client, volunteer, tmp_path):
    issued, pdf = _issue_and_fetch_pdf(client, volunteer.person_id)
    text = _pdf_text(pdf, tmp_path)
    masked = ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    for expected in ("服务记录证明", VOLUNTEER_NAME, masked, "4小时15分钟", "45分钟", "暂未达到星级", issued["code"],
                     "服务记录明细", f"/certificates/{issued['code']}"):
        assert expected in text, f"{expected!r} missing from the PDF text:\n{text}"
    for seq in volunteer.credit_seqs:
        assert any(line.split() and line.split()[0] == str(seq) for line in text.splitlines())


def test_pdf_never_contains_the_full_id_number(client, volunteer, tmp_path):
    _issued, pdf = _issue_and_fetch_pdf(client, volunteer.person_id)
    text = _pdf_text(pdf, tmp_path)
    assert ID_NUMBER not in text and ID_NUMBER[4:14] not in text
    assert ID_NUMBER.encode() not in pdf


def test_pdf_shows_star_level_once_threshold_reached(client, state, volunteer, tmp_path):
    from backend.core.db import unit_of_work
    from backend.ledger.operations import credit_service
    from tests.backend.certificates.conftest import SYSTEM
    with unit_of_work(state.sessions) as s:  # 100 hours is one star under the default profile
        for _ in range(12):
            credit_service(s, volunteer_id=volunteer.person_id, station_id=volunteer.tree["comm_a"],
                           served_minutes=480, tier="ordinary", policy=state.policy, actor=SYSTEM)
    issued, pdf = _issue_and_fetch_pdf(client, volunteer.person_id)
    text = _pdf_text(pdf, tmp_path)
    assert issued["star_level"] == 1
    assert "100小时15分钟" in text and "★☆☆☆☆ 一星级" in text


def test_pdf_first_page_renders_to_png_artifact(client, volunteer, tmp_path):
    """Leaves test-artifacts/certificate.png for a person to look at (Chinese glyphs, not boxes)."""
    _issued, pdf = _issue_and_fetch_pdf(client, volunteer.person_id)
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    out_dir = REPO / "test-artifacts"
    out_dir.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(out_dir / "certificate")], check=True)
    assert (out_dir / "certificate.png").stat().st_size > 10_000


def test_pdf_after_reversal_lists_the_reversal_and_the_reduced_hours(client, state, volunteer, tmp_path):
    from backend.core.db import unit_of_work
    from backend.ledger.operations import reverse
    from tests.backend.certificates.conftest import SYSTEM
    with unit_of_work(state.sessions) as s:
        reversal = reverse(s, seq=volunteer.credit_seqs[1], reason="虚假服务", actor=SYSTEM)
    _issued, pdf = _issue_and_fetch_pdf(client, volunteer.person_id)
    text = _pdf_text(pdf, tmp_path)
    assert "2小时15分钟" in text and f"撤销第{volunteer.credit_seqs[1]}号" in text
    assert any(line.split()[:1] == [str(reversal.seq)] and "-2小时" in line for line in text.splitlines())
