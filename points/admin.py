"""The points sections of the admin: rules and awards (rules_admin), the shop (shop_admin), the ledger below."""

from points import rules_admin, shop_admin  # noqa: F401  (they register their models)
