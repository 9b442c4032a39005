"""Points rules, event coefficients and awards in the admin."""
