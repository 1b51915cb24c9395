"""Placeholder router; the family pages are being built."""
from fastapi import APIRouter

router = APIRouter(prefix="/family")
