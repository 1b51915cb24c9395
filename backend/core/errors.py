"""Domain errors. Each carries a machine code, a short Chinese message a caller can hear, and
English detail for developers. The API maps them to HTTP statuses in one handler.

YinlingError
├── InvalidInput (422)            bad phone, ID number, coordinates, unknown slug ...
│   └── PolicyViolation (422)     age rules, gift recipients, redemption age
├── NotFound (404)
├── Conflict (409)
│   ├── IdempotencyConflict       same key, different body
│   └── IllegalTransition         an order move the state machine forbids
├── Forbidden (403)               outside the operator's station subtree
├── Unauthorized (401)
├── TooManyRequests (429)         login tried too often
└── LedgerError (422)
    ├── InsufficientBalance
    ├── AccountFrozen
    └── ChainBroken (500)         the hash chain does not verify
"""
from __future__ import annotations


class YinlingError(Exception):
    status = 400
    code = "error"
    message = "请求有误。"

    def __init__(self, detail: str, *, message: str | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code

    def to_body(self) -> dict:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class InvalidInput(YinlingError):
    status, code, message = 422, "invalid_input", "信息不对，请再说一遍。"


class PolicyViolation(InvalidInput):
    code, message = "policy_violation", "按规定不能这样办理。"


class NotFound(YinlingError):
    status, code, message = 404, "not_found", "没有找到。"


class Conflict(YinlingError):
    status, code, message = 409, "conflict", "这件事已经办过了。"


class IdempotencyConflict(Conflict):
    code, message = "idempotency_conflict", "这个请求和之前的不一致。"


class IllegalTransition(Conflict):
    code, message = "illegal_transition", "订单现在不能这样改。"


class Forbidden(YinlingError):
    status, code, message = 403, "forbidden", "您没有权限查看。"


class Unauthorized(YinlingError):
    status, code, message = 401, "unauthorized", "请先登录。"


class TooManyRequests(YinlingError):
    status, code, message = 429, "too_many_requests", "尝试次数太多，请过一会儿再试。"


class LedgerError(YinlingError):
    status, code, message = 422, "ledger_error", "记账没有成功。"


class InsufficientBalance(LedgerError):
    code, message = "insufficient_balance", "您的时间币不够。"


class AccountFrozen(LedgerError):
    code, message = "account_frozen", "这个账户已冻结，暂时不能使用。"


class ChainBroken(LedgerError):
    status, code, message = 500, "chain_broken", "账本校验没有通过。"
