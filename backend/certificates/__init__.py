"""Service-record certificates (服务记录证明).

A certificate states a person's lifetime service hours, star level and the ledger entries behind
them, as of the ledger head when it was issued. It carries a random verification code; anyone
holding the code can check it at ``GET /certificates/{code}`` without logging in.

Modules:
    records   gather what a certificate states from the ledger (pure data + content hash)
    pdf       render that data as a Chinese PDF with reportlab
    service   issue, look up and verify certificates

Errors (all from ``backend.core.errors``):
    NotFound ``certificate_not_found``   no certificate has this code
    NotFound ``person_not_found``        issuing for a person who does not exist
"""
