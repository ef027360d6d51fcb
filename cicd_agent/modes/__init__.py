"""The ways the agent runs: one cycle from a terminal (`wiring`), the watcher (`watch`), the GitHub Action
step (`action`, with its state rebuilt from GitHub by `action_state`), and the demo (`demo`)."""
