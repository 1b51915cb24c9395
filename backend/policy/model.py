"""What differs between cities' time banks, as one validated record."""
from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Tier(str, Enum):
    ordinary = "ordinary"
    technical = "technical"
    professional = "professional"


class MatchingRules(BaseModel):
    """Dispatch and fulfilment settings; every field has a default, so a profile may omit them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offer_timeout_minutes: int = Field(10, ge=1, description="how long an auto-dispatch offer waits for accept")
    escalate_after_minutes: int = Field(60, ge=1, description="unmatched this long → operator queue")
    prefer_young_old_pairs: bool = Field(True, description="favour 60后帮扶80后: volunteer 60–79, recipient 80+")
    checkin_max_distance_m: int = Field(500, ge=10, description="check-in farther than this from the address → held")
    min_service_minutes: int = Field(10, ge=1, description="shorter check-in to check-out → held as implausible")
    max_duration_factor: float = Field(2.0, ge=1.0, description="longer than planned × this → held")
    follow_up_sample_percent: int = Field(10, ge=0, le=100, description="share of completed orders called back")
    suspicious_pair_per_30_days: int = Field(12, ge=2, description="one volunteer–elder pair more often → listed")


class PolicyProfile(BaseModel):
    """A deployment's rules. Hours and coins in the file; the ledger stores minutes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    city_zh: str = Field(description="city name read to callers, e.g. 南京")
    source: str = Field(description="the policy document these numbers come from")
    tier_multipliers: dict[Tier, int] = Field(
        description="coins per hour served, by service tier (Tai'erzhuang: 1/2/3)")
    star_thresholds_hours: list[int] = Field(
        description="lifetime service hours for star levels 1..N (Nanjing: 100/300/600/1000/1500)")
    volunteer_min_age: int = 18
    recipient_min_age: int = 60
    redemption_age: int = Field(60, description="holder or spouse must be this old to redeem")
    gift_recipients: Literal["anyone", "direct_relatives", "linked_family"] = Field(
        description="Beijing: 直系亲属 only; Zhengzhou: anyone")
    donation_allowed: bool = True
    account_cap_coins: int | None = Field(None, description="largest balance a person may hold")
    cap_overflow: Literal["reject", "to_fund"] = Field(
        "reject", description="above the cap: refuse the credit, or credit up to it and send the rest to the fund")
    goods_share_percent: int = Field(
        0, ge=0, le=100, description="share of earned coins exchangeable for goods (Tai'erzhuang: 50)")
    incentive_threshold_coins: int | None = Field(
        None, description="stored coins that qualify for the city's incentive (Zhengzhou, Beijing: 10000)")
    recipient_pays: bool = Field(True, description="completed services debit the recipient's coins")
    max_service_hours_per_day: int = 8
    matching: MatchingRules = MatchingRules()

    @field_validator("tier_multipliers")
    @classmethod
    def _all_tiers_positive(cls, value: dict[Tier, int]) -> dict[Tier, int]:
        missing = set(Tier) - set(value)
        if missing:
            raise ValueError(f"tier_multipliers lacks {sorted(t.value for t in missing)}")
        if any(m < 1 for m in value.values()):
            raise ValueError("tier multipliers must be whole numbers ≥ 1")
        return value

    @field_validator("star_thresholds_hours")
    @classmethod
    def _strictly_increasing(cls, value: list[int]) -> list[int]:
        if not value or any(b <= a for a, b in zip(value, value[1:])) or value[0] <= 0:
            raise ValueError("star_thresholds_hours must be positive and strictly increasing")
        return value

    @model_validator(mode="after")
    def _cap_makes_sense(self) -> "PolicyProfile":
        if self.account_cap_coins is not None and self.account_cap_coins <= 0:
            raise ValueError("account_cap_coins must be positive or absent")
        return self

    def multiplier(self, tier: Tier | str) -> int:
        return self.tier_multipliers[Tier(tier)]

    @property
    def account_cap_minutes(self) -> int | None:
        return None if self.account_cap_coins is None else self.account_cap_coins * 60

    def star_level(self, service_minutes: int) -> int:
        hours = service_minutes // 60
        return sum(1 for t in self.star_thresholds_hours if hours >= t)

    def minutes_to_next_level(self, service_minutes: int) -> int | None:
        level = self.star_level(service_minutes)
        if level >= len(self.star_thresholds_hours):
            return None
        return self.star_thresholds_hours[level] * 60 - service_minutes
