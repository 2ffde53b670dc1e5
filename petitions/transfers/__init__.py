"""Letters that travel: a transfer to another unit of this system moves the case (issue 20 §5).

``receiving.receive_case`` is the one receiving handler; ``local`` calls it when a transfer step
names a unit of this system; ``trace`` reads what a unit sent and where a letter came from.
"""
