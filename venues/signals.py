from django.dispatch import Signal

# Sent with ``booking`` and ``change`` (a BookingChange) after a booking is made,
# decided or cancelled, inside the transaction: receivers that send messages
# queue them on commit.
booking_changed = Signal()
