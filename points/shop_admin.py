"""The shop (爱心超市) in the admin: items, stock register, redemptions, keepers."""
