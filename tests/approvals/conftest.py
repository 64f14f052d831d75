from tests.approvals.kinds import product_kind  # noqa: F401  (shared fixture)
