"""Read-only reference data: the service catalogue, the active policy, stations."""
from __future__ import annotations

from fastapi import APIRouter

from backend.access import permit
from backend.api.deps import CallerDep, PolicyDep, SessionDep, check_scope
from backend.api.schemas.orders import ServicePublic
from backend.api.schemas.people import StationCreate, StationPublic
from backend.catalogue.catalogue import list_services
from backend.core.errors import Forbidden
from backend.people.stations import add_station, stations_under

router = APIRouter(tags=["reference"])


@router.get("/services", response_model=list[ServicePublic])
def services(session: SessionDep):
    return [ServicePublic(slug=s.slug, name_zh=s.name_zh, category=s.category, tier=s.tier,
                          qualification=s.qualification, synonyms=[x for x in s.synonyms.split("|") if x])
            for s in list_services(session)]


@router.get("/policy")
def policy(policy: PolicyDep):
    return policy.model_dump(mode="json")


@router.get("/stations", response_model=list[StationPublic])
def stations(session: SessionDep, caller: CallerDep):
    return stations_under(session, caller.scope_path)


@router.post("/stations", response_model=StationPublic, status_code=201)
def create_station(body: StationCreate, session: SessionDep, caller: CallerDep):
    """An admin adds a station under one in their scope (a top-level one only from the top)."""
    gate = permit(caller, "station.create")
    if body.parent_id is None:
        if not caller.city_level:
            raise Forbidden("only a city-level admin adds a top-level station", message="只有市级管理员可以添加顶级站点。")
    else:
        check_scope(session, caller, body.parent_id)
    station = add_station(session, body.name, body.level, body.parent_id, body.operator_phone)
    gate.audit(session, f"station:{station.id}", station.id, detail={"name": station.name, "level": station.level})
    return station
