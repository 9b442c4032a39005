"""Domain events (check-ins, refusals, reviews, certificates) as log lines and metrics.

An app of its own only so that its receivers are connected in every process that
touches the models: web workers, task workers and management commands alike.
"""
