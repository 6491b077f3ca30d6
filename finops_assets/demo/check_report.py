"""The data-quality part of the `make demo` summary: every asset check evaluated in the demo's runs (the Python raw
checks and the dbt tests), tallied per check and severity, so a user sees at the end which checks ran and that
they passed, without opening the UI."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import dagster as dg


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    check: str
    severity: str  # ERROR | WARN
    passed: bool


NAME_WIDTH = 72  # dbt names its generic tests after their arguments; longer names are cut for the table


def declared_severities(defs: dg.Definitions) -> dict[dg.AssetCheckKey, str]:
    """ERROR for the blocking checks, WARN for the others: the project's contract (ERROR blocks, WARN only reports),
    which is also how dagster-dbt declares a dbt test (blocking when its severity is error). Needed because the
    evaluation of a dbt test that passed always says ERROR, whatever the test's severity."""
    graph = defs.resolve_asset_graph()
    return {key: "ERROR" if graph.get_check_spec(key).blocking else "WARN" for key in graph.asset_check_keys}


def check_outcomes(result: dg.ExecuteInProcessResult, severities: dict[dg.AssetCheckKey, str]) -> list[CheckOutcome]:
    """The asset check evaluations of one run; a failed check has the severity it failed with, a passed one the
    severity it is declared with."""
    outcomes = []
    for e in result.get_asset_check_evaluations():
        declared = severities.get(dg.AssetCheckKey(e.asset_key, e.check_name), e.severity.value)
        outcomes.append(CheckOutcome(e.asset_key.to_user_string(), e.check_name,
                                     declared if e.passed else e.severity.value, e.passed))
    return outcomes


@dataclass
class CheckTally:
    outcomes: list[CheckOutcome] = field(default_factory=list)

    def add(self, result: dg.ExecuteInProcessResult, defs: dg.Definitions) -> None:
        self.outcomes.extend(check_outcomes(result, declared_severities(defs)))

    def failed(self, severity: str) -> list[CheckOutcome]:
        return [o for o in self.outcomes if not o.passed and o.severity == severity]

    def rows(self) -> list[tuple[str, str, int, int, int]]:
        """(severity, check, assets, passed, failed) per check name, ERROR first. The raw checks share their names
        across the raw assets, so one row covers every source."""
        passed, failed, assets = Counter(), Counter(), {}
        for o in self.outcomes:
            key = (o.severity, o.check)
            (passed if o.passed else failed)[key] += 1
            assets.setdefault(key, set()).add(o.asset)
        return [(severity, check, len(assets[(severity, check)]), passed[(severity, check)], failed[(severity, check)])
                for severity, check in sorted(assets, key=lambda k: (k[0] != "ERROR", k[1]))]

    def format(self) -> str:
        rows = [(severity, _cut(check), *counts) for severity, check, *counts in self.rows()]
        width = max((len(r[1]) for r in rows), default=5)
        lines = ["\ndata-quality checks of this demo (Python asset checks and dbt tests, every run)",
                 f"{'severity':<8} {'check':<{width}} {'assets':>6} {'passed':>7} {'failed':>7}"]
        lines += [f"{severity:<8} {check:<{width}} {assets:>6} {ok:>7} {bad:>7}" for severity, check, assets, ok, bad in rows]
        errors, warnings = self.failed("ERROR"), self.failed("WARN")
        lines.append(
            f"{len(rows)} checks, {len(self.outcomes)} evaluations: {len(self.outcomes) - len(errors) - len(warnings)} "
            f"passed, {len(errors)} ERROR failed, {len(warnings)} WARN failed"
            + (" (all green)" if not errors and not warnings else "")
        )
        lines += [f"  {o.severity} failed: {o.check} on {o.asset}" for o in errors + warnings]
        return "\n".join(lines)


def _cut(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 3] + "..."
