"""What volunteers/ tells the apps above it."""

from django.dispatch import Signal

# Sent inside the transaction that inserts volunteers in bulk, where no save signals
# fire (the roster import): volunteers_registered.send(sender=Volunteer, volunteers=[...]).
volunteers_registered = Signal()
