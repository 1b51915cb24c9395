"""All console pages, one module per section, under /console."""
from fastapi import APIRouter

from web.console import pages_auth, pages_dashboard

router = APIRouter()
for module in (pages_auth, pages_dashboard):
    router.include_router(module.router)
