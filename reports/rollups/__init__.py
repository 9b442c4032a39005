"""The rollups (``reports.models``): kept in step with the records (``upkeep``), read instead of them (``reading``)."""
