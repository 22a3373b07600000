"""`streamlit run`, with a log of when each session's rerun requests arrive and when its runs end.

Usage (what loadtest/run.py does): python loadtest/timed_server.py LOG streamlit-run-arguments...

Every line of LOG is ``<monotonic seconds> <session id> request|finished [page] [fragment]``: "request"
when a rerun request (a control changed, a page opened) reaches the session on the server, with the page
it names and whether it reruns a fragment only; "finished" when the session queues the end of a run for
its browser. The load test pairs them into the server's answer time, free of
the browsers' own work, which on a shared machine would otherwise blur it (`server_answers`).
"""

from __future__ import annotations

import sys
import threading
import time


def install(log_path: str) -> None:
    """Wrap Streamlit's session so that it writes the log (appends; one line per event)."""
    from streamlit.runtime.app_session import AppSession

    log = open(log_path, "a", buffering=1, encoding="ascii")  # noqa: SIM115 - open for the server's life
    lock = threading.Lock()
    handle_backmsg, enqueue = AppSession.handle_backmsg, AppSession._enqueue_forward_msg

    def write(session: AppSession, event: str) -> None:
        with lock:
            log.write(f"{time.monotonic():.6f} {session.id} {event}\n")

    def timed_handle_backmsg(self, msg):
        if msg.WhichOneof("type") == "rerun_script":
            rerun = msg.rerun_script
            write(self, f"request {rerun.page_name or rerun.page_script_hash[:8] or '-'}"
                        f"{' fragment' if rerun.fragment_id else ''}")
        return handle_backmsg(self, msg)

    def timed_enqueue(self, msg):
        enqueue(self, msg)
        if msg.WhichOneof("type") == "script_finished":
            write(self, "finished")

    AppSession.handle_backmsg = timed_handle_backmsg
    AppSession._enqueue_forward_msg = timed_enqueue


def server_answers(lines: list[str], since: float = 0.0) -> list[float]:
    """Seconds from each rerun request (at or after `since`) to the last end of a run before the session's next
    request: what the learner waits for, a rerun that interrupts another included.

    Examples
    --------
    >>> server_answers(["1.0 a request", "1.5 a finished", "2.0 b request", "2.2 a request", "2.4 b finished",
    ...                 "2.9 a finished"])
    [0.5, 0.4, 0.7]
    """
    events = [(float(t), session, what) for t, session, what, *_ in (line.split() for line in lines if line.strip())]
    answers = []
    for i, (start, session, what) in enumerate(events):
        if what != "request" or start < since:
            continue
        end = None
        for t, other, later in events[i + 1:]:
            if other != session:
                continue
            if later == "request":
                break
            end = t
        if end is not None:
            answers.append(round(end - start, 6))
    return answers


if __name__ == "__main__":
    install(sys.argv[1])
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[2:]]
    sys.exit(cli.main())
