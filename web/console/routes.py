"""All console pages, one module per section, under /console."""
from fastapi import APIRouter

from web.console import pages_auth, pages_dashboard, pages_disputes, pages_inbox, pages_ledger, pages_order_search
from web.console import pages_supervision
from web.console import pages_backfill, pages_followups, pages_order_actions, pages_orders, pages_review
from web.console import pages_audit, pages_calls, pages_chats, pages_family_links, pages_people, pages_phone, pages_registrations
from web.console import pages_find, pages_mall

router = APIRouter()
for module in (pages_auth, pages_dashboard, pages_inbox, pages_disputes, pages_supervision, pages_ledger, pages_order_search,
               pages_orders, pages_order_actions, pages_review, pages_backfill, pages_followups,
               pages_calls, pages_chats, pages_registrations, pages_family_links, pages_people, pages_audit, pages_phone, pages_mall,
               pages_find):
    router.include_router(module.router)
