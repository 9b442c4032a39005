"""What orders/ tells the apps above it (notifications), without knowing them."""

from django.dispatch import Signal

# Sent inside the transaction of each step of an order, after its history line is written:
#
#     order_changed.send(sender=Order, order=order, step=order_change)
#
# ``step`` is the OrderChange just created (its ``action`` says what happened: accept_review,
# refuse, dispatch, open, redispatch, accept, claim, reschedule, decline, start, complete,
# rate, close, cancel, escalate).
order_changed = Signal()
