"""What volunteers/ tells the apps above it."""

from django.dispatch import Signal

# Sent inside the transaction that inserts volunteers in bulk, where no save signals
# fire (the roster import): volunteers_registered.send(sender=Volunteer, volunteers=[...]).
volunteers_registered = Signal()

# Sent inside the transaction that closes an account, before anything is erased:
# account_closing.send(sender=User, user=user, volunteer=volunteer_or_None, at=datetime).
# Apps above erase what they hold of the person (orders: addresses, phones, photos); a
# receiver that must refuse raises volunteers.services.AccountError, which undoes the closing.
account_closing = Signal()
