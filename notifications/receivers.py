"""What the platform tells people, connected to the domain events of the apps below."""


def connect() -> None:
    """Connect every receiver (called once from the app config)."""
