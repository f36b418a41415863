"""`irqlab grade`: check a whole class's submissions, isolated, in parallel, resumably.

intake (entries -> private folders, and a digest of each), worker (one submission in a
worker process), store (atomic per-student results), batch (the class: who to grade, the
sandbox, the score), reports (CSV, JSON, JUnit, Gradescope), feedback (a page per
student), progress (stderr). The worker entry point is `python -m irqlab.grade LAB FOLDER`.
"""
