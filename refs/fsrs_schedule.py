"""Reference FSRS-6 schedules for crates/cards/src/schedule.rs, from py-fsrs (the reference
Python scheduler of the FSRS project, an implementation independent of the Rust `fsrs` crate).

Writes crates/cards/fixtures/fsrs.json: the default parameters, then review sequences. Each
sequence is a list of (rating, days since the previous review) and, after each review,
py-fsrs's stability, difficulty and interval in days.

The scheduler is configured as ours schedules: no learning or relearning steps (every review
is a plain FSRS review), no fuzzing, desired retention 0.9. Reviews are whole days apart,
because py-fsrs, like ours, counts elapsed time in whole days.

Versions: python 3.11, fsrs (py-fsrs) 6.3.2. No randomness. Run from the repository root:
    python refs/fsrs_schedule.py   (not fsrs.py: that name would shadow the package)
"""

import importlib.metadata
import json
from datetime import datetime, timedelta, timezone


from fsrs import Card, Rating, Scheduler

SEQUENCES = [
    [(3, 0), (3, 2), (3, 5), (3, 14), (3, 40)],  # Good every time, on time
    [(1, 0), (3, 1), (3, 2), (1, 6), (3, 1), (4, 3)],  # lapses and recovery
    [(4, 0), (4, 8), (2, 30), (3, 20)],  # easy, then late and hard
    [(2, 0), (2, 1), (2, 3), (2, 5)],  # hard every time
    [(3, 0), (3, 10), (1, 60), (1, 1), (3, 1)],  # very late, two lapses in a row
    [(3, 0), (3, 1), (4, 1), (3, 0), (2, 2)],  # early reviews, one on the same day
]


def main():
    sched = Scheduler(desired_retention=0.9, learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    t0 = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
    out = {"version": importlib.metadata.version("fsrs"),
           "parameters": list(sched.parameters), "desired_retention": 0.9, "sequences": []}
    for seq in SEQUENCES:
        card, t, steps = Card(due=t0), t0, []
        for rating, days in seq:
            t = t + timedelta(days=days)
            card, _ = sched.review_card(card, Rating(rating), review_datetime=t)
            steps.append({
                "rating": rating,
                "days": days,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "interval_days": (card.due - t).total_seconds() / 86400,
            })
        out["sequences"].append(steps)
    with open("crates/cards/fixtures/fsrs.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
