"""Database tables. Rows store domain records; they are not the domain types themselves."""
from backend.models.base import Base
from backend.models.people import FamilyLink, Organisation, OrganisationMember, Person, Qualification, Training
from backend.models.stations import Station
from backend.models.catalogue import ServiceItem
from backend.models.orders import Order, OrderTransition, Rating
from backend.models.ledger import Account, LedgerEntry, LedgerHead, Posting
from backend.models.supply import AvailabilityException, AvailabilityWindow, VolunteerProfile, VolunteerService
from backend.models.fulfilment import Anomaly, FollowUp, Offer, OrderEvent, ServiceVisit
from backend.models.operations import HandoffTicket, IdempotencyRecord, Operator, Registration, Certificate
from backend.models.calls import Call, CallEvent, CallTurn
from backend.models.chats import Chat, ChatMessage
from backend.models.web import AuditEntry, LoginAttempt, WebSession
from backend.models.messages import MessageCursor, OrderMessage
from backend.models.mall import MallBenefit, MallGoods, MallPartner, MallRedemption
from backend.models.disputes import Dispute, DisputeStatement

__all__ = [
    "Base", "Person", "FamilyLink", "Organisation", "OrganisationMember", "Qualification", "Training",
    "Station", "ServiceItem", "Order", "OrderTransition", "Rating", "Account", "LedgerEntry",
    "LedgerHead", "Posting", "HandoffTicket", "IdempotencyRecord", "Operator", "Registration",
    "Certificate", "AvailabilityException", "AvailabilityWindow", "VolunteerProfile", "VolunteerService",
    "Anomaly", "FollowUp", "Offer", "OrderEvent", "ServiceVisit", "Call", "CallEvent", "CallTurn",
    "AuditEntry", "LoginAttempt", "WebSession", "MessageCursor", "OrderMessage", "Chat", "ChatMessage",
    "MallBenefit", "MallGoods", "MallPartner", "MallRedemption",
    "Dispute", "DisputeStatement",
]
