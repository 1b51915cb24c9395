"""All family pages under /family, one module per concern."""
from fastapi import APIRouter

from web.family import chat_proxy, pages_auth, pages_disputes, pages_home, pages_register

router = APIRouter()
for module in (pages_auth, pages_register, pages_home, pages_disputes, chat_proxy):
    router.include_router(module.router)
