"""The loop guard: at low temperature and argmax a model repeats one stretch
for ever; the guard blocks the character that would begin the next copy."""

from __future__ import annotations


class LoopGuard:
    """Breaks loops. At each token boundary it looks for `COPIES` copies of one
    stretch (up to `LONGEST` characters) at the end of the text; on finding one,
    it blocks the character that would begin the next copy after this context
    (the last `CONTEXT` characters) for the rest of the tune, so the loop cannot
    simply start again. `banned(text)` names the characters blocked next."""

    COPIES = 3
    LONGEST = 240
    PROBE = 3  # the tail looked up to find candidate periods (a short token: "G4 ")
    CONTEXT = 16

    def __init__(self) -> None:
        self.blocked: dict[str, set[str]] = {}

    def banned(self, text: list[str]) -> set[str]:
        if not text:
            return set()
        ctx = "".join(text[-self.CONTEXT :])
        if text[-1] in " |":
            nxt = self._loop_next(text)
            if nxt is not None:
                self.blocked.setdefault(ctx, set()).add(nxt)
        return self.blocked.get(ctx, set())

    def _loop_next(self, text: list[str]) -> str | None:
        tail = "".join(text[-self.COPIES * self.LONGEST :])
        probe = tail[-self.PROBE :]
        end = len(tail) - 1
        while True:
            at = tail.rfind(probe, 0, end)
            if at < 0:
                return None
            p = len(tail) - self.PROBE - at
            if p > self.LONGEST or self.COPIES * p > len(tail):
                return None
            if all(tail[-k * p - p : len(tail) - k * p] == tail[-p:] for k in range(1, self.COPIES)):
                return tail[-p]
            end = at + self.PROBE - 1
