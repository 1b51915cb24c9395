"""The service-record certificate a family member downloads for a consented elder: a real PDF with
the elder's name and masked ID, audited; refused (404 page) for anyone else's elder."""
from __future__ import annotations

from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.models import AuditEntry, Certificate
from backend.people import registry
from tests.web.conftest import shot
from tests.web.family_helpers import DEMO_ELDER_PHONE, OTHER_ELDER_PHONE, login_ok, pdf_text


def _elder(web_app, phone: str):
    with unit_of_work(web_app.state.sessions) as session:
        return registry.find_by_phone(session, phone)


def _certificates_of(web_app, person_id: int) -> int:
    with unit_of_work(web_app.state.sessions) as session:
        return session.scalar(select(func.count()).select_from(Certificate).where(Certificate.person_id == person_id))


def test_certificate_download_is_a_real_pdf_with_the_elders_name_and_masked_id(web_app, page, tmp_path):
    elder = _elder(web_app, DEMO_ELDER_PHONE)
    login_ok(page, web_app.url)
    with page.expect_download() as info:
        page.click(f".fam-elder[data-elder-id='{elder.id}'] button:has-text('下载服务记录证明')")
    download = info.value
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF") and download.suggested_filename.startswith("certificate-")
    text = pdf_text(pdf, tmp_path)
    assert "服务记录证明" in text and "王秀英" in text and elder.id_masked in text, text
    assert elder.id_masked.count("*") == 10
    with unit_of_work(web_app.state.sessions) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "family.certificate")
                                .order_by(AuditEntry.id.desc())).first()
    member = _elder(web_app, "+8613912340007")
    assert entry.actor == f"person:{member.id}" and entry.station_id == elder.station_id
    assert entry.target.startswith("certificate:") and entry.target[len("certificate:"):] in text


def test_downloading_twice_without_ledger_changes_issues_one_certificate(web_app, page):
    elder = _elder(web_app, DEMO_ELDER_PHONE)
    login_ok(page, web_app.url)
    button = f".fam-elder[data-elder-id='{elder.id}'] button:has-text('下载服务记录证明')"
    with page.expect_download():
        page.click(button)
    before = _certificates_of(web_app, elder.id)
    with page.expect_download():
        page.click(button)
    assert _certificates_of(web_app, elder.id) == before >= 1


def test_certificate_of_an_elder_not_linked_to_the_member_is_refused_with_a_chinese_page(web_app, page):
    other = _elder(web_app, OTHER_ELDER_PHONE)
    login_ok(page, web_app.url)
    token = page.get_attribute("meta[name=csrf-token]", "content")
    response = page.request.post(f"{web_app.url}/family/elders/{other.id}/certificate", form={"csrf_token": token})
    assert response.status == 404 and "老人还没有同意绑定" in response.text()
    assert response.headers["content-type"].startswith("text/html")
    assert _certificates_of(web_app, other.id) == 0
    missing = page.request.post(f"{web_app.url}/family/elders/999999/certificate", form={"csrf_token": token})
    assert missing.status == 404 and missing.text().count("老人还没有同意绑定") == 1
    page.set_content(response.text())
    shot(page, "family-certificate-refused")


def test_certificate_post_without_csrf_token_is_refused(web_app, page):
    elder = _elder(web_app, DEMO_ELDER_PHONE)
    login_ok(page, web_app.url)
    response = page.request.post(f"{web_app.url}/family/elders/{elder.id}/certificate", form={"csrf_token": "x"})
    assert response.status == 403
