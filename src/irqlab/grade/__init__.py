"""`irqlab grade`: check a whole class's submissions, isolated, in parallel, resumably.

intake (entries -> private folders), worker (one submission in a worker process), store
(atomic per-student results), batch (the class), reports (CSV, JSON, JUnit, Gradescope),
progress (stderr). The worker entry point is `python -m irqlab.grade LAB FOLDER`.
"""
