"""The GitHub port: the client over PyGithub (reads), its writes, the values it returns, its errors and
retries, credentials, the polling pool, and git over GitPython."""
