"""All volunteer pages under /volunteer, one module per concern."""
from fastapi import APIRouter

from web.volunteer import pages_auth, pages_disputes, pages_links, pages_mall, pages_me, pages_services

router = APIRouter()
for module in (pages_auth, pages_services, pages_disputes, pages_me, pages_mall, pages_links):
    router.include_router(module.router)
