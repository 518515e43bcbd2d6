"""One interviewer process for the load tests: captures N entries as fast as it can.

python -m tests.faults.writer DB PARTICIPANT N  -> prints one line per commit latency (ms)
"""

from __future__ import annotations

import sys
import time

from journey.capture.session import InterviewSession
from journey.storage import open_database
from journey.storage.studies import resolve_study


def main() -> None:
    path, participant, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open_database(path) as db:
        session = InterviewSession.start(db, resolve_study(db, None), participant, consent=True)
        latencies = []
        for number in range(count):
            started = time.perf_counter()
            session.add("note", f"{participant} line {number}")
            latencies.append((time.perf_counter() - started) * 1000)
            if number == count // 2:
                session.next_stage()
        session.finish()
    print(" ".join(f"{ms:.3f}" for ms in latencies))


if __name__ == "__main__":
    main()
