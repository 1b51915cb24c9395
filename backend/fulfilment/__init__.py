"""From check-in to credit: visits, the checks that hold a suspicious order for review, completion
with its ledger credit, ratings and follow-up calls (回访), and fraud review (revoke + claw-back)."""
