"""The remediation lifecycle, one module per stage:

`cycle` (one pass) -> `poll` (new failed runs) -> `decide` (claim, explain, breaker, rules) ->
`rerun` | `fix` | `report` -> `check` (health verdicts) -> `rollback`; `reconcile` recovers what a killed
cycle left; `bodies` is the text written on GitHub; `context` holds the ports and the report they share.
"""
