"""The effects gateway, the only door for writes (GitHub, git, notifications, files); the dry-run record
and report; the notification channels."""
